#!/usr/bin/env python3
"""The catalogue's slow corners (bench/run.sh): every kind of query a client without an
account can form — deep pages, filters, sorts, short and common words — each asked ROUNDS
times in turn on one keep-alive connection, timed to the last byte.

Prints one "CAT name status p50 p99 max total" line a query, then
"CATALOGUE worst_p99=MS worst=NAME". Usage: catalogue.py BASE WORD [ROUNDS]
"""
import http.client
import json
import sys
import time
import urllib.parse


def queries(word):
    deepest = 1_000 // 100  # the last page at per_page=100 (the depth cap)
    return [
        ("deepest page, by title", f"/books?page={deepest}&per_page=100"),
        ("deepest page, available", f"/books?available=true&page={deepest}&per_page=100"),
        ("deepest, author desc", f"/books?sort=author&order=desc&page={deepest}&per_page=100"),
        ("deepest, year, available", f"/books?sort=published_year&available=true&page={deepest}&per_page=100"),
        ("deepest, newest", f"/books?sort=created_at&order=desc&page={deepest}&per_page=100"),
        ("tag, deepest", f"/books?tag=fiction&page={deepest}&per_page=100"),
        ("tag + available, deepest", f"/books?tag=fiction&available=true&sort=title&page={deepest}&per_page=100"),
        ("author", "/books?author=Mary%20Smith&per_page=100"),
        (f"q={word}", f"/books?q={word}"),
        (f"q={word}, deepest", f"/books?q={word}&page={deepest}&per_page=100"),
        (f"q={word} by title, deepest", f"/books?q={word}&sort=title&page={deepest}&per_page=100"),
        (f"q={word} available", f"/books?q={word}&available=true&per_page=100"),
        ("q=a", "/books?q=a"),
        ("q=a*", "/books?q=" + urllib.parse.quote("a*")),
        ("q=the, deepest", f"/books?q=the&page={deepest}&per_page=100"),
        ("q=the by author desc, deepest", f"/books?q=the&sort=author&order=desc&page={deepest}&per_page=100"),
        ("q=th available by year", "/books?q=th&available=true&sort=published_year&per_page=100"),
        ("q=the night garden", "/books?q=the%20night%20garden"),
    ]


def main():
    base, word = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    timings = {name: [] for name, _ in queries(word)}
    answers = {}
    for _ in range(rounds):
        for name, path in queries(word):
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            timings[name].append((time.perf_counter() - started) * 1000)
            answers[name] = (response.status, body)
    worst, worst_name = 0.0, ""
    for name, path in queries(word):
        times = sorted(timings[name])
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        status, body = answers[name]
        total = "-"
        if status == 200:
            meta = json.loads(body).get("meta", {})
            total = "%s%s" % (meta.get("total"), "+" if meta.get("total_capped") else "")
        print("CAT %-32s %3d p50=%.1f p99=%.1f max=%.1f total=%s" % (
            name, status, times[len(times) // 2], p99, times[-1], total))
        if p99 > worst:
            worst, worst_name = p99, name
    print("CATALOGUE worst_p99=%.1f worst=%s" % (worst, worst_name.replace(" ", "_")))


if __name__ == "__main__":
    main()
