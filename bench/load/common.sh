# Shell helpers of bench/load/run.sh and scripts/build_pgo.sh, which both start a
# locacar on seeded data and drive it with wrk. Sourced; defines functions only.

say() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# debian_tool COMMAND WHY [PACKAGE]: installs Debian's PACKAGE (by default named as the
# command) when COMMAND is missing.
debian_tool() {
  command -v "$1" >/dev/null && return 0
  local package=${3:-$1}
  say "installing $package (Debian) $2"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -q "$package" >/dev/null || { $sudo apt-get update -q && $sudo apt-get install -y -q "$package" >/dev/null; }
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# session_cookie: the seeded manager's session cookie from the server on PORT.
session_cookie() {
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"username":"manager","password":"manager123"}' \
    "http://127.0.0.1:$PORT/api/auth/login" | sed -nE 's/^[Ss]et-[Cc]ookie: (locacar_session=[^;]*).*/\1/p'
}

# first_reservations DB FILE: the first 500 reservations of the SQLite file DB by booking
# date, to FILE, for the wrk scripts' IDS_FILE.
first_reservations() {
  python3 -c 'import sqlite3, sys
for (i,) in sqlite3.connect(sys.argv[1]).execute("SELECT id FROM reservations ORDER BY reservation_date, id LIMIT 500"): print(i)' \
    "$1" >"$2"
}
