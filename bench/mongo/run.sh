#!/usr/bin/env bash
# The import-mongo / export-mongo benchmark (issue 9). See BENCHMARKS.md.
#
#   bench/mongo/run.sh            # full run: 10,000, 100,000 and 1,000,000 documents,
#                                 # SQLite and PostgreSQL, plus a dry run of the largest
#   bench/mongo/run.sh --smoke    # 2,000 documents on SQLite only, a few seconds after the build
#
# For each size and engine: `import-mongo` of a dump made by make_dump.py into an empty
# database, then `export-mongo` of that database, each under /usr/bin/time -v (wall time,
# CPU time, peak RSS), and a check that the export holds as many documents per collection
# as the import says it imported (audit_log: one more, the IMPORT_MONGO entry).
# Figures go to target/bench-mongo/results.md (smoke: results-smoke.md), raw logs to
# target/bench-mongo/logs/. Dumps are cached in target/bench-mongo/dumps/N/ (made again
# when make_dump.py changes).
#
# Settings (environment):
#   BENCH_LIMIT_SECONDS  a run longer than this is stopped and recorded as such (1200)
#   BENCH_PG             PostgreSQL server URL without database
#                        (postgres://postgres@127.0.0.1:5432); the benchmark creates its
#                        own database per run and drops it afterwards
#   BENCH_SIZES          sizes to run instead of the default (e.g. "10000 100000")
#   BENCH_ENGINES        engines to run instead of the default (e.g. "sqlite")
#   BENCH_REV            a commit (e.g. HEAD) to build and measure instead of the working
#                        tree, from `git archive`, in target/bench-mongo/build/
#
# Exit status: 0 when every run imported, exported and matched; 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/target/bench-mongo
LIMIT=${BENCH_LIMIT_SECONDS:-1200}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PG_HOST=$(sed -E 's#^postgres(ql)?://([^@/]*@)?([^:/]+).*#\3#' <<<"$PG")
PG_PORT=$(sed -nE 's#^postgres(ql)?://([^@/]*@)?[^:/]+:([0-9]+).*#\3#p' <<<"$PG")
PG_PORT=${PG_PORT:-5432}
PG_USER=$(sed -nE 's#^postgres(ql)?://([^:@/]+)(:[^@]*)?@.*#\2#p' <<<"$PG")
PG_USER=${PG_USER:-postgres}

SMOKE=0
case "${1:-}" in
  --smoke) SMOKE=1 ;;
  "") ;;
  -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac

if [ "$SMOKE" = 1 ]; then
  SIZES=(2000); ENGINES=(sqlite); DRY_RUN_SIZE=""
  RESULTS=$OUT/results-smoke.md
