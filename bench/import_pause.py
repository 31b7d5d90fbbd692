#!/usr/bin/env python3
"""The longest wait of another write while the server imports a large CSV (issue 10, 11).

Usage: import_pause.py BASE_URL CSV STAFF_TOKEN MEMBER_TOKEN

Creates a one-copy book, starts POST /books/import of CSV on one connection and, until that
answers, has the member borrow and return the book over and over on another, timing each
request. Prints "BENCH writes=N max_ms=M p50_ms=P import_s=S created=C".
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse


def connect(base):
    url = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=600)


def call(conn, method, path, token, body=None, content_type="application/json"):
    headers = {"Authorization": "Bearer " + token}
    if body is not None:
        headers["Content-Type"] = content_type
    conn.request(method, path, body, headers)
    response = conn.getresponse()
    return response.status, response.read()


def main():
    base, csv_path, staff, member = sys.argv[1:5]
    with open(csv_path, "rb") as f:
        data = f.read()
    boundary = "library-bench-import-boundary"
    upload = (
        b"--" + boundary.encode() + b"\r\n"
        b'Content-Disposition: form-data; name="file"; filename="books.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + data + b"\r\n--" + boundary.encode() + b"--\r\n"
    )

    conn = connect(base)
    status, answer = call(conn, "POST", "/books", staff,
                          json.dumps({"title": "Import pause probe", "author": "Bench", "copies": 1}))
    if status != 201:
        sys.exit("creating the probe book answered %d: %s" % (status, answer[:300]))
    book = json.loads(answer)["result"]["id"]

    outcome = {}

    def run_import():
        started = time.monotonic()
        outcome["status"], outcome["body"] = call(
            connect(base), "POST", "/books/import", staff, upload,
            "multipart/form-data; boundary=" + boundary)
        outcome["seconds"] = time.monotonic() - started

    importer = threading.Thread(target=run_import)
    importer.start()
    waits = []

    def timed(method, path, body=None):
        started = time.monotonic()
        status, answer = call(conn, method, path, member, body)
        waits.append(time.monotonic() - started)
        return status, answer

    while importer.is_alive():
        status, answer = timed("POST", "/loans", json.dumps({"book_id": book}))
        if status != 201:
            sys.exit("a loan during the import answered %d: %s" % (status, answer[:300]))
        loan = json.loads(answer)["result"]["id"]
        status, answer = timed("POST", "/loans/%d/return" % loan)
        if status != 200:
            sys.exit("a return during the import answered %d: %s" % (status, answer[:300]))
    importer.join()
    if outcome["status"] != 200:
        sys.exit("the import answered %d: %s" % (outcome["status"], outcome["body"][:300]))
    created = json.loads(outcome["body"])["result"]["created"]
    waits.sort()
    print("BENCH writes=%d max_ms=%.1f p50_ms=%.1f import_s=%.2f created=%d" % (
        len(waits), waits[-1] * 1000, waits[len(waits) // 2] * 1000, outcome["seconds"], created))


if __name__ == "__main__":
    main()
