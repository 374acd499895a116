#!/usr/bin/env bash
# Builds the web app (web/) into web/dist, which the server serves at / (a release build
# embeds it). Installs its npm packages first: always with --clean (as CI does), else only
# when package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null 2>&1 || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "error: the web app needs Node.js 20.19 or later with npm (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

if [ "${1:-}" = "--clean" ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
