#!/usr/bin/env bash
# The production build, optimised with a profile of the server at work (PGO):
#
#   bash scripts/build_pgo.sh        # writes target/pgo/production/locacar
#
# 1. builds the production profile instrumented (-Cprofile-generate);
# 2. seeds an agency (200 cars, 2,000 clients, 10,000 reservations) and runs the load
#    benchmark's three reads against it with wrk (one reservation, available cars, list
#    pages), then the desk mix with its writes (bookings, status changes, payments,
#    logins; bench/load's goose, built --release), then stops the server cleanly so that
#    it writes its profile;
# 3. merges that profile with Debian's llvm-profdata of the same LLVM major version as
#    rustc (installed when missing: a profile of another version is refused);
# 4. builds the production profile again with -Cprofile-use.
# The request path misses the instruction cache less and mispredicts fewer calls: one
# reservation needs a tenth fewer instructions and a fifth less CPU (BENCHMARKS.md).
# Takes about three times as long as `cargo build --profile production`.
# Settings: PGO_SECONDS (5 per read, twice that for the mix). CARGO_TARGET_DIR is not
# used: target/pgo-generate and target/pgo hold the two builds, so that neither rebuilds
# the other's crates.
set -euo pipefail
# One block, read whole before it runs: editing this file during the build cannot break it.
{
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_PER_READ=${PGO_SECONDS:-5}
WORK=$ROOT/target/pgo-work
# shellcheck source=bench/load/common.sh
source "$ROOT/bench/load/common.sh"

LLVM_MAJOR=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
[ -n "$LLVM_MAJOR" ] || { echo "error: cannot read rustc's LLVM version (rustc -vV)" >&2; exit 1; }
debian_tool "llvm-profdata-$LLVM_MAJOR" "to merge the profile" "llvm-$LLVM_MAJOR" \
  || { echo "error: PGO needs llvm-profdata $LLVM_MAJOR, the LLVM of rustc; Debian's llvm-$LLVM_MAJOR could not be installed" >&2; exit 1; }
debian_tool wrk "to train the server"

rm -rf "$WORK"; mkdir -p "$WORK/profiles"
say "building the load generator (bench/load)"
(cd "$ROOT/bench/load" && cargo build --release --locked)
say "building the instrumented server"
RUSTFLAGS="-Cprofile-generate=$WORK/profiles" CARGO_TARGET_DIR=$ROOT/target/pgo-generate \
  cargo build --locked --profile production --bin locacar
INSTRUMENTED=$ROOT/target/pgo-generate/production/locacar

# Build scripts and proc macros were instrumented too: only the profiles written from
# here on (the seed, then the server at work) are merged.
rm -f "$WORK"/profiles/*.profraw
say "seeding the training data"
DB=$WORK/agency.db
# Trained too: the benchmark seeds its chain-sized database with this build.
DATABASE_URL="sqlite://$DB" "$INSTRUMENTED" seed --branches 2 --cars 200 --clients 2000 --reservations 10000 >/dev/null
PORT=$(free_port)
# At the default log level: the request's log line is on the path being trained.
DATABASE_URL="sqlite://$DB" LOCACAR_BIND="127.0.0.1:$PORT" "$INSTRUMENTED" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz"; do
  kill -0 "$SERVER" 2>/dev/null || { echo "error: the server died: see $WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
COOKIE=$(session_cookie)
[ -n "$COOKIE" ] || { echo "error: the seeded manager could not log in" >&2; exit 1; }
first_reservations "$DB" "$WORK/ids.txt"
export COOKIE IDS_FILE=$WORK/ids.txt PAGES=100
for script in get available list; do
  say "training: $script, ${SECONDS_PER_READ} s"
  wrk -t1 -c16 -d"${SECONDS_PER_READ}s" -s "$ROOT/bench/load/wrk/$script.lua" "http://127.0.0.1:$PORT" >"$WORK/wrk-$script.txt"
done
# The reads alone would leave the write path (validation, the group-commit writer, audit)
# to the compiler's guesses.
say "training: the desk mix, $((2 * SECONDS_PER_READ)) s"
LOAD_OPS=mixed "$ROOT/bench/load/target/release/locacar-load" --host "http://127.0.0.1:$PORT" \
  --users 16 --increase-rate 16 --run-time "$((2 * SECONDS_PER_READ))s" --no-print-metrics --quiet \
  >"$WORK/goose-mixed.txt" 2>&1 || { echo "error: the desk mix failed: see $WORK/goose-mixed.txt" >&2; exit 1; }
kill -TERM "$SERVER"; wait "$SERVER" || { echo "error: the server did not stop cleanly: see $WORK/server.log" >&2; exit 1; }
trap - EXIT
ls "$WORK"/profiles/*.profraw >/dev/null 2>&1 || { echo "error: the server wrote no profile" >&2; exit 1; }
"llvm-profdata-$LLVM_MAJOR" merge -o "$WORK/merged.profdata" "$WORK"/profiles/*.profraw
# Named by its content: cargo tracks RUSTFLAGS, not the file, so a new profile under
# the old name would leave the crates built with the old one.
PROFILE=$ROOT/target/pgo-profile-$(sha256sum "$WORK/merged.profdata" | cut -c1-16).profdata
mv "$WORK/merged.profdata" "$PROFILE"

say "building with the profile"
RUSTFLAGS="-Cprofile-use=$PROFILE" CARGO_TARGET_DIR=$ROOT/target/pgo \
  cargo build --locked --profile production --bin locacar
say "built target/pgo/production/locacar"
exit 0
}
