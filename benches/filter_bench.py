#!/usr/bin/env python3
"""Shoal filter and SQL benchmark driver: filtered k-NN (the anchors' W6), 1% selective scans
of 1,000,000 rows and a GROUP BY through `shoal sql`, with Shoal beside Lance, LanceDB and
DuckDB measured in the same run.

    /tmp/venv-anchors/bin/python benches/filter_bench.py [knn] [scan] [sql] [--out F.md]

knn (W6: the W1 vectors + `category` int32 0..99, `category = 7` selects 1%):
  1. makes sure the anchors' W6 data exists (`anchors.py gen --only w6` otherwise) and writes
     it as `w6/frag.shoal` (800 fragments of 500 rows, like `w6/frag.lance`) and
     `w6/one.shoal` (1 fragment), untimed;
  2. runs the anchors' own W6 cases (`anchors.py run W6`: Lance pre/postfilter on both, and
     LanceDB prefilter on frag);
  3. runs Shoal's flat search with the same filter, prefilter and postfilter (k = 10, every
     column returned, recall against the anchors' filtered ground truth `w6/gt_cat7.npy`).

scan (the anchors' W2 table, 1,000,000 rows of id int64 sorted, vector f32 x 128, text,
plus `category` int32 0..99 drawn here with numpy `default_rng(SEED + 700)`):
  1. writes it once (untimed) under `sel/`: Parquet with pyarrow's defaults (one row group)
     and with 10,000-row groups, a Lance dataset (`lance.write_dataset` defaults) and a Shoal
     dataset (`shoal import` defaults, from the default Parquet);
  2. times `id BETWEEN x AND x + 9999` (1% by a range on the sorted column; call i uses
     x = (i * 104729 + 12345) % 990001, the same in every system) and `category = 7` (1% by
     an equality on an unsorted column), every column of the matching rows materialized as
     Arrow: Shoal `scan().filter(..)`, Lance `to_table(filter=..)`, DuckDB
     `SELECT * FROM read_parquet(..) WHERE ..` fetched as an Arrow table.

sql (same table): `shoal sql` (the release CLI, one process per query, so its time includes
starting the process and opening the dataset) beside DuckDB on the Parquet files (in process,
warm, and in a fresh process), for the GROUP BY and for two simpler queries that show where
the time goes.

Every case runs in a fresh process after its files are read into the page cache; cases
during which other processes used more than `--contended` cores are re-run and the
least-contended run is kept. Raw records go to /tmp/shoal-filter-bench-<run>.jsonl.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_util import (
    DEFAULT_ANCHORS,
    REPO,
    build_binaries,
    contended,
    ensure_venv,
    logger,
    run_measured,
    warm,
)

log = logger("filter_bench")

SEL_ROWS = 1_000_000
SPAN = 10_000  # 1% of SEL_ROWS
CATEGORY_SEED_OFFSET = 700  # added to the anchors' SEED
RANGE_WHERE = "id BETWEEN {x} AND {y}"
EQ_WHERE = "category = 7"
GROUP_BY = "SELECT category, count(*), avg(length(text)) FROM t GROUP BY 1"
SQL_QUERIES = [  # (tag, query): the GROUP BY and two simpler ones showing where time goes
    ("count", "SELECT count(*) FROM t"),
    ("group count", "SELECT category, count(*) FROM t GROUP BY 1"),
    ("group avg(length(text))", GROUP_BY),
]


def range_start(i, rows=SEL_ROWS, span=SPAN):
    """Call i's range start; `filter_bench.rs range_start` is the same function."""
    return (i * 104_729 + 12_345) % (rows - span + 1)


# --------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------


def build(no_build):
    """The release `filter_bench` and `shoal` binaries, built unless `no_build`."""
    names = ("filter_bench", "shoal")
    if not no_build:
        return build_binaries(*names)
    exe = {name: REPO / "target" / "release" / name for name in names}
    for path in exe.values():
        if not path.exists():
            sys.exit(f"{path} does not exist; build it or drop --no-build")
    return exe


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


def run_checked(argv, what):
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{what} failed: {p.stdout[-1000:]} {p.stderr[-1000:]}")
    return p.stdout


