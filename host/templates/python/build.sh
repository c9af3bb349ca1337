#!/usr/bin/env bash
# Builds the component into dist/{{name}}.wasm with componentize-py, pinned in
# requirements.txt and installed into .venv on first use. COMPONENTIZE_PY may
# name an installed componentize-py instead.
set -euo pipefail
cd "$(dirname "$0")"
componentize="${COMPONENTIZE_PY:-}"
if [ -z "$componentize" ]; then
    if [ ! -x .venv/bin/componentize-py ]; then
        python3 -m venv .venv
        .venv/bin/pip install --quiet -r requirements.txt
    fi
    componentize=.venv/bin/componentize-py
fi
mkdir -p dist
"$componentize" -d wit -w adapter componentize app -o "dist/{{name}}.wasm"
echo "built dist/{{name}}.wasm"
