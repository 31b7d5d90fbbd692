#!/usr/bin/env bash
# The benchmark suite (issues 6 and 14): builds the release binary and the bare-Rocket
# floor (bench/floor.rs), fills a temporary database with BOOKS books (through
# `library-server import` of a generated Goodreads CSV) and USERS accounts (through
# POST /users/register), drives the server on 127.0.0.1 with wrk, and prints every figure
# next to its target, as a ratio to the floor measured in the same run. Then the same
# table again on one core under a 256 MB memory limit ("small board"), printed only.
# Usage: bash bench/run.sh
# Knobs (environment): BENCH_DURATION (s per path, 10), BENCH_BOOKS (200000),
# BENCH_USERS (1000), BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_STARTS (7),
# BENCH_IDLE_CONNECTIONS (2000),
# BENCH_IMPORT_ROWS (10000: the CSV imported over HTTP while lending goes on; the upload
# limit of 3 MiB holds about 13,000 such rows), BENCH_NOTICE_PATRONS (10000: readers of
# the notices run, three loans each).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export BENCH_DIR=$ROOT/bench
DURATION=${BENCH_DURATION:-10}
export BOOKS=${BENCH_BOOKS:-200000}
export USERS=${BENCH_USERS:-1000}
export THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
STARTS=${BENCH_STARTS:-7}
IDLE_CONNECTIONS=${BENCH_IDLE_CONNECTIONS:-2000}
IMPORT_ROWS=${BENCH_IMPORT_ROWS:-10000}
NOTICE_PATRONS=${BENCH_NOTICE_PATRONS:-10000}
MEMBERS_WITH_TOKENS=100
export PASSWORD=bench-password-1
CORES=$(nproc)
HOST=127.0.0.1 # the only address this script ever talks to

say() { printf '== %s\n' "$*" >&2; }

if ! command -v wrk >/dev/null; then
    say "installing wrk"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
command -v python3 >/dev/null || { echo "bench/run.sh needs python3" >&2; exit 1; }

say "building the release binary"
cargo build --release --quiet --bin library-server --example bcrypt_time --example floor
BIN=$ROOT/target/release/library-server
FLOOR_BIN=$ROOT/target/release/examples/floor

WORK=$(mktemp -d /tmp/library-bench.XXXXXX)
SERVER_PID=
FLOOR_PID=
cleanup() {
    if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    if [[ -n $FLOOR_PID ]]; then kill "$FLOOR_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://$HOST:$PORT
# Requests are logged at info; the figures are for a server that logs warnings only.
export LIBRARY_LOG=warn
SERVE=("$BIN" serve --address "$HOST" --port "$PORT" --database "$WORK/library.db" --data-dir "$WORK/data")
# The "small board" run prefixes the server with these (one core, a memory limit).
CONFINE=()

start_server() {
    "${CONFINE[@]}" "${SERVE[@]}" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 2000); do
        curl -sf -o /dev/null "$BASE/health" && return 0
        sleep 0.01
    done
    echo "the server did not start; its log:" >&2
    cat "$WORK/server.log" >&2
    exit 1
}
stop_server() {
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}
# The server process itself (under systemd-run or taskset, SERVER_PID is the wrapper's).
server_pid() { pgrep -n -f -- "--port $PORT --database" || echo "$SERVER_PID"; }
status_kib() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$(server_pid)/status"; }
# The value of KEY in a "BENCH key=value …" line.
field() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1"; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# wrk over PATH with SCRIPT (NAME names its saved output); echoes the BENCH line.
run_wrk() {
    local name=$1 script=$2 path=$3 threads=${4:-$THREADS} connections=${5:-$CONNECTIONS} duration=${6:-$DURATION}
    wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s --latency -s "$BENCH_DIR/wrk/$script" \
        "${WRK_BASE:-$BASE}$path" >"$WORK/$name.txt" 2>&1
    local line
    line=$(grep '^BENCH' "$WORK/$name.txt")
    if [[ $(field "$line" errors) != 0 ]]; then
        say "$name: $(field "$line" errors) failed requests (see wrk's output below)"
        cat "$WORK/$name.txt" >&2
    fi
    echo "$line"
}

