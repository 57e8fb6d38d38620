#!/usr/bin/env bash
# Shoal's main job on the embedded default (a local directory): generate a sample table with
# an embedding column, import it into a dataset, append to it, delete from it, update it,
# compact it, filter it, query it with SQL, search it for the rows nearest one row (flat,
# with a filter, then through an IVF-PQ index), inspect its versions, and export a version
# back out.
# Usage: scripts/demo.sh [DIR]   (default: ./shoal-demo)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-shoal-demo}
mkdir -p "$dir"
rm -rf "$dir/dataset"

cargo build --release --locked -p shoal-cli
shoal=$PWD/target/release/shoal
run() { printf '\n$ shoal %s\n' "$*"; "$shoal" "$@"; }

run sample "$dir/sample.parquet" --rows 200000 --dim 128 --overwrite
run import "$dir/sample.parquet" "$dir/dataset" --max-rows-per-file 50000
run import "$dir/sample.parquet" "$dir/dataset" --mode append
run delete "$dir/dataset" --where "category = 7"
run update "$dir/dataset" --set "text = upper(text)" --where "id < 3"
run tag create "$dir/dataset" before-compact
run compact "$dir/dataset"
printf '\n# Every row is there twice (the sample was imported, then appended), so row 42 and its\n'
printf '# copy come first. The index search is approximate: random vectors have no clusters.\n'
run search "$dir/dataset" --column vector --query-row 42 -k 5 --columns id,category
run search "$dir/dataset" --column vector --query-row 42 -k 5 --columns id,category --where "category = 3"
run scan "$dir/dataset" --where "id BETWEEN 1000 AND 1002" --columns id,category,text
run scan "$dir/dataset" --where "id BETWEEN 1000 AND 1999" --stats
run sql "SELECT category, count(*) AS n, avg(length(text)) AS text_len FROM items GROUP BY category ORDER BY n DESC LIMIT 5" --table items="$dir/dataset"
run index create "$dir/dataset" --column vector --partitions 256 --sub-vectors 16
run search "$dir/dataset" --column vector --query-row 42 -k 5 --columns id,category
run index list "$dir/dataset"
run versions "$dir/dataset"
run info "$dir/dataset"
run head "$dir/dataset" -n 5
run export "$dir/dataset" "$dir/ids-and-text.parquet" --columns id,text,category --overwrite
run export "$dir/dataset" "$dir/before-compact.arrow" --tag before-compact --overwrite
run cleanup "$dir/dataset" --older-than 7d
printf '\nFiles in %s:\n' "$dir"
ls -l "$dir" "$dir/dataset"
