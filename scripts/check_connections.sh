#!/usr/bin/env bash
# Reads the connection traces that the integration tests wrote (every server and command
# they started ran under `strace -e trace=connect`, see tests/common/mod.rs) and fails if
# any of them connected anywhere but to the test database. Usage:
#   check_connections.sh <trace folder> <database URL>
set -euo pipefail
dir=$1
url=$2

# host:port of the database, from postgres://user@host:port/db
authority=${url#*@}
authority=${authority%%/*}
db_host=${authority%%:*}
db_port=${authority##*:}

shopt -s nullglob
traces=("$dir"/*.trace)
if [ ${#traces[@]} -eq 0 ]; then
  echo "no connection traces in $dir: were the servers traced?" >&2
  exit 1
fi

# Every socket address a traced process connected to, once each.
addresses=$(cat "${traces[@]}" | grep -o 'connect([0-9]*, {sa_family=[^}]*}' | sed 's/^connect([0-9]*, //' | sort -u)
allowed=(
  "{sa_family=AF_INET, sin_port=htons($db_port), sin_addr=inet_addr(\"$db_host\")}"
  # The C library asks the local name-service cache daemon first, over this Unix socket.
  '{sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}'
)
# Relays that a test put between a server and the database (tests/common/mod.rs,
# `database_relay`) stand for the database.
for marker in "$dir"/relay-*.allowed; do
  port=${marker##*/relay-}
  port=${port%.allowed}
  allowed+=("{sa_family=AF_INET, sin_port=htons($port), sin_addr=inet_addr(\"127.0.0.1\")}")
done
strangers=$(printf '%s\n' "$addresses" | grep -v -F -x -f <(printf '%s\n' "${allowed[@]}") | grep -v '^{sa_family=AF_NETLINK' || true)
echo "connection traces: ${#traces[@]} processes; addresses reached:"
printf '%s\n' "$addresses" | sed 's/^/  /'
if [ -n "$strangers" ]; then
  echo "a traced process connected somewhere other than the database:" >&2
  printf '%s\n' "$strangers" | sed 's/^/  /' >&2
  exit 1
fi
# Without PostgreSQL tests (LOCACAR_TEST_SKIP_POSTGRES=1, never in CI) no process has a
# database to reach, and this proof that the tracing worked does not apply.
if [ "${LOCACAR_TEST_SKIP_POSTGRES:-0}" != "1" ] && ! printf '%s\n' "$addresses" | grep -q -F "htons($db_port)"; then
  echo "no traced process reached the database: the tracing did not work" >&2
  exit 1
fi