say "generating $BOOKS Goodreads rows"
read -r WORD WORD_BOOKS < <(python3 "$BENCH_DIR/goodreads_csv.py" "$BOOKS" "$WORK/goodreads.csv")
say "importing"
started=$(date +%s%N)
"$BIN" import "$WORK/goodreads.csv" --database "$WORK/library.db" --data-dir "$WORK/data" >"$WORK/import.log" 2>&1
IMPORT_S=$(calc "($(date +%s%N) - $started) / 1e9" 2)
grep -q " $BOOKS created" "$WORK/import.log" || { cat "$WORK/import.log" >&2; exit 1; }
export WORD

# The floor: bare Rocket answering one fixed book, measured first on an idle machine.
FLOOR_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$FLOOR_BIN" "$FLOOR_PORT" >/dev/null 2>&1 &
FLOOR_PID=$!
for _ in $(seq 1 500); do curl -sf -o /dev/null "http://$HOST:$FLOOR_PORT/books/1" && break; sleep 0.01; done

start_server
sleep 1
IDLE_KIB=$(status_kib VmRSS)

say "registering $USERS users"
register() {
    curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
        -d "{\"email\":\"bench-user-$1@example.org\",\"username\":\"bench-user-$1\",\"password\":\"$PASSWORD\"}" \
        "$BASE/users/register"
}
export -f register
export BASE
created=$( (register 1; seq 2 "$USERS" | xargs -P 8 -I{} bash -c 'register {}') | grep -c '^201$' || true)
[[ $created == "$USERS" ]] || { echo "only $created of $USERS registrations succeeded" >&2; exit 1; }

# "ID TOKEN" for bench-user-N (ids follow the order registrations landed in, not N).
login_token() {
    local answer
    answer=$(curl -s -H 'Content-Type: application/json' \
        -d "{\"email\":\"bench-user-$1@example.org\",\"password\":\"$PASSWORD\"}" "$BASE/users/login")
    echo "$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' <<<"$answer") $(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$answer")"
}
export -f login_token
export TOKEN
read -r _ TOKEN < <(login_token 2)
read -r _ STAFF_TOKEN < <(login_token 1) # bench-user-1 registered first: the admin
export TOKENS_LUA=$WORK/tokens.lua
{
    echo "members = {}; tokens_by_user = {}"
    seq 2 $((MEMBERS_WITH_TOKENS + 1)) | xargs -P 4 -I{} bash -c \
        'read -r id t < <(login_token {}); echo "table.insert(members, \"$t\"); tokens_by_user[$id] = \"$t\""'
} >"$TOKENS_LUA"

# The read table: /health, a book, a user (a librarian looking people up), a search, the
# catalogue's slow corners one by one, then six clients on the worst of them while /health
# is timed. Figures go to R[<run><name>]; $1 names the run ("" or "board_").
declare -A R
measure_reads() {
    R[$1health]=$(run_wrk "$1health" summary.lua /health)
    R[$1book]=$(run_wrk "$1book" book.lua /books/1)
    R[$1user]=$(TOKEN=$STAFF_TOKEN run_wrk "$1user" user.lua /users/1)
    R[$1search]=$(run_wrk "$1search" summary.lua "/books?q=$WORD&per_page=20")
    R[$1catalogue]=$(python3 "$BENCH_DIR/catalogue.py" "$BASE" "$WORD" 20 | tee "$WORK/$1catalogue.txt" | tail -1)
    run_wrk "$1worst" worst.lua /books 2 6 "$DURATION" >"$WORK/$1worst.line" &
    local worst_pid=$!
    sleep 0.5
    R[$1health_under]=$(python3 "$BENCH_DIR/probe.py" "$BASE" /health $((DURATION - 1)))
    wait "$worst_pid"
    R[$1worst]=$(cat "$WORK/$1worst.line")
}

