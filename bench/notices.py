#!/usr/bin/env python3
"""One notices run over 10,000 patrons with 30,000 loans (issue 17's benchmark).

Usage: notices.py BIN WORKDIR [PATRONS]

Builds a database with PATRONS readers (one in ten without e-mail: they get slips),
three loans each (one due in two days, one a day overdue, one due in ten days), starts
the server on it with a loopback SMTP sink (this script's own), and times
POST /notices/run while a librarian lends and returns a copy over and over. Prints one
line of key=value figures: the run's wall time, notices made and mails sent, the
server's peak resident memory, and the longest wait of a lend or return meanwhile.
"""

import json
import os
import socket
import socketserver
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

BIN, WORK = sys.argv[1], sys.argv[2]
PATRONS = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
PASSWORD = "bench-admin-pass"
DAY = 86_400


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink(socketserver.StreamRequestHandler):
    """Just enough SMTP for lettre: counts the messages."""

    received = 0
    lock = threading.Lock()

    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())

    def handle(self):
        # As a mail server answers: each reply in one segment, without waiting for the
        # client's delayed ACK of the one before (Nagle's algorithm would add 40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reply("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250-sink\r\n250 8BITMIME")
            elif command == "DATA":
                self.reply("354 go on")
                while True:
                    data = self.rfile.readline()
                    if not data or data == b".\r\n":
                        break
                with Sink.lock:
                    Sink.received += 1
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


class ThreadedSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def request(port, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=600) as answer:
        return json.loads(answer.read())


def build_database(db):
    subprocess.run([BIN, "migrate", "--database", db], check=True, capture_output=True)
    subprocess.run(
        [BIN, "create-admin", "--email", "boss@bench.example", "--username", "boss", "--database", db],
        input=PASSWORD + "\n", text=True, check=True, capture_output=True,
    )
    conn = sqlite3.connect(db)
    now = int(time.time())
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO users (username, email, full_name, group_name, card_number, created_at, modified_at)"
        " VALUES (?, ?, ?, ?, ?, 0, 0)",
        (
            (f"p{n:05}", None if n % 10 == 0 else f"p{n:05}@bench.example", f"Reader {n}",
             f"{5 + n % 4}{'ABC'[n % 3]}", f"C{n:06}")
            for n in range(PATRONS)
        ),
    )
    first_patron = conn.execute("SELECT MIN(id) FROM users WHERE username LIKE 'p%'").fetchone()[0]
    conn.executemany(
        "INSERT INTO books (title, author, created_at, modified_at) VALUES (?, ?, 0, 0)",
        ((f"Book {n}", f"Author {n % 997}") for n in range(PATRONS * 3 + 1)),
    )
    first_book = conn.execute("SELECT MIN(id) FROM books").fetchone()[0]
    conn.executemany(
        "INSERT INTO items (book_id, barcode, status, created_at, modified_at) VALUES (?, ?, ?, 0, 0)",
        ((first_book + n, f"I{n:07}", "on_loan" if n < PATRONS * 3 else "available")
         for n in range(PATRONS * 3 + 1)),
    )
    first_item = conn.execute("SELECT MIN(id) FROM items").fetchone()[0]
    offsets = (2 * DAY, -1 * DAY - 3600, 10 * DAY)
    conn.executemany(
        "INSERT INTO loans (book_id, user_id, item_id, borrowed_at, due_at) VALUES (?, ?, ?, ?, ?)",
        ((first_book + n, first_patron + n // 3, first_item + n, now - 14 * DAY, now + offsets[n % 3])
         for n in range(PATRONS * 3)),
    )
    # The desk's own patron and spare copy, lent and returned during the run.
    conn.execute(
        "INSERT INTO users (username, full_name, card_number, created_at, modified_at)"
        " VALUES ('desk', 'Desk Reader', 'WCARD', 0, 0)"
    )
    conn.commit()
    spare_book = first_book + PATRONS * 3
    return spare_book, f"I{PATRONS * 3:07}"


def peak_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    os.makedirs(WORK, exist_ok=True)
    db = os.path.join(WORK, "notices.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    spare_book, spare_barcode = build_database(db)

    sink = ThreadedSink(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    port = free_port()
    env = dict(os.environ, LIBRARY_SCHEDULER="false", LIBRARY_LOG="warn",
               LIBRARY_SMTP_HOST="127.0.0.1", LIBRARY_SMTP_PORT=str(sink.server_address[1]),
               LIBRARY_SMTP_TLS="none")
    server = subprocess.Popen(
        [BIN, "serve", "--address", "127.0.0.1", "--port", str(port), "--database", db,
         "--data-dir", os.path.join(WORK, "notices-data")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(400):
            try:
                request(port, "GET", "/health")
                break
            except OSError:
                time.sleep(0.05)
        token = request(port, "POST", "/users/login", body={"email": "boss@bench.example", "password": PASSWORD})["access_token"]

        waits = []
        stop = threading.Event()

        def desk():
            while not stop.is_set():
                for method, path, body in (
                    ("POST", "/loans", {"card_number": "WCARD", "book_id": spare_book}),
                    ("POST", "/returns", {"barcode": spare_barcode}),
                ):
                    started = time.perf_counter()
                    request(port, method, path, token, body)
                    waits.append(time.perf_counter() - started)

        writer = threading.Thread(target=desk, daemon=True)
        writer.start()
        time.sleep(0.5)
        before = len(waits)
        started = time.perf_counter()
        report = request(port, "POST", "/notices/run", token, {})["result"]
        took = time.perf_counter() - started
        during = waits[before:]
        stop.set()
        writer.join(timeout=10)
        peak = peak_kib(server.pid) / 1024
    finally:
        server.terminate()
        server.wait(timeout=20)
        sink.shutdown()
    during_ms = sorted(w * 1000 for w in during) or [0.0]
    print(
        f"notices patrons={PATRONS} loans={PATRONS * 3} created={report['created']} "
        f"slips={report['slips']} sent={report['sent']} failed={report['failed']} "
        f"received={Sink.received} run_s={took:.2f} peak_mb={peak:.1f} "
        f"writes={len(during)} write_p50_ms={during_ms[len(during_ms) // 2]:.1f} "
        f"write_max_ms={during_ms[-1]:.1f}"
    )


if __name__ == "__main__":
    main()
