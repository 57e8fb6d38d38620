"""PyTorch loading benchmark: rows per second of one shuffled epoch of the anchors' W2 table
(1,000,000 rows: id int64, vector f32 x 128, text), in batches of 256, through a DataLoader
with `num_workers` 0 and 2 (started by spawn unless `--start-method` says otherwise), for Shoal's `shoal.torch` beside `lance.torch` and LanceDB's
`Permutation`, each case in a fresh process after warming the page cache.

    .venv/bin/python benches/torch_bench.py [--workers 0 2] [--cases ...] [--data DIR]

Needs, in the running interpreter: shoal (installed from ./python; say which profile with
`--shoal-build`), torch, pylance and lancedb. The W2 data comes from the anchors
(`anchors.py gen --only w2`); the Shoal copy of it and Shoal's permutation table are made
once, untimed, next to it (LanceDB keeps its permutation in memory: each of its cases builds
it, untimed).

Cases (every one yields each row once, with all three columns, as numpy arrays unless said):
- `shoal-permutation`: `shoal.torch.Permutation` (a full row shuffle, stored), batched takes.
- `shoal-take`: `shoal.torch.TakeDataset` with `DataLoader(shuffle=True)`, batched takes.
- `lancedb-permutation`: LanceDB's `permutation_builder(t).shuffle(seed)` and
  `Permutation.from_tables`, format numpy; with workers, its `__getitems__` in a DataLoader.
- `lance-take`: `lance.torch.data.SafeLanceDataset` (lance.torch's map-style dataset: takes,
  rows as Python dicts) with `DataLoader(shuffle=True)`.
- `lance-sampler` (workers 0 only: the dataset does not split itself between workers):
  `lance.torch.data.LanceDataset` with `ShardedBatchSampler(randomize=True)`, which shuffles
  the order of contiguous batches, not rows: a coarser shuffle, listed for reference.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench_util import DEFAULT_ANCHORS, logger, run_measured

log = logger("torch_bench")

BATCH = 256
SEED = 7
CASES = ["shoal-permutation", "shoal-take", "lancedb-permutation", "lance-take", "lance-sampler"]
#: The baselines that shuffle rows, as Shoal's cases do; ratios are to the faster of them.
BASELINES = ["lancedb-permutation", "lance-take"]


def keep(batch):
    """collate_fn for datasets that return whole batches."""
    return batch


def rows_in(batch):
    """Rows of a batch in any case's output: a record batch, a dict of columns, an array
    or a list of rows."""
    if hasattr(batch, "num_rows"):
        return batch.num_rows
    if isinstance(batch, dict):
        return len(next(iter(batch.values())))
    return len(batch)


#: How DataLoader workers start: spawn by default, because Lance's datasets do not survive
#: fork (a forked worker dies); `--start-method fork` measures Shoal's own cases forked.
START_METHOD = os.environ.get("TORCH_BENCH_START", "spawn")


def loader(dataset, workers, **options):
    from torch.utils.data import DataLoader

    ctx = {"multiprocessing_context": START_METHOD} if workers else {}
    return DataLoader(dataset, num_workers=workers, **ctx, **options)


def epoch(case, w2, workers):
    """Builds the case's loader (untimed: opening, metadata), then times one epoch."""
    import torch

    shoal_db = w2 / "shoal-torch"
    if case.startswith("shoal"):
        import shoal
        import shoal.torch as st

        db = shoal.connect(shoal_db)
        table = db.open_table("t")
        if case == "shoal-permutation":
            perm = st.Permutation(table, db.open_table("perm"), batch_size=BATCH, output="numpy")
            batches = loader(perm, workers, batch_size=None)
        else:
            dataset = st.TakeDataset(table, output="numpy")
            generator = torch.Generator().manual_seed(SEED)
            batches = loader(
                dataset,
                workers,
                batch_size=BATCH,
                shuffle=True,
                generator=generator,
                collate_fn=st.keep_batch,
            )
    elif case == "lancedb-permutation":
        import lancedb
        from lancedb.permutation import Permutation, permutation_builder

        table = lancedb.connect(w2).open_table("t")
        # LanceDB keeps a permutation in memory: built here, untimed.
        order = permutation_builder(table).shuffle(seed=SEED).execute()
        perm = Permutation.from_tables(table, order)
        perm = perm.with_format("numpy").with_batch_size(BATCH)
        if workers:
            batches = loader(perm, workers, batch_size=BATCH, collate_fn=keep)
        else:
            batches = perm.iter(BATCH, skip_last_batch=False)
    elif case == "lance-take":
        from lance.torch.data import SafeLanceDataset

        dataset = SafeLanceDataset(str(w2 / "t.lance"))
        generator = torch.Generator().manual_seed(SEED)
        batches = loader(
            dataset, workers, batch_size=BATCH, shuffle=True, generator=generator, collate_fn=keep
        )
    elif case == "lance-sampler":
        from lance.sampler import ShardedBatchSampler
        from lance.torch.data import LanceDataset

        sampler = ShardedBatchSampler(0, 1, randomize=True, seed=SEED)
        dataset = LanceDataset(
            str(w2 / "t.lance"), BATCH, sampler=sampler, to_tensor_fn=lambda b, **_: b
        )
        batches = loader(dataset, workers, batch_size=None)
    else:
        raise SystemExit(f"unknown case {case}")
    t0 = time.perf_counter()
    rows = sum(rows_in(b) for b in batches)
    return rows, time.perf_counter() - t0