def ensure_w6(args, exe):
    w6, w1 = args.data / "w6", args.data / "w1"
    need = [w6 / "frag.lance", w6 / "one.lance", w6 / "gt_cat7.npy", w6 / "category.npy"]
    if not all(p.exists() for p in need + [w1 / "vectors.npy", w1 / "queries.npy"]):
        log("anchors.py gen --only w6 (untimed)")
        run_checked(
            [
                sys.executable,
                args.anchors / "anchors.py",
                "gen",
                "--only",
                "w6",
                "--data",
                args.data,
            ],
            "anchors gen w6",
        )
    for name, rows in (("frag", 500), ("one", None)):
        out = w6 / f"{name}.shoal"
        if not out.exists():
            log(f"writing {out} (untimed)")
            argv = [exe["filter_bench"], "build-w6", "--vectors", w1 / "vectors.npy"]
            argv += ["--category", w6 / "category.npy", "--out", out]
            if rows:
                argv += ["--rows-per-file", rows]
            log(run_checked(argv, f"build {out}").strip())
    return w6


def ensure_sel(args, anchors, exe):
    """The W2 table plus `category`, as Parquet (default, rg10k), Lance and Shoal; each copy
    written once (untimed) if missing."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = args.data / "sel"
    d.mkdir(parents=True, exist_ok=True)
    meta_path = d / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    src = args.data / "w2" / "default.parquet"
    if "lance" not in meta:
        if not src.exists():
            log("anchors.py gen --only w2 (untimed)")
            run_checked(
                [sys.executable, args.anchors / "anchors.py", "gen", "--only", "w2"]
                + ["--data", args.data],
                "anchors gen w2",
            )
        log(f"writing {d}: Parquet and Lance copies of the W2 table + category (untimed)")
        tbl = pq.read_table(src)
        if tbl.num_rows != SEL_ROWS:
            sys.exit(f"{src} has {tbl.num_rows} rows, expected {SEL_ROWS}")
        rng = np.random.default_rng(anchors.SEED + CATEGORY_SEED_OFFSET)
        cat = rng.integers(0, 100, size=tbl.num_rows, dtype=np.int32)
        tbl = tbl.append_column("category", pa.array(cat))
        meta = {
            "rows": tbl.num_rows,
            "cat7_rows": int((cat == 7).sum()),
            "nbytes": tbl.nbytes,
            "columns": tbl.column_names,
        }
        for name, kw in (("default", {}), ("rg10k", {"row_group_size": 10_000})):
            p = d / f"{name}.parquet"
            pq.write_table(tbl, p, **kw)
            meta[f"parquet_{name}"] = {
                "path": str(p),
                "row_groups": pq.ParquetFile(p).metadata.num_row_groups,
                "bytes": p.stat().st_size,
            }
        import shutil

        import lance

        shutil.rmtree(d / "t.lance", ignore_errors=True)
        ds = lance.write_dataset(tbl, str(d / "t.lance"))
        meta["lance"] = {
            "path": str(d / "t.lance"),
            "fragments": len(ds.get_fragments()),
            "bytes": anchors.dir_bytes(d / "t.lance"),
        }
        del tbl
        meta_path.write_text(json.dumps(meta, indent=1))
    shoal = d / "t.shoal"
    if "shoal" not in meta:
        import shutil

        shutil.rmtree(shoal, ignore_errors=True)
        t0 = time.perf_counter()
        run_checked([exe["shoal"], "import", d / "default.parquet", shoal], "shoal import")
        meta["shoal"] = {
            "path": str(shoal),
            "import_s": time.perf_counter() - t0,
            "bytes": anchors.dir_bytes(shoal),
            "how": "shoal import default.parquet, its defaults (at most 1,048,576 rows per "
            "file, 1 MiB pages, no compression)",
        }
        meta_path.write_text(json.dumps(meta, indent=1))
        log(json.dumps(meta))
    return d, meta


# --------------------------------------------------------------------------
# Python cases, each in a fresh process (`filter_bench.py _case SPEC`)
# --------------------------------------------------------------------------


def timed_calls(fn, iters, warmup):
    """Call 0 (the first in the process), then `warmup` untimed calls, then `iters` timed
    ones; fn(i) gets the call number (filter_bench.rs numbers its calls the same way)."""
    t0 = time.perf_counter()
    fn(0)
    first = time.perf_counter() - t0
    for i in range(1, 1 + warmup):
        fn(i)
    times = []
    for i in range(1 + warmup, 1 + warmup + iters):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return first, times


def summarize(times):
    return {
        "n": len(times),
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "all_s": [round(t, 6) for t in times],
    }


def duckdb_arrow(con, sql):
    """The result as an Arrow table, the way DuckDB recommends (no extra copy)."""
    rel = con.sql(sql)
    for name in ("to_arrow_table", "fetch_arrow_table", "arrow"):
        if hasattr(rel, name):
            return getattr(rel, name)()
    raise RuntimeError("this duckdb has no Arrow fetch")


def check_scan(t, spec, i):
    """The same checks as filter_bench.rs: a range returns exactly its ids, in order; the
    equality returns the expected number of rows, all with category 7."""
    import numpy as np

    if spec["pred"] == "range":
        x = range_start(i)
        ids = t.column("id").to_numpy()
        if not np.array_equal(ids, np.arange(x, x + SPAN)):
            raise AssertionError(f"call {i}: {len(ids)} ids, not exactly {x}..{x + SPAN - 1}")
    else:
        cat = t.column("category").to_numpy()
        if len(cat) != spec["expect_rows"] or (cat != 7).any():
            raise AssertionError(f"call {i}: {len(cat)} rows, expected {spec['expect_rows']}")


def where_text(spec, i):
    if spec["pred"] == "range":
        x = range_start(i)
        return RANGE_WHERE.format(x=x, y=x + SPAN - 1)
    return EQ_WHERE


def scan_case(spec):
    """One system's 1% scan: every column of the matching rows as an Arrow table."""
    out = {}
    t0 = time.perf_counter()
    if spec["system"] == "lance":
        import lance

        ds = lance.dataset(spec["path"])

        def query(i):
            return ds.to_table(filter=where_text(spec, i))
    elif spec["system"] == "duckdb":
        import duckdb

        con = duckdb.connect()

        def query(i):
            w = where_text(spec, i)
            return duckdb_arrow(con, f"SELECT * FROM read_parquet('{spec['path']}') WHERE {w}")
    else:
        raise ValueError(spec["system"])
    out["open_s"] = time.perf_counter() - t0
    rows = []

    def fn(i):
        t = query(i)
        rows.append(t.num_rows)
        check_scan(t, spec, i)

    first, times = timed_calls(fn, spec["iters"], spec["warmup"])
    out.update(summarize(times), first_s=first, checks_ok=True)
    out["rows_returned_min"], out["rows_returned_max"] = min(rows), max(rows)
    return out


