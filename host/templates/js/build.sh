#!/usr/bin/env bash
# Builds the component into dist/{{name}}.wasm with jco's QuickJS backend,
# pinned in package-lock.json and installed by `npm ci` on first use. JCO may
# name an installed jco instead.
set -euo pipefail
cd "$(dirname "$0")"
jco="${JCO:-}"
if [ -z "$jco" ]; then
    [ -x node_modules/.bin/jco ] || npm ci --silent
    jco=node_modules/.bin/jco
fi
mkdir -p dist
"$jco" componentize app.js --wit wit --world-name adapter --backend qjs --backend-qjs-disable-async \
    --bundle --bundle-config bundle.config.js -o "dist/{{name}}.wasm"
echo "built dist/{{name}}.wasm"