def prepare(w2):
    """The Shoal copy of W2 and both permutations, once."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shoal
    import shoal.torch as st

    db = shoal.connect(w2 / "shoal-torch")
    if "t" not in db.table_names():
        t0 = time.perf_counter()
        source = pq.ParquetFile(w2 / "default.parquet")
        reader = pa.RecordBatchReader.from_batches(
            source.schema_arrow, source.iter_batches(batch_size=65536)
        )
        db.create_table("t", reader)
        log(f"W2 imported into Shoal in {time.perf_counter() - t0:.1f} s")
    table = db.open_table("t")
    if "perm" not in db.table_names():
        st.Permutation.build(table, db, "perm", seed=SEED)
    return table.count_rows()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("ANCHORS_DATA", "/tmp/shoal-anchors-data"))
    )
    ap.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS)
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    ap.add_argument("--cases", nargs="+", default=CASES, choices=CASES)
    ap.add_argument("--shoal-build", default="unknown", help="the installed wheel's profile")
    ap.add_argument("--start-method", default="spawn", choices=["spawn", "fork", "forkserver"])
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    w2 = args.data / "w2"
    os.environ["TORCH_BENCH_START"] = args.start_method  # for the case processes
    if args.case:
        rows, seconds = epoch(args.case, w2, args.workers[0])
        print("@@RESULT@@" + json.dumps({"rows": rows, "seconds": seconds}))
        return
    sys.path.insert(0, str(args.anchors))
    import anchors

    if not (w2 / "t.lance").exists():
        raise SystemExit(f"no W2 data in {w2}: run anchors.py gen --only w2 first")
    expected = prepare(w2)
    results = {}
    for workers in args.workers:
        for case in args.cases:
            if case == "lance-sampler" and workers:
                continue
            argv = [sys.executable, __file__, "--data", args.data, "--case", case]
            argv += ["--workers", workers]
            res = run_measured(anchors, argv, [w2], log)
            ok = res.get("ok") and res.get("rows") == expected
            results[(case, workers)] = res
            log(case, workers, json.dumps(res) if not ok else f"{res['seconds']:.2f} s")
    print(
        f"\nW2 {expected} rows, batches of {BATCH}, one shuffled epoch; shoal build: "
        f"{args.shoal_build}; workers started by {args.start_method}\n"
    )
    print("| case | workers | rows/s | vs faster row-shuffling baseline | other cores |")
    print("|---|---|---|---|---|")
    for workers in args.workers:
        base = [
            results[(c, workers)]["rows"] / results[(c, workers)]["seconds"]
            for c in BASELINES
            if results.get((c, workers), {}).get("seconds")
        ]
        best = max(base, default=None)
        for case in args.cases:
            res = results.get((case, workers))
            if not res or not res.get("seconds"):
                continue
            rate = res["rows"] / res["seconds"]
            ratio = f"{rate / best:.2f}x" if best else "-"
            print(f"| {case} | {workers} | {rate:,.0f} | {ratio} | {res['other_cores']:.2f} |")


if __name__ == "__main__":
    main()
