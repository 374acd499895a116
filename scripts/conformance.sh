#!/usr/bin/env bash
# Conformance to the published OpenAPI document, checked by a tool nobody here wrote:
# schemathesis (from PyPI) runs every operation of /api/openapi.json against the real
# server, logged in, and fails on any server error, any response that violates the
# document, and any request the document calls invalid that the server accepts.
# (Schema-valid requests that business rules refuse, such as an end before a start,
# are expected: the `positive_data_acceptance` check is left out.)
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV=target/schemathesis-venv
if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/st" --version | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

BIN=${LOCACAR_BIN:-target/debug/locacar}
[ -x "$BIN" ] || cargo build --locked --quiet
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# A demo agency, so operations have data to work on; throttling out of the way of a fuzzer.
export DATABASE_URL="sqlite://$WORK/locacar.db" LOCACAR_BIND=127.0.0.1:0 LOCACAR_DEMO=1 \
  LOCACAR_METRICS_TOKEN=conformance-metrics-token LOCACAR_LOG=warn \
  LOCACAR_LOGIN_MAX_FAILURES=10000 LOCACAR_LOGIN_MAX_FAILURES_PER_ADDRESS=100000
(cd "$WORK" && exec "$OLDPWD/$BIN" serve) > "$WORK/stdout" 2> "$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/stdout" 2>/dev/null && break
  sleep 0.1
done
BASE=$(sed -n 's/^locacar listening on //p' "$WORK/stdout")
[ -n "$BASE" ] || { echo "error: the server did not start" >&2; cat "$WORK/server.log" >&2; exit 1; }

LOCACAR_ST_SESSION=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"admin123"}' "$BASE/api/auth/login" \
  | sed -n 's/^[Ss]et-[Cc]ookie: locacar_session=\([^;]*\).*/\1/p')
[ -n "$LOCACAR_ST_SESSION" ] || { echo "error: could not log in for the conformance run" >&2; exit 1; }
export LOCACAR_ST_SESSION LOCACAR_ST_METRICS=conformance-metrics-token

set +e
"$VENV/bin/st" --config-file scripts/schemathesis.toml run "$BASE/api/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples "${LOCACAR_ST_EXAMPLES:-20}" --seed 20261124 > "$WORK/st.log" 2>&1
status=$?
set -e
tail -n 40 "$WORK/st.log"
cases=$(grep -Eo '[0-9]+ generated' "$WORK/st.log" | head -n 1 | grep -Eo '[0-9]+' || echo 0)
echo "schemathesis: $cases generated test cases"
if grep -q "panicked" "$WORK/server.log"; then
  echo "error: the server panicked during the conformance run:" >&2
  grep -A3 "panicked" "$WORK/server.log" >&2
  exit 1
fi
exit $status
