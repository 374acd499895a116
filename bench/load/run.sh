#!/usr/bin/env bash
# The HTTP load benchmark (issue 10). See BENCHMARKS.md.
#
#   bench/load/run.sh            # full run: agency data set on SQLite and PostgreSQL,
#                                # group commit sweep, 1,000,000-reservation and chain data
#   bench/load/run.sh --smoke    # a tiny data set, SQLite only, 8 desks, 2 s per step (for CI)
#   bench/load/run.sh --explain  # the SQLite query plans of the hot requests, to
#                                # target/bench-load/explain.md (needs pip's apsw 3.46.1)
#
# Every step runs the production build of `locacar serve` (smoke: the debug build) as a real
# agency would: sessions, audit, SQLite in WAL with synchronous=FULL, PostgreSQL with
# synchronous_commit=on. The desks log in as the seeded manager.
#   mixed      goose (bench/load), 64 desks, the issue's mix, for BENCH_SECONDS
#   throughput wrk, 64 connections, one operation at a time (one reservation, available
#              cars, a list page at random depth)
#   bare       the same wrk runs against bench/baseline, the bare axum + SQLite server the
#              issue compares with (no sessions, audit or logs; synchronous=NORMAL), on
#              the same data and machine (SQLite only); then goose's mix against it
#              (mixed-bare, as mixed) on a fresh copy, its fixture read through a locacar
#              serving another copy of the same data
#   latency    goose, one desk, one operation at a time
#   logins     goose, 16 desks of the read mix while 100 logins arrive at once every 2 s
#   rss        wrk with 256 open connections on a fresh server: its peak RSS
#   writes     goose, 64 desks recording payments, LOCACAR_GROUP_COMMIT_MAX 1 (off) to 64
#   instructions  callgrind: user-space instructions per request of the three reads,
#              locacar against the bare server, each under wrk -c8 (SQLite only);
#              steady where req/s moves with the machine's neighbours
#   scale      start-up time and available-cars latency on 1,000,000 reservations;
#              the chain (2,000 cars, 100,000 clients, 1,000,000 reservations): seed time,
#              available cars with and without a branch filter
# Figures go to target/bench-load/results-UTCSTAMP.md, one file per invocation so that a
# later run (say, PostgreSQL only) does not overwrite an earlier one, and results.md
# links to the latest (smoke: results-smoke.md); JSON beside them; server and load
# generator logs to target/bench-load/logs/, named by step and engine. Seeded databases
# are cached in target/bench-load/data/ (made again when the binary changes).
#
# Settings (environment): BENCH_SECONDS (30; smoke 2), BENCH_PG
# (postgres://postgres@127.0.0.1:5432: a database is created and dropped per run),
# BENCH_STEPS (default: all of "mixed throughput bare instructions latency logins rss
# writes scale"),
# BENCH_ENGINES ("sqlite postgres"), BENCH_PROFILE (production; smoke debug; pgo: the
# production build of scripts/build_pgo.sh).
#
# Exit status: 0 when every step ran and no request got a 5xx; 1 otherwise.
set -euo pipefail
# The whole script is one block, which bash reads before running any of it: editing this
# file during a run (which takes many minutes) cannot change or break the run.
{

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/target/bench-load
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
SMOKE=0; EXPLAIN=0
case "${1:-}" in
  --smoke) SMOKE=1 ;;
  --explain) EXPLAIN=1 ;;
  "") ;;
  -h|--help) sed -n '2,44p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac

if [ "$SMOKE" = 1 ]; then
  SECONDS_PER_RUN=${BENCH_SECONDS:-2}
  AGENCY=(--branches 2 --cars 20 --clients 200 --reservations 1000); AGENCY_NAME=tiny
  read -r -a STEPS <<<"${BENCH_STEPS:-mixed throughput bare instructions latency logins rss writes}"
  ENGINES=(sqlite); PROFILE=${BENCH_PROFILE:-debug}; RESULTS=$OUT/results-smoke.md
  BURST=10; BATCHES=(1 64); DESKS=8; WIDE=32
