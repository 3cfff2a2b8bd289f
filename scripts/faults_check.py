#!/usr/bin/env python3
"""Check for scripts/faults: every acknowledged case (from the load files given) is stored,
no case number is given twice. DB is an SQLite file or a postgres:// URL (read with psql).
Prints one line: acknowledged, found, lost, duplicates; exits 1 when anything was lost."""
import json, subprocess, sys, sqlite3

def rows(db, sql):
    if db.startswith("postgres"):
        out = subprocess.run(["psql", db, "-At", "-F", "\t", "-c", sql], check=True,
                             capture_output=True, text=True).stdout
        return [tuple(l.split("\t")) for l in out.splitlines() if l]
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return [tuple(str(x) for x in r) for r in c.execute(sql)]
    finally:
        c.close()

def main():
    db, files = sys.argv[1], sys.argv[2:]
    acked = []
    for f in files:
        acked += json.load(open(f))["acked"]
    stored = dict(rows(db, "SELECT number, description FROM cases WHERE description LIKE 'fault %'"))
    lost = [n for n, d in acked if stored.get(n) != d]
    dups = rows(db, "SELECT number, COUNT(*) FROM cases GROUP BY number HAVING COUNT(*) > 1")
    print("acknowledged %d, found %d, lost %d, duplicate numbers %d"
          % (len(acked), len(acked) - len(lost), len(lost), len(dups)))
    if lost or dups:
        print("lost:", lost[:10], "duplicates:", dups[:10])
        sys.exit(1)

main()
