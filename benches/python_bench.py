#!/usr/bin/env python3
"""W1 (flat k-NN) and W2 (take) through Shoal's Python API, beside the same cases through
Shoal's Rust API and beside pylance and LanceDB, all measured in one run. The Python
package's target: within 1.1x of the Rust figures.

    .venv/bin/python benches/python_bench.py [--queries 50] [--iters 20] [--shoal-build release]

The running interpreter needs shoal (installed from ./python; the package builds in the dev
profile by default, so build a release wheel for figures worth quoting and say so with
`--shoal-build`), numpy, pyarrow, pylance and lancedb. The Rust cases are the release
binaries of `search_bench` and `file_bench`, built here.

Cases, each in a fresh process after its files are read into the page cache:
- W1, `frag` (800 fragments) and `one` (1 fragment), k = 10, returning `id`: Rust
  `Table::search(q).select(["id"]).limit(10)` (`search_bench query`), Python
  `tbl.search(q).select(["id"]).limit(10).to_arrow()` and the same awaited
  (`to_arrow_async`, one query at a time on an asyncio loop); the anchors' Lance
  (`to_table(nearest=...)`, all columns and `id` only) and LanceDB (`tbl.search(q).limit(10)`)
  cases.
- W2, 1,000 sorted, 1,000 unsorted and 10 sorted row offsets of 1,000,000 rows, all columns:
  Rust `Table::take_offsets` (`file_bench take --dataset`), Python `tbl.take_offsets(rows)`,
  the anchors' Lance `ds.take`, and LanceDB's `tbl.take_offsets(rows).to_arrow()` (here).
Each uses the anchors' query and index sets, so every system does the same work.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench_util import DEFAULT_ANCHORS, build_binaries, contended, logger, run_measured, warm
from file_bench import TAKES, ensure_data, write_index_sets, write_w2_dataset
from search_bench import ensure_w1_data

log = logger("python_bench")

K = 10
W1_DATA = ("frag", "one")


# --------------------------------------------------------------------------
# the Python cases, in a fresh process (`python_bench.py _case SPEC`)
# --------------------------------------------------------------------------


def w1_case(spec, anchors):
    """Flat k-NN through the Python API, one query at a time (query i is `i % n`, as in the
    Rust case); latency per query, the first (process-cold) one, and recall@10."""
    import numpy as np
    import shoal

    w1 = Path(spec["data"]) / "w1"
    queries, gt = np.load(w1 / "queries.npy"), np.load(w1 / "gt.npy")
    ids = {}

    def query(table, i):
        q = i % len(queries)
        return q, table.search(queries[q], column="vector").select(["id"]).limit(K)

    if spec["mode"] == "sync":
        table = shoal.connect(str(w1)).open_table(f"{spec['ds']}.shoal")

        def call(i):
            q, search = query(table, i)
            ids[q] = search.to_arrow().column("id").to_pylist()

        out = timed(anchors, call, spec)
    else:
        import asyncio

        async def run():
            db = await shoal.connect_async(str(w1))
            table = await db.open_table(f"{spec['ds']}.shoal")
            times = []
            for i in range(spec["warmup"] + spec["iters"]):
                t0 = time.perf_counter()
                q, search = query(table, i)
                ids[q] = (await search.to_arrow_async()).column("id").to_pylist()
                times.append(time.perf_counter() - t0)
            return times

        times = asyncio.run(run())
        out = {"first_s": times[0], **anchors.summarize(times[spec["warmup"] :])}
    recalls = [anchors.recall(got, gt[q]) for q, got in ids.items()]
    out["recall_mean"], out["recall_min"] = float(np.mean(recalls)), min(recalls)
    return out


def w2_case(spec, anchors):
    """Takes of the anchors' index sets (set i is `_take_indices(rows, n, i, sorted)`), all
    columns, through Shoal's Python API or LanceDB; checks that the ids come back in order."""
    import numpy as np

    data = Path(spec["data"])
    rows = json.loads((data / "meta.json").read_text())["w2_lance"]["rows"]
    if spec["system"] == "python":
        import shoal

        table = shoal.connect(str(data / "w2")).open_table("t.dataset")

        def take(idx):
            return table.take_offsets(idx.tolist())
    else:
        import lancedb

        table = lancedb.connect(str(data / "w2")).open_table("t")

        def take(idx):
            return table.take_offsets(idx.tolist()).to_arrow()

    # The sets are drawn before timing, as the Rust case reads them from a file.
    sets = [anchors._take_indices(rows, spec["n"], i, spec["sorted"]) for i in range(calls(spec))]
    checks = []

    def call(i):
        got = take(sets[i])
        checks.append(np.array_equal(got.column("id").to_numpy(), sets[i]))

    out = timed(anchors, call, spec)
    out["order_ok"] = all(checks)
    out["rows_per_s"] = spec["n"] / out["median_s"]
    return out


def calls(spec):
    """Calls `timed` makes: the first, the warm-up ones and the timed ones."""
    return 1 + spec["warmup"] + spec["iters"]


