"""pol schema against a real JSON Schema validator (python3-jsonschema, draft 2020-12)."""
import json
import os
import random
import subprocess
import sys
import tempfile

from jsonschema import Draft202012Validator

pol, root = sys.argv[1], sys.argv[2]
failures = 0


def check(description, ok, detail=""):
    global failures
    if not ok:
        failures += 1
        print(f"FAIL: {description}" + (f"\n{detail}" if detail else ""))


def run(*args, stdin=None):
    return subprocess.run([pol, *args], capture_output=True, text=True, input=stdin)


def schema_of(policy, *extra):
    r = run("schema", policy, *extra)
    check(f"pol schema {policy} {' '.join(extra)} exits 0", r.returncode == 0, r.stderr)
    schema = json.loads(r.stdout)
    Draft202012Validator.check_schema(schema)  # a schema by the metaschema, or an exception
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(validator, instance):
    return [e.message for e in validator.iter_errors(instance)]


# --- every shipped policy: its example input, and pol eval's results with and without --explain
examples = {}
for folder, _, files in os.walk(os.path.join(root, "policies")):
    for name in sorted(files):
        if not name.endswith(".pol"):
            continue
        policy = os.path.join(folder, name)
        example = os.path.join(root, "examples", name[:-4] + ".json")
        if not os.path.exists(example):
            continue
        examples[name[:-4]] = (policy, example)
check("the shipped policies have examples", len(examples) >= 7, str(sorted(examples)))

for name, (policy, example) in sorted(examples.items()):
    inputs = schema_of(policy)
    results = schema_of(policy, "--result")
    instance = json.load(open(example))
    problems = errors(inputs, instance)
    check(f"{name}: its example input is valid", not problems, "\n".join(problems))
    for extra in ([], ["--explain"]):
        r = run("eval", policy, "--input", example, "--as-of", "2024-06-30", *extra)
        check(f"{name}: pol eval {' '.join(extra)} succeeds", r.returncode == 0, r.stderr)
        if r.returncode == 0:
            problems = errors(results, json.loads(r.stdout))
            check(f"{name}: pol eval {' '.join(extra)} gives a valid result", not problems, "\n".join(problems))

# --- broken inputs: the schema and pol refuse each
policy, example = examples["early_departure"]
inputs = schema_of(policy)
good = json.load(open(example))


def broken(description, change):
    instance = json.loads(json.dumps(good))
    change(instance)
    check(f"the schema refuses {description}", errors(inputs, instance) != [])
    r = run("eval", policy, "--input", "-", "--as-of", "2024-06-30", stdin=json.dumps(instance))
    check(f"pol refuses {description} too", r.returncode == 1, r.stdout + r.stderr)


broken("a missing required input", lambda i: i.pop("annual_pay"))
broken("an unknown input", lambda i: i.update(bonus=5))
broken("a value that is not one of the enum's", lambda i: i.update(scheme="XX"))
broken("money with a decimal comma", lambda i: i.update(annual_pay="36500,00"))
broken("money as a percentage", lambda i: i.update(annual_pay="50%"))
broken("a date in another form", lambda i: i.update(exit_date="30/06/2024"))
broken("a day that does not exist", lambda i: i.update(exit_date="2024-02-30"))
broken("an int with a fraction", lambda i: i.update(service_years=1.5))
broken("text where an int goes", lambda i: i.update(service_years="eleven"))
broken("a negative salary", lambda i: i.update(annual_pay=-1))
broken("null for a required input", lambda i: i.update(annual_pay=None))

# labels are accepted as the enum's values on input
schema = json.loads(run("schema", policy).stdout)
scheme_def = schema["$defs"]["Scheme"]
check("an enum lists its values", any(c.get("const") == "VE" for c in scheme_def["anyOf"]), json.dumps(scheme_def))
check("a default is given", schema["properties"]["contract"].get("default") == "permanent", json.dumps(schema["properties"]["contract"]))
check("a source is a description", "6.3.6" in schema["properties"]["vr_offer"].get("description", ""))

# --- number text: whatever the schema accepts, pol reads (random texts, each type)
with tempfile.TemporaryDirectory() as work:
    numbers = os.path.join(work, "numbers.pol")
    with open(numbers, "w") as f:
        f.write("policy numbers\ninput m: money? = none\ninput d: decimal? = none\ninput i: int? = none\n"
                "input t: days? = none\noutput ok = true\n")
    validator = schema_of(numbers)
    alphabet = "0123456789..,,£--%eE+ "
    rng = random.Random(5)
    texts = {"1", "-1", "£1,234.56", "-£5", "£-5", "1,23", "12,345,678.9", ".5", "5.", "1e5", "1e-2", "23%", "1,234%",
             "1e10000", "1e10001", "", "£", "-", ".", "1e", "1e+", "٣", "1 000", "+5", "0x10", "00012"}
    while len(texts) < 4000:
        texts.add("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))))
    lines, expected = [], []
    for text in sorted(texts):
        for field in ("m", "d", "i", "t"):
            lines.append(json.dumps({field: text}))
            expected.append(errors(validator, {field: text}) == [])
    population = os.path.join(work, "numbers.jsonl")
    with open(population, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = run("batch", numbers, "--input", population, "--jobs", "1")
    results = r.stdout.splitlines()
    check("pol batch answers every line", len(results) == len(lines), f"{len(results)} results for {len(lines)} lines")
    unsound, valid, read = [], 0, 0
    for line, schema_ok, result in zip(lines, expected, results):
        pol_ok = '"error"' not in result
        valid += schema_ok
        read += pol_ok
        if schema_ok and not pol_ok:
            unsound.append(f"{line} -> {result}")
    check("every number text the schema accepts, pol reads", not unsound, "\n".join(unsound[:20]))
    check("the schema accepts some number texts", valid > 100, str(valid))
    print(f"schema: {valid} of {len(lines)} number texts valid by the schema, {read} read by pol")

print(f"schema: {failures} failures" if failures else "schema: all checks passed")
sys.exit(1 if failures else 0)
