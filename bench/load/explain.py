#!/usr/bin/env python3
"""The query plans of the hot requests, for BENCHMARKS.md (issue 10).

    bench/load/explain.py SERVER_LOG DATABASE.db

SERVER_LOG is the standard error of `locacar serve` run with LOCACAR_LOG=locacar::sql=debug
while the requests of interest were made (bench/load/run.sh --explain does this); every
distinct SELECT in it is shown with its SQLite `EXPLAIN QUERY PLAN`, from apsw 3.46.1,
the SQLite release the server embeds (libsqlite3-sys 0.30 bundles 3.46.0): another
SQLite may plan differently, as Python's 3.40 did for the reservation list.
"""
import re
import sys

import apsw

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STATEMENT = re.compile(r'statement="((?:[^"\\]|\\.)*)"')


def statements(log_path):
    seen = []
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = STATEMENT.search(ANSI.sub("", line))
            if not match:
                continue
            sql = " ".join(match.group(1).replace("\\n", " ").replace('\\"', '"').split())
            if sql.upper().startswith("SELECT") and sql not in seen:
                seen.append(sql)
    return seen


def main():
    log_path, db_path = sys.argv[1], sys.argv[2]
    db = apsw.Connection(db_path, flags=apsw.SQLITE_OPEN_READONLY)
    for sql in statements(log_path):
        params = re.findall(r"\$\d+", sql)
        bindings = {p[1:]: None for p in params}
        text = re.sub(r"\$(\d+)", r":\1", sql)
        print("```sql")
        print(sql)
        print("```")
        print("```")
        depths = {}
        for node, parent, _, detail in db.execute("EXPLAIN QUERY PLAN " + text, bindings):
            depths[node] = depths.get(parent, -1) + 1
            print("  " * depths[node] + detail)
        print("```")
        print()


if __name__ == "__main__":
    main()