def timed(anchors, call, spec):
    """The first call (process-cold), `warmup` untimed calls, then `iters` timed ones."""
    t0 = time.perf_counter()
    call(0)
    first = time.perf_counter() - t0
    times = anchors.bench(lambda i: call(i + 1), spec["iters"], spec["warmup"])
    return {"first_s": first, **anchors.summarize(times)}


def run_case(spec):
    sys.path.insert(0, spec["anchors"])
    import anchors

    out = w1_case(spec, anchors) if spec["workload"] == "W1" else w2_case(spec, anchors)
    print(json.dumps({"ok": True, **out}))


# --------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------


def cases(args, exe, idx_paths):
    """(workload, name, files, argv) of every case this script runs itself."""
    me = [sys.executable, __file__, "_case"]
    base = {"anchors": str(args.anchors), "data": str(args.data), "warmup": args.warmup}
    w1, w2 = args.data / "w1", args.data / "w2"
    out = []
    for ds in W1_DATA:
        files = [w1 / f"{ds}.shoal"]
        spec = {**base, "workload": "W1", "ds": ds, "iters": args.queries}
        rust = [exe["search_bench"], "query", "--dataset", files[0], "--queries"]
        rust += [w1 / "queries.npy", "--gt", w1 / "gt.npy", "--k", K]
        rust += ["--iters", args.queries, "--warmup", args.warmup]
        out += [
            ("W1", f"rust {ds}", files, rust),
            ("W1", f"python {ds}", files, me + [json.dumps({**spec, "mode": "sync"})]),
            ("W1", f"python async {ds}", files, me + [json.dumps({**spec, "mode": "async"})]),
        ]
    for tag, n, is_sorted in TAKES:
        spec = {**base, "workload": "W2", "n": n, "sorted": is_sorted, "iters": args.iters}
        rust = [exe["file_bench"], "take", "--data", args.data, "--budget", args.budget]
        rust += ["--file", w2 / "t.dataset", "--dataset", "--indices", idx_paths[tag]]
        rust += ["--iters", args.iters, "--warmup", args.warmup]
        py = json.dumps({**spec, "system": "python"})
        ldb = json.dumps({**spec, "system": "lancedb"})
        out += [
            ("W2", f"rust take {tag}", [w2 / "t.dataset"], rust),
            ("W2", f"python take {tag}", [w2 / "t.dataset"], me + [py]),
            ("W2", f"lancedb take {tag}", [w2 / "t.lance"], me + [ldb]),
        ]
    return out


def run_anchors(args, jsonl):
    """The anchors' own Lance and LanceDB cases of W1 and W2, into `jsonl`."""
    for workload, filt, files in (
        ("W1", "lance frag", [args.data / "w1" / "frag.lance"]),
        ("W1", "lancedb frag", [args.data / "w1" / "frag.lance"]),
        ("W1", "lance one", [args.data / "w1" / "one.lance"]),
        ("W1", "lancedb one", [args.data / "w1" / "one.lance"]),
        ("W2", "lance take", [args.data / "w2" / "t.lance"]),
    ):
        warm(files, log)
        cmd = [sys.executable, str(args.anchors / "anchors.py"), "run", workload]
        cmd += ["--data", str(args.data), "--jsonl", str(jsonl), "--filter", filt]
        cmd += ["--queries", str(args.queries), "--warmup", str(args.warmup)]
        cmd += ["--iters", str(args.iters)]
        log(" ".join(cmd[1:]))
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)


def measure(args, anchors, case_list, run_id, jsonl):
    """Runs every case `--rounds` times, the rounds one after the other so that a slow spell
    of the machine falls on every case alike, re-running one that others' CPU use contended
    (up to `--retries`)."""
    with jsonl.open("a") as jf:
        for workload, name, files, argv in [c for _ in range(args.rounds) for c in case_list]:
            for _ in range(args.retries + 1):
                res = run_measured(anchors, argv, files, log)
                record = {"run_id": run_id, "workload": workload, "spec": {"name": name}}
                jf.write(json.dumps({**record, "result": res}) + "\n")
                jf.flush()
                log(f"{workload} {name}: {brief(anchors, res)}")
                if not contended(res, args.contended):
                    break


def brief(anchors, res):
    if not res.get("ok"):
        return f"FAILED {res.get('error')}"
    return f"median {anchors.fmt_t(res['median_s'])}, other {res['other_cores']:.2f} cores"