else
  read -r -a SIZES <<<"${BENCH_SIZES:-10000 100000 1000000}"
  read -r -a ENGINES <<<"${BENCH_ENGINES:-sqlite postgres}"
  DRY_RUN_SIZE=${SIZES[${#SIZES[@]}-1]}
  RESULTS=$OUT/results.md
fi

mkdir -p "$OUT/dumps" "$OUT/logs"
say() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ------------------------------------------------------------------ cleanup
CREATED_DBS=()
WORKDIRS=()
# Drops one of the benchmark's own databases, ending its sessions first (a stopped import's
# server process may still be finishing its statement).
drop_db() {
  local i
  for i in 1 2 3 4 5; do
    dropdb --if-exists --force -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$1" 2>/dev/null && return 0
    sleep 2
  done
  echo "warning: could not drop database $1" >&2
  return 1
}
cleanup() {
  for db in "${CREATED_DBS[@]}"; do drop_db "$db" || true; done
  for w in "${WORKDIRS[@]}"; do rm -rf "$w"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ build
BIN=$OUT/locacar
if [ -n "${BENCH_REV:-}" ]; then
  # A committed revision, built apart from the working tree (which others may be editing):
  # its files from `git archive`, its own target folder (the first build takes a while).
  REV=$(cd "$ROOT" && git rev-parse --short "$BENCH_REV^{commit}")
  say "building the release binary of $REV (from git archive) in $OUT/build"
  rm -rf "$OUT/build/src"
  mkdir -p "$OUT/build/src"
  (cd "$ROOT" && git archive "$REV") | tar -x -C "$OUT/build/src"
  (cd "$OUT/build/src" && CARGO_TARGET_DIR=$OUT/build/target cargo build --release --locked)
  cp "$OUT/build/target/release/locacar" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
else
  say "building the release binary"
  (cd "$ROOT" && cargo build --release --locked)
  # A copy, so that the runs are not affected by someone rebuilding target/release meanwhile.
  cp "$ROOT/target/release/locacar" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
  REV=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ -n "$(cd "$ROOT" && git status --porcelain -- src migrations Cargo.toml Cargo.lock 2>/dev/null)" ]; then
    REV="$REV + uncommitted changes of the working tree"
  fi
fi

# ------------------------------------------------------------------ dumps
GEN_SUM=$(sha256sum "$ROOT/bench/mongo/make_dump.py" | cut -d' ' -f1)
dump_for() { # size -> prints the dump folder, made if missing or stale
  local n=$1 dir=$OUT/dumps/$1
  if [ "$(cat "$dir/.complete" 2>/dev/null)" != "$GEN_SUM" ]; then
    say "making a dump of $n documents"
    rm -rf "$dir"
    local started=$SECONDS
    if ! python3 "$ROOT/bench/mongo/make_dump.py" --docs "$n" --out "$dir" >"$OUT/logs/dump-$n.log"; then
      echo "make_dump.py failed for $n documents (see $OUT/logs/dump-$n.log)" >&2
      exit 1
    fi
    echo "$GEN_SUM" >"$dir/.complete"
    say "  made in $((SECONDS - started)) s: $(du -sh "$dir" | cut -f1)"
  fi
  echo "$dir"
}

# ------------------------------------------------------------------ measuring
# timed NAME CMD...: runs CMD under /usr/bin/time -v and `timeout`, in the current
# directory, with stdout/stderr in logs/NAME.{out,err}; sets RC, WALL, CPU, RSS_KB.
timed() {
  local name=$1; shift
  local log=$OUT/logs/$name
  set +e
  /usr/bin/time -v -o "$log.time" timeout -k 30 "$LIMIT" "$@" >"$log.out" 2>"$log.err"
  RC=$?
  set -e
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {
      n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s }' "$log.time")
  CPU=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.1f", u + s}' "$log.time")
  RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
}

mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN {if (s > 0) printf "%.0f", n / s; else print "-"}'; }
load1() { cut -d' ' -f1 /proc/loadavg; }
thousands() { awk -v n="$1" 'BEGIN {s = sprintf("%d", n); r = ""; while (length(s) > 3) {r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3)}; print s r}'; }

ROWS=()       # the main table
COLL_ROWS=()  # per-collection import rates
FAILED=0

row() { ROWS+=("| $(thousands "$1") | $2 | $3 | $4 | $5 | $6 | $7 | $8 | $9 |"); }

# Per-collection lines the import writes on stderr:
#   reservations: 600000 read, 600000 imported, 0 left out, 0 problems, 12 notices (5123 documents/s)
collection_rates() { # logfile -> "users N/s · clients N/s …"
  sed -nE 's#^(users|clients|cars|reservations|audit_log): [0-9]+ read,.*\(([0-9]+) documents/s\)$#\1 \2/s#p' "$1" |
    paste -sd'|' | sed 's/|/ · /g'
}
# Where a stopped import had got to: its last progress line, e.g.
#   reservations: 299008 documents, 50% of the file (4034 documents/s)
last_progress() {
  local line
  line=$(grep -E '^[a-z_]+: [0-9]+ documents, [0-9]+% of the file' "$1" | tail -1 || true)
  echo "${line:-before the first progress line}" | sed -E 's/^([a-z_]+): /at \1 /'
}
imported_of() { # logfile collection -> documents imported
  awk -v c="$2:" '$1 == c && $3 == "read," {print $4}' "$1"
}
notices_of() {
  awk '/^(users|clients|cars|reservations|audit_log): [0-9]+ read,/ {n += $(NF-3)} END {print n + 0}' "$1"
}

db_size() { # engine url db-name-or-file -> MiB
  case $1 in
    sqlite) du -cm "$3"* 2>/dev/null | tail -1 | cut -f1 || true ;;
    postgres) psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$3" -tAc \
                "SELECT pg_database_size(current_database()) / 1048576" ;;
  esac
}

# run_one ENGINE N [dry]: one import (or dry run), then the export and its check.
run_one() {
  local engine=$1 n=$2 dry=${3:-} dump url dbname work tag
  dump=$(dump_for "$n")
  work=$(mktemp -d "${TMPDIR:-/tmp}/locacar-bench-mongo.XXXXXX")
  WORKDIRS+=("$work")
  case $engine in
    sqlite)
      dbname=$work/bench.db
      url="sqlite://$dbname" ;;
    postgres)
      dbname=locacar_bench_mongo_${n}_$$
      drop_db "$dbname" || true
      createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$dbname"
      CREATED_DBS+=("$dbname")
      url="$PG/$dbname" ;;
  esac
  tag=$n-$engine${dry:+-dry-run}
  local step="import" args=(import-mongo "$dump")
  if [ -n "$dry" ]; then step="import --dry-run"; args+=(--dry-run); fi
  local load; load=$(load1)
  say "$tag: $step of $n documents"
  # Run in the work folder: a .env elsewhere must not change the settings.
  cd "$work"
  timed "$tag-import" env DATABASE_URL="$url" "$BIN" "${args[@]}"
  cd "$ROOT"
  local check
  if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
    check="**stopped after $LIMIT s**, $(last_progress "$OUT/logs/$tag-import.err")"
  elif [ "$RC" != 0 ]; then
    check="**failed (exit $RC)**: $(grep -v '^\s*$' "$OUT/logs/$tag-import.err" | tail -1 | cut -c1-120 || true)"
  elif [ -n "$dry" ] && grep -q '^dry run: the import would succeed' "$OUT/logs/$tag-import.out"; then
    check="would import; $(notices_of "$OUT/logs/$tag-import.err") notices"
  elif [ -z "$dry" ] && grep -q '^imported: every document' "$OUT/logs/$tag-import.out"; then
    check="imported; $(notices_of "$OUT/logs/$tag-import.err") notices"
  else
    check="**unexpected outcome**: $(head -1 "$OUT/logs/$tag-import.out")"
  fi
  local import_ok=0
  case $check in imported*|would*) import_ok=1 ;; *) FAILED=1 ;; esac
  # CPU time goes in the table too: the machine is shared, CPU time moves less than wall time.
  local docs_per_s; docs_per_s=$(rate "$n" "$WALL")
  [ "$import_ok" = 1 ] || docs_per_s="—"
  row "$n" "$engine" "$step" "$WALL" "$docs_per_s" "$CPU" "$(mib "$RSS_KB")" "$load" "$check"
  local rates; rates=$(collection_rates "$OUT/logs/$tag-import.err")
  [ "$RC" != 124 ] && [ "$RC" != 137 ] || rates="$rates${rates:+ · }stopped $(last_progress "$OUT/logs/$tag-import.err")"
  COLL_ROWS+=("| $(thousands "$n") | $engine | ${dry:+dry run }$rates |")
  say "  $WALL s, $(rate "$n" "$WALL") documents/s, peak RSS $(mib "$RSS_KB") MiB: $check"

  if [ -z "$dry" ] && [ "$import_ok" = 1 ]; then
    local size; size=$(db_size "$engine" "$url" "$dbname" || echo "?")
    load=$(load1)
    say "$tag: export-mongo (database: $size MiB)"
    cd "$work"
    timed "$tag-export" env DATABASE_URL="$url" "$BIN" export-mongo "$work/export"
    cd "$ROOT"
    if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
      check="**stopped after $LIMIT s**"; FAILED=1
    elif [ "$RC" != 0 ]; then
      check="**failed (exit $RC)**: $(tail -1 "$OUT/logs/$tag-export.err" | cut -c1-120)"; FAILED=1
    else
      # Lines per file against what the import says it imported (+1: IMPORT_MONGO).
      local c want got bad="" total=0
      for c in users clients cars reservations audit_log; do
        want=$(imported_of "$OUT/logs/$tag-import.err" "$c")
        [ "$c" = audit_log ] && want=$((want + 1))
        got=$(wc -l <"$work/export/$c.json" 2>/dev/null || echo "no file")
        [ "$got" = "no file" ] || total=$((total + got))
        [ "$want" = "$got" ] || bad="$bad $c: $got lines, $want expected;"
      done
      if [ -z "$bad" ]; then
        check="same documents per collection as imported (+1 audit entry)"
      else
        check="**mismatch**:$bad"; FAILED=1
      fi
      EXPORTED=$total
    fi
    row "$n" "$engine" "export" "$WALL" "$(rate "${EXPORTED:-$n}" "$WALL")" "$CPU" "$(mib "$RSS_KB")" "$load" \
      "$check; database $size MiB, files $(du -sm "$work/export" 2>/dev/null | cut -f1) MiB"
    say "  $WALL s, $(rate "${EXPORTED:-$n}" "$WALL") documents/s, peak RSS $(mib "$RSS_KB") MiB: $check"
    unset EXPORTED
  fi

  # Free the space now (a million documents take a few GB between database and export).
  rm -rf "$work"
  if [ "$engine" = postgres ]; then
    drop_db "$dbname" || true
  fi
}