say "measuring the floor (bare Rocket)"
R[floor]=$(WRK_BASE=http://$HOST:$FLOOR_PORT run_wrk floor book.lua /books/1)
kill "$FLOOR_PID"
wait "$FLOOR_PID" 2>/dev/null || true
FLOOR_PID=

say "measuring (${DURATION}s a path, $THREADS threads, $CONNECTIONS connections)"
measure_reads ""
# The server's CPU time across the login run (clock ticks, 100 a second): on a shared
# machine, logins/s alone cannot tell a slow server from a busy neighbour.
server_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
ticks_before=$(server_ticks)
LOGIN=$(run_wrk login login.lua /users/login)
LOGIN_TICKS=$(($(server_ticks) - ticks_before))
LENDING=$(run_wrk lending lending.lua /loans)
# The desk: one copy on the shelf of each of the last books (the lending run above started
# from the first) and the cards of members with nothing out, read from the database.
export DESK_LUA=$WORK/desk.lua
python3 - "$WORK/library.db" "$STAFF_TOKEN" >"$DESK_LUA" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
codes = [r[0] for r in db.execute(
    "SELECT barcode FROM items WHERE id IN (SELECT MIN(id) FROM items WHERE status = 'available'"
    " GROUP BY book_id ORDER BY book_id DESC LIMIT 20000)")]
cards = [r[0] for r in db.execute(
    "SELECT card_number FROM users WHERE role = 'member' AND id NOT IN"
    " (SELECT user_id FROM loans WHERE returned_at IS NULL) ORDER BY id LIMIT 1000")]
print('staff = "%s"' % sys.argv[2])
print("barcodes = {%s}" % ",".join('"%s"' % c for c in codes))
print("cards = {%s}" % ",".join('"%s"' % c for c in cards))
PY
DESK=$(run_wrk desk desk.lua /loans)
# Both at once: a login flood (1 wrk thread, CONNECTIONS connections) around a GET run.
run_wrk flood login.lua /users/login 1 "$CONNECTIONS" $((DURATION + 2)) >"$WORK/flood.line" &
FLOOD_PID=$!
sleep 1
BOOK_FLOOD=$(run_wrk book_flood book.lua /books/1)
wait "$FLOOD_PID"
FLOOD=$(cat "$WORK/flood.line")
PEAK_KIB=$(status_kib VmHWM)
say "the reader's page in headless Chromium: a search's first render"
RENDER=$(python3 "$BENCH_DIR/first_render.py" "$BASE" "$WORD")

# After the memory peak is read: the upload itself is held in memory while it is imported.
say "importing $IMPORT_ROWS rows over HTTP while a member borrows and returns"
python3 "$BENCH_DIR/goodreads_csv.py" "$IMPORT_ROWS" "$WORK/http-import.csv" $((BOOKS + 1)) >/dev/null
if (($(stat -c %s "$WORK/http-import.csv") > 3 * 1024 * 1024)); then
    echo "BENCH_IMPORT_ROWS=$IMPORT_ROWS makes a CSV over the 3 MiB upload limit" >&2
    exit 1
fi
PAUSE=$(python3 "$BENCH_DIR/import_pause.py" "$BASE" "$WORK/http-import.csv" "$STAFF_TOKEN" "$TOKEN")
[[ $(field "$PAUSE" created) == "$IMPORT_ROWS" ]] || { echo "the HTTP import: $PAUSE" >&2; exit 1; }
stop_server

# A fresh server, so its peak memory is this part's alone.
say "${IDLE_CONNECTIONS} idle connections, then a burst of 12 picture uploads"
start_server
IDLE=$(python3 "$BENCH_DIR/idle.py" "$HOST" "$PORT" "$IDLE_CONNECTIONS")
BURST=$(python3 "$BENCH_DIR/burst.py" "$BASE" 12)
BURST_PEAK_KIB=$(status_kib VmHWM)
stop_server

# Notices (issue 17): one run over NOTICE_PATRONS readers with three loans each, on a
# database of its own, while a librarian lends and returns (bench/notices.py).
say "one notices run over $NOTICE_PATRONS patrons with $((NOTICE_PATRONS * 3)) loans"
NOTICES=$(python3 "$BENCH_DIR/notices.py" "$BIN" "$WORK/notices" "$NOTICE_PATRONS")

# The small board: a stand-in for a Raspberry Pi, one core and 256 MB. Printed, not
# judged. The floor is measured on the same core, so the ratios compare like with like.
say "small board: the read table again on one core under a 256 MB memory limit"
BOARD_LIMIT="no memory limit (neither systemd-run nor a writable memory cgroup here)"
BOARD_CGROUP=
if systemd-run --scope --quiet -p MemoryMax=256M true 2>/dev/null; then
    CONFINE=(systemd-run --scope --quiet -p MemoryMax=256M taskset -c 0)
    BOARD_LIMIT="MemoryMax=256M (systemd-run)"
else
    for root in /sys/fs/cgroup/memory /sys/fs/cgroup; do
        dir=$root/library-bench-$$
        limit=memory.limit_in_bytes
        [[ -e $root/cgroup.controllers ]] && limit=memory.max
        if mkdir -p "$dir" 2>/dev/null && echo $((256 * 1024 * 1024)) >"$dir/$limit" 2>/dev/null; then
            BOARD_CGROUP=$dir
            # shellcheck disable=SC2016 # $$ and $@ are the inner shell's
            CONFINE=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" taskset -c 0)
            BOARD_LIMIT="$limit=256M (cgroup $dir)"
            break
        fi
    done
fi
[[ ${#CONFINE[@]} -gt 0 ]] || CONFINE=(taskset -c 0)
taskset -c 0 "$FLOOR_BIN" "$FLOOR_PORT" >/dev/null 2>&1 &
FLOOR_PID=$!
for _ in $(seq 1 500); do curl -sf -o /dev/null "http://$HOST:$FLOOR_PORT/books/1" && break; sleep 0.01; done
R[board_floor]=$(WRK_BASE=http://$HOST:$FLOOR_PORT run_wrk floor_board book.lua /books/1)
kill "$FLOOR_PID"
wait "$FLOOR_PID" 2>/dev/null || true
FLOOR_PID=
start_server
sleep 1
BOARD_IDLE_KIB=$(status_kib VmRSS)
measure_reads board_
BOARD_PEAK_KIB=$(status_kib VmHWM)
stop_server
CONFINE=()
[[ -z $BOARD_CGROUP ]] || rmdir "$BOARD_CGROUP" 2>/dev/null || true

say "timing $STARTS starts"
read -r STARTUP_MS STARTUPS < <(python3 "$BENCH_DIR/startup.py" "$STARTS" "$PORT" "${SERVE[@]}")
read -r BCRYPT_MS BCRYPT_WALL_MS < <("$ROOT/target/release/examples/bcrypt_time" 10)
BINARY_BYTES=$(stat -c %s "$BIN")

# A figure's ratio to the floor's req/s (the small board's to its own floor).
ratio() { calc "$(field "$1" rps) / $(field "$2" rps)" 2; }
login_target=$(calc "0.95 * $CORES * 1000 / $BCRYPT_MS" 1)
login_cpu_ms=$(calc "$LOGIN_TICKS * 10 / $(field "$LOGIN" requests)" 1)
login_cores=$(calc "$LOGIN_TICKS / 100 / $DURATION" 2)

echo
echo "library-server benchmark, $(date -u +%Y-%m-%d), $(uname -m), $CORES cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))"
echo "$BOOKS books, $USERS users, wrk $THREADS threads × $CONNECTIONS connections, ${DURATION}s a path"
echo "search word: q=$WORD (in the titles of $WORD_BOOKS books); one bcrypt verify (cost 10) with every core verifying: $BCRYPT_MS ms of CPU ($BCRYPT_WALL_MS ms wall, on a shared machine)"
# The read table of one run: $1 is "" or "board_".
read_table() {
    local floor=${R[$1floor]}
    printf '%-40s %10s %9s %9s %7s\n' path "req/s" "p50 ms" "p99 ms" "×floor"
    rrow() { printf '%-40s %10s %9s %9s %7s\n' "$1" "$(field "$2" rps)" "$(field "$2" p50)" "$(field "$2" p99)" "$(ratio "$2" "$floor")"; }
    rrow "floor: bare Rocket, GET /books/{id}" "$floor"
    rrow "GET /health" "${R[$1health]}"
    rrow "GET /books/{id}" "${R[$1book]}"
    rrow "GET /users/{id} (Bearer, librarian)" "${R[$1user]}"
    rrow "GET /books?q=$WORD&per_page=20" "${R[$1search]}"
    rrow "worst catalogue queries, 6 clients" "${R[$1worst]}"
    echo "  meanwhile GET /health: p50 $(field "${R[$1health_under]}" p50) ms, p99 $(field "${R[$1health_under]}" p99) ms, max $(field "${R[$1health_under]}" max) ms"
    echo "catalogue queries one by one (20 rounds each; a total with + is capped at 1,000; 400 is a refusal in words):"
    sed 's/^CAT /  /' "$WORK/$1catalogue.txt" | grep -v '^CATALOGUE'
}
echo
read_table ""
echo
printf '%-40s %10s %9s %9s\n' path "req/s" "p50 ms" "p99 ms"
row() { printf '%-40s %10s %9s %9s\n' "$1" "$(field "$2" rps)" "$(field "$2" p50)" "$(field "$2" p99)"; }
row "POST /users/login" "$LOGIN"
row "POST /loans + return (requests)" "$LENDING"
row "desk: lend + check-in by barcode (requests)" "$DESK"
row "GET /books/{id} during login flood" "$BOOK_FLOOD"
row "  (the flood: POST /users/login)" "$FLOOD"
echo "start-ups (ms): $STARTUPS"
echo "with $(field "$IDLE" open) idle connections open: $(field "$IDLE" health_ok) GET /health answered 200, p50 $(field "$IDLE" p50) ms, p99 $(field "$IDLE" p99) ms"
echo "picture burst (12 uploads at once, 4 of 6000×6000 and 8 of 3000×3000 pixels): statuses $(field "$BURST" statuses) in $(field "$BURST" seconds) s"
echo "login run: the server used $login_cores of $CORES cores, $login_cpu_ms ms of CPU a login"
echo "import over HTTP: $IMPORT_ROWS rows in $(field "$PAUSE" import_s) s, while $(field "$PAUSE" writes) loan and return requests answered (p50 $(field "$PAUSE" p50_ms) ms)"
echo "import: longest wait of another write: $(field "$PAUSE" max_ms) ms"
echo "reader's page, /?q=$WORD in headless Chromium: $RENDER"
echo "notices run: $NOTICES"
echo
echo "small board (printed, not judged): the server on CPU 0 only, $BOARD_LIMIT"
read_table board_
echo "  resident memory: idle $(calc "$BOARD_IDLE_KIB / 1024" 1) MB, peak $(calc "$BOARD_PEAK_KIB / 1024" 1) MB"
echo

RESULTS=()
check() { # figure measured target pass(1/0)
    local verdict=FAIL
    [[ $4 == 1 ]] && verdict=pass
    RESULTS+=("$verdict")
    printf '%-44s %14s %16s  %s\n' "$1" "$2" "$3" "$verdict"
}
holds() { awk "BEGIN { exit !($1) }" && echo 1 || echo 0; }
printf '%-44s %14s %16s  %s\n' figure measured target result
r=$(ratio "${R[health]}" "${R[floor]}"); check "GET /health ÷ floor" "$r" "≥ 0.8" "$(holds "$r >= 0.8")"
r=$(ratio "${R[book]}" "${R[floor]}"); check "GET /books/{id} ÷ floor" "$r" "≥ 0.6" "$(holds "$r >= 0.6")"
r=$(ratio "${R[user]}" "${R[floor]}"); check "GET /users/{id} ÷ floor" "$r" "≥ 0.5" "$(holds "$r >= 0.5")"
r=$(ratio "${R[search]}" "${R[floor]}"); check "GET /books?q= ÷ floor" "$r" "≥ 0.25" "$(holds "$r >= 0.25")"
v=$(field "${R[search]}" p99); check "GET /books?q= p99" "$v ms" "< 10 ms" "$(holds "$v < 10")"
v=$(field "${R[catalogue]}" worst_p99); check "slowest catalogue query, p99 (one client)" "$v ms" "≤ 20 ms" "$(holds "$v <= 20")"
v=$(field "${R[worst]}" p99); check "worst catalogue queries p99, 6 clients" "$v ms" "(printed)" 1
v=$(field "${R[health_under]}" p99); check "/health p99 while 6 clients run the worst" "$v ms" "≤ 20 ms" "$(holds "$v <= 20")"
v=$(field "$LOGIN" rps); check "logins/s (0.95 × $CORES cores ÷ $BCRYPT_MS ms)" "$v" "≥ $login_target" "$(holds "$v >= $login_target")"
check "  server CPU a login (bcrypt ÷ 0.95)" "$login_cpu_ms ms" "≤ $(calc "$BCRYPT_MS / 0.95" 1) ms" "$(holds "$login_cpu_ms <= $BCRYPT_MS / 0.95")"
v=$(field "$BOOK_FLOOD" p99); check "GET /books/{id} p99 during login flood" "$v ms" "≤ 20 ms" "$(holds "$v <= 20")"
v=$(field "$LENDING" pairs_per_s); check "loan + return pairs/s" "$v" "≥ 2000" "$(holds "$v >= 2000")"
v=$(field "$DESK" pairs_per_s); check "desk: lend + check-in by barcode pairs/s" "$v" "≥ 2000" "$(holds "$v >= 2000")"
v=$(calc "$IDLE_KIB / 1024" 1); check "resident memory idle" "$v MB" "≤ 15 MB" "$(holds "$v <= 15")"
v=$(calc "$PEAK_KIB / 1024" 1); check "resident memory peak (reads, search, lending)" "$v MB" "≤ 48 MB" "$(holds "$v <= 48")"
v=$(field "$RENDER" js_css_gzip_kb); check "reader's page: its JS + CSS, gzipped" "$v KB" "≤ 60 KB" "$(holds "$v <= 60")"
v=$(calc "$BINARY_BYTES / 1048576" 1); check "release binary size" "$v MB" "≤ 12 MB" "$(holds "$v <= 12")"
v=$(field "$IDLE" p99); ok=$(field "$IDLE" health_ok)
check "/health p99, $IDLE_CONNECTIONS idle connections open" "$v ms" "< 20 ms, all 200" "$(holds "$v < 20 && ${ok%/*} == ${ok#*/}")"
v=$(calc "$BURST_PEAK_KIB / 1024" 1); check "peak memory, burst of 12 huge pictures" "$v MB" "≤ 150 MB" "$(holds "$v <= 150")"
check "start-up to first 200 /health (median, $BOOKS books)" "$STARTUP_MS ms" "< 50 ms" "$(holds "$STARTUP_MS < 50")"
v=$(calc "$BOOKS / $IMPORT_S" 0); check "import of $BOOKS Goodreads rows" "$v rows/s" "≥ 10000 rows/s" "$(holds "$v >= 10000")"
v=$(field "$PAUSE" max_ms); check "import: longest wait of another write" "$v ms" "< 100 ms" "$(holds "$v < 100")"
check "notices run, $NOTICE_PATRONS patrons, $(field "$NOTICES" sent) mails" "$(field "$NOTICES" run_s) s" "(printed)" 1
check "  its peak memory" "$(field "$NOTICES" peak_mb) MB" "(printed)" 1
v=$(field "$NOTICES" write_max_ms); check "  longest wait of another write meanwhile" "$v ms" "< 100 ms" "$(holds "$v < 100")"
refused=$(field "$LENDING" refused)
[[ $refused == 0 ]] || echo "note: $refused loan requests were refused (see $WORK/lending.txt)"
refused=$(field "$DESK" refused)
[[ $refused == 0 ]] || echo "note: $refused desk requests were refused (see $WORK/desk.txt)"
failed=0
for verdict in "${RESULTS[@]}"; do [[ $verdict == pass ]] || failed=$((failed + 1)); done
echo "$((${#RESULTS[@]} - failed)) of ${#RESULTS[@]} targets met"
