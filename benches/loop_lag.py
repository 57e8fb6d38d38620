#!/usr/bin/env python3
"""Event-loop lag while Shoal works for an asyncio service: a task on the loop sleeps 1 ms at a
time and records how late each wake-up is, while `await tbl.search(...)` runs a flat query of
about a second and `await tbl.add(...)` writes about 1 GB (issue 14's target: the largest lag
under 10 ms). Two controls without Shoal give the machine's own floor: the same ticker on
the idle loop, and on the loop while plain Python processes spin on every CPU (a machine as
busy as Shoal makes it). Each phase also reports the CPU time the host of a virtual machine
took from it (Linux steal): while the host holds a vCPU nothing on it runs, whatever its
priority.

    .venv/bin/python benches/loop_lag.py [--gib 1] [--runs 3] [--shoal-build release]

The running interpreter needs shoal (a release wheel for figures worth quoting) and numpy.
Each run uses a fresh table in a temporary directory (`--dir`, default under /tmp).
"""

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_util import stolen_ms, stolen_ms_since

DIM = 256
QUERY_ROWS = 2_000_000  # flat search over this many rows of DIM floats: about a second


async def ticker(stop, lags):
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(time.perf_counter() - before - 0.001)


async def lags_while(awaitable):
    """Awaits `awaitable` with the ticker running; returns the lags (seconds), its wall time
    and the host's steal meanwhile (ms)."""
    stop, lags = asyncio.Event(), []
    ticking = asyncio.create_task(ticker(stop, lags))
    stolen_before = stolen_ms()
    started = time.perf_counter()
    try:
        await awaitable
    finally:
        stop.set()
    seconds = time.perf_counter() - started
    stolen = stolen_ms_since(stolen_before)
    await ticking
    return lags, seconds, stolen


async def busy_machine(seconds):
    """Every CPU kept busy by a plain Python process spinning for `seconds`: no Shoal."""
    spin = f"import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass"
    spinners = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", spin)
        for _ in range(os.cpu_count() or 1)
    ]
    for process in spinners:
        await process.wait()


def vectors(np, pa, rows, seed):
    rng = np.random.default_rng(seed)
    flat = pa.array(rng.standard_normal(rows * DIM, dtype=np.float32))
    return pa.table(
        {
            "id": pa.array(np.arange(rows, dtype=np.int64)),
            "vector": pa.FixedSizeListArray.from_arrays(flat, DIM),
        }
    )


def summary(lags, seconds, stolen):
    ordered = sorted(lags)
    ms = [x * 1000 for x in ordered]
    return {
        "seconds": round(seconds, 3),
        "stolen_ms": stolen,
        "ticks": len(ms),
        "max_ms": round(ms[-1], 2),
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2),
        "over_10ms": sum(1 for x in ms if x > 10),
    }


async def one_run(np, pa, shoal, root, add_rows):
    db = await shoal.connect_async(str(root))
    table = await db.create_table("t", vectors(np, pa, QUERY_ROWS, 1))
    more = vectors(np, pa, add_rows, 2)
    query = np.random.default_rng(3).standard_normal(DIM, dtype=np.float32)
    await table.search(query).limit(10).to_arrow_async()  # the first one opens the fragments
    idle = await lags_while(asyncio.sleep(1.0))
    busy = await lags_while(busy_machine(2.0))
    search = await lags_while(table.search(query).limit(10).to_arrow_async())
    both = await lags_while(
        asyncio.gather(table.search(query).limit(10).to_arrow_async(), table.add(more))
    )
    return {
        "idle": summary(*idle),
        "busy machine, no Shoal": summary(*busy),
        "search": summary(*search),
        "search + add": summary(*both),
        "add_gb": round(more.nbytes / 1e9, 2),
    }


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--gib", type=float, default=1.0, help="size of the awaited add")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--shoal-build", default="unknown", help="the installed wheel's profile")
    args = ap.parse_args()
    import numpy as np
    import pyarrow as pa
    import shoal

    add_rows = int(args.gib * (1 << 30) / (DIM * 4 + 8))
    results = []
    for run in range(args.runs):
        root = Path(tempfile.mkdtemp(prefix="shoal-loop-lag-", dir=args.dir))
        try:
            res = asyncio.run(one_run(np, pa, shoal, root, add_rows))
        finally:
            shutil.rmtree(root, ignore_errors=True)
        res["run"] = run
        print(json.dumps(res), flush=True)
        results.append(res)
    worst = max(r["search + add"]["max_ms"] for r in results)
    floor = max(r["busy machine, no Shoal"]["max_ms"] for r in results)
    print(
        f"shoal wheel: {args.shoal_build}; largest lag while searching and adding "
        f"{results[0]['add_gb']} GB, over {args.runs} runs: {worst:.1f} ms "
        f"(target < 10 ms: {'met' if worst < 10 else 'not met'}); idle loop max "
        f"{max(r['idle']['max_ms'] for r in results):.1f} ms, busy machine without Shoal "
        f"max {floor:.1f} ms"
    )


if __name__ == "__main__":
    main()