def best_results(jsonl, rounds):
    """One successful result per case name (EVICTED cases left out): the least contended one
    of a single round, or over several rounds the one whose median is the median of the
    rounds' (the lower middle), with every round's median kept as `round_medians_s`."""
    runs = {}
    for line in jsonl.read_text().splitlines():
        d = json.loads(line)
        res, name = d.get("result"), d.get("spec", {}).get("name", "")
        if res and res.get("ok") and "EVICTED" not in name:
            runs.setdefault(name, []).append(res)
    best = {}
    for name, results in runs.items():
        if rounds == 1:
            best[name] = min(results, key=lambda r: r["other_cores"])
            continue
        results.sort(key=lambda r: r["median_s"])
        chosen = dict(results[(len(results) - 1) // 2])
        chosen["round_medians_s"] = [r["median_s"] for r in results]
        best[name] = chosen
    return best


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------


def report(anchors, best, run_id, build, rounds):
    t = anchors.fmt_t

    def cell(name):
        r = best.get(name)
        return t(r["median_s"]) if r else "missing"

    def ratio(a, b):
        ra, rb = best.get(a), best.get(b)
        return ra["median_s"] / rb["median_s"] if ra and rb else None

    def fmt(r):
        return "-" if r is None else f"{r:.2f}x"

    lines = [
        f"Run {run_id}, shoal wheel built in the `{build}` profile. Medians"
        + (f" (of {rounds} rounds' medians, for Shoal's cases)" if rounds > 1 else "")
        + "; Python / Rust is the target ratio (at most 1.10x).",
        "",
        "| case | Rust API | Python | Python / Rust | Python async | async / Rust | "
        "Lance | LanceDB | Python / fastest other |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    rows = [(f"W1 {ds}", f"rust {ds}", f"python {ds}", f"python async {ds}") for ds in W1_DATA]
    rows += [
        (f"W2 take {tag}", f"rust take {tag}", f"python take {tag}", None) for tag, *_ in TAKES
    ]
    for label, rust, py, py_async in rows:
        if label.startswith("W1"):
            ds = label.split()[1]
            lance = [f"lance {ds}", f"lance {ds} cols=id"]
            lancedb = f"lancedb {ds}"
        else:
            tag = label.removeprefix("W2 take ")
            lance, lancedb = [f"lance take {tag}"], f"lancedb take {tag}"
        others = [n for n in lance + [lancedb] if n in best]
        fastest = min(others, key=lambda n: best[n]["median_s"]) if others else None
        lance_cell = " / ".join(cell(n) for n in lance)
        pr = ratio(py, rust)
        ar = ratio(py_async, rust) if py_async else None
        lines.append(
            f"| {label} | {cell(rust)} | {cell(py)} | {fmt(pr)} | "
            f"{cell(py_async) if py_async else '-'} | {fmt(ar)} | {lance_cell} | "
            f"{cell(lancedb)} | {fmt(ratio(py, fastest) if fastest else None)} |"
        )
        for what, r in (("Python", pr), ("Python async", ar)):
            if r is not None:
                met = "**met**" if r <= 1.1 else "**not met**"
                verdicts.append(f"* {label}, {what} within 1.1x of Rust: {met} ({r:.2f}x)")
    recall = [f"{n} {r['recall_mean']:.2f}" for n, r in sorted(best.items()) if "recall_mean" in r]
    order = [n for n, r in sorted(best.items()) if r.get("order_ok") is False]
    spread = [
        f"{n} " + " ".join(t(x) for x in r["round_medians_s"])
        for n, r in sorted(best.items())
        if len(r.get("round_medians_s", [])) > 1
    ]
    lines += ["", *verdicts, "", "Recall@10: " + ", ".join(recall)]
    if spread:
        lines.append("Each round's median: " + "; ".join(spread))
    lines.append("Takes returned the wrong rows: " + (", ".join(order) if order else "none"))
    return "\n".join(lines)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "_case":
        run_case(json.loads(sys.argv[2]))
        return
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("ANCHORS_DATA", "/tmp/shoal-anchors-data"))
    )
    ap.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS)
    ap.add_argument("--queries", type=int, default=50, help="timed queries per W1 case")
    ap.add_argument("--iters", type=int, default=20, help="timed takes per W2 case")
    ap.add_argument("--warmup", type=int, default=5, help="untimed calls per case")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per Rust take case")
    ap.add_argument("--contended", type=float, default=0.2)
    ap.add_argument("--retries", type=int, default=1)
    ap.add_argument(
        "--rounds", type=int, default=1, help="runs of this script's cases, reported by median"
    )
    ap.add_argument("--shoal-build", default="unknown", help="the installed wheel's profile")
    ap.add_argument(
        "--only", help="run only this script's cases whose name contains this (no anchors)"
    )
    ap.add_argument("--out", type=Path, help="also write the markdown here")
    args = ap.parse_args()
    args.data = args.data.resolve()
    sys.path.insert(0, str(args.anchors))
    import anchors

    run_id = time.strftime("%Y%m%dT%H%M%S")
    jsonl = Path(f"/tmp/shoal-python-bench-{run_id}.jsonl")
    exe = build_binaries("search_bench", "file_bench")
    ensure_w1_data(args, exe["search_bench"])
    ensure_data(args, anchors)
    if not (args.data / "w2" / "t.dataset").exists():
        write_w2_dataset(exe["file_bench"], args.data)
    rows = json.loads((args.data / "meta.json").read_text())["w2_lance"]["rows"]
    idx_paths = write_index_sets(args, anchors, rows)
    case_list = cases(args, exe, idx_paths)
    if args.only:
        case_list = [c for c in case_list if args.only in c[1]]
    else:
        run_anchors(args, jsonl)
    measure(args, anchors, case_list, run_id, jsonl)
    md = report(anchors, best_results(jsonl, args.rounds), run_id, args.shoal_build, args.rounds)
    print(md)
    if args.out:
        args.out.write_text(md + "\n")


if __name__ == "__main__":
    main()
