#!/usr/bin/env python3
"""Times GET PATH every INTERVAL ms for SECONDS on one keep-alive connection, while
something else loads the server (bench/run.sh). Prints "PROBE n=N p50=MS p99=MS max=MS".
Usage: probe.py BASE PATH SECONDS [INTERVAL_MS]"""
import http.client
import sys
import time
import urllib.parse


def main():
    base, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    interval = (float(sys.argv[4]) if len(sys.argv) > 4 else 10) / 1000
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    times = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            sys.exit("%s answered %d" % (path, response.status))
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(interval)
    times.sort()
    print("PROBE n=%d p50=%.1f p99=%.1f max=%.1f" % (
        len(times), times[len(times) // 2], times[int(len(times) * 0.99)], times[-1]))


if __name__ == "__main__":
    main()
