"""The reader's page in headless Chromium: when a search's results first stand on the page,
counted from the start of the navigation (the page sets `data-results-at` from the
Performance API's clock), and what its scripts and style sheet weigh gzipped.

Drives chromedriver over its plain W3C HTTP protocol, so it needs nothing but Python.
Usage: first_render.py BASE_URL QUERY   Prints one line of name=value figures (as the
other bench scripts do); without Chromium it says so there."""

import gzip
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BASE, QUERY = sys.argv[1], sys.argv[2]
CHROMIUM = os.environ.get("LIBRARY_TEST_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("LIBRARY_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
RUNS = 5


def fetch(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as answer:
        return answer.read()


def weight():
    """The page's modules, followed from its entry by their imports, and its style sheet."""
    seen, queue = set(), ["/reader/app.js"]
    total = len(gzip.compress(fetch("/reader/reader.css"), 9))
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        code = fetch(url)
        total += len(gzip.compress(code, 9))
        # `import … from '…'`, `export … from '…'` and `import '…'`, each from a line's start.
        found = re.findall(rb"""^\s*(?:(?:import|export)\b[^'";]*?\bfrom\s*|import\s*)['"]([^'"]+)['"]""", code, re.M)
        for target in found:
            target = target.decode()
            queue.append(target if target.startswith("/") else os.path.normpath(os.path.join(os.path.dirname(url), target)))
    return total, len(seen)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    gz_bytes, modules = weight()
    result = {"js_css_gzip_kb": round(gz_bytes / 1024, 1), "modules": modules}
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        result["first_render"] = "skipped-no-chromium(bash-.ci/install-browser.sh)"
        say(result)
        return
    port = free_port()
    driver = subprocess.Popen([DRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    profile = tempfile.mkdtemp(prefix="bench-chromium.")

    def call(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.load(answer)["value"]

    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--window-size=1280,900", f"--user-data-dir={profile}"]
        session = call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}})["sessionId"]
        on_page, search = [], []
        for _ in range(RUNS):
            call("POST", f"/session/{session}/url", {"url": f"{BASE}/?q={QUERY}"})
            deadline = time.time() + 20
            while time.time() < deadline:
                found = call("POST", f"/session/{session}/execute/sync", {
                    "script": "const d = document.body.dataset; return d.resultsAt ? [Number(d.resultsAt), Number(d.resultsMs)] : null;",
                    "args": []})
                if found:
                    on_page.append(found[0])
                    search.append(found[1])
                    break
                time.sleep(0.02)
        call("DELETE", f"/session/{session}")
        if on_page:
            # The first visit fetches every file; the rest find them cached, as a reader's
            # second search does.
            result.update({"first_visit_ms": on_page[0], "median_ms": statistics.median(on_page),
                           "search_request_ms": statistics.median(search), "runs": len(on_page)})
        else:
            result["first_render"] = "the-results-never-showed"
    finally:
        driver.terminate()
        driver.wait()
    say(result)


def say(result):
    print("reader " + " ".join(f"{name}={value}" for name, value in result.items()))


main()
