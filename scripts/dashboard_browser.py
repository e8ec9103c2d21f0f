#!/usr/bin/env python3
"""Drives the dashboard (/__admin/ui) in a real headless Chromium through WebDriver.

Needs Debian's `chromium` and `chromium-driver` on the machine (scripts/prereqs.sh checks them);
installs Selenium into .cache/browser. Checks, against a fresh mockdesk:
  - the surfaces table lists every surface with its base URL and token;
  - API calls made after the page loaded appear in the journal view by themselves (live), and
    a row expands to the request and response bodies;
  - the state browser shows a record just written; a fault rule and a webhook subscription
    added through the admin API show up;
  - with --admin-token the page asks for the token and works once it is given.
`--screenshot PATH` also saves a screenshot of the populated page (`make screenshot`).
Prints `dashboard: N passed, M failed`.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, ".cache", "browser")
BIN = os.path.join(ROOT, "target", "debug", "mockdesk")
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("ok  " if ok else "FAIL") + f" {name}" + ("" if ok else f": {detail}"))


def ensure_browser():
    """Chromium and ChromeDriver come from the machine (scripts/prereqs.sh checks them and,
    with MOCKDESK_INSTALL_MISSING=1, installs Debian's packages); this script installs nothing
    outside .cache/."""
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    raise SystemExit("dashboard browser tests need chromium and chromedriver: "
                     "sudo apt-get install chromium chromium-driver "
                     "(or MOCKDESK_INSTALL_MISSING=1 make test)")


def ensure_selenium():
    py = os.path.join(CACHE, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", CACHE], check=True)
    if subprocess.run([py, "-c", "import selenium"], capture_output=True).returncode != 0:
        subprocess.run([py, "-m", "pip", "install", "-q", "selenium==4.27.1"], check=True)
    return py


def start(*flags):
    proc = subprocess.Popen([BIN, "--listen", "127.0.0.1:0", "--rate-limits", "off", *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    addr = re.search(r"http://([0-9.:]+)", proc.stdout.readline()).group(1)
    return proc, f"http://{addr}"


def call(url, method="GET", body=None, token=None, admin=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if admin:
        headers["Authorization"] = f"Bearer {admin}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req) as r:
        return r.status, json.loads(r.read() or b"null")


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,1100"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def click(driver, selector, timeout=10.0):
    """Clicks the element `selector` names. The journal re-renders as calls arrive, so an
    element found a moment ago may have been replaced (stale): it is found again and clicked."""
    from selenium.webdriver.common.by import By
    return wait_for(lambda: driver.find_element(By.CSS_SELECTOR, selector).click() or True, timeout)


def wait_for(fn, timeout=10.0):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # the element may not be there yet
            last = e
        time.sleep(0.1)
    return None


def run(screenshot):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    proc, base = start()
    driver = browser()
    try:
        driver.set_window_size(1366, 768)
        driver.get(f"{base}/__admin/ui")
        rows = wait_for(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "#surfaces tbody tr[data-surface]")] or None)
        wide = driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        check("on a 1366x768 screen the page needs no sideways scrolling", wide)
        _, info = call(f"{base}/__admin/surfaces")
        check("surfaces table lists every surface", rows and len(rows) == len(info["surfaces"]),
              f"{len(rows or [])} rows")
        text = driver.find_element(By.ID, "surfaces").text
        check("surfaces show base URLs and tokens",
              f"{base}/helpcrunch/v1" in text and "hipcall-test-token" in text, text[:300])

        # API calls made now, after the page loaded, must appear by themselves.
        status, made = call(f"{base}/helpcrunch/v1/customers", "POST",
                            {"name": "Dashboard Dora", "email": "dora@dashboard.example"},
                            token="helpcrunch-test-token")
        call(f"{base}/hipcall/api/v20211124/tasks", token="hipcall-test-token")
        shown = wait_for(lambda: "/helpcrunch/v1/customers" in driver.find_element(By.ID, "journal").text
                         and "/hipcall/api/v20211124/tasks" in driver.find_element(By.ID, "journal").text)
        check("journal shows new calls live", shown, driver.find_element(By.ID, "journal").text[:400])
        post = wait_for(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "#journal tr.entry")
                                 if "POST" in r.text] or None)
        check("journal row has method, status and account",
              post and "201" in post[0].text and "default" in post[0].text, post and post[0].text)
        if post:
            wait_for(lambda: [r for r in driver.find_elements(By.CSS_SELECTOR, "#journal tr.entry")
                              if "POST" in r.text][0].click() or True)
            detail = wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#journal tr.detail").text)
            check("a row expands to request and response bodies, JSON pretty-printed",
                  detail and '"name": "Dashboard Dora"' in detail and f'"id": {made["id"]}' in detail, detail)
            check("the expanded row shows request headers, the token redacted",
                  detail and "authorization: [redacted]" in detail and "content-type: application/json" in detail
                  and "helpcrunch-test-token" not in detail, detail)
            curl = driver.find_element(By.CSS_SELECTOR, "#journal tr.detail button[title='copy as curl']").get_attribute("data-copy")
            check("copy as curl gives the request as a curl command",
                  curl.startswith("curl -X POST") and "/helpcrunch/v1/customers" in curl and "--data-raw" in curl
                  and "Dashboard Dora" in curl, curl)
            click(driver, "#journal tr.detail button.fail-next")
            wait_for(lambda: "503" in driver.find_element(By.ID, "faults").text)
            try:
                failed = call(f"{base}/helpcrunch/v1/customers", "POST", {"name": "Next"}, token="helpcrunch-test-token")[0]
            except urllib.error.HTTPError as e:
                failed = e.code
            check("fail this next time makes the next such call fail", failed == 503, failed)
            again = call(f"{base}/helpcrunch/v1/customers", "POST", {"name": "After"}, token="helpcrunch-test-token")[0]
            check("only the next one", again == 201, again)
            click(driver, "#journal tr.detail button.stub-this")
            draft = json.loads(driver.find_element(By.ID, "rule-json").get_attribute("value") or "null")
            check("stub this answer fills the rule form with the row's answer to edit",
                  draft and draft["response"]["json"]["name"] == "Dashboard Dora", draft)
            driver.find_element(By.ID, "add-stub").click()
            stubbed = wait_for(lambda: call(f"{base}/__admin/stubs")[1]["stubs"])
            check("stub this answer adds a stub with the row's answer",
                  stubbed and stubbed[0]["response"]["status"] == 201
                  and stubbed[0]["response"]["json"]["name"] == "Dashboard Dora"
                  and stubbed[0]["match"]["path"] == "/customers", stubbed)
            call(f"{base}/__admin/stubs", "DELETE")
            driver.find_element(By.ID, "rule-json").clear()
            har = driver.execute_async_script(
                "const done = arguments[0]; api('/requests').then(d => done(JSON.stringify(harOf(d.requests))));")
            har = json.loads(har)
            posts = [x for x in har["log"]["entries"] if x["request"]["method"] == "POST"]
            check("the journal exports as HAR 1.2", har["log"]["version"] == "1.2" and posts
                  and posts[0]["request"]["url"].endswith("/helpcrunch/v1/customers")
                  and any(h["name"] == "authorization" and h["value"] == "[redacted]" for h in posts[0]["request"]["headers"])
                  and "Dashboard Dora" in posts[0]["request"]["postData"]["text"], har["log"]["entries"][:1])

        Select(driver.find_element(By.ID, "f-method")).select_by_value("GET")
        only_get = wait_for(lambda: (lambda rows: rows if rows and all(" GET " in f" {r.text} " for r in rows) else None)(
            driver.find_elements(By.CSS_SELECTOR, "#journal tr.entry")))
        check("the method filter narrows the journal", only_get, [r.text for r in only_get or []][:5])
        Select(driver.find_element(By.ID, "f-method")).select_by_value("")
        driver.find_element(By.ID, "f-changed").click()
        changed = wait_for(lambda: (lambda rows: rows if rows and all("503" in r.text for r in rows) else None)(
            driver.find_elements(By.CSS_SELECTOR, "#journal tr.entry")))
        check("faults-and-stubs-only shows the failed call alone", changed and len(changed) == 1,
              [r.text for r in changed or []])
        driver.find_element(By.ID, "f-changed").click()

        Select(driver.find_element(By.ID, "state-vendor")).select_by_value("helpcrunch")
        time.sleep(0.3)
        driver.find_element(By.CSS_SELECTOR, "#state-form button").click()
        customers = wait_for(lambda: [b for b in driver.find_elements(By.CSS_SELECTOR, "#collections button")
                                      if b.text.startswith("customers (")] or None)
        check("state browser lists collections with counts", customers and re.match(r"customers \(\d+\)", customers[0].text),
              driver.find_element(By.ID, "collections").text[:200])
        if customers:
            customers[0].click()
            driver.find_element(By.ID, "state-search").send_keys("dora@dashboard")
            found = wait_for(lambda: (lambda rows: rows if len(rows) == 1 else None)(
                driver.find_elements(By.CSS_SELECTOR, "#records tr.record")))
            check("the search box narrows the records", found, len(found or []))
            if found:
                found[0].click()
        state = wait_for(lambda: "dora@dashboard.example" in driver.find_element(By.ID, "state").text)
        check("state browser shows the new record", state, driver.find_element(By.ID, "state").text[:200])

        call(f"{base}/__admin/faults", "POST", {"match": {"surface": "chative"}, "effect": {"type": "status", "status": 503}, "times": 2})
        call(f"{base}/__admin/webhooks", "POST", {"surface": "helpcrunch", "url": "http://127.0.0.1:9/hook"})
        faults = wait_for(lambda: "503" in driver.find_element(By.ID, "faults").text)
        check("fault rules appear", faults, driver.find_element(By.ID, "faults").text)
        call(f"{base}/__admin/rate-limits/hipcall", "PUT", {"mode": "documented"})
        call(f"{base}/hipcall/api/v20211124/users", token="hipcall-test-token")
        rates = wait_for(lambda: (lambda t: t if re.search(r"30 / 60 s\s*29 left, resets in \d+ s", t) else None)(
            driver.find_element(By.ID, "rates").get_attribute("textContent")), timeout=15)
        check("rate limits read as what is left", rates,
              driver.execute_script("return document.querySelector('#rates').outerHTML + ' | ' + document.getElementById('error').textContent")[:800])
        subs = wait_for(lambda: "http://127.0.0.1:9/hook" in driver.find_element(By.ID, "subscriptions").text)
        check("webhook subscriptions appear", subs, driver.find_element(By.ID, "subscriptions").text)
        check("clock shown", re.search(r"\d{4}-\d\d-\d\dT", driver.find_element(By.ID, "clock").text),
              driver.find_element(By.ID, "clock").text)
        _, before = call(f"{base}/__admin/clock")
        driver.find_element(By.ID, "advance-clock").click()
        moved = wait_for(lambda: call(f"{base}/__admin/clock")[1]["now_ms"] - before["now_ms"] >= 60_000)
        check("the clock button moves the clock a minute on", moved)
        driver.find_element(By.ID, "freeze-clock").click()
        frozen = wait_for(lambda: call(f"{base}/__admin/clock")[1]["frozen"])
        check("the freeze button freezes the clock", frozen and "(frozen)" in wait_for(
            lambda: "(frozen)" in driver.find_element(By.ID, "clock").text and driver.find_element(By.ID, "clock").text))
        driver.find_element(By.ID, "freeze-clock").click()
        check("and unfreezes it", wait_for(lambda: not call(f"{base}/__admin/clock")[1]["frozen"]))
        # The action forms change the server (checked through the admin API).
        Select(driver.find_element(By.ID, "scenario-pick")).select_by_value("helpcrunch/customer_chat")
        driver.find_element(By.ID, "scenario-params").send_keys('{"text": "From the console"}')
        driver.find_element(By.CSS_SELECTOR, "#scenario-form button").click()
        ran = wait_for(lambda: '"scenario": "customer_chat"' in driver.find_element(By.ID, "scenario-result").text)
        _, chats = call(f"{base}/helpcrunch/v1/chats?limit=100&order=desc", token="helpcrunch-test-token")
        check("a scenario runs from the console", ran and any(c.get("lastMessageText") == "From the console"
              for c in chats["data"]), driver.find_element(By.ID, "scenario-result").text[:200])
        Select(driver.find_element(By.ID, "token-vendor")).select_by_value("chative")
        driver.find_element(By.ID, "token-value").send_keys("console-token")
        driver.find_element(By.ID, "token-account").send_keys("console")
        driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
        added = wait_for(lambda: any(a.get("token") == "console-token" for a in call(f"{base}/__admin/accounts")[1]["accounts"]))
        check("a token is added from the console", added)
        rule = driver.find_element(By.ID, "rule-json")
        rule.send_keys('{"match": {"surface": "hiver", "path": "/inboxes"}, "response": {"json": {"data": []}}}')
        driver.find_element(By.ID, "add-stub").click()
        stub_added = wait_for(lambda: call(f"{base}/__admin/stubs")[1]["stubs"])
        check("a stub is added with the form", stub_added and stub_added[0]["match"]["surface"] == "hiver", stub_added)
        rule.clear()
        rule.send_keys('{"match": {"surface": "hiver"}, "effect": {"type": "nonsense"}}')
        driver.find_element(By.ID, "add-fault").click()
        refused = wait_for(lambda: "400" in driver.find_element(By.ID, "error").text and driver.find_element(By.ID, "error").text)
        check("a bad rule shows the server's reason", refused, refused)
        # ... and keeps showing it while the live refreshes run (they used to clear it).
        time.sleep(3.5)
        kept = driver.find_element(By.ID, "error").text
        check("the reason stays through the live refreshes", "400" in kept, kept)
        remove = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#stubs button.remove-stub"))
        if remove:
            click(driver, "#stubs button.remove-stub")
        check("a stub is removed from its row", remove and wait_for(lambda: not call(f"{base}/__admin/stubs")[1]["stubs"]))
        dels = call(f"{base}/__admin/webhooks/deliveries")[1]["deliveries"]
        redo = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#deliveries button.redeliver"))
        if redo:
            click(driver, "#deliveries button.redeliver")
        more = wait_for(lambda: len(call(f"{base}/__admin/webhooks/deliveries")[1]["deliveries"]) > len(dels))
        check("redeliver sends a delivery again", redo and more, len(dels))
        # A thousand entries: the journal still renders (the time is printed, not judged here).
        for i in range(1000):
            try:
                call(f"{base}/chative/v1.0/contacts?limit=1&n={i}", token="chative-test-token")
            except urllib.error.HTTPError:
                pass  # a fault rule or the rate limit: journaled all the same
        took = driver.execute_async_script(
            "const done = arguments[0]; lastJournal = ''; const t = performance.now();"
            "loadJournal().then(() => done(performance.now() - t));")
        rows = len(driver.find_elements(By.CSS_SELECTOR, "#journal tr.entry"))
        print(f"     journal of 1,000+ requests rendered {rows} rows in {took:.0f} ms")
        check("a journal of 1,000 requests renders in its scroll area", rows >= 500
              and driver.execute_script("return document.querySelector('#journal').closest('.scroll').scrollHeight"
                                        " > document.querySelector('#journal').closest('.scroll').clientHeight"), rows)
        driver.find_element(By.ID, "reset-all").click()

        def gone():
            try:
                call(f"{base}/helpcrunch/v1/customers/{made['id']}", token="helpcrunch-test-token")
                return False
            except urllib.error.HTTPError as e:
                return e.code == 404
        check("reset every vendor forgets what was written", wait_for(gone))
        if screenshot:
            driver.execute_script("window.scrollTo(0, 0)")
            driver.save_screenshot(screenshot)
            check(f"screenshot written to {screenshot}", os.path.getsize(screenshot) > 10_000)
    finally:
        driver.quit()
        proc.terminate()
        proc.wait(timeout=10)

    proc, base = start("--admin-token", "s3cret")
    driver = browser()
    try:
        driver.get(f"{base}/__admin/ui")
        login = wait_for(lambda: driver.find_element(By.ID, "login").is_displayed())
        check("with --admin-token the page asks for it", login)
        driver.find_element(By.ID, "admin-token").send_keys("s3cret")
        driver.find_element(By.CSS_SELECTOR, "#login-form button").click()
        rows = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#surfaces tbody tr[data-surface]"))
        check("with the token the page loads", rows and not driver.find_element(By.ID, "login").is_displayed())
    finally:
        driver.quit()
        proc.terminate()
        proc.wait(timeout=10)


def main():
    screenshot = None
    if "--screenshot" in sys.argv:
        screenshot = os.path.abspath(sys.argv[sys.argv.index("--screenshot") + 1])
    if os.environ.get("MOCKDESK_IN_BROWSER_VENV") != "1":
        ensure_browser()
        py = ensure_selenium()
        env = dict(os.environ, MOCKDESK_IN_BROWSER_VENV="1")
        return subprocess.run([py, __file__, *sys.argv[1:]], env=env).returncode
    run(screenshot)
    failed = results.count(False)
    print(f"dashboard: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
