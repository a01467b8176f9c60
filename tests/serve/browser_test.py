"""The calculator page in headless Chromium (tests/serve/browser)."""
import json
import os
import subprocess
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.dirname(__file__))
from polserve import Checks, Server  # noqa: E402

pol, root, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
check = Checks()


case = {"scheme": "VR", "pension_scheme": "alpha", "service_years": "10", "annual_pay": "30000",
        "date_of_birth": "1980-01-01", "exit_date": "2024-06-30"}
policy_file = os.path.join(root, "policies", "cscs", "early_departure.pol")
expected = json.loads(subprocess.run([pol, "eval", policy_file, "--input-json", json.dumps(case)], capture_output=True, text=True, check=True).stdout)


def pounds(text):
    whole, _, pence = text.partition(".")
    return "£" + f"{int(whole):,}" + ("." + pence if pence else "")


server = Server(pol, [os.path.join(root, "policies")])
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-GB", "--window-size=1200,2200"]:
    options.add_argument(argument)
options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 20)
base = f"http://127.0.0.1:{server.port}"


def type_date(element_id, iso):
    """Types a date into a date picker as a person does, in the order of the browser's locale
    (day first or month first: the picker's order follows the system, not the page)."""
    year, month, day = iso.split("-")
    field = driver.find_element(By.ID, element_id)
    for keys in (month + day + year, day + month + year):
        driver.execute_script("arguments[0].value = ''", field)
        field.send_keys(keys)
        if field.get_attribute("value") == iso:
            break
    return field.get_attribute("value")


