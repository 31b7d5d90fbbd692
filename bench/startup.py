#!/usr/bin/env python3
"""Start-up time: launches the server RUNS times and times each launch to its first
`200 /health`, polling a loopback socket every millisecond. Prints the median in ms.

Usage: startup.py RUNS PORT BINARY ARGS…   (the server must not be running already)
"""
import socket
import statistics
import subprocess
import sys
import time

REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def healthy(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(REQUEST)
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def main():
    runs, port, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not healthy(port):
                if server.poll() is not None or time.perf_counter() - started > 30:
                    sys.exit("the server did not come up")
                time.sleep(0.001)
            times.append((time.perf_counter() - started) * 1000)
        finally:
            server.terminate()
            server.wait()
    print("%.1f %s" % (statistics.median(times), " ".join("%.1f" % t for t in times)))


if __name__ == "__main__":
    main()
