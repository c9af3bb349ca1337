#!/usr/bin/env bash
# Builds the plugin and runs it through the Berth host: the host validates
# the component (imports, manifest, tool names, schemas), then calls a tool
# in a fresh sandbox, exactly as it does for an agent.
# BERTH points at the berth binary (default: `berth` on PATH).
set -euo pipefail
cd "$(dirname "$0")"
berth="${BERTH:-berth}"
./build.sh

"$berth" plugin inspect "dist/{{name}}.wasm"

expect() {
    local what="$1" expected="$2"; shift 2
    local got
    got="$("$berth" plugin call "dist/{{name}}.wasm" "$@")" || { echo "FAIL: $what: the call failed: $got"; exit 1; }
    if [ "$got" != "$expected" ]; then
        echo "FAIL: $what: expected '$expected', got '$got'"; exit 1
    fi
    echo "ok: $what"
}

expect "greet answers" "Hello, Ada!" greet --args '{"name": "Ada"}'

# Arguments that break the schema are refused before the plugin runs.
if "$berth" plugin call "dist/{{name}}.wasm" greet --args '{"name": 7}' >/dev/null 2>&1; then
    echo "FAIL: bad arguments were accepted"; exit 1
fi
echo "ok: bad arguments are refused"