else
  SECONDS_PER_RUN=${BENCH_SECONDS:-30}
  AGENCY=(--branches 2 --cars 200 --clients 2000 --reservations 10000); AGENCY_NAME=agency
  read -r -a STEPS <<<"${BENCH_STEPS:-mixed throughput bare instructions latency logins rss writes scale}"
  read -r -a ENGINES <<<"${BENCH_ENGINES:-sqlite postgres}"
  PROFILE=${BENCH_PROFILE:-production}; RESULTS=$OUT/results-$(date -u +%Y%m%dT%H%M%S).md
  BURST=100; BATCHES=(1 4 16 64); DESKS=64; WIDE=256
fi
mkdir -p "$OUT/logs" "$OUT/data" "$OUT/json"
FAILED=0
# shellcheck source=bench/load/common.sh
source "$ROOT/bench/load/common.sh"
record() { printf '%s\n' "$*" >>"$RESULTS"; }

# ------------------------------------------------------------------ tools and builds
debian_tool wrk "for the throughput runs"
[[ " ${STEPS[*]} " != *" instructions "* ]] || debian_tool valgrind "for the instruction counts"
# Debug: --all-targets, so that the binary `cargo test` built (dev-dependencies and all)
# is reused rather than built again with other features.
# Otherwise the named profile (production: what a production server runs, see
# Cargo.toml); the load generator is built --release either way.
# pgo: the production profile built with a profile of the server at work, by
# scripts/build_pgo.sh (see the README's production build).
FLAG=(); LOAD_PROFILE=debug; [ "$PROFILE" = debug ] || { FLAG=(--release); LOAD_PROFILE=release; }
say "building locacar and the load generator ($PROFILE)"
(cd "$ROOT/bench/load" && cargo build "${FLAG[@]}" --locked)
if [ "$PROFILE" = pgo ]; then
  bash "$ROOT/scripts/build_pgo.sh"
  LOCACAR=$ROOT/target/pgo/production/locacar
else
  TARGETS=(--all-targets); [ "$PROFILE" = debug ] || TARGETS=(--profile "$PROFILE" --bin locacar)
  (cd "$ROOT" && cargo build "${TARGETS[@]}" --locked)
  LOCACAR=$ROOT/target/$PROFILE/locacar
fi
LOAD=$ROOT/bench/load/target/$LOAD_PROFILE/locacar-load
STAMP=$(sha1sum "$LOCACAR" | cut -c1-12)

# ------------------------------------------------------------------ servers
PORT=0; SERVER_PID=""; FIXTURE_PID=""; PG_DBS=()
cleanup() {
  stop_server; stop_fixture
  for db in "${PG_DBS[@]}"; do dropdb --if-exists -d "$PG/postgres" "$db" 2>/dev/null || psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT


# start_server NAME URL [VAR=VALUE ...]: starts locacar, waits for /readyz, sets
# SERVER_PID, PORT and READY_MS (from exec to the first 200 of /readyz).
# Under valgrind when UNDER holds its command line (the instructions step).
UNDER=()
start_server() {
  local name=$1 url=$2; shift 2
  PORT=$(free_port)
  local begun; begun=$(date +%s%N)
  env DATABASE_URL="$url" LOCACAR_BIND="127.0.0.1:$PORT" "$@" \
    "${UNDER[@]}" "$LOCACAR" serve >"$OUT/logs/$name.log" 2>&1 &
  SERVER_PID=$!
  await_ready "$name" "$begun"
}

# await_ready NAME BEGUN: waits for SERVER_PID to answer /readyz on PORT.
await_ready() {
  local name=$1 begun=$2
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { say "server $name died: see $OUT/logs/$name.log"; exit 1; }
    sleep 0.005
  done
  READY_MS=$(( ($(date +%s%N) - begun) / 1000000 ))
}

# start_bare NAME: the bare server of bench/baseline on a copy of the agency data.
start_bare() {
  local name=$1
  PORT=$(free_port)
  "${UNDER[@]}" "$BARE" "$OUT/data/run.db" "127.0.0.1:$PORT" >"$OUT/logs/$name.log" 2>&1 &
  SERVER_PID=$!
  await_ready "$name" "$(date +%s%N)"
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=""
}

# start_fixture NAME: a locacar on its own copy of the agency data (run.db as it is
# now), for goose to read a bare mix's fixture through (accounts, sessions, payable
# reservations: the bare server has none of them); its port in FIXTURE_PORT.
start_fixture() {
  rm -f "$OUT/data/fixture.db"*
  cp "$OUT/data/run.db" "$OUT/data/fixture.db"
  start_server "$1" "sqlite://$OUT/data/fixture.db"
  FIXTURE_PID=$SERVER_PID; FIXTURE_PORT=$PORT; SERVER_PID=""
}

stop_fixture() {
  if [ -n "$FIXTURE_PID" ]; then kill "$FIXTURE_PID" 2>/dev/null || true; wait "$FIXTURE_PID" 2>/dev/null || true; fi
  FIXTURE_PID=""
}

peak_rss_mib() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }

