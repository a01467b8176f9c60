"""pol doc end to end (tests/doc/run)."""
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "serve"))
from polserve import Checks  # noqa: E402

pol, root, out, update = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "--update"
here = os.path.dirname(os.path.abspath(__file__))
check = Checks()
os.makedirs(out, exist_ok=True)
work = tempfile.mkdtemp()


def run(*args):
    return subprocess.run([pol, *args], capture_output=True, text=True)


# --- Markdown: every shipped policy against its golden file
md = os.path.join(work, "md")
r = run("doc", os.path.join(root, "policies"), "--format", "markdown", "-o", md)
check("pol doc --format markdown exits 0", r.returncode == 0, r.stderr)
names = sorted(f for f in os.listdir(md) if f != "index.md")
check("one page per shipped policy, and an index", len(names) == 7 and os.path.exists(os.path.join(md, "index.md")), str(names))
golden = os.path.join(here, "golden")
for name in names:
    got = open(os.path.join(md, name)).read().replace(root + "/", "")
    want_file = os.path.join(golden, name)
    if update:
        os.makedirs(golden, exist_ok=True)
        open(want_file, "w").write(got)
        continue
    want = open(want_file).read() if os.path.exists(want_file) else ""
    check(f"{name} is its golden file (tests/doc/run POL OUT --update after a reviewed change)", got == want,
          "".join(__import__("difflib").unified_diff(want.splitlines(True), got.splitlines(True), "golden", "pol doc"))[:3000])
page = open(os.path.join(md, "cscs.early_departure.md")).read()
policy = open(os.path.join(root, "policies", "cscs", "early_departure.pol")).read()
check("every input is listed", all(f"| `{n}` |" in page for n in re.findall(r"^input (\w+):", policy, re.M)))
check("a dated value is a timeline", "| 2020-11-04 | until the day before 2021-02-12 | `£95,000` |" in page)
check("table rows carry their source", "| 3 | `CR` | `12` | 6.3.6 CR: up to a maximum of 12 months' pay |" in page)
check("rules read as a default and exceptions", "By default `scheme`" in page and "- except when `contract == fixed_term_expiry`: `CR`" in page)
tests = json.load(open(os.path.join(root, "policies", "cscs", "early_departure.tests.json")))["cases"]
blocks = len(re.findall(r'^test "', policy, re.M))
check("every test is a worked example, checked by pol test", page.count("\n### ✓ ") == blocks + len(tests), f"{page.count('### ✓ ')} of {blocks + len(tests)}")

# a failing test shows as one that does not hold
broken = os.path.join(work, "broken")
os.makedirs(broken)
shutil.copy(os.path.join(root, "policies", "dwp", "in_year_budget.pol"), broken)
text = open(os.path.join(broken, "in_year_budget.pol")).read().replace("expect { fund: £2.84 }", "expect { fund: £2.85 }")
open(os.path.join(broken, "in_year_budget.pol"), "w").write(text)
r = run("doc", broken, "--format", "markdown", "-o", os.path.join(work, "broken-md"))
page = open(os.path.join(work, "broken-md", "dwp.in_year_budget.md")).read()
check("a test that fails is marked as not holding", "### ✗ the fund rounds to the penny, half up" in page and "does not hold now" in page, page[-1500:])

# bad paths and policies with errors
r = run("doc", os.path.join(work, "no-such"), "-o", os.path.join(work, "x"))
check("a missing path exits 2", r.returncode == 2 and "neither" in r.stderr, r.stderr)
open(os.path.join(broken, "bad.pol"), "w").write("policy bad\ninput x: Foo\noutput y: int = 1\n")
r = run("doc", broken, "--format", "markdown", "-o", os.path.join(work, "bad-md"))
check("a policy with errors exits 1, and the others are written", r.returncode == 1 and os.path.exists(os.path.join(work, "bad-md", "dwp.in_year_budget.md")) and "E0203" in r.stderr, r.stderr)

# --- HTML in headless Chromium
html = os.path.join(work, "html")
r = run("doc", os.path.join(root, "policies"), "-o", html)
check("pol doc (HTML) exits 0", r.returncode == 0, r.stderr)
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,1800"]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get("file://" + os.path.join(html, "index.html"))
    links = driver.find_elements(By.CSS_SELECTOR, "td a")
    check("the index links every policy", len(links) == 7, str(len(links)))
    next(l for l in links if "early_departure" in l.get_attribute("href")).click()
    check("the index's link opens the policy", driver.find_element(By.TAG_NAME, "h1").text.startswith("Civil Service Compensation Scheme"))
    headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
    check("the page has its sections", headings == ["Inputs", "Values by date", "Decision tables", "Rules", "Outputs", "Worked examples"], str(headings))
    driver.find_element(By.LINK_TEXT, "Worked examples").click()
    check("the contents link to their sections", driver.execute_script("return window.scrollY") > 1000)
    check("tables are tables", len(driver.find_elements(By.CSS_SELECTOR, "table thead th")) > 20)
    check("nothing on the page is cut off sideways", driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))
    driver.save_screenshot(os.path.join(out, "early_departure.png"))
    logs = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    check("the page logs no errors", not logs, str(logs))
finally:
    driver.quit()

shutil.rmtree(work)
print(f"doc: {check.failures} failure(s); screenshot in {out}")
sys.exit(1 if check.failures else 0)