def sql_rows(table):
    """A GROUP BY result as {category: [other values]}, for comparing systems."""
    cols = table.column_names
    return {
        str(r[cols[0]]): [r[c] for c in cols[1:]] for r in table.to_pylist() if len(cols) > 1
    } or {"": list(table.to_pylist()[0].values())}


def duckdb_sql_case(spec):
    """DuckDB on Parquet, in process: connect, then the query `iters` times (fetched as Arrow)."""
    t0 = time.perf_counter()
    import duckdb

    con = duckdb.connect()
    sql = spec["sql"].replace("FROM t", f"FROM read_parquet('{spec['path']}')")
    out = {"import_connect_s": time.perf_counter() - t0, "sql": sql}
    got = {}

    def fn(i):
        got["t"] = duckdb_arrow(con, sql)

    first, times = timed_calls(fn, spec["iters"], spec["warmup"])
    out.update(summarize(times), first_s=first, result=sql_rows(got["t"]))
    return out


def shoal_sql_case(spec):
    """`shoal sql` in a fresh process per query: wall time of each process (start, open,
    plan, execute, print the JSON rows)."""
    argv = [spec["shoal"], "sql", spec["sql"], "--table", f"t={spec['path']}", "--json"]
    out = {"argv": argv}
    got = {}

    def fn(i):
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"shoal sql failed: {p.stderr.strip()[-500:]}")
        got["stdout"] = p.stdout

    first, times = timed_calls(fn, spec["iters"], spec["warmup"])
    out.update(summarize(times), first_s=first)
    import pyarrow as pa

    rows = [json.loads(line) for line in got["stdout"].splitlines() if line.strip()]
    if rows and isinstance(rows[0], dict):
        out["result"] = sql_rows(pa.Table.from_pylist(rows))
    else:
        out["result_raw"] = got["stdout"][:2000]
    return out


