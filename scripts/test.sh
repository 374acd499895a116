#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit tests, and the integration tests,
# which start the real server against SQLite and against PostgreSQL.
#
# PostgreSQL: LOCACAR_TEST_DATABASE_URL names a database the tests may connect to as a
# superuser (default: postgres://postgres@127.0.0.1:5432/test); each test creates and
# drops a database of its own beside it. Outside CI, LOCACAR_TEST_SKIP_POSTGRES=1 skips
# the PostgreSQL half (loudly); in CI an unreachable PostgreSQL fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

export LOCACAR_TEST_DATABASE_URL="${LOCACAR_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"

if [ "${LOCACAR_TEST_SKIP_POSTGRES:-0}" != "1" ]; then
  if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -d "$LOCACAR_TEST_DATABASE_URL"; then
    echo "error: PostgreSQL is not reachable at $LOCACAR_TEST_DATABASE_URL." >&2
    echo "       Start it, point LOCACAR_TEST_DATABASE_URL at one, or (outside CI) set LOCACAR_TEST_SKIP_POSTGRES=1." >&2
    exit 1
  fi
fi

# Debian packages some tests use, installed when missing.
install_for_tests() { # <command> <package> <why>
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "== installing $2 ($3)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get install -y -q "$2" || { $sudo apt-get update -q && $sudo apt-get install -y -q "$2"; }
}
install_for_tests pdftotext poppler-utils "the invoice tests read the PDFs back"
install_for_tests pdfinfo poppler-utils "the invoice tests read the PDFs back"
install_for_tests strace strace "a durability test counts the server's fsync calls"
if ! command -v npm >/dev/null 2>&1; then
  echo "error: the web app needs Node.js 20.19 or later with npm; none is installed." >&2
  exit 1
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
cargo fmt --manifest-path bench/load/Cargo.toml -- --check
cargo fmt --manifest-path bench/baseline/Cargo.toml -- --check
echo "== SECURITY.md names only tests that exist"
bash scripts/check_security_map.sh
echo "== web app: npm packages, types from web/openapi.json, type check, build"
bash scripts/build_web.sh --clean
echo "== web app: formatting (prettier) and component tests (Vitest)"
npm --prefix web run format:check
npm --prefix web test
# The Rust tests of the web app's serving may now expect the built app at /.
export LOCACAR_TEST_WEB_BUILT=1
echo "== cargo clippy"
cargo clippy --all-targets --locked -- -D warnings
cargo clippy --test faults --test abuse --locked -- -D warnings
cargo clippy --manifest-path bench/load/Cargo.toml --locked -- -D warnings
cargo clippy --manifest-path bench/baseline/Cargo.toml --locked -- -D warnings
echo "== cargo test (every server and command under strace: it may connect only to the database)"
connect_traces=$(mktemp -d)
LOCACAR_TEST_CONNECT_TRACE="$connect_traces" \
  cargo test --all-targets --locked -- --test-threads="${LOCACAR_TEST_THREADS:-4}"
bash scripts/check_connections.sh "$connect_traces" "$LOCACAR_TEST_DATABASE_URL"
rm -rf "$connect_traces"
echo "== web app end to end: Playwright drives Debian's chromium against the real server"
install_for_tests chromium chromium "the end-to-end tests of the web app drive it"
cargo build --bin locacar --locked
LOCACAR_BIN="$PWD/target/debug/locacar" CHROMIUM="$(command -v chromium)" npm --prefix web run e2e
echo "== fuzzing the parsers a little longer (proptest; saved failing seeds replay in every run)"
PROPTEST_CASES=4096 cargo test --test fuzz_parsers --locked
echo "== faults: races across server processes, crashes, start-up races (several minutes)"
cargo test --test faults --locked -- --test-threads=2 --nocapture
echo "== abuse: slow clients, hostile bodies and guessers while a desk keeps working (minutes)"
cargo test --test abuse --locked -- --test-threads=4 --nocapture
echo "== OpenAPI conformance (schemathesis)"
bash scripts/conformance.sh
echo "== load benchmark, smoke run (figures are not judged; the run must work and see no 5xx)"
bash bench/load/run.sh --smoke