# memory_now: the server's RSS now, the file pages in it (the binary, the database seen
# through each reader's own memory map: a page mapped by three readers counts three
# times), and its proportional set size, which counts such a page once.
memory_now() {
  awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Pss_File:/ { f = $2 }
       END { printf "RSS %.1f MiB, proportional set size %.1f MiB (file pages %.1f MiB)", r / 1024, p / 1024, f / 1024 }' \
    "/proc/$SERVER_PID/smaps_rollup"
}

# database ENGINE NAME SEED-ARGS...: a seeded database (SQLite: a cached file copied
# afresh; PostgreSQL: a new database), its URL in DB_URL.
database() {
  local engine=$1 name=$2; shift 2
  if [ "$engine" = sqlite ]; then
    local cached=$OUT/data/$name-$STAMP.db
    if [ ! -f "$cached" ]; then
      say "seeding $name (SQLite): $*"
      rm -f "$OUT/data/$name-"*.db*
      # The files copied and seeded before may still be on their way to the disk, and
      # the seed's fsyncs would wait for them: its time should be its own.
      sync
      DATABASE_URL="sqlite://$cached.tmp" "$LOCACAR" seed "$@" 2>&1 | tee "$OUT/logs/seed-$name.log" >&2
      mv "$cached.tmp" "$cached"
    fi
    rm -f "$OUT/data/run.db"*
    cp "$cached" "$OUT/data/run.db"
    DB_URL="sqlite://$OUT/data/run.db"
  else
    local db="locacar_bench_$$_${#PG_DBS[@]}"
    psql -q "$PG/postgres" -c "CREATE DATABASE $db" >/dev/null
    PG_DBS+=("$db")
    DB_URL="$PG/$db"
    say "seeding $name (PostgreSQL): $*"
    DATABASE_URL="$DB_URL" "$LOCACAR" seed "$@" >"$OUT/logs/seed-$name-pg.log" 2>&1
  fi
}

# ------------------------------------------------------------------ the runs
# goose_run LABEL OPS USERS [VAR=VALUE ...]: the load generator against the running
# server; its JSON summary to json/LABEL.json, its table into the results.
goose_run() {
  local label=$1 ops=$2 users=$3; shift 3
  say "goose $label: $ops, $users desks, ${SECONDS_PER_RUN}s"
  env LOAD_OPS="$ops" LOAD_SUMMARY="$OUT/json/$label.json" "$@" \
    "$LOAD" --host "http://127.0.0.1:$PORT" --users "$users" --increase-rate "$users" \
    --run-time "${SECONDS_PER_RUN}s" --no-print-metrics --quiet \
    >"$OUT/logs/goose-$label.txt" 2>"$OUT/logs/goose-$label.err" || { say "goose $label failed"; FAILED=1; return; }
  record ""; record "**$label**"; sed -n '/^|/p' "$OUT/logs/goose-$label.txt" >>"$RESULTS"
  if grep -q '"5[0-9][0-9]"' "$OUT/json/$label.json"; then say "5xx in $label"; FAILED=1; fi
}

