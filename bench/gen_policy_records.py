#!/usr/bin/python3
"""Realistic JSONL records for a shipped policy, for benchmarks (bench/policies).

Usage: gen_policy_records.py POLICY N OUT.jsonl [--seed S] [--pol PATH] [--errors SHARE]

The inputs are read from the policy itself with `pol schema POLICY` (their names, types, enum
values, which are required); the values are tuned per policy from its text and the published
facts of ../shared/seeds: every enum value and scheme appears, dates spread over the years the
policy's params cover, some members near pension age, lists of realistic length. About 1% of the
records (--errors) carry a deliberate error (a missing required input, an impossible date, a value
of the wrong type, an input outside its `requires`), so error paths run too. Violations of the
policy's rules come from realistic inputs (an offer without approval, a voucher off its steps).

Deterministic: the same arguments give the same file. A policy without tuning gets values from
its schema alone. A summary (records, errors by kind, enum coverage) goes to stderr; the script
fails if an enum value of the schema never appears in N >= 10,000 records.
"""
import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
from collections import Counter

# --- the schema ---------------------------------------------------------------------------


class Input:
    """One input of the policy, from its JSON Schema."""

    def __init__(self, name, prop, defs, required):
        self.name = name
        self.required = required
        self.has_default = "default" in prop
        self.nullable = False
        self.kind, self.values, self.item, self.fields = self._read(prop, defs)

    def _read(self, prop, defs):
        if "anyOf" in prop:  # T? is anyOf [T, null]
            others = [p for p in prop["anyOf"] if p.get("type") != "null"]
            self.nullable = len(others) < len(prop["anyOf"])
            if len(others) == 1:
                return self._read({**others[0], **{k: v for k, v in prop.items() if k != "anyOf"}}, defs)
        if "$ref" in prop:
            d = defs[prop["$ref"].split("/")[-1]]
            if "anyOf" in d:  # an enum: its names, without the labels that also read as them
                names = [v["const"] for v in d["anyOf"] if not v.get("title", "").startswith("the label of")]
                return "enum", names, None, None
            if d.get("type") == "object":
                fields = {k: Input(k, v, defs, k in d.get("required", [])) for k, v in d["properties"].items()}
                return "record", None, None, fields
        t = prop.get("type")
        types = t if isinstance(t, list) else [t]
        if "array" in types:
            item = Input("item", prop["items"], defs, True)
            return "list", None, item, None
        if "boolean" in types:
            return "bool", None, None, None
        if "integer" in types:
            return "int", None, None, None
        if "number" in types:
            return ("money" if "£" in prop.get("pattern", "") else "decimal"), None, None, None
        if prop.get("format") == "date":
            return "date", None, None, None
        if "string" in types:
            return "text", None, None, None
        if "null" in types:
            self.nullable = True
        raise SystemExit(f"gen_policy_records: input {self.name}: a schema this script does not read: {prop}")


