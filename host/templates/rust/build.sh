#!/usr/bin/env bash
# Builds the component into dist/{{name}}.wasm.
set -euo pipefail
cd "$(dirname "$0")"
rustup target add wasm32-wasip2 >/dev/null 2>&1 || true
cargo build --release --target wasm32-wasip2
target_dir="${CARGO_TARGET_DIR:-target}"
mkdir -p dist
cp "$target_dir/wasm32-wasip2/release/{{crate_file}}.wasm" "dist/{{name}}.wasm"
echo "built dist/{{name}}.wasm"