# wrk_run ENGINE LABEL SCRIPT CONNECTIONS: wrk for BENCH_SECONDS with bench/load/wrk/SCRIPT.
wrk_run() {
  local engine=$1 label=$2 script=$3 conns=$4
  local log="$OUT/logs/wrk-$script-$conns-$engine.txt"
  say "wrk $label: $conns connections"
  COOKIE=$(session_cookie) IDS_FILE="$OUT/data/ids.txt" PAGES=$((${AGENCY[7]} / 20)) \
    wrk -t2 -c"$conns" -d"${SECONDS_PER_RUN}s" --latency \
    -s "$ROOT/bench/load/wrk/$script.lua" "http://127.0.0.1:$PORT" >"$log" 2>&1 \
    || { say "wrk $label failed"; FAILED=1; return; }
  local rps p50 p90 p99 non2xx
  rps=$(awk '/Requests\/sec/ { print $2 }' "$log")
  p50=$(awk '$1 == "50%" { print $2 }' "$log")
  p90=$(awk '$1 == "90%" { print $2 }' "$log")
  p99=$(awk '$1 == "99%" { print $2 }' "$log")
  non2xx=$(awk '/Non-2xx/ { print $5 }' "$log")
  record "| $label | $conns | $rps | $p50 | $p90 | $p99 | ${non2xx:-0} |"
  [ -z "$non2xx" ] || { say "$label: $non2xx non-2xx answers"; FAILED=1; }
}

reservation_ids() {
  curl -s -H "Cookie: $(session_cookie)" "http://127.0.0.1:$PORT/api/reservations?perPage=100&page=$1" \
    | python3 -c 'import json,sys; print("\n".join(r["_id"] for r in json.load(sys.stdin)["items"]))'
}

step_mixed() {
  local engine=$1
  database "$engine" "$AGENCY_NAME" "${AGENCY[@]}"; start_server "mixed-$engine" "$DB_URL"
  record ""; record "### Mixed desk workload, $engine ($DESKS desks, ${SECONDS_PER_RUN} s, start-up ${READY_MS} ms)"
  goose_run "mixed-$engine" mixed "$DESKS"
  record ""; record "Server peak RSS: $(peak_rss_mib) MiB"
  stop_server
}

step_throughput() {
  local engine=$1
  database "$engine" "$AGENCY_NAME" "${AGENCY[@]}"; start_server "throughput-$engine" "$DB_URL"
  for page in 1 2 3 4 5; do reservation_ids "$page"; done >"$OUT/data/ids.txt"
  record ""; record "### One operation at a time, $engine (wrk, ${SECONDS_PER_RUN} s)"
  record ""; record "| operation | connections | req/s | p50 | p90 | p99 | non-2xx |"; record "|---|---:|---:|---:|---:|---:|---:|"
  wrk_run "$engine" "one reservation" get "$DESKS"
  wrk_run "$engine" "available cars" available "$DESKS"
  wrk_run "$engine" "list page" list "$DESKS"
  stop_server
}

# build_bare: the bare server of bench/baseline, its path in BARE.
build_bare() {
  say "building the bare server (bench/baseline)"
  (cd "$ROOT/bench/baseline" && cargo build "${FLAG[@]}" --locked)
  BARE=$ROOT/bench/baseline/target/$LOAD_PROFILE/locacar-baseline
}

# agency_ids: the first 500 reservations of run.db by booking date, to ids.txt; read from
# the file, as the bare server has no session to ask its list with.
agency_ids() { first_reservations "$OUT/data/run.db" "$OUT/data/ids.txt"; }

