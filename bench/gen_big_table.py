#!/usr/bin/env python3
"""A `hit unique` pay-band table of GRADES enum values x RANGES money ranges, and RECORDS records
for it, for the big-table benchmark (bench/big_tables).

Usage: gen_big_table.py GRADES RANGES RECORDS OUT   (writes OUT.pol, OUT.jsonl and OUT.expected)
OUT.expected holds each record's band, worked out here, so the benchmark checks every answer."""
import random
import sys

grades, ranges, records, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
names = [f"G{i}" for i in range(grades)]


def band(grade, r):  # the pay in a row: any exact amount, different from row to row
    return f"{(r * 7 + len(grade) * 31) % 997}.{(r + len(grade)) % 100:02d}"


lines = [f"enum Grade {{ {', '.join(names)} }}", "input grade: Grade", "input pay: money", "",
         "table band(grade: Grade, pay: money) -> money hit unique", "  | grade | pay | band |"]
for g in names:
    for r in range(ranges):
        cell = f"[£{r * 1000}..£{(r + 1) * 1000})" if r < ranges - 1 else f">= £{r * 1000}"
        lines.append(f"  | {g} | {cell} | £{band(g, r)} |")
lines += ["", "output pay_band = band(grade, pay)"]
with open(out + ".pol", "w") as f:
    f.write("\n".join(lines) + "\n")
rnd = random.Random(12)
with open(out + ".jsonl", "w") as f, open(out + ".expected", "w") as e:
    for _ in range(records):
        g, pence = rnd.choice(names), rnd.randrange(0, ranges * 100000)
        f.write('{"grade":"%s","pay":"%d.%02d"}\n' % (g, pence // 100, pence % 100))
        e.write('{"outputs":{"pay_band":"%s"},"violations":[]}\n' % band(g, min(pence // 100000, ranges - 1)))
