"""Idle connections (bench/run.sh): opens N connections to the server that send nothing,
then times GET /health over fresh connections while they stay open. Prints
"IDLE open=N health_ok=K p50=MS p99=MS". Usage: idle.py HOST PORT [N] [PROBES]"""

import resource
import socket
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    probes = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 256)), hard))
    idle = []
    for _ in range(count):
        s = socket.create_connection((host, port), timeout=5)
        idle.append(s)
    time.sleep(1)
    times, ok = [], 0
    for _ in range(probes):
        started = time.monotonic()
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
            s.close()
            if answer.startswith(b"HTTP/1.1 200"):
                ok += 1
        except OSError:
            pass
        times.append((time.monotonic() - started) * 1000)
    for s in idle:
        s.close()
    times.sort()
    p50 = times[len(times) // 2]
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"IDLE open={len(idle)} health_ok={ok}/{probes} p50={p50:.1f} p99={p99:.1f}")


if __name__ == "__main__":
    main()