step_bare() {
  local engine=$1
  [ "$engine" = sqlite ] || return 0
  build_bare
  database sqlite "$AGENCY_NAME" "${AGENCY[@]}"
  agency_ids
  start_bare "bare-$engine"
  record ""; record "### The bare server (bench/baseline), same data and machine (wrk, ${SECONDS_PER_RUN} s)"
  record ""; record "| operation | connections | req/s | p50 | p90 | p99 | non-2xx |"; record "|---|---:|---:|---:|---:|---:|---:|"
  wrk_run bare "one reservation, bare" get "$DESKS"
  wrk_run bare "available cars, bare" available "$DESKS"
  wrk_run bare "list page, bare" list "$DESKS"
  stop_server
  # The mix writes: a fresh copy for the bare server, another for the fixture's locacar.
  database sqlite "$AGENCY_NAME" "${AGENCY[@]}"
  start_fixture "mixed-bare-fixture"
  start_bare "mixed-bare"
  record ""; record "### The bare server's mix (bench/baseline), same data and machine ($DESKS desks, ${SECONDS_PER_RUN} s)"
  goose_run mixed-bare mixed "$DESKS" LOAD_FIXTURE_HOST="http://127.0.0.1:$FIXTURE_PORT"
  record ""; record "Bare server peak RSS: $(peak_rss_mib) MiB"
  stop_server; stop_fixture
}

# callgrind_per_request SCRIPT: user-space instructions per request of the server under
# callgrind (SERVER_PID, dumping to CALLGRIND_OUT) for wrk's SCRIPT at 8 connections:
# a warm-up, counters zeroed, wrk for the measured seconds, counters dumped. In IR.
callgrind_per_request() {
  local script=$1 log="$OUT/logs/callgrind-wrk-$1.txt" dumps requests total
  local -a wrk_env=(COOKIE="$COOKIE" IDS_FILE="$OUT/data/ids.txt" PAGES=$((${AGENCY[7]} / 20)))
  env "${wrk_env[@]}" wrk -t1 -c8 -d"$WARM_SECONDS"s -s "$ROOT/bench/load/wrk/$script.lua" \
    "http://127.0.0.1:$PORT" >/dev/null 2>&1 || true
  callgrind_control -z "$SERVER_PID" >/dev/null 2>&1 || { say "callgrind: cannot zero $SERVER_PID"; FAILED=1; IR="?"; return; }
  env "${wrk_env[@]}" wrk -t1 -c8 -d"$SECONDS_PER_RUN"s -s "$ROOT/bench/load/wrk/$script.lua" \
    "http://127.0.0.1:$PORT" >"$log" 2>&1 || { say "wrk $script under callgrind failed"; FAILED=1; }
  dumps=$(find "$(dirname "$CALLGRIND_OUT")" -name "$(basename "$CALLGRIND_OUT").*" | wc -l)
  callgrind_control -d "$SERVER_PID" >/dev/null 2>&1 || true
  requests=$(awk '/requests in/ { print $1 }' "$log")
  # A dump is written under the next number; its `summary:` line is the total since zeroing.
  local dump=$CALLGRIND_OUT.$((dumps + 1)) tries=0
  until grep -q '^totals:' "$dump" 2>/dev/null || [ $((tries += 1)) -gt 100 ]; do sleep 0.1; done
  total=$(awk '/^summary:/ { print $2 }' "$dump" 2>/dev/null || true)
  if grep -q Non-2xx "$log" || [ -z "$requests" ] || [ -z "$total" ]; then
    say "callgrind $script: no count (see $log)"; FAILED=1; IR="?"; return
  fi
  IR=$((total / requests))
}

# The three reads of the throughput targets, and the share of the bare server's
# throughput each target asks (25,000 of 30,000; 3,000 of 2,500; 3,000 of 2,800).
READS=(get available list); ASKED=(0.83 1.20 1.07)
READ_NAMES=("one reservation" "available cars" "list page")