# ------------------------------------------------------------------ the runs
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for n in "${SIZES[@]}"; do
  for engine in "${ENGINES[@]}"; do
    run_one "$engine" "$n"
  done
done
if [ -n "$DRY_RUN_SIZE" ]; then
  run_one sqlite "$DRY_RUN_SIZE" dry
fi

# ------------------------------------------------------------------ results
{
  echo "# import-mongo / export-mongo benchmark"
  echo
  settings=$(env | grep -E '^BENCH_[A-Z_]+=' | sort | tr '\n' ' ' || true)
  echo "Run $STARTED to $(date -u +%Y-%m-%dT%H:%M:%SZ) by \`${settings}bench/mongo/run.sh${1:+ $1}\`, locacar $REV (release build)."
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), $(free -h | awk '/^Mem:/ {print $2}') RAM, shared with other builds (load average at start of each step in the table); $(uname -sr); $(psql --version 2>/dev/null | head -1) server at $PG_HOST:$PG_PORT; SQLite in ${TMPDIR:-/tmp}."
  echo
  echo -n "Dumps (bench/mongo/make_dump.py, relaxed Extended JSON lines):"
  for n in "${SIZES[@]}"; do
    echo -n " $(thousands "$n") documents $(du -sm "$OUT/dumps/$n" | cut -f1) MiB;"
  done
  echo
  echo
  echo "Documents/s: documents in the dump (export: lines written) over wall time. CPU: user + system time of the locacar process. Peak RSS: maximum resident set size of the locacar process (for PostgreSQL, the server's own memory is not included)."
  echo
  echo "| Documents | Engine | Step | Wall (s) | Documents/s | CPU (s) | Peak RSS (MiB) | Load | Outcome |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Per collection, as the import reports it on standard error (documents read per second of that collection):"
  echo
  echo "| Documents | Engine | users · clients · cars · reservations · audit_log |"
  echo "|---:|---|---|"
  printf '%s\n' "${COLL_ROWS[@]}"
} >"$RESULTS"
say "results in $RESULTS"
cat "$RESULTS"
exit "$FAILED"