def read_schema(pol, policy):
    try:
        text = subprocess.run([pol, "schema", policy], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit(f"gen_policy_records: cannot run `{pol} schema {policy}`: {e}: build pol first, or give --pol")
    s = json.loads(text)
    name = s["$id"].split(":")[3]  # urn:pol:policy:NAME:input
    defs = s.get("$defs", {})
    inputs = {k: Input(k, v, defs, k in s.get("required", [])) for k, v in s["properties"].items()}
    return name, inputs


# --- values as they are written -----------------------------------------------------------


class Num:
    """A JSON number written exactly as given ("31250.00")."""

    def __init__(self, text):
        self.text = text


def pence(p):
    """An amount in pence as a JSON number with two places."""
    sign = "-" if p < 0 else ""
    p = abs(p)
    return Num(f"{sign}{p // 100}.{p % 100:02d}")


def pounds(p):
    return Num(str(p))


def write(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, Num):
        return v.text
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dt.date):
        return f'"{v.isoformat()}"'
    if isinstance(v, list):
        return "[" + ",".join(write(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(f'"{k}":{write(x)}' for k, x in v.items()) + "}"
    raise TypeError(type(v))


def day_between(rng, first, last):
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def add_years(d, years):
    """d moved by whole years; 29 February to 28 February where the year has none."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def pick(rng, weights):
    names = list(weights)
    return rng.choices(names, [weights[n] for n in names])[0]


# --- per-policy tuning --------------------------------------------------------------------
# Each returns one record's values by input name (absent inputs are left out), and may name the
# enum weights it uses (checked against the schema). Errors are made afterwards (make_error).

DEPARTMENTS = ["DWP", "MOD", "HMRC", "MoJ", "Home Office", "DfE", "DHSC", "Cabinet Office"]


def early_departure(rng, i):
    r = {}
    scheme = pick(rng, {"VE": 35, "VR": 35, "CR": 30})
    contract = pick(rng, {"permanent": 85, "fixed_term_expiry": 8, "fixed_term_early": 7})
    if contract == "fixed_term_early" and scheme == "VE" and rng.random() > 0.03:
        scheme = rng.choice(["VR", "CR"])  # VE on an early end is a violation: rare
    # the exit date: 2011 to 2026 (the 2010 terms are in force from 22 December 2010), with 5%
    # in the months of the £95,000 exit payment cap (4 November 2020 to 11 February 2021)
    if rng.random() < 0.05:
        exit_date = day_between(rng, dt.date(2020, 11, 4), dt.date(2021, 2, 11))
    else:
        exit_date = day_between(rng, dt.date(2011, 1, 1), dt.date(2026, 12, 31))
    pension_scheme = pick(rng, {"alpha": 45, "classic": 15, "classic_plus": 10, "premium": 15, "nuvos": 15})
    pension_age = None
    if rng.random() < 0.08:  # an override of the scheme pension age
        pension_age = pick(rng, {60: 30, 65: 30, 66: 15, 67: 15, 68: 5, 55: 2, 75: 1, 62: 2})
    nominal = pension_age or {"classic": 60, "classic_plus": 60, "premium": 60, "nuvos": 65, "alpha": 67}[pension_scheme]
    # age at exit: 30% within 2.5 years under pension age (the taper), 12% at or over it,
    # 1% exactly on the birthday of pension age, the rest from 22 up
    u = rng.random()
    if u < 0.01:
        dob = add_years(exit_date, -nominal)
    else:
        if u < 0.31:
            age_days = nominal * 365 - rng.randint(1, 912)
        elif u < 0.43:
            age_days = nominal * 365 + rng.randint(0, 7 * 365)
        else:
            age_days = rng.randint(22 * 365, max(23 * 365, nominal * 365 - 913))
        dob = exit_date - dt.timedelta(days=age_days + age_days // 1460)  # leap days, about
    age = (exit_date - dob).days // 365
    r["scheme"] = scheme
    # service: whole years, up to 45 and no more than since 16; days 0 to 364 (365 rarely)
    if contract == "fixed_term_expiry" and rng.random() < 0.3:
        r["service_years"] = rng.randint(0, 1)  # under two years: nothing payable
    else:
        r["service_years"] = rng.randint(0, max(0, min(45, age - 16)))
    v = rng.random()
    if v < 0.002:
        r["service_days"] = 365
    elif v < 0.7:
        r["service_days"] = rng.randint(0, 364)
    # pay: 50% any pence, 30% whole pounds, 20% multiples of £250; a few under the £23,000 floor
    # and over the £149,820 cap
    w = rng.random()
    if w < 0.5:
        r["annual_pay"] = pence(rng.randint(1_800_000, 16_000_000))
    elif w < 0.8:
        r["annual_pay"] = pounds(rng.randint(18_000, 160_000))
    else:
        r["annual_pay"] = pounds(rng.randint(72, 640) * 250)
    r["date_of_birth"] = dob
    r["exit_date"] = exit_date
    if pension_age is None or rng.random() < 0.5:
        r["pension_scheme"] = pension_scheme
    if pension_age is not None:
        r["pension_age"] = pension_age
    if contract != "permanent" or rng.random() < 0.4:
        r["contract"] = contract
    if contract != "permanent":
        name = rng.choice(DEPARTMENTS)
        r["employer"] = f" {name} " if rng.random() < 0.05 else name  # spaces are trimmed
    elif rng.random() < 0.3:
        r["employer"] = rng.choice(DEPARTMENTS)
    if scheme == "CR" and contract != "fixed_term_expiry":
        r["vr_offer"] = pick(rng, {"refused": 55, "turned_down": 37, "not_offered": 8})
    elif rng.random() < 0.02:  # given where it does not apply: a violation
        r["vr_offer"] = pick(rng, {"refused": 1, "turned_down": 1, "not_offered": 1})
    elif rng.random() < 0.2:
        r["vr_offer"] = None  # written as null, as exports often do
    if (scheme == "VE" and rng.random() < 0.25) or rng.random() < 0.01:
        # a Voluntary Exit offer (a few on other schemes: a violation): mostly under the
        # standard tariff, some over it, most of those with Scheme Manager approval
        standard = min(r["service_years"] + r.get("service_days", 0) / 365, 21)
        x = rng.random()
        if x < 0.55:
            r["offer_months"] = Num(f"{round(standard * rng.uniform(0.3, 1.0) * 2) / 2:g}")
        elif x < 0.9:
            r["offer_months"] = Num(f"{round((standard + rng.uniform(0.5, 6)) * 2) / 2:g}")
            approved = rng.random() < 0.85
        else:
            r["offer_months"] = Num(f"{rng.randint(0, 2400) / 100:.2f}")  # "4.50" is 4.5
        if 0.55 <= x < 0.9 and approved:
            r["scheme_manager_approval"] = True
        elif rng.random() < 0.3:
            r["scheme_manager_approval"] = rng.random() < 0.3
    if rng.random() < 0.1:
        r["other_exit_payments"] = pence(rng.randint(0, 12_000_000))
    return r


def ill_health(rng, i):
    r = {"scheme": pick(rng, {"alpha": 45, "classic": 10, "classic_plus": 10, "premium": 15, "nuvos": 20})}
    r["permanent_breakdown"] = rng.random() < 0.75
    r["cannot_do_own_job"] = rng.random() < 0.8
    cannot_work = rng.random() < (0.35 if r["cannot_do_own_job"] else 0.03)  # else contradictory findings
    if cannot_work or rng.random() < 0.6:
        r["cannot_work_again"] = cannot_work
    if rng.random() < 0.3:
        r["partially_retired"] = rng.random() < 0.15
    return r


GRADES = {"AA": 5, "AO": 30, "EO": 30, "HEO": 15, "SEO": 10, "G7": 7, "G6": 3}


def end_of_year_award(rng, i):
    return {
        "grade": pick(rng, GRADES),
        "rating": pick(rng, {"Exceeded": 20, "Achieved": 70, "Must_Improve": 10}),
        "pay_year": 2017,  # the only year with a published table; other years are errors (make_error)
    }


def in_year_award(rng, i):
    r = {"grade": pick(rng, {**GRADES, "SCS": 1})}
    kind = pick(rng, {"cash": 55, "voucher": 45})
    r["kind"] = kind
    u = rng.random()
    if kind == "voucher":
        if u < 0.95:
            r["amount"] = pounds(rng.choice([25, 30, 35, 40, 45, 50]))
        elif u < 0.98:
            r["amount"] = pounds(rng.randint(25, 50))  # off the £5 steps, now and then
        else:
            r["amount"] = pounds(rng.choice([10, 15, 20, 55, 60, 75, 100]))
    else:
        if u < 0.6:
            r["amount"] = pounds(rng.choice([50, 75, 100, 150, 200, 250, 300, 400, 500, 750, 1000]))
        elif u < 0.97:
            r["amount"] = pence(rng.randint(5_000, 150_000))
        else:
            r["amount"] = pence(rng.randint(1_000, 4_999))  # under £50: a violation
    return r


def in_year_budget(rng, i):
    # a business unit's staff budget, £250,000 to £25m (most units small: log-uniform), and the
    # awards made from its fund (0.23%): a few dozen, up to 200
    budget = round(25_000_000 * 100 ** rng.random())
    r = {"staff_budget": pence(budget) if rng.random() < 0.6 else pounds(budget // 100)}
    fund = budget * 23 // 10_000
    if rng.random() < 0.05:
        return r  # no awards yet: the default []
    awards = []
    spend = fund * rng.uniform(0.2, 1.08)  # a few overspend
    while True:
        a = rng.choice([2500, 3000, 3500, 4000, 4500, 5000]) if rng.random() < 0.45 else rng.choice([5000, 7500, 10000, 15000, 20000, 25000, 50000, 100000])
        if sum(awards) + a > spend or len(awards) >= 200:
            break
        awards.append(a)
    if awards and rng.random() < 0.005:
        awards[rng.randrange(len(awards))] = -2500  # a negative award: a violation
    r["awards"] = [pence(a) if rng.random() < 0.5 else pounds(a // 100) if a % 100 == 0 else pence(a) for a in awards]
    return r


def loyalty_award(rng, i):
    as_of = day_between(rng, dt.date(2015, 1, 1), dt.date(2026, 12, 31))
    # total service aimed near a milestone now and then, so every award is reached
    if rng.random() < 0.4:
        years = rng.choice([5, 10, 25, 30, 40, 50]) + rng.choice([-1, 0, 0, 1])
    else:
        years = rng.randint(0, 48)
    days = max(0, years * 365 + rng.randint(-200, 200))
    n = pick(rng, {1: 60, 2: 25, 3: 10, 4: 4, 6: 1})
    periods = []
    end = as_of
    remaining = days
    for k in range(n):
        share = remaining if k == n - 1 else rng.randint(0, remaining)
        start = end - dt.timedelta(days=share)
        period = {"start": start}
        if k == 0:
            period["end"] = None if rng.random() < 0.7 else end  # an open period, mostly
            if period["end"] is None and rng.random() < 0.5:
                del period["end"]
        else:
            period["end"] = end
        if rng.random() < 0.1 and k > 0:
            period["end"] = end + dt.timedelta(days=rng.randint(1, 400))  # overlaps the next
        periods.append(period)
        remaining -= share
        end = start - dt.timedelta(days=rng.choice([1, 1, 30, 180, 700]))
    periods.reverse()
    u = rng.random()
    if u < 0.003:
        periods.append({"start": as_of - dt.timedelta(days=100), "end": as_of - dt.timedelta(days=400)})  # ends before it starts
    elif u < 0.006:
        periods.append({"start": as_of + dt.timedelta(days=rng.randint(1, 300)), "end": None})  # starts after as_of
    r = {"service_periods": periods, "as_of": as_of}
    if rng.random() < 0.5:
        r["london_pay_zone"] = rng.random() < 0.25
    return r


def work_objectives(rng, i):
    r = {}

    def counts(total_key, part_key, total_hi, share_lo, share_hi, measured):
        if rng.random() > measured:
            if rng.random() < 0.5:
                r[total_key] = 0
            return
        total = rng.randint(1, total_hi)
        part = min(total, max(0, round(total * rng.uniform(share_lo, share_hi))))
        r[total_key] = total
        r[part_key] = part

    counts("service_requests", "service_requests_within_sla", 6000, 0.78, 0.99, 0.9)
    counts("calls", "outbound_calls", 4000, 0.04, 0.16, 0.85)
    counts("decisions_checked", "decisions_accurate", 600, 0.9, 1.0, 0.7)
    return r


TUNED = {
    "cscs.early_departure": early_departure,
    "cscs.ill_health": ill_health,
    "dwp.end_of_year_award": end_of_year_award,
    "dwp.in_year_award": in_year_award,
    "dwp.in_year_budget": in_year_budget,
    "dwp.loyalty_award": loyalty_award,
    "cms.work_objectives": work_objectives,
}

# Errors that only a policy's own rules make: an input outside its `requires`, a pay year with
# no table. Each changes a good record r.
POLICY_ERRORS = {
    "cscs.early_departure": {
        "requires": lambda rng, r: r.update(pension_age=rng.choice([50, 54, 76, 80])),
    },
    "dwp.end_of_year_award": {
        "requires": lambda rng, r: r.update(pay_year=rng.choice([2015, 2016, 2018, 2019])),
    },
    "dwp.in_year_budget": {
        "requires": lambda rng, r: r.update(staff_budget=pence(-rng.randint(1, 10_000_000))),
    },
    "cms.work_objectives": {
        "requires": lambda rng, r: r.update(calls=5, outbound_calls=rng.randint(6, 40)),
    },
}


def generic(inputs):
    """Values from the schema alone, for a policy without tuning."""

    def value(rng, inp):
        k = inp.kind
        if k == "enum":
            return rng.choice(inp.values)
        if k == "bool":
            return rng.random() < 0.5
        if k == "int":
            return rng.randint(0, 100)
        if k == "money":
            return pence(rng.randint(0, 10_000_000))
        if k == "decimal":
            return Num(f"{rng.randint(0, 10000) / 100:.2f}")
        if k == "date":
            return day_between(rng, dt.date(2015, 1, 1), dt.date(2026, 12, 31))
        if k == "text":
            return rng.choice(DEPARTMENTS)
        if k == "list":
            return [value(rng, inp.item) for _ in range(rng.randint(0, 5))]
        if k == "record":
            return {n: value(rng, f) for n, f in inp.fields.items() if f.required or rng.random() < 0.5}
        raise AssertionError(k)

    def gen(rng, i):
        return {n: value(rng, inp) for n, inp in inputs.items() if inp.required or rng.random() < 0.5}

    return gen


# --- errors -------------------------------------------------------------------------------


def make_error(rng, policy, inputs, r):
    """Changes the good record r into one with a deliberate error; returns its kind."""
    kinds = []
    if any(inp.required for inp in inputs.values()):
        kinds.append("missing")
    dates = [n for n, inp in inputs.items() if inp.kind == "date" and n in r]
    nested = [n for n, inp in inputs.items() if inp.kind == "list" and inp.item.kind == "record" and r.get(n)]
    if dates or nested:
        kinds.append("bad_date")
    if any(inp.kind in ("int", "money", "decimal", "bool") and n in r for n, inp in inputs.items()):
        kinds.append("bad_type")
    kinds += list(POLICY_ERRORS.get(policy, {}))
    kind = rng.choice(kinds)
    if kind == "missing":
        del r[rng.choice([n for n, inp in inputs.items() if inp.required and n in r])]
    elif kind == "bad_date":
        bad = rng.choice(["2023-02-29", "2024-04-31", "2024-13-01", "30/06/2024", "2024-6-30"])
        if dates and (not nested or rng.random() < 0.5):
            r[rng.choice(dates)] = bad
        else:
            period = rng.choice(r[rng.choice(nested)])
            period["start" if rng.random() < 0.5 else "end"] = bad
    elif kind == "bad_type":
        n = rng.choice([n for n, inp in inputs.items() if inp.kind in ("int", "money", "decimal", "bool") and n in r])
        r[n] = {"int": "12.5", "money": "twelve", "decimal": "n/a", "bool": "yes"}[inputs[n].kind]
    else:
        POLICY_ERRORS[policy][kind](rng, r)
    return kind


# --- checks -------------------------------------------------------------------------------


def check(policy, inputs, r, coverage):
    """A good record must fit the schema: known inputs, known enum values, every required one."""
    for n, v in r.items():
        if n not in inputs:
            raise SystemExit(f"gen_policy_records: {policy} has no input {n}: update the tuning of this script")
        inp = inputs[n]
        if v is None and not inp.nullable:
            raise SystemExit(f"gen_policy_records: {policy}: input {n} is not optional, but is written as null")
        if inp.kind == "enum" and v is not None:
            if v not in inp.values:
                raise SystemExit(f"gen_policy_records: {policy}: {v!r} is not a value of input {n} ({', '.join(inp.values)})")
            coverage[n][v] += 1
    for n, inp in inputs.items():
        if inp.required and n not in r:
            raise SystemExit(f"gen_policy_records: {policy}: a good record lacks the required input {n}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("policy")
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--pol", default=os.environ.get("POL", "build/tools/pol/pol"))
    ap.add_argument("--errors", type=float, default=0.01, help="the share of records with a deliberate error")
    a = ap.parse_args()
    policy, inputs = read_schema(a.pol, a.policy)
    gen = TUNED.get(policy) or generic(inputs)
    if policy not in TUNED:
        print(f"gen_policy_records: {policy} has no tuning: values from its schema alone", file=sys.stderr)
    rng = random.Random(f"{a.seed}:{policy}")
    coverage = {n: Counter() for n, inp in inputs.items() if inp.kind == "enum"}
    errors = Counter()
    order = list(inputs)
    tmp = a.out + ".part"
    with open(tmp, "w", buffering=1 << 20) as f:
        for i in range(1, a.n + 1):
            r = gen(rng, i)
            check(policy, inputs, r, coverage)
            if rng.random() < a.errors:
                errors[make_error(rng, policy, inputs, r)] += 1
            f.write(write({k: r[k] for k in order if k in r}) + "\n")
    os.replace(tmp, a.out)
    missing = [f"{n}={v}" for n, c in coverage.items() for v in inputs[n].values if c[v] == 0]
    print(
        f"{policy}: {a.n:,} records, {sum(errors.values()):,} with errors ({', '.join(f'{k} {v:,}' for k, v in sorted(errors.items()))})"
        + "".join(f"; {n}: " + ", ".join(f"{v} {c[v]:,}" for v in inputs[n].values) for n, c in coverage.items()),
        file=sys.stderr,
    )
    if missing and a.n >= 10_000:
        raise SystemExit(f"gen_policy_records: {policy}: enum values never written: {', '.join(missing)}")


if __name__ == "__main__":
    main()