def duckdb_fresh_case(spec):
    """DuckDB in a fresh Python process per query (interpreter start, import, connect,
    query), the closest DuckDB analogue of one `shoal sql` process."""
    sql = spec["sql"].replace("FROM t", f"FROM read_parquet('{spec['path']}')")
    code = f"import duckdb; duckdb.connect().execute({sql!r}).fetchall()"
    argv = [sys.executable, "-c", code]

    def fn(i):
        subprocess.run(argv, check=True, capture_output=True)

    first, times = timed_calls(fn, spec["iters"], spec["warmup"])
    return {**summarize(times), "first_s": first, "sql": sql}


CASES = {
    "scan": scan_case,
    "duckdb_sql": duckdb_sql_case,
    "shoal_sql": shoal_sql_case,
    "duckdb_fresh": duckdb_fresh_case,
}


def run_py_case(spec_json):
    import resource

    spec = json.loads(spec_json)
    try:
        out = {"ok": True, **CASES[spec["case"]](spec)}
    except Exception as e:  # report failures honestly, keep going
        out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    r = resource.getrusage(resource.RUSAGE_SELF)
    out["user_s"], out["sys_s"] = r.ru_utime, r.ru_stime
    out["peak_rss_mib"] = r.ru_maxrss / 1024
    print("@@RESULT@@" + json.dumps(out, default=str))


# --------------------------------------------------------------------------
# running cases
# --------------------------------------------------------------------------


def py_case(spec):
    return [sys.executable, __file__, "_case", json.dumps(spec)]


def run_cases(args, anchors, workload, cases, run_id, jf):
    """Each case in a fresh process; contended ones re-run; the least-contended run kept."""
    results = {}
    for name, files, argv in cases:
        for _attempt in range(args.retries + 1):
            res = run_measured(anchors, argv, files, log)
            jf.write(
                json.dumps(
                    {
                        "run_id": run_id,
                        "workload": workload,
                        "spec": {"name": name, "argv": [str(a) for a in argv]},
                        "result": res,
                    }
                )
                + "\n"
            )
            jf.flush()
            msg = (
                f"median {anchors.fmt_t(res['median_s'])}"
                if res.get("ok")
                else f"FAILED {res.get('error')}"
            )
            log(f"{workload} {name}: {msg}, other {res['other_cores']:.2f} cores")
            best = results.get(name)
            if best is None or (res.get("ok"), -res["other_cores"]) > (
                best.get("ok"),
                -best["other_cores"],
            ):
                results[name] = res
            if not contended(res, args.contended):
                break
    return results


def run_anchor_w6(args, anchors, w6, jsonl, run_id):
    """The anchors' own W6 cases, re-run (by name) while contended; least contended kept."""
    best = {}
    for _attempt in range(args.retries + 1):
        todo = [n for n in W6_ANCHOR_CASES if n not in best or contended(best[n], args.contended)]
        if not todo:
            break
        for name in todo:
            warm([w6 / ("frag.lance" if " frag " in f" {name} " else "one.lance")], log)
            cmd = [sys.executable, str(args.anchors / "anchors.py"), "run", "W6"]
            cmd += ["--data", str(args.data), "--jsonl", str(jsonl), "--filter", name]
            cmd += ["--queries", str(args.queries), "--warmup", str(args.warmup)]
            log(" ".join(cmd[1:]))
            subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)
        for line in jsonl.read_text().splitlines():
            d = json.loads(line)
            if d.get("workload") != "W6" or "result" not in d or d.get("run_id", "") < run_id:
                continue
            name, res = d["spec"]["name"], d["result"]
            if name not in best or (res.get("ok"), -res["other_cores"]) > (
                best[name].get("ok"),
                -best[name]["other_cores"],
            ):
                best[name] = res
    return best


W6_ANCHOR_CASES = [
    "lance frag cat=7 prefilter",
    "lance frag cat=7 postfilter",
    "lance one cat=7 prefilter",
    "lance one cat=7 postfilter",
    "lancedb frag cat=7 prefilter",
]


def knn_cases(args, exe, w6):
    w1 = args.data / "w1"
    cases = []
    for name in ("frag", "one"):
        for mode in ("prefilter", "postfilter"):
            argv = [exe["filter_bench"], "knn", "--dataset", w6 / f"{name}.shoal"]
            argv += ["--queries", w1 / "queries.npy", "--gt", w6 / "gt_cat7.npy"]
            argv += ["--where", EQ_WHERE, "--iters", args.queries, "--warmup", args.warmup]
            if mode == "postfilter":
                argv.append("--postfilter")
            cases.append((f"shoal {name} cat=7 {mode}", [w6 / f"{name}.shoal"], argv))
    return cases


