#!/usr/bin/env python3
"""Compares pol batch output with the oracle's, record by record, exactly (as decimals)."""
import json
import sys
from decimal import Decimal

ours, oracle = sys.argv[1], sys.argv[2]
bad = 0
n = 0
with open(ours) as a, open(oracle) as b:
    for line_a, line_b in zip(a, b):
        n += 1
        got = json.loads(line_a, parse_float=Decimal)["outputs"]
        want = json.loads(line_b, parse_float=Decimal)
        for key in ("months", "compensation"):  # outputs are in input order, so the id is the line
            if Decimal(str(got[key])) != Decimal(str(want[key])):
                bad += 1
                if bad <= 5:
                    print(f"record {n}: {key} is {got[key]}, the oracle says {want[key]}", file=sys.stderr)
                break
print(f"{n} records compared, {bad} differ")
sys.exit(1 if bad else 0)
