#!/usr/bin/env bash
# Every test that SECURITY.md names (`tests/<file>.rs::<function>`) must exist: the map
# of security claims to tests cannot point at a test that was renamed or removed.
# (Indented `fn` lines are proptest properties, written inside its macro.)
set -euo pipefail
cd "$(dirname "$0")/.."

refs=$(grep -o 'tests/[a-z_/]*\.rs::[a-z0-9_]*' SECURITY.md | sort -u)
if [ -z "$refs" ]; then
  echo "SECURITY.md names no test" >&2
  exit 1
fi
missing=0
for ref in $refs; do
  file=${ref%%::*}
  name=${ref##*::}
  if [ ! -f "$file" ] || ! grep -Eq "^[[:space:]]*(async )?fn ${name}\(" "$file"; then
    echo "SECURITY.md names $ref, which does not exist" >&2
    missing=1
  fi
done
[ "$missing" -eq 0 ] && echo "SECURITY.md: $(echo "$refs" | wc -l) tests named, all present"
exit "$missing"