def scan_cases(args, exe, d, meta):
    cases = []
    for pred, where in (("range", RANGE_WHERE), ("eq", EQ_WHERE)):
        base = {"case": "scan", "pred": pred, "expect_rows": meta["cat7_rows"]}
        base.update(iters=args.scan_iters, warmup=args.scan_warmup)
        argv = [exe["filter_bench"], "scan", "--dataset", d / "t.shoal", "--where", where]
        argv += ["--span", SPAN, "--iters", args.scan_iters, "--warmup", args.scan_warmup]
        if pred == "range":
            argv.append("--id-range")
        else:
            argv += ["--expect-rows", meta["cat7_rows"], "--expect-category", 7]
        cases.append((f"shoal {pred}", [d / "t.shoal"], argv))
        lance_spec = {**base, "system": "lance", "path": str(d / "t.lance")}
        cases.append((f"lance {pred}", [d / "t.lance"], py_case(lance_spec)))
        for f in ("default", "rg10k"):
            spec = {**base, "system": "duckdb", "path": str(d / f"{f}.parquet")}
            cases.append((f"duckdb[{f}] {pred}", [d / f"{f}.parquet"], py_case(spec)))
    return cases


def sql_cases(args, exe, d):
    cases = []
    it = {"iters": args.sql_iters, "warmup": args.sql_warmup}
    for tag, sql in SQL_QUERIES:
        spec = {"case": "shoal_sql", "shoal": str(exe["shoal"]), "path": str(d / "t.shoal")}
        cases.append((f"shoal sql {tag}", [d / "t.shoal"], py_case({**spec, **it, "sql": sql})))
        argv = [exe["filter_bench"], "sql", "--dataset", d / "t.shoal", "--query", sql]
        argv += ["--iters", args.sql_iters, "--warmup", args.sql_warmup]
        cases.append((f"shoal in process {tag}", [d / "t.shoal"], argv))
        for f in ("default", "rg10k"):
            spec = {"case": "duckdb_sql", "path": str(d / f"{f}.parquet"), "sql": sql, **it}
            cases.append((f"duckdb[{f}] {tag}", [d / f"{f}.parquet"], py_case(spec)))
        spec = {"case": "duckdb_fresh", "path": str(d / "default.parquet"), "sql": sql, **it}
        cases.append(
            (f"duckdb[default] fresh process {tag}", [d / "default.parquet"], py_case(spec))
        )
    return cases


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------


def verdict(ok):
    return "**met**" if ok else "**not met**"


