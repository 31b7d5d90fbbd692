#!/usr/bin/env bash
# Fuzzes the real server against its own OpenAPI document with schemathesis (all checks),
# signed in as an admin and then as a member. Fails on any 5xx, any response that does not
# match the document, and any undocumented status. Uses the debug binary `cargo test`
# builds, so CI compiles nothing extra.
#   FUZZ_EXAMPLES  examples per operation and phase (default 40)
#   FUZZ_SEED      the generator's seed (default fixed, so a failure can be replayed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin="$root/target/debug/library-server"
venv="$root/target/fuzz-venv"
examples="${FUZZ_EXAMPLES:-40}"
seed="${FUZZ_SEED:-20261124}"

[ -x "$bin" ] || cargo build
if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# A fast bcrypt, and login throttling high enough not to lock the fuzzer's own accounts.
LIBRARY_BCRYPT_COST=4 LIBRARY_LOGIN_MAX_FAILURES=100000 LIBRARY_LOGIN_MAX_FAILURES_PER_ACCOUNT=100000 \
LIBRARY_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 \
LIBRARY_LOG=warn "$bin" serve --port "$port" --database "$work/fuzz.db" --data-dir "$work/data" \
    2> "$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 100); do
    curl -fsS "$base/health" > /dev/null 2>&1 && break
    sleep 0.1
done

json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
post() { curl -fsS -X POST "$base$1" -H 'Content-Type: application/json' "${@:3}" -d "$2"; }

# Accounts: the first is the admin; then a member, and a few books to lend.
post /users/register '{"email": "admin@example.org", "username": "admin", "password": "fuzz-admin-pw"}' > /dev/null
post /users/register '{"email": "member@example.org", "username": "member", "password": "fuzz-member-pw"}' > /dev/null
admin=$(post /users/login '{"email": "admin@example.org", "password": "fuzz-admin-pw"}' | json '["access_token"]')
member=$(post /users/login '{"email": "member@example.org", "password": "fuzz-member-pw"}' | json '["access_token"]')
if curl -fsS "$base/openapi.json" | grep -q '"/books"'; then
    for n in 1 2 3; do
        post /books "{\"title\": \"Fuzz book $n\", \"author\": \"A. Writer\", \"copies\": 2}" \
            -H "Authorization: Bearer $admin" > /dev/null
    done
    post /loans '{"book_id": 1}' -H "Authorization: Bearer $member" > /dev/null
fi

status=0
for who in admin member; do
    token=${!who}
    echo "== schemathesis as $who ($examples examples per operation, seed $seed)"
    SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="$root/.ci" \
    "$venv/bin/st" --config-file "$root/.ci/schemathesis.toml" run "$base/openapi.json" \
        --header "Authorization: Bearer $token" \
        --max-examples "$examples" \
        --seed "$seed" \
        --workers 1 \
        --request-timeout 20 \
        --no-color || status=$?
done
if grep -qi "panicked" "$work/server.log"; then
    echo "the server panicked during fuzzing:"
    grep -i -A3 "panicked" "$work/server.log"
    status=1
fi
exit $status
