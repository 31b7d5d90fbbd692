"""The image-upload burst of bench/run.sh: N uploads at once of small PNG files that
decode to large pictures (6000×6000 and 3000×3000 pixels), as one member. Prints
"BURST statuses=200:8,400:4 seconds=S". The caller reads the server's peak memory after.
Usage: burst.py BASE_URL [N]"""

import http.client
import json
import struct
import sys
import threading
import time
import urllib.parse
import zlib


def solid_png(width, height):
    """A one-colour RGBA PNG: a few hundred KB that declares width × height pixels."""
    row = b"\x00" + b"\xc8\x1e\x1e\xff" * width
    data = zlib.compress(row * height, 9)

    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def request(base, method, path, body=b"", headers=None):
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    conn.request(method, path, body=body, headers=headers or {})
    answer = conn.getresponse()
    payload = answer.read()
    conn.close()
    return answer.status, payload


def main():
    base = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    account = {"email": "burst@example.org", "username": "burst", "password": "burst-password-1"}
    headers = {"Content-Type": "application/json"}
    request(base, "POST", "/users/register", json.dumps(account).encode(), headers)
    login = {"email": account["email"], "password": account["password"]}
    status, body = request(base, "POST", "/users/login", json.dumps(login).encode(), headers)
    if status != 200:
        sys.exit(f"login failed: {status} {body[:200]!r}")
    reply = json.loads(body)
    token, user_id = reply["access_token"], reply["result"]["id"]
    pictures = [solid_png(6000, 6000), solid_png(3000, 3000)]
    statuses = []
    lock = threading.Lock()

    def upload(i):
        picture = pictures[0] if i % 3 == 0 else pictures[1]
        boundary = "burst-boundary"
        body = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n"
        ).encode() + picture + f"\r\n--{boundary}--\r\n".encode()
        status, _ = request(base, "PUT", f"/users/{user_id}/image", body, {
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        })
        with lock:
            statuses.append(status)

    started = time.monotonic()
    threads = [threading.Thread(target=upload, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    tally = ",".join(f"{s}:{statuses.count(s)}" for s in sorted(set(statuses)))
    print(f"BURST statuses={tally} seconds={seconds:.2f}")


if __name__ == "__main__":
    main()