def knn_report(anchors, lance, shoal):
    t = anchors.fmt_t
    lines = [
        "| data | mode | Lance | LanceDB | Shoal | Shoal first query | Shoal / Lance | "
        "recall min Shoal / Lance | rows returned min Shoal / Lance |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    targets = []
    for name in ("frag", "one"):
        for mode in ("prefilter", "postfilter"):
            lr = lance.get(f"lance {name} cat=7 {mode}", {})
            ldb = lance.get(f"lancedb {name} cat=7 {mode}", {})
            s = shoal.get(f"shoal {name} cat=7 {mode}", {})
            if not s.get("ok") or not lr.get("ok"):
                err = s.get("error") or lr.get("error") or "missing"
                lines.append(f"| {name} | {mode} | FAILED: {str(err)[:120]} | | | | | | |")
                continue
            r = s["median_s"] / lr["median_s"]
            lines.append(
                f"| {name} | {mode} | {t(lr['median_s'])} | "
                f"{t(ldb['median_s']) if ldb.get('ok') else '-'} | **{t(s['median_s'])}** | "
                f"{t(s['first_s'])} | {r:.2f}x | "
                f"{s.get('recall_min', 0):.2f} / {lr.get('recall_min', 0):.2f} | "
                f"{s.get('rows_returned_min')} / {lr.get('rows_returned_min')} |"
            )
            targets.append(
                f"* {name} {mode}: Shoal at most 1/3 of Lance: {verdict(r <= 1 / 3)} ({r:.2f}x)"
            )
    return "\n".join(lines + [""] + targets)


def pruning_note(s):
    """What the Shoal scan pruned and read, from the last call's ScanStats and the layout."""
    st, lay = s.get("last_stats") or {}, s.get("layout") or {}
    fetch = st.get("fetch", {})
    fp, pp = lay.get("filter_column_pages", 0), st.get("pages_pruned", 0)
    fr, frp = lay.get("fragments", 0), st.get("fragments_pruned", 0)
    db = lay.get("data_bytes", 0)
    return (
        f"pruned {pp} of {fp} pages of the filter column ({pp / fp if fp else 0:.0%}) and "
        f"{frp} of {fr} fragments; {st.get('tasks', '?')} read tasks; fetched "
        f"{fetch.get('bytes', 0) / 1e6:.1f} MB of {db / 1e6:.0f} MB "
        f"({fetch.get('bytes', 0) / db if db else 0:.1%}) in {fetch.get('requests', 0)} "
        f"requests; open {st.get('open', {}).get('s', 0) * 1e3:.1f} ms, fetch "
        f"{fetch.get('s', 0) * 1e3:.1f} ms, decode {st.get('decode', {}).get('s', 0) * 1e3:.1f}"
        f" ms (summed over tasks), wall {st.get('wall_s', 0) * 1e3:.1f} ms"
    )


def scan_report(anchors, res, meta):
    t = anchors.fmt_t
    lines = [
        "| predicate | Shoal | Lance | DuckDB[default] | DuckDB[rg10k] | fastest other | "
        "Shoal / fastest | Shoal first call | rows |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    targets, notes = [], []
    labels = {
        "range": f"`{RANGE_WHERE.format(x='x', y='x+9999')}` (sorted)",
        "eq": f"`{EQ_WHERE}` (unsorted)",
    }
    for pred in ("range", "eq"):
        s = res.get(f"shoal {pred}", {})
        others = {
            k: res.get(f"{k} {pred}", {}) for k in ("lance", "duckdb[default]", "duckdb[rg10k]")
        }

        def cell(r):
            return t(r["median_s"]) if r.get("ok") else f"FAILED {str(r.get('error'))[:60]}"

        ok_others = {k: v for k, v in others.items() if v.get("ok")}
        fastest = min(ok_others.items(), key=lambda kv: kv[1]["median_s"]) if ok_others else None
        ratio = s["median_s"] / fastest[1]["median_s"] if s.get("ok") and fastest else float("nan")
        lines.append(
            f"| {labels[pred]} | **{cell(s)}** | "
            + " | ".join(cell(r) for r in others.values())
            + f" | {fastest[0] if fastest else '-'} | {ratio:.2f}x | "
            + f"{t(s.get('first_s')) if s.get('ok') else '-'} | {s.get('rows_returned_min', '-')} |"
        )
        targets.append(
            f"* {pred}: Shoal at most 1/2 of the fastest other ({fastest[0] if fastest else '-'}):"
            f" {verdict(ratio <= 0.5)} ({ratio:.2f}x)"
        )
        if s.get("ok"):
            notes.append(f"* Shoal {pred}, last call: {pruning_note(s)}")
    return "\n".join(lines + [""] + targets + [""] + notes)


def normalized(r):
    """A result as {first column: [other columns]}, from either record format."""
    if isinstance(r.get("result"), dict):
        return r["result"]
    rows = r.get("result")
    if not isinstance(rows, list):
        return None
    return {(str(row[0]) if len(row) > 1 else ""): row[1:] if len(row) > 1 else row for row in rows}


def sql_report(anchors, res):
    t = anchors.fmt_t
    lines = [
        "| query | shoal sql (a process per query) | DuckDB (a process per query) | ratio | "
        "Shoal in process | DuckDB[default] in process | DuckDB[rg10k] in process | "
        "ratio (best DuckDB) | results agree |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    explain = None
    for tag, sql in SQL_QUERIES:
        s, si = res.get(f"shoal sql {tag}", {}), res.get(f"shoal in process {tag}", {})
        dd, dr = res.get(f"duckdb[default] {tag}", {}), res.get(f"duckdb[rg10k] {tag}", {})
        df = res.get(f"duckdb[default] fresh process {tag}", {})

        def cell(r):
            return t(r["median_s"]) if r.get("ok") else f"FAILED {str(r.get('error'))[:80]}"

        def ratio(a, b):
            return f"{a['median_s'] / b:.2f}x" if a.get("ok") and b else "-"

        best = min((r["median_s"] for r in (dd, dr) if r.get("ok")), default=None)
        results = [normalized(r) for r in (s, si, dd, dr) if r.get("ok")]
        results = [r for r in results if r is not None]
        agree = "-"
        if len(results) >= 2:
            agree = "yes" if all(results_agree(r, results[-1]) for r in results) else "**NO**"
        lines.append(
            f"| `{sql}` | **{cell(s)}** | {cell(df)} | "
            f"{ratio(s, df.get('median_s') if df.get('ok') else None)} | **{cell(si)}** | "
            f"{cell(dd)} | {cell(dr)} | {ratio(si, best)} | {agree} |"
        )
        if sql == GROUP_BY and si.get("explain_analyze"):
            explain = si["explain_analyze"]
    if explain:
        lines += [
            "",
            "`EXPLAIN ANALYZE` of the GROUP BY (Shoal in process, after the timed calls):",
            "",
            "```text",
            explain.rstrip(),
            "```",
        ]
    return "\n".join(lines)


def results_agree(a, b):
    if set(a) != set(b):
        return False
    for k in a:
        for x, y in zip(a[k], b[k]):
            try:
                if abs(float(x) - float(y)) > 1e-6 * max(1.0, abs(float(y))):
                    return False
            except (TypeError, ValueError):
                if x != y:
                    return False
    return True


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "_case":
        ensure_venv(__file__)
        run_py_case(sys.argv[2])
        return
    ensure_venv(__file__)
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("parts", nargs="*", help="knn, scan and/or sql (default: all three)")
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("ANCHORS_DATA", "/tmp/shoal-anchors-data"))
    )
    ap.add_argument("--anchors", type=Path, default=DEFAULT_ANCHORS)
    ap.add_argument("--queries", type=int, default=50, help="timed k-NN queries per case")
    ap.add_argument("--warmup", type=int, default=5, help="untimed k-NN queries per case")
    ap.add_argument("--scan-iters", type=int, default=20)
    ap.add_argument("--scan-warmup", type=int, default=2)
    ap.add_argument("--sql-iters", type=int, default=10)
    ap.add_argument("--sql-warmup", type=int, default=1)
    ap.add_argument("--contended", type=float, default=0.2)
    ap.add_argument("--retries", type=int, default=2, help="re-runs of a contended case")
    ap.add_argument("--no-build", action="store_true", help="use target/release as it is")
    ap.add_argument("--out", type=Path, help="also write the markdown here")
    args = ap.parse_args()
    args.parts = args.parts or ["knn", "scan", "sql"]
    if set(args.parts) - {"knn", "scan", "sql"}:
        ap.error(f"unknown parts {sorted(set(args.parts) - {'knn', 'scan', 'sql'})}")
    args.data = args.data.resolve()
    sys.path.insert(0, str(args.anchors))
    import anchors

    exe = build(args.no_build)
    run_id = time.strftime("%Y%m%dT%H%M%S")
    jsonl = Path(f"/tmp/shoal-filter-bench-{run_id}.jsonl")
    m, v = anchors.machine(), anchors.versions()
    md = [
        f"run {run_id}; {m['nproc']} cores {m['cpu_model']}, {m['mem_gib']} GiB; "
        f"pylance {v['pylance']}, lancedb {v['lancedb']}, duckdb {v['duckdb']}, "
        f"pyarrow {v['pyarrow']}; raw records {jsonl}",
        "",
    ]
    with jsonl.open("a") as jf:
        jf.write(json.dumps({"run_id": run_id, "argv": sys.argv, "versions": v, "machine": m}))
        jf.write("\n")
        jf.flush()
        if "knn" in args.parts:
            w6 = ensure_w6(args, exe)
            lance = run_anchor_w6(args, anchors, w6, jsonl, run_id)
            shoal = run_cases(args, anchors, "W6", knn_cases(args, exe, w6), run_id, jf)
            md += [
                "#### Filtered k-NN (W6: 400,000 x float32[128], `category = 7`, flat, k = 10)",
                "",
                knn_report(anchors, lance, shoal),
                "",
            ]
        if "scan" in args.parts or "sql" in args.parts:
            d, meta = ensure_sel(args, anchors, exe)
        if "scan" in args.parts:
            res = run_cases(args, anchors, "SCAN", scan_cases(args, exe, d, meta), run_id, jf)
            md += [
                f"#### 1% selective scan of {meta['rows']:,} rows (every column returned)",
                "",
                scan_report(anchors, res, meta),
                "",
            ]
        if "sql" in args.parts:
            res = run_cases(args, anchors, "SQL", sql_cases(args, exe, d), run_id, jf)
            md += [f"#### SQL over {meta['rows']:,} rows", "", sql_report(anchors, res), ""]
    text = "\n".join(md)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