step_instructions() {
  local engine=$1 i
  [ "$engine" = sqlite ] || return 0
  build_bare
  local -a ours=() bare=()
  mkdir -p "$OUT/callgrind"; rm -f "$OUT/callgrind/"*
  WARM_SECONDS=$(( SMOKE == 1 ? 1 : 3 ))
  for server in locacar bare; do
    database sqlite "$AGENCY_NAME" "${AGENCY[@]}"; agency_ids
    CALLGRIND_OUT=$OUT/callgrind/$server
    UNDER=(valgrind --tool=callgrind "--callgrind-out-file=$CALLGRIND_OUT")
    if [ "$server" = locacar ]; then start_server "instructions-locacar" "$DB_URL"; else start_bare "instructions-bare"; fi
    UNDER=()
    COOKIE=$(session_cookie)
    for i in "${!READS[@]}"; do
      say "callgrind $server: ${READ_NAMES[$i]}"
      callgrind_per_request "${READS[$i]}"
      if [ "$server" = locacar ]; then ours+=("$IR"); else bare+=("$IR"); fi
    done
    stop_server
  done
  record ""; record "### Instructions per request, sqlite (callgrind, wrk -c8, ${SECONDS_PER_RUN} s each)"
  record ""; record "| operation | locacar | bare server | bare ÷ locacar | asked |"; record "|---|---:|---:|---:|---:|"
  for i in "${!READS[@]}"; do
    record "$(python3 -c 'import sys
name, ours, bare, asked = sys.argv[1:]
try: print(f"| {name} | {int(ours):,} | {int(bare):,} | {int(bare) / int(ours):.2f} | {asked} |")
except ValueError: print(f"| {name} | {ours} | {bare} | ? | {asked} |")' "${READ_NAMES[$i]}" "${ours[$i]}" "${bare[$i]}" "${ASKED[$i]}")"
  done
}

step_latency() {
  local engine=$1
  database "$engine" "$AGENCY_NAME" "${AGENCY[@]}"; start_server "latency-$engine" "$DB_URL"
  record ""; record "### One desk at a time, $engine (latency)"
  for op in get available list search; do goose_run "latency-$op-$engine" "$op" 1; done
  stop_server
}

step_logins() {
  local engine=$1
  database "$engine" "$AGENCY_NAME" "${AGENCY[@]}"
  # Every burst login verifies its password: the per-address throttle (issue 12) is lifted.
  start_server "logins-$engine" "$DB_URL" LOCACAR_LOGIN_MAX_FAILURES_PER_ADDRESS=100000
  record ""; record "### $BURST logins at once every 2 s during the read mix, $engine"
  goose_run "logins-$engine" get 16 LOAD_LOGIN_BURST="$BURST"
  record ""; record "Login bursts: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["loginBursts"])' "$OUT/json/logins-$engine.json")"
  stop_server
}

step_rss() {
  local engine=$1
  database "$engine" "$AGENCY_NAME" "${AGENCY[@]}"; start_server "rss-$engine" "$DB_URL"
  for page in 1 2; do reservation_ids "$page"; done >"$OUT/data/ids.txt"
  record ""; record "### $WIDE open connections, $engine"
  record ""; record "| operation | connections | req/s | p50 | p90 | p99 | non-2xx |"; record "|---|---:|---:|---:|---:|---:|---:|"
  wrk_run "$engine" "one reservation, $WIDE connections" get "$WIDE"
  record ""; record "Server peak RSS since start: $(peak_rss_mib) MiB; after the run: $(memory_now)"
  stop_server
}

step_writes() {
  local engine=$1
  [ "$engine" = sqlite ] || return 0
  record ""; record "### Durable payments against group commit batch size, $engine ($DESKS desks)"
  for batch in "${BATCHES[@]}"; do
    database "$engine" "$AGENCY_NAME" "${AGENCY[@]}"
    start_server "writes-$batch" "$DB_URL" LOCACAR_GROUP_COMMIT_MAX="$batch"
    goose_run "writes-batch-$batch" payment "$DESKS"
    stop_server
  done
}

