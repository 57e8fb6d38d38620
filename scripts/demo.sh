#!/usr/bin/env bash
# Shoal's main job on the embedded default (a local directory): generate a sample table with
# an embedding column, import it into a Shoal file, inspect it, and export it back out.
# Usage: scripts/demo.sh [DIR]   (default: ./shoal-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-shoal-demo}
mkdir -p "$dir"

cargo build --release --locked -p shoal-cli
shoal=$PWD/target/release/shoal
run() { printf '\n$ shoal %s\n' "$*"; "$shoal" "$@"; }

run sample "$dir/sample.parquet" --rows 200000 --dim 128 --overwrite
run import "$dir/sample.parquet" "$dir/sample.shoal" --overwrite
run info "$dir/sample.shoal"
run head "$dir/sample.shoal" -n 5
run export "$dir/sample.shoal" "$dir/ids-and-text.parquet" --columns id,text,category --overwrite
run export "$dir/sample.shoal" "$dir/sample.arrow" --overwrite
printf '\nFiles in %s:\n' "$dir"
ls -l "$dir"