try:
    driver.get(base + "/")
    wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, ".policies li a")))
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, ".policies li a")]
    check("the index lists the seven policies with links to their calculators", len(links) == 7 and any(l.endswith("/calculator/cscs.early_departure") for l in links), str(links))

    driver.get(base + "/calculator/cscs.early_departure")
    wait.until(seen.presence_of_element_located((By.ID, "form")))
    check("the page is titled by the policy", "Civil Service Compensation Scheme" in driver.find_element(By.ID, "title").text)
    # the form is built from the inputs: enums as selects with labels, dates as date pickers, money with £
    scheme = Select(driver.find_element(By.ID, "scheme"))
    check("an enum is a select showing its labels", "Voluntary Redundancy" in [o.text for o in scheme.options], str([o.text for o in scheme.options]))
    check("dates are date pickers", driver.find_element(By.ID, "exit_date").get_attribute("type") == "date")
    prefix = driver.find_elements(By.CSS_SELECTOR, "[data-field=annual_pay] .prefix")
    check("money has a £ prefix", prefix and prefix[0].text == "£")
    check("booleans are checkboxes", driver.find_element(By.ID, "scheme_manager_approval").get_attribute("type") == "checkbox")
    optional = driver.find_element(By.CSS_SELECTOR, "[data-field=pension_age] label").text
    check("optional inputs are marked", "(optional)" in optional, optional)
    help_text = driver.find_element(By.ID, "pension_scheme-help").text
    check("help text comes from the source", "6.3.6" in help_text, help_text)
    unlabelled = driver.execute_script("""
        return [...document.querySelectorAll('input, select')].filter(e => !document.querySelector(`label[for="${e.id}"]`)).map(e => e.id);""")
    check("every control has a label", unlabelled == [], str(unlabelled))

    scheme.select_by_visible_text("Voluntary Redundancy")
    Select(driver.find_element(By.ID, "pension_scheme")).select_by_value("alpha")
    driver.find_element(By.ID, "service_years").send_keys("10")
    driver.find_element(By.ID, "annual_pay").send_keys("30000")
    check("the date of birth is typed as a date", type_date("date_of_birth", case["date_of_birth"]) == case["date_of_birth"])
    check("the exit date is typed as a date", type_date("exit_date", case["exit_date"]) == case["exit_date"])
    # submit from the keyboard: Enter in a field
    driver.find_element(By.ID, "service_years").send_keys(Keys.ENTER)
    lump = wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, "td[data-output=lump_sum]")))
    check("the lump sum shown is pol eval's", lump.text == pounds(expected["outputs"]["lump_sum"]), f"{lump.text} vs {expected['outputs']['lump_sum']}")
    pension_date = driver.find_element(By.CSS_SELECTOR, "td[data-output=pension_date]").text
    check("dates are shown in words", pension_date == "1 January 2048" and expected["outputs"]["pension_date"] == "2048-01-01", pension_date)
    terms = driver.find_element(By.CSS_SELECTOR, "td[data-output=terms]").text
    check("an enum output is shown by its label", terms == "Voluntary Redundancy", terms)
    trees = driver.find_elements(By.CSS_SELECTOR, "#result-body > details")
    check("the explanation is a tree, one branch per output", len(trees) == len(expected["outputs"]), str(len(trees)))
    trees[-3].find_element(By.TAG_NAME, "summary").click()
    check("opening a branch shows how it was decided", trees[-3].get_attribute("open") is not None and trees[-3].find_elements(By.CSS_SELECTOR, "details, .why"))
    driver.save_screenshot(os.path.join(out, "calculator.png"))

    # a date typed in part is an error beside its field, before anything is sent
    exit_date = driver.find_element(By.ID, "exit_date")
    driver.execute_script("arguments[0].value = ''", exit_date)
    exit_date.send_keys("30")
    check("the exit date is now half typed", driver.execute_script("return document.getElementById('exit_date').validity.badInput"))
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait.until(seen.visibility_of_element_located((By.ID, "exit_date-error")))
    beside = driver.execute_script("return document.getElementById('exit_date-error').closest('[data-field]').dataset.field")
    check("a bad date shows an error next to its field", "whole date" in error.text and beside == "exit_date", f"{error.text} in {beside}")
    check("the field is marked invalid", exit_date.get_attribute("aria-invalid") == "true")
    check("the summary links to the field", driver.find_element(By.CSS_SELECTOR, "#summary a").get_attribute("href").endswith("#exit_date"))
    check("the result of the last case is hidden", not driver.find_element(By.ID, "result").is_displayed())
    driver.save_screenshot(os.path.join(out, "calculator-bad-date.png"))

    # the service's own errors land beside the field they name
    check("the exit date is typed again", type_date("exit_date", case["exit_date"]) == case["exit_date"])
    pay = driver.find_element(By.ID, "annual_pay")
    pay.clear()
    pay.send_keys("30,00")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait.until(seen.visibility_of_element_located((By.ID, "annual_pay-error")))
    check("the service's error on a field is shown beside it", "annual_pay" in error.text and "30,00" in error.text, error.text)
    check("the earlier error is cleared", not driver.find_element(By.ID, "exit_date-error").is_displayed())
    driver.save_screenshot(os.path.join(out, "calculator-bad-amount.png"))
    # a list input is rows to add and remove
    driver.get(base + "/calculator/dwp.in_year_budget")
    wait.until(seen.presence_of_element_located((By.ID, "form")))
    driver.find_element(By.ID, "staff_budget").send_keys("4790000")
    add = next(b for b in driver.find_elements(By.CSS_SELECTOR, "#awards button") if b.text.startswith("Add"))
    for _ in range(3):
        add.click()
    for field, value in zip(driver.find_elements(By.CSS_SELECTOR, "#awards input"), ["50", "25", "1000"]):
        field.send_keys(value)
    next(b for b in driver.find_elements(By.CSS_SELECTOR, "#awards button") if b.text.endswith(" 2")).click()
    check("a removed row is gone", len(driver.find_elements(By.CSS_SELECTOR, "#awards input")) == 2)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    committed = wait.until(seen.visibility_of_element_located((By.CSS_SELECTOR, "td[data-output=committed]"))).text
    budget = json.loads(subprocess.run([pol, "eval", os.path.join(root, "policies", "dwp", "in_year_budget.pol"), "--input-json",
                                        json.dumps({"staff_budget": "4790000", "awards": ["50", "1000"]})], capture_output=True, text=True, check=True).stdout)
    check("the rows left are the list sent, and the total is pol eval's", committed == pounds(budget["outputs"]["committed"]), f"{committed} vs {budget['outputs']['committed']}")
    driver.save_screenshot(os.path.join(out, "calculator-list.png"))
    logs = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "422" not in e["message"]]
    check("the page logs no script errors", not logs, str(logs))
finally:
    driver.quit()
    server.stop()

print(f"browser: {check.failures} failure(s); screenshots in {out}")
sys.exit(1 if check.failures else 0)