step_scale() {
  local engine=$1
  [ "$engine" = sqlite ] || return 0
  record ""; record "### Scale, $engine"
  database sqlite "$AGENCY_NAME" "${AGENCY[@]}"; start_server "scale-10k" "$DB_URL"
  record ""; record "Start-up to ready, 10,000 reservations: ${READY_MS} ms"
  goose_run "available-10k" available 1; stop_server
  database sqlite history --branches 2 --cars 200 --clients 2000 --reservations 1000000
  start_server "scale-1m" "$DB_URL"
  record ""; record "Start-up to ready, 1,000,000 reservations: ${READY_MS} ms"
  goose_run "available-1m" available 1; stop_server
  database sqlite chain --branches 100 --cars 2000 --clients 100000 --reservations 1000000
  record ""; record "Chain seed: $(grep -h '^seeded' "$OUT/logs/seed-chain.log" | tail -1)"
  start_server "scale-chain" "$DB_URL"
  record ""; record "Start-up to ready, chain: ${READY_MS} ms"
  goose_run "available-chain" available 1
  local branch
  branch=$(curl -s -H "Cookie: $(session_cookie)" "http://127.0.0.1:$PORT/api/branches?perPage=1" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["_id"])')
  goose_run "available-chain-branch" available 1 LOAD_AVAILABLE_QUERY="&branch=$branch"
  stop_server
}

# explain: one request of each hot kind on a server that logs its statements, then
# their plans (bench/load/explain.py).
explain() {
  python3 -c 'import apsw' 2>/dev/null || pip install -q "apsw==3.46.1.0"
  database sqlite "$AGENCY_NAME" "${AGENCY[@]}"
  start_server explain "$DB_URL" LOCACAR_LOG=locacar::sql=debug
  local cookie base="http://127.0.0.1:$PORT/api" id car client
  cookie="Cookie: $(session_cookie)"
  id=$(reservation_ids 1 | sed -n 1p)
  car=$(curl -s -H "$cookie" "$base/cars?perPage=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["_id"])')
  client=$(curl -s -H "$cookie" "$base/clients?perPage=1" | python3 -c 'import json,sys; c=json.load(sys.stdin)["items"][0]; print(c["_id"], c["phone"], c["lastName"])')
  read -r client phone last <<<"$client"
  for path in "reservations/$id" "cars/available?start=2027-03-01T09:00:00Z&end=2027-03-05T09:00:00Z&perPage=100" \
      "reservations?page=400" "reservations?page=40&sort=-startDate" "reservations?status=completed&page=20&sort=-startDate" \
      "reservations?from=2026-11-01T00:00:00Z&to=2026-11-08T00:00:00Z" "clients?phone=$phone" "clients?q=$last"; do
    curl -s -o /dev/null -H "$cookie" "$base/$path"
  done
  curl -s -o /dev/null -H "$cookie" -H 'Content-Type: application/json' \
    -d "{\"carId\":\"$car\",\"clientId\":\"$client\",\"startDate\":\"2029-01-10T09:00:00Z\",\"endDate\":\"2029-01-12T09:00:00Z\"}" "$base/reservations"
  curl -s -o /dev/null -H "$cookie" -H 'Content-Type: application/json' -d '{"amount":1,"method":"cash"}' "$base/reservations/$id/payments"
  stop_server
  python3 "$ROOT/bench/load/explain.py" "$OUT/logs/explain.log" "$OUT/data/run.db" >"$OUT/explain.md"
  say "plans in $OUT/explain.md"
}

# ------------------------------------------------------------------ main
if [ "$EXPLAIN" = 1 ]; then explain; exit 0; fi
{
  echo "# Load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "locacar $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' + changes'), $PROFILE build;"
  echo "$(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$RESULTS"
[ "$SMOKE" = 1 ] || ln -sfn "$(basename "$RESULTS")" "$OUT/results.md"
for engine in "${ENGINES[@]}"; do
  for step in "${STEPS[@]}"; do "step_$step" "$engine"; done
done
say "figures in $RESULTS"
exit "$FAILED"
}
