#!/usr/bin/env bash
# The README's run command: builds the web app, then builds and runs the server, which
# serves it at / beside the API. Arguments go to `locacar` (e.g. `serve --demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build_web.sh
exec cargo run --release --locked -- "$@"
