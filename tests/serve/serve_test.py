"""pol serve end to end (tests/serve/run)."""
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from polserve import Checks, Server, wait_for  # noqa: E402

pol, root = sys.argv[1], sys.argv[2]
check = Checks()
ED = "cscs.early_departure"


def run(*args, stdin=None):
    return subprocess.run([pol, *args], capture_output=True, text=True, input=stdin)


work = tempfile.mkdtemp()
policies = os.path.join(work, "policies")
shutil.copytree(os.path.join(root, "policies"), policies)
ed_file = os.path.join(policies, "cscs", "early_departure.pol")
with open(ed_file) as f:
    ed_text = f.read()
examples = {}
for name in sorted(os.listdir(os.path.join(root, "examples"))):
    if name.endswith(".json"):
        found = [os.path.join(d, name[:-5] + ".pol") for d, _, files in os.walk(policies) if name[:-5] + ".pol" in files]
        with open(os.path.join(root, "examples", name)) as f:
            examples[name[:-5]] = (found[0], f.read())
check("the shipped policies have examples", len(examples) >= 7, str(sorted(examples)))

server = Server(pol, [policies], "--watch", "100", "--read-timeout", "1500", "--max-body", "1048576", "--max-batch-body", "1048576")
try:
    # --- health, listing, description
    check("GET /healthz is 200", server.json("GET", "/healthz") == (200, {"status": "ok"}))
    status, ready = server.json("GET", "/readyz")
    check("GET /readyz is 200 with 7 policies", status == 200 and ready["policies"] == 7, str(ready))
    status, listing = server.json("GET", "/v1/policies")
    names = [p["name"] for p in listing["policies"]]
    check("GET /v1/policies lists the seven shipped policies", status == 200 and len(names) == 7 and ED in names, str(names))
    for p in listing["policies"]:
        with open(p["file"], "rb") as f:
            digest = "sha256:" + hashlib.sha256(f.read()).hexdigest()
        check(f"{p['name']}: content_hash is the SHA-256 of its file", p["content_hash"] == digest, p["content_hash"])
        check(f"{p['name']}: title, revision and links", p["title"] and p["revision"] == 1 and p["links"]["evaluate"] == f"/v1/policies/{p['name']}/evaluate", str(p))
    status, described = server.json("GET", f"/v1/policies/{ED}")
    schema = json.loads(run("schema", ed_file).stdout)
    result_schema = json.loads(run("schema", ed_file, "--result").stdout)
    check("GET /v1/policies/NAME gives pol schema's input and result schemas",
          status == 200 and described["input_schema"] == schema and described["result_schema"] == result_schema)
    check("GET /v1/policies/NAME lists inputs with types and outputs",
          {"name": "annual_pay", "type": "money", "required": True} in described["inputs"]
          and {"name": "lump_sum", "type": "money"} in described["outputs"], str(described["inputs"]))

    # --- evaluate: the same bytes as pol batch, the same JSON as pol eval
    def evaluate_text(name, input_text, extra=""):
        body = '{"input":' + input_text + extra + "}"
        return server.request("POST", f"/v1/policies/{name}/evaluate", body, {"Content-Type": "application/json"})

    for example, (file, text) in sorted(examples.items()):
        name = next(p["name"] for p in listing["policies"] if p["file"] == file)
        status, _, body = evaluate_text(name, text)
        line = run("batch", file, "--input", "-", stdin=json.dumps(json.loads(text)) + "\n").stdout.rstrip("\n")
        suffix = f',"policy":{{"name":"{name}","content_hash":"{next(p["content_hash"] for p in listing["policies"] if p["name"] == name)}","revision":1}}}}'
        check(f"{example}: evaluate is 200 and its result is pol batch's line, byte for byte, then the policy",
              status == 200 and body == line[:-1] + suffix, f"{body}\n{line}")
        for extra, args in [(',"explain":true', ["--explain"]), (',"as_of":"2020-12-01"', ["--as-of", "2020-12-01"])]:
            status, _, body = evaluate_text(name, text, extra)
            expected = json.loads(run("eval", file, "--input-json", text, *args).stdout)
            got = json.loads(body)
            got.pop("policy")
            check(f"{example}: evaluate with {extra} equals pol eval {' '.join(args)}", status == 200 and got == expected, body[:300])

    # numbers are read exactly as written, not through a binary double
    ed_input = json.loads(examples["early_departure"][1])
    exact = examples["early_departure"][1].replace('"36500.00"', "36500.123456789012345678")
    status, _, body = evaluate_text(ED, exact)
    direct = json.loads(run("eval", ed_file, "--input-json", exact).stdout)
    check("a long JSON number is read exactly, as pol eval reads it", status == 200 and json.loads(body)["outputs"] == direct["outputs"], body)

    # --- errors: 4xx in JSON, never a crash
    def error_case(description, method, path, body, want_status, want_code=None, want_field=None, headers=None):
        status, _, text = server.request(method, path, body, headers)
        try:
            errors = json.loads(text)["errors"]
        except (ValueError, KeyError):
            errors = []
        ok = status == want_status and errors and (want_code is None or errors[0]["code"] == want_code)
        ok = ok and (want_field is None or errors[0].get("field") == want_field)
        check(f"{description}: {want_status} {want_code or ''} {want_field or ''}", ok, f"{status} {text[:300]}")
        return errors

    ev = f"/v1/policies/{ED}/evaluate"
    error_case("malformed JSON", "POST", ev, '{"input": {', 400, "H0400")
    error_case("a body that is not an object", "POST", ev, "[1, 2]", 400, "H0400")
    error_case("an unknown member", "POST", ev, '{"input": {}, "inputs": {}}', 400, "H0400", "inputs")
    error_case("no input", "POST", ev, '{"as_of": "2024-01-01"}', 400, "H0400", "input")
    error_case("input not an object", "POST", ev, '{"input": "x"}', 400, "H0400", "input")
    error_case("as_of not a date", "POST", ev, '{"input": {}, "as_of": "2024-02-30"}', 400, "H0400", "as_of")
    error_case("explain not a boolean", "POST", ev, '{"input": {}, "explain": "yes"}', 400, "H0400", "explain")
    wrong = dict(ed_input, annual_pay="36,500.0.0")
    errors = error_case("a wrong type", "POST", ev, {"input": wrong}, 422, "R0103", "annual_pay")
    by_eval = json.loads(run("eval", ed_file, "--format", "json", "--input-json", json.dumps(wrong)).stderr)["errors"]
    check("a 422's errors are pol eval --format json's", errors == by_eval, f"{errors}\n{by_eval}")
    error_case("a missing input", "POST", ev, {"input": {k: v for k, v in ed_input.items() if k != "exit_date"}}, 422, None, "exit_date")
    error_case("an unknown policy", "POST", "/v1/policies/no.such/evaluate", {"input": {}}, 404, "H0404")
    error_case("an unknown policy's description", "GET", "/v1/policies/no.such", None, 404, "H0404")
    error_case("an unknown path", "GET", "/v2/anything", None, 404, "H0404")
    errors = error_case("GET on evaluate", "GET", ev, None, 405, "H0405")
    status, headers, _ = server.request("GET", ev)
    check("a 405 says which method is allowed", headers.get("Allow") == "POST", str(headers))
    error_case("a body over --max-body", "POST", ev, '{"input": {"employer": "' + "x" * 1100000 + '"}}', 413, "H0413")
    error_case("a batch over --max-batch-body", "POST", f"/v1/policies/{ED}/batch", (examples["early_departure"][1].replace("\n", "") + "\n") * 6000, 413, "H0413")
    error_case("a batch with an unknown query", "POST", f"/v1/policies/{ED}/batch?asof=2024-01-01", "{}\n", 400, "H0400", "asof")
    error_case("a batch with a bad as_of", "POST", f"/v1/policies/{ED}/batch?as_of=yesterday", "{}\n", 400, "H0400", "as_of")

    def raw(data, wait=3.0):
        """What the server answers to raw bytes, read until it closes or `wait` passes."""
        s = socket.create_connection(("127.0.0.1", server.port), timeout=wait)
        s.sendall(data)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except socket.timeout:
            got += b"<still open>"
        s.close()
        return got

    answer = raw(b"THIS IS NOT HTTP\r\n\r\n")
    check("bytes that are not HTTP get 400 and a closed connection", answer.startswith(b"HTTP/1.1 400") and b"H0400" in answer, answer[:200])
    answer = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    check("a header over 16 KiB gets 431", answer.startswith(b"HTTP/1.1 431"), answer[:200])
    started = time.time()
    answer = raw(b"POST " + ev.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inp", wait=6)
    check("a stalled body is closed after --read-timeout", answer == b"" and time.time() - started < 4, f"{answer[:200]} after {time.time() - started:.1f}s")
    started = time.time()
    answer = raw(b"GET /heal", wait=6)
    check("a stalled header is closed after --read-timeout", b"<still open>" not in answer and time.time() - started < 4, f"{answer[:200]} after {time.time() - started:.1f}s")
    answer = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", wait=6)
    check("an idle kept-alive connection is closed after --read-timeout", answer.startswith(b"HTTP/1.1 200") and b"<still open>" not in answer, answer[:200])
    answer = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    check("two pipelined requests on one connection get two answers", answer.count(b"HTTP/1.1 200") == 2, answer[:400])
    check("the service is still up after all that", server.json("GET", "/healthz")[0] == 200)

    # --- batch: byte-identical to pol batch, bad lines included
    good = examples["early_departure"][1].replace("\n", "")
    lines = [good, "not json", "", json.dumps(dict(ed_input, annual_pay="x")), good.replace("CR", "VR", 1) + "\r", "  ", json.dumps(dict(ed_input, service_years=-1)), good]
    body = "\n".join(lines) + "\n"
    with open(os.path.join(work, "batch.jsonl"), "w") as f:
        f.write(body)
    for query, args in [("", []), ("?as_of=2020-12-01", ["--as-of", "2020-12-01"])]:
        status, headers, text = server.request("POST", f"/v1/policies/{ED}/batch{query}", body, {"Content-Type": "application/x-ndjson"})
        expected = run("batch", ed_file, "--input", os.path.join(work, "batch.jsonl"), *args).stdout
        check(f"batch{query}: 200, one line per record, byte for byte pol batch's", status == 200 and text == expected and text.count("\n") == len(lines), f"{text}\n---\n{expected}")
    many = (good + "\n") * 2000
    status, _, text = server.request("POST", f"/v1/policies/{ED}/batch", many)
    check("a batch of 2,000 records gives 2,000 lines", status == 200 and text.count("\n") == 2000 and len(set(text.splitlines())) == 1, f"{status} {text[:300]}")

    # --- many requests at once
    results = []

    def client(n):
        for _ in range(n):
            results.append(evaluate_text(ED, examples["early_departure"][1])[0:3:2])

    threads = [threading.Thread(target=client, args=(25,)) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check("400 requests from 16 clients at once all get the same 200", len(results) == 400 and len(set(results)) == 1 and results[0][0] == 200, str(set(r[0] for r in results)))

    # --- hot reload under load: good, broken, good; every answer names the version that gave it
    def lump_sum_for(text):
        with open(os.path.join(work, "version.pol"), "w") as f:
            f.write(text)
        return json.loads(run("eval", os.path.join(work, "version.pol"), "--input-json", examples["early_departure"][1]).stdout)["outputs"]["lump_sum"]

    versions = {"sha256:" + hashlib.sha256(ed_text.encode()).hexdigest(): lump_sum_for(ed_text)}
    stop_load = threading.Event()
    seen = []

    def load():
        while not stop_load.is_set():
            status, _, body = evaluate_text(ED, examples["early_departure"][1])
            seen.append((status, body))

    loaders = [threading.Thread(target=load) for _ in range(4)]
    for t in loaders:
        t.start()
    try:

        def revision():
            return server.json("GET", f"/v1/policies/{ED}")[1]["revision"]

        def write_atomically(text):
            with open(ed_file + ".tmp", "w") as f:
                f.write(text)
            os.replace(ed_file + ".tmp", ed_file)

        better = ed_text.replace("param pay_floor: money = £23,000", "param pay_floor: money = £40,000")
        check("the test's new version changes the pay floor", better != ed_text)
        versions["sha256:" + hashlib.sha256(better.encode()).hexdigest()] = lump_sum_for(better)
        check("the two versions give different lump sums", len(set(versions.values())) == 2, str(versions))
        write_atomically(better)
        wait_for("revision 2", lambda: revision() == 2)
        status, _, body = evaluate_text(ED, examples["early_departure"][1])
        check("after a good change, evaluate uses the new version", json.loads(body)["outputs"]["lump_sum"] == lump_sum_for(better), body)
        broken = better.replace("input scheme: Scheme", "input scheme: Schem")
        write_atomically(broken)
        wait_for("the failure to be listed", lambda: server.json("GET", "/v1/policies")[1]["failures"])
        _, listing = server.json("GET", "/v1/policies")
        failure = listing["failures"][0]
        check("a broken file is listed with its diagnostics, and the policy it kept",
              failure["file"] == ed_file and failure["policy"] == ED and failure["diagnostics"] and failure["diagnostics"][0]["location"]["line"] > 0, str(failure))
        check("the broken file did not replace the running version", revision() == 2 and len(listing["policies"]) == 7)
        status, _, body = evaluate_text(ED, examples["early_departure"][1])
        check("with a broken file, evaluate still answers from the last good version", status == 200 and json.loads(body)["outputs"]["lump_sum"] == lump_sum_for(better), body)
        metrics = server.request("GET", "/metrics")[2]
        check("/metrics reports the failed file", re.search(r'pol_policy_load_failed\{file="' + re.escape(ed_file) + '",policy="cscs.early_departure"', metrics), metrics[-1500:])
        check("the failure is logged with its diagnostics", any(e["file"] == ed_file and e["diagnostics"] for e in server.events("load_failed")))
        write_atomically(ed_text)
        wait_for("revision 3", lambda: revision() == 3)
        check("a good file again clears the failure", server.json("GET", "/v1/policies")[1]["failures"] == [])
    finally:
        stop_load.set()
        for t in loaders:
            t.join()
    consistent = [s == 200 and json.loads(b)["outputs"]["lump_sum"] == versions.get(json.loads(b)["policy"]["content_hash"]) for s, b in seen]
    check(f"{len(seen)} requests during the reloads all got 200 from one whole version each", seen and all(consistent), str([b for (s, b), ok in zip(seen, consistent) if not ok][:2]))

    # a file being written is not loaded until it holds still: the half never runs, the whole does
    half = ed_text[: len(ed_text) // 2]
    with open(ed_file, "w") as f:
        f.write(half)
        f.flush()
        time.sleep(0.05)
        f.write(ed_text[len(ed_text) // 2:])
    whole = "sha256:" + hashlib.sha256(ed_text.encode()).hexdigest()
    wait_for("the whole file to be served", lambda: server.json("GET", "/v1/policies")[1]["failures"] == []
             and server.json("GET", f"/v1/policies/{ED}")[1]["content_hash"] == whole)
    check("a file written in two steps is served whole", evaluate_text(ED, examples["early_departure"][1])[0] == 200)

    # a new file is served, a removed one is not
    extra = os.path.join(policies, "extra.pol")
    with open(extra, "w") as f:
        f.write('policy demo.extra\n\ninput x: int\noutput y: int = x * 2\n')
    wait_for("the new policy", lambda: server.json("GET", "/v1/policies/demo.extra")[0] == 200)
    check("a new file's policy evaluates", server.json("POST", "/v1/policies/demo.extra/evaluate", {"input": {"x": 21}})[1]["outputs"] == {"y": 42})
    os.remove(extra)
    wait_for("the removed policy to go", lambda: server.json("GET", "/v1/policies/demo.extra")[0] == 404)

    # --- metrics in the Prometheus text format
    metrics = server.request("GET", "/metrics")
    check("/metrics is text/plain", metrics[1].get("Content-Type", "").startswith("text/plain"), str(metrics[1]))
    text = metrics[2]
    sample = re.compile(r'^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [0-9.e+-]+$')
    bad = [l for l in text.splitlines() if l and not l.startswith("#") and not sample.match(l)]
    check("every metrics line is a sample in the text format", not bad, str(bad[:5]))
    m = re.search(r'pol_requests_total\{policy="cscs.early_departure",endpoint="evaluate",status="200"\} (\d+)', text)
    check("requests are counted per policy, endpoint and status", m and int(m.group(1)) >= 400, text[:800])
    buckets = [int(v) for v in re.findall(r'pol_request_duration_seconds_bucket\{policy="cscs.early_departure",endpoint="evaluate",le="[^"]+"\} (\d+)', text)]
    check("latency buckets are cumulative and end at the count", buckets and buckets == sorted(buckets) and buckets[-1] == int(re.search(r'pol_request_duration_seconds_count\{policy="cscs.early_departure",endpoint="evaluate"\} (\d+)', text).group(1)))
    check("the loaded versions are listed", len(re.findall(r"^pol_policy_info\{", text, re.M)) == 7 and "revision=\"3\"" in text)
    check("a 4xx is counted as an error", re.search(r'pol_request_errors_total\{policy="cscs.early_departure",endpoint="evaluate"\} [1-9]', text))

    # --- what an adversarial pass found, kept as tests
    def body_of(text):
        return server.request("POST", ev, text.encode("utf-8") if isinstance(text, str) else text)

    plain = '{"input":' + examples["early_departure"][1] + "}"
    want = body_of(plain)
    check("a byte order mark before the body is read as JSON readers read it", body_of(b"\xef\xbb\xbf" + plain.encode()) == want, str(want)[:200])
    for member in ("explain", "as_of"):
        started = time.time()
        status, _, text = body_of('{"input":{},"' + member + '":' + "[" * 100000 + "]" * 100000 + "}")
        check(f"a {member} nested 100,000 deep is a 400, quickly", status == 400 and time.time() - started < 5 and member in text, f"{status} {text[:200]}")
    started = time.time()
    status, _, _ = body_of('{"input":{},"z":{' + ",".join('"k%d":0' % i for i in range(80000)) + "}}")
    check("80,000 keys in one object cost a pass, not a square", status == 400 and time.time() - started < 2, f"{time.time() - started:.1f} s")
    big_number = examples["early_departure"][1].replace('"36500.00"', "1e309")
    status, _, text = evaluate_text(ED, big_number, ',"as_of":"2024-06-30"')
    direct = run("eval", ed_file, "--input-json", big_number, "--as-of", "2024-06-30")
    check("a number beyond a double's range gets what pol eval gives", status == (200 if direct.returncode == 0 else 422)
          and (direct.returncode != 0 or json.loads(text)["outputs"] == json.loads(direct.stdout)["outputs"]), f"{status} {text[:300]} {direct.stdout[:200]}")
    check("a NUL byte after the body is not JSON", body_of(plain.encode() + b"\x00garbage")[0] == 400)
    trailer = b'{"input":{}}'
    answer = raw(b"POST " + ev.encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % len(trailer) + trailer + b"\r\n0\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
    check("a 70 KB trailer is refused and the service stays up", (answer.startswith(b"HTTP/1.1 431") or answer == b"") and server.json("GET", "/healthz")[0] == 200, answer[:200])
    answer = raw(b"POST " + ev.encode() + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
    check("a transfer coding other than chunked is a 501", answer.startswith(b"HTTP/1.1 501"), answer[:200])
    answer = raw(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, rest = answer.partition(b"\r\n\r\n")
    check("a HEAD answer has its headers and no body", head.startswith(b"HTTP/1.1 200") and b"Content-Length: 15" in head and rest.startswith(b"HTTP/1.1 200"), answer[:400])
    check("a percent-encoded path is read as its bytes", server.request("POST", f"/v1/policies/cscs%2Eearly_departure/evaluate", plain)[0] == 200)
    status, _, _ = server.request("POST", "/v1/policies/no.such/batch", "{}\n" * 400000)
    check("a batch for a policy not served has the small body limit", status == 413, str(status))
    rss = lambda: int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{server.process.pid}/status").read()).group(1))
    before = rss()
    status, headers, text = server.request("POST", f"/v1/policies/{ED}/batch", "\n" * 1000000)
    check("a batch answer is sent in chunks as it is made", status == 200 and headers.get("Transfer-Encoding") == "chunked" and text.count("\n") == 1000000)
    if not os.environ.get("POL_SANITIZED"):  # ASan's quarantine keeps freed memory
        check("a batch whose answer is 100 times its body does not hold the answer", rss() - before < 60000, f"{(rss() - before) // 1024} MiB more")
    # a file emptied in place keeps the running version
    with open(ed_file, "w") as f:
        pass
    wait_for("the empty file's failure", lambda: server.json("GET", "/v1/policies")[1]["failures"])
    check("an empty file does not take the policy down", evaluate_text(ED, examples["early_departure"][1])[0] == 200)
    write_atomically(ed_text)
    wait_for("the failure to clear", lambda: server.json("GET", "/v1/policies")[1]["failures"] == [])
    check("the running version's text again is no new revision", revision() == 3)
    # a file named by bytes that are not UTF-8 comes and goes without harm
    odd = os.path.join(policies.encode(), b"odd\xffname.pol")
    with open(odd, "w") as f:
        f.write("policy demo.odd\n\ninput x: int\noutput y: int = x\n")
    wait_for("the oddly named file's policy", lambda: server.json("GET", "/v1/policies/demo.odd")[0] == 200)
    os.remove(odd)
    wait_for("the oddly named file's policy to go", lambda: server.json("GET", "/v1/policies/demo.odd")[0] == 404)
    # two files with one name: the second serves once the first is gone
    twin = os.path.join(policies, "dwp", "zz_twin.pol")
    shutil.copy(ed_file, twin)
    wait_for("the twin's failure", lambda: any(f["file"] == twin for f in server.json("GET", "/v1/policies")[1]["failures"]))
    moved = os.path.join(work, "early_departure.pol")
    shutil.move(ed_file, moved)
    wait_for("the twin to be served", lambda: server.json("GET", f"/v1/policies/{ED}")[1].get("file") == twin)
    check("the twin serves once the name is free", server.json("GET", "/v1/policies")[1]["failures"] == [])
    # renaming a file does not take its policy down, not even for a moment
    answers = []
    stop_rename = threading.Event()

    def ask():
        while not stop_rename.is_set():
            answers.append(evaluate_text(ED, examples["early_departure"][1])[0])

    asker = threading.Thread(target=ask)
    asker.start()
    renamed = os.path.join(policies, "dwp", "zz_twin_renamed.pol")
    os.rename(twin, renamed)
    try:
        wait_for("the renamed file to be served", lambda: server.json("GET", f"/v1/policies/{ED}")[1].get("file") == renamed)
    finally:
        stop_rename.set()
        asker.join()
    check("every request during a rename is answered 200", answers and set(answers) == {200}, str(sorted(set(answers))))
    os.rename(renamed, twin)
    shutil.move(moved, ed_file)
    os.remove(twin)
    check("every log line is JSON, whatever the file names", all(json.loads(l) is not None for l in server.log if l.strip()))

    # --- the page
    status, headers, page = server.request("GET", "/")
    check("GET / is the page", status == 200 and headers["Content-Type"].startswith("text/html") and "calculator.js" in page)
    status, headers, script = server.request("GET", "/static/calculator.js")
    check("the script is served", status == 200 and "javascript" in headers["Content-Type"] and "showCalculator" in script)
    check("GET /calculator/NAME for an unknown policy is 404", server.request("GET", "/calculator/no.such")[0] == 404)
finally:
    code = server.stop()
check("pol serve exits 0 on SIGTERM", code == 0, "".join(server.log[-5:]))

# --- logs: one JSON line per request, without input values unless asked
requests = [json.loads(l) for l in server.log if l.startswith('{"time"')]
check("every request is logged with method, path, policy, status and microseconds",
      requests and all(set(r) >= {"method", "path", "policy", "status", "us"} for r in requests), str(requests[:2]))
check("input values are not logged", not any("1979-03-14" in l for l in server.log))
check("every log line is JSON", all(json.loads(l) is not None for l in server.log if l.strip()))

# --- SIGHUP reloads without watching; --log-inputs logs bodies; a graceful stop finishes work in flight
small = os.path.join(work, "small")
os.makedirs(small)
with open(os.path.join(small, "a.pol"), "w") as f:
    f.write('policy a\n\ninput x: int\noutput y: int = x + 1\n')
shutil.copy(os.path.join(root, "policies", "cscs", "early_departure.pol"), small)
server = Server(pol, [small], "--watch", "0", "--log-inputs", "--max-connections", "3")
try:
    check("--log-inputs logs the body", server.json("POST", "/v1/policies/a/evaluate", {"input": {"x": 1234567}})[0] == 200 and wait_for("the log line", lambda: any("1234567" in l for l in server.log), 5))
    with open(os.path.join(small, "a.pol"), "w") as f:
        f.write('policy a\n\ninput x: int\noutput y: int = x + 2\n')
    time.sleep(0.3)
    check("without --watch a change waits for SIGHUP", server.json("POST", "/v1/policies/a/evaluate", {"input": {"x": 1}})[1]["outputs"] == {"y": 2})
    server.signal(signal.SIGHUP)
    wait_for("SIGHUP's reload", lambda: server.json("POST", "/v1/policies/a/evaluate", {"input": {"x": 1}})[1]["outputs"] == {"y": 3})
    server.signal(signal.SIGHUP)
    time.sleep(0.3)
    check("SIGHUP leaves an unchanged file's revision as it was", server.json("GET", f"/v1/policies/{ED}")[1]["revision"] == 1
          and server.json("GET", "/v1/policies/a")[1]["revision"] == 2)
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    time.sleep(0.2)
    over = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    over.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = over.recv(4096)
    check("past --max-connections a connection gets 503", answer.startswith(b"HTTP/1.1 503") and b"Retry-After" in answer, answer[:200])
    over.close()
    for s in idle:
        s.close()
    time.sleep(0.2)
    # a long batch in flight when SIGTERM comes still gets its whole answer
    records = 60000
    big = (examples["early_departure"][1].replace("\n", "") + "\n") * records
    answer = {}

    def long_batch():
        answer["r"] = server.request("POST", f"/v1/policies/{ED}/batch", big)

    t = threading.Thread(target=long_batch)
    t.start()
    time.sleep(0.5)
    server.signal(signal.SIGTERM)
    t.join(timeout=120)
    code = server.process.wait(timeout=60)
    status, _, text = answer.get("r", (0, {}, ""))
    check("a batch in flight at SIGTERM is answered whole", status == 200 and text.count("\n") == records, f"{status} {len(text)}")
    check("then pol serve exits 0", code == 0)
    refused = False
    try:
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
    except OSError:
        refused = True
    check("after the stop, connections are refused", refused)
finally:
    server.stop()

# --- bad command lines
r = run("serve", os.path.join(work, "no-such-folder"))
check("serve with a missing folder exits 2", r.returncode == 2 and "no such" in r.stderr, r.stderr)
r = run("serve", small, "--bind", "not-an-address", "--port", "0")
check("serve with a bad --bind exits 2", r.returncode == 2 and "not an IP address" in r.stderr, r.stderr)

shutil.rmtree(work)
print(f"serve: {check.failures} failure(s)")
sys.exit(1 if check.failures else 0)
