#!/usr/bin/env python3
"""Shoal file-format benchmark driver: W2 (take), W3 (full scan), W4 (write) on the anchors'
W2 table, with Shoal beside pyarrow Parquet (and optionally Lance) measured in the same run.

    /tmp/venv-anchors/bin/python benches/file_bench.py [--with-lance]

What it does, in order:
  1. builds `file_bench` in release (`cargo build --release --workspace --bin file_bench`);
  2. makes sure the anchors' W2 data exists (`anchors.py gen --only w2` otherwise);
  3. writes the W2 table once as `<data>/w2/t.shoal` (untimed `file_bench convert`) and the
     take index sets (`<data>/w2/shoal-take-*.idx`, set i = anchors `_take_indices(.., i, ..)`);
  4. runs the anchors' own Parquet cases of W2, W3, W4 (`anchors.py run W2 W3 W4 --filter
     parquet`, and `--filter lance` with --with-lance) into a JSONL under /tmp;
  5. runs the Shoal cases, each in a fresh process, recording them in the same JSONL in the
     anchors' record format (so `anchors.py report --jsonl ...` shows them too);
  6. re-runs any case, Shoal or anchors, that was contended (other CPU > --contended cores);
  7. prints a markdown table: Shoal beside the best comparable Parquet (and Lance) case with
     ratios, the issue's targets met / not met, and every case's details.

If this Python lacks numpy / pyarrow it re-executes itself under /tmp/venv-anchors, creating
that venv first (as in the anchors README) when it does not exist.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench_util import (
    DEFAULT_ANCHORS,
    build_binary,
    contended,
    ensure_venv,
    logger,
    run_measured,
    warm,
)

log = logger("file_bench")

TAKES = [  # (case tag, n, sorted)
    ("sorted", 1000, True),
    ("unsorted", 1000, False),
    ("sorted n=10", 10, True),
]


# --------------------------------------------------------------------------
# setup
# --------------------------------------------------------------------------


def ensure_data(args, anchors):
    meta_path = args.data / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if not all(
        k in meta for k in ("w2_nbytes", "w2_parquet_default", "w2_parquet_rg10k", "w2_lance")
    ):
        log(f"{meta_path} lacks w2: anchors.py gen --only w2 (~30 s, ~2 GB)")
        subprocess.run(
            [
                sys.executable,
                str(args.anchors / "anchors.py"),
                "gen",
                "--only",
                "w2",
                "--data",
                str(args.data),
            ],
            check=True,
        )
        meta = json.loads(meta_path.read_text())
    return meta


def write_w2_dataset(binary, data):
    """Writes the W2 table as `<data>/w2/t.dataset`, a Shoal dataset of one fragment (untimed;
    replaces any there)."""
    out = data / "w2" / "t.dataset"
    log(f"writing {out} (untimed)")
    p = subprocess.run(
        [str(binary), "convert", "--data", str(data), "--out", str(out), "--dataset"],
        capture_output=True,
        text=True,
    )
    if p.returncode != 0:
        sys.exit(f"dataset convert failed: {p.stdout} {p.stderr}")
    return out


def write_index_sets(args, anchors, n_rows):
    """One file per take case; set i is exactly anchors' `_take_indices(n_rows, n, i, sort)`."""
    import numpy as np

    paths = {}
    n_sets = args.warmup + args.iters
    for tag, n, sort in TAKES:
        sets = [anchors._take_indices(n_rows, n, i, sort) for i in range(n_sets)]
        path = args.data / "w2" / f"shoal-take-{tag.replace(' ', '-').replace('=', '')}.idx"
        header = b"SHOALIDX" + np.array([n_sets, n], dtype="<u8").tobytes()
        path.write_bytes(header + np.concatenate(sets).astype("<i8").tobytes())
        paths[tag] = path
    return paths


# --------------------------------------------------------------------------
# running cases
# --------------------------------------------------------------------------


def run_shoal_case(args, anchors, meta, binary, name, workload, argv, run_id, jf):
    """Runs one file_bench case in a fresh process, measuring contention like anchors.py."""
    spec = {"name": name, "workload": workload, "argv": [str(binary), *argv]}
    res = run_measured(anchors, spec["argv"], dataset_files(meta, workload, name), log)
    jf.write(
        json.dumps({"run_id": run_id, "workload": workload, "spec": spec, "result": res}) + "\n"
    )
    jf.flush()
    log(
        f"{workload} {name}: "
        + (
            f"median {anchors.fmt_t(res['median_s'])}"
            if res.get("ok")
            else f"FAILED {res.get('error')}"
        )
        + f", other {res['other_cores']:.2f} cores"
    )
    return res


def shoal_cases(args, shoal_file, idx_paths):
    """The single-file cases, then the same workloads through a dataset's read pipeline."""
    return file_cases(args, shoal_file, idx_paths) + dataset_cases(args, shoal_file, idx_paths)


def dataset_cases(args, shoal_file, idx_paths):
    common = ["--data", str(args.data), "--budget", str(args.budget)]
    dataset = shoal_file.with_suffix(".dataset")
    scan = ["--batch-rows", str(args.batch_rows), "--iters", str(args.scan_iters), "--warmup", "1"]
    cases = []
    # The async API awaited on the bench's own tokio runtime (each call hops to Shoal's I/O
    # runtime and back), and the blocking API from a plain thread (the CLI's and Python's sync
    # path, which runs the call on the thread that waits).
    for blocking in (False, True):
        api = ["--dataset", *(["--blocking"] if blocking else [])]
        for tag, _, _ in TAKES:
            name = f"shoal dataset take {tag}" + (" (blocking)" if blocking else "")
            cases.append(take_case(args, name, dataset, idx_paths[tag], api))
    cases.append(
        ("W3", "shoal dataset scan", ["scan", *common, "--file", str(dataset), "--dataset", *scan])
    )
    cases.append(
        (
            "W3",
            "shoal dataset scan [id]",
            ["scan", *common, "--file", str(dataset), "--dataset", "--columns", "id", *scan],
        )
    )
    return cases


def take_case(args, name, path, indices, extra):
    """A W2 case: `file_bench take` of `path` with index sets `indices` and `extra` flags."""
    argv = ["take", "--data", str(args.data), "--budget", str(args.budget), "--file", str(path)]
    argv += [*extra, "--indices", str(indices), "--iters", str(args.iters)]
    return ("W2", name, [*argv, "--warmup", str(args.warmup)])


def file_cases(args, shoal_file, idx_paths):
    common = ["--data", str(args.data), "--budget", str(args.budget)]
    scan = [
        "--batch-rows",
        str(args.batch_rows),
        "--readahead",
        str(args.readahead),
        "--iters",
        str(args.scan_iters),
        "--warmup",
        "1",
    ]
    cases = [
        take_case(args, f"shoal take {tag}", shoal_file, idx_paths[tag], []) for tag, _, _ in TAKES
    ]
    cases.append(("W3", "shoal scan", ["scan", *common, "--file", str(shoal_file), *scan]))
    cases.append(
        (
            "W3",
            "shoal scan [id]",
            ["scan", *common, "--file", str(shoal_file), "--columns", "id", *scan],
        )
    )

    # Variants for comparison (details table only): the batch size the issue suggested, and
    # the [id] scan with batches as large as an id page (131072 rows), which avoids re-reading
    # a page once per batch.
    def variant(rows, readahead):
        return ["--batch-rows", str(rows), "--readahead", str(readahead), *scan[4:]]

    cases.append(
        (
            "W3",
            "shoal scan [batch 65536, readahead 4]",
            ["scan", *common, "--file", str(shoal_file), *variant(65536, 4)],
        )
    )
    cases.append(
        (
            "W3",
            "shoal scan [id] [batch 131072]",
            [
                "scan",
                *common,
                "--file",
                str(shoal_file),
                "--columns",
                "id",
                *variant(131072, args.readahead),
            ],
        )
    )
    cases.append(("W4", "shoal write", ["write", *common, "--iters", str(args.write_iters)]))
    return cases


def dataset_files(meta, workload, name):
    """The files a case reads (warmed before it runs)."""
    if workload == "W4":
        return [meta["w2_parquet_default"]["path"]]  # the write cases' input
    if "[default]" in name:
        return [meta["w2_parquet_default"]["path"]]
    if "[rg10k]" in name:
        return [meta["w2_parquet_rg10k"]["path"]]
    if name.startswith("lance"):
        return [meta["w2_lance"]["path"]]
    if name.startswith("shoal dataset"):
        return [str(Path(meta["w2_parquet_default"]["path"]).parent / "t.dataset")]
    if name.startswith("shoal"):
        return [str(Path(meta["w2_parquet_default"]["path"]).parent / "t.shoal")]
    return []


# Anchors cases are run in groups that read one dataset, each group right after warming it.
ANCHOR_GROUPS = {  # --filter -> (workloads, representative case name for dataset_files)
    "parquet": [
        (["W2", "W3"], "parquet[default]"),
        (["W2", "W3"], "parquet[rg10k]"),
        (["W4"], "parquet write"),
    ],
    "lance": [(["W2", "W3"], "lance"), (["W4"], "lance write")],
}


def run_anchors(args, meta, workloads, filt, run_jsonl):
    warm(dataset_files(meta, workloads[0], filt), log)
    cmd = [
        sys.executable,
        str(args.anchors / "anchors.py"),
        "run",
        *workloads,
        "--filter",
        filt,
        "--data",
        str(args.data),
        "--jsonl",
        str(run_jsonl),
        "--iters",
        str(args.iters),
        "--warmup",
        str(args.warmup),
        "--scan-iters",
        str(args.scan_iters),
        "--write-iters",
        str(args.write_iters),
        "--budget",
        str(args.budget),
    ]
    log(" ".join(cmd[1:]))
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)


def load_records(path):
    recs = []
    for line in Path(path).read_text().splitlines():
        d = json.loads(line)
        if "result" in d:
            recs.append(d)
    return recs


def best_records(recs):
    """Per (workload, case name): the least-contended successful record (as anchors report)."""
    groups = {}
    for d in recs:
        groups.setdefault((d["workload"], d["spec"]["name"]), []).append(d)
    best = {}
    for key, runs in groups.items():
        ok = [d for d in runs if d["result"].get("ok")]
        best[key] = min(ok, key=lambda d: d["result"].get("other_cores", 9)) if ok else runs[-1]
    return best


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------


def ratio(shoal_s, other_s):
    if shoal_s is None or other_s is None:
        return "-"
    if other_s >= shoal_s:
        return f"**{other_s / shoal_s:.3g}x faster**"
    return f"**{shoal_s / other_s:.3g}x slower**"


COMPARE = [
    # (label, shoal case, parquet candidates, lance candidates)
    (
        "W2 take 1000 sorted",
        ("W2", "shoal take sorted"),
        [
            ("W2", "parquet[default] rowgroups sorted"),
            ("W2", "parquet[rg10k] rowgroups sorted"),
            ("W2", "parquet[default] pyarrow.dataset.take sorted"),
            ("W2", "parquet[rg10k] pyarrow.dataset.take sorted"),
        ],
        [("W2", "lance take sorted")],
    ),
    (
        "W2 take 1000 unsorted",
        ("W2", "shoal take unsorted"),
        [
            ("W2", "parquet[default] rowgroups unsorted"),
            ("W2", "parquet[rg10k] rowgroups unsorted"),
            ("W2", "parquet[default] pyarrow.dataset.take unsorted"),
            ("W2", "parquet[rg10k] pyarrow.dataset.take unsorted"),
        ],
        [("W2", "lance take unsorted")],
    ),
    (
        "W2 take 10 sorted",
        ("W2", "shoal take sorted n=10"),
        [
            ("W2", "parquet[default] rowgroups sorted n=10"),
            ("W2", "parquet[rg10k] rowgroups sorted n=10"),
        ],
        [("W2", "lance take sorted n=10")],
    ),
    (
        "W3 full scan, all columns",
        ("W3", "shoal scan"),
        [
            ("W3", "parquet[default] read_table"),
            ("W3", "parquet[default] iter_batches"),
            ("W3", "parquet[rg10k] read_table"),
            ("W3", "parquet[rg10k] iter_batches"),
        ],
        [("W3", "lance to_table"), ("W3", "lance to_batches")],
    ),
    (
        "W3 scan [id]",
        ("W3", "shoal scan [id]"),
        [("W3", "parquet[default] read_table [id]"), ("W3", "parquet[rg10k] read_table [id]")],
        [("W3", "lance to_table [id]")],
    ),
    (
        "W4 write (page cache)",
        ("W4", "shoal write"),
        [("W4", "parquet write default"), ("W4", "parquet write rg10k")],
        [("W4", "lance write_dataset")],
    ),
]


def pick(best, keys):
    """The fastest (lowest median) successful case among keys, or None."""
    got = [
        (best[k]["result"]["median_s"], k)
        for k in keys
        if k in best and best[k]["result"].get("ok")
    ]
    return min(got) if got else None


def describe(anchors, best, key, with_throughput=False):
    r = best[key]["result"]
    s = f"{anchors.fmt_t(r['median_s'])}"
    if with_throughput and "MBps" in r:
        s += f" ({r['MBps']:.0f} MB/s)"
    return s


def report(args, anchors, recs, run_id, convert_res):
    best = best_records(recs)
    lines = []
    lines.append(f"run {run_id}, {time.strftime('%Y-%m-%d %H:%M')}, JSONL {args.jsonl}")
    m = anchors.machine()
    v = anchors.versions()
    lines.append(
        f"machine: {m['nproc']} cores {m['cpu_model']}, {m['mem_gib']} GiB, kernel "
        f"{m['kernel']}; pyarrow {v['pyarrow']}, pylance {v['pylance']}, numpy "
        f"{v['numpy']}"
    )
    if convert_res:
        lines.append(
            f"shoal file: {convert_res.get('bytes', 0) / 1e6:.1f} MB, page size "
            f"{convert_res.get('page_size')} B, pages per column "
            f"{convert_res.get('pages')} (id, vector, text)"
        )
    damon = Path("/sys/kernel/mm/damon/admin/kdamonds/0/state")
    if damon.exists() and damon.read_text().strip() == "on":
        lines.append(
            "page cache: DAMON reclaim is on (evicts page cache idle ~60 s); every "
            "dataset is read once right before its case(s), so all cases run warm"
        )
    lines.append("")
    with_lance = any(k in best for _, _, _, lk in COMPARE for k in lk)
    head = "| workload | Shoal | best Parquet (case) | Shoal vs Parquet |"
    sep = "|---|---|---|---|"
    if with_lance:
        head += " Lance (case) | Shoal vs Lance |"
        sep += "---|---|"
    lines += [head, sep]
    verdicts = {}
    for label, skey, pkeys, lkeys in COMPARE:
        if skey not in best or not best[skey]["result"].get("ok"):
            lines.append(f"| {label} | missing/failed | | |")
            continue
        tp = label.startswith(("W3", "W4"))
        sr = best[skey]["result"]
        shoal_cell = describe(anchors, best, skey, tp)
        if skey[1] == "shoal write":
            shoal_cell += f"; write only {anchors.fmt_t(sr['write_only_median_s'])}"
        p = pick(best, pkeys)
        pcell = f"{describe(anchors, best, p[1], tp)} ({p[1][1]})" if p else "-"
        row = f"| {label} | {shoal_cell} | {pcell} | {ratio(sr['median_s'], p and p[0])} |"
        if with_lance:
            lp = pick(best, lkeys)
            lcell = f"{describe(anchors, best, lp[1], tp)} ({lp[1][1]})" if lp else "-"
            row += f" {lcell} | {ratio(sr['median_s'], lp and lp[0])} |"
        lines.append(row)
        verdicts[label] = (sr["median_s"], p)
    lines.append("")
    lines.append("Targets (Parquet = its fastest case above, same run):")
    for label in ("W2 take 1000 sorted", "W2 take 1000 unsorted"):
        if label in verdicts and verdicts[label][1]:
            s, (pm, pk) = verdicts[label]
            x = pm / s
            lines.append(
                f"* {label}: >= 20x faster than Parquet: **{'MET' if x >= 20 else 'NOT MET'}**"
                f" ({x:.3g}x: shoal {anchors.fmt_t(s)} vs {pk[1]} {anchors.fmt_t(pm)})"
            )
    label = "W3 full scan, all columns"
    if label in verdicts and verdicts[label][1]:
        s, (pm, pk) = verdicts[label]
        lines.append(
            f"* full read no slower than Parquet: **{'MET' if s <= pm else 'NOT MET'}**"
            f" (shoal {anchors.fmt_t(s)} vs {pk[1]} {anchors.fmt_t(pm)}; "
            f"{ratio(s, pm).strip('*')})"
        )
    if ("W4", "shoal write") in best and best[("W4", "shoal write")]["result"].get("ok"):
        r = best[("W4", "shoal write")]["result"]
        lines.append(
            f"* write throughput (reported): {r['MBps']:.0f} MB/s of uncompressed Arrow "
            f"bytes, {r['rows_per_s'] / 1e6:.2f} M rows/s (write+stat+unlink as anchors "
            f"W4 times it); {r['write_only_MBps']:.0f} MB/s create..finish only"
        )
    lines.append("")
    lines.append("All cases (least-contended run of each; anchors' columns):")
    lines.append("")
    lines.append(anchors.HEADER)
    order = {"W2": 0, "W3": 1, "W4": 2}
    for key in sorted(best, key=lambda k: (order.get(k[0], 9), not k[1].startswith("shoal"))):
        d = best[key]
        line = anchors.row_md(key[0], d["spec"], d["result"])
        r = d["result"]
        line = line[:-1] + f"; other {r.get('other_cores', 0):.2f} cores"
        fr = [f for f in r.get("cached_frac_before") or [] if f is not None]
        if fr:
            line += f"; page-cache resident before {min(1.0, min(fr)):.0%}"
        if contended(r, args.contended):
            line += " CONTENDED"
        lines.append(line + " |")
    return "\n".join(lines)


def phases_md(anchors, ph):
    """The `file_bench phases` diagnostic as a few lines of markdown."""
    f = anchors.fmt_t
    t = {
        k: ph[f"take_{k}_median"]
        for k in (
            "plan_s",
            "missing_ranges_s",
            "read_ranges_s",
            "fetched_insert_s",
            "decode_s",
            "decode_no_checksum_s",
        )
    }
    s = {
        k: ph[f"scan_{k}_median"]
        for k in ("plan_s", "missing_ranges_s", "read_ranges_s", "decode_s", "decode_no_checksum_s")
    }
    rounds = ", ".join(
        f"{r} ranges / {b / 1e3:.0f} kB"
        for r, b in zip(ph["take_ranges_per_round"], ph["take_bytes_per_round"])
    )
    lines = [
        "Where Shoal's time goes (`file_bench phases`: the same plan / fetch / decode steps "
        "run one at a time on one thread, medians):",
        "",
        f"* take {ph['take_n']} unsorted rows, all columns: plan {f(t['plan_s'])}, "
        f"missing_ranges {f(t['missing_ranges_s'])}, read_ranges {f(t['read_ranges_s'])} "
        f"(I/O rounds: {rounds}), Fetched inserts {f(t['fetched_insert_s'])}, "
        f"decode {f(t['decode_s'])} ({f(t['decode_no_checksum_s'])} without checksums); "
        f"sum {f(sum(v for k, v in t.items() if k != 'decode_no_checksum_s'))}",
        f"* sequential scan, all columns, batches of {ph['scan_batch_rows']} rows: "
        f"read_ranges {f(s['read_ranges_s'])} for {ph['scan_bytes_per_round'][0] / 1e6:.0f} MB "
        f"({ph['scan_ranges_per_round'][0]} ranges) of a {ph['file_bytes'] / 1e6:.0f} MB file, "
        f"decode {f(s['decode_s'])} ({f(s['decode_no_checksum_s'])} without checksums), "
        f"plan + missing_ranges {f(s['plan_s'] + s['missing_ranges_s'])}",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------


def main():
    ensure_venv(__file__)
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("ANCHORS_DATA", "/tmp/shoal-anchors-data"))
    )
    ap.add_argument(
        "--anchors", type=Path, default=DEFAULT_ANCHORS, help="directory holding anchors.py"
    )
    ap.add_argument(
        "--jsonl",
        type=Path,
        default=None,
        help="raw records (default /tmp/shoal-file-bench-<run>.jsonl, new per run); "
        "an existing file is appended to and all its records are used",
    )
    ap.add_argument("--with-lance", action="store_true", help="also run the anchors' Lance cases")
    ap.add_argument(
        "--no-anchors",
        action="store_true",
        help="skip the anchors' cases (use those already in --jsonl)",
    )
    ap.add_argument("--no-shoal", action="store_true", help="skip the Shoal cases")
    ap.add_argument("--iters", type=int, default=20, help="timed takes per case (anchors: 20)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed takes (anchors: 2)")
    ap.add_argument("--scan-iters", type=int, default=5)
    ap.add_argument("--write-iters", type=int, default=3)
    ap.add_argument("--budget", type=float, default=60.0)
    ap.add_argument(
        "--batch-rows",
        type=int,
        default=32768,
        help="Shoal scan batch rows (see README for the sweep)",
    )
    ap.add_argument(
        "--readahead", type=int, default=2, help="Shoal scan readahead (see README for the sweep)"
    )
    ap.add_argument(
        "--contended",
        type=float,
        default=0.2,
        help="re-run a case when other processes used more cores than this",
    )
    ap.add_argument("--retries", type=int, default=2, help="re-runs of a contended case")
    ap.add_argument("--out", type=Path, default=None, help="also write the markdown here")
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="only print the report of an existing --jsonl (no build, no runs)",
    )
    args = ap.parse_args()
    args.data = args.data.resolve()
    run_id = time.strftime("%Y%m%dT%H%M%S")
    if args.jsonl is None:
        args.jsonl = Path(f"/tmp/shoal-file-bench-{run_id}.jsonl")
    sys.path.insert(0, str(args.anchors))
    import anchors

    if args.report_only:
        recs = [json.loads(line) for line in args.jsonl.read_text().splitlines()]
        convert_res = next((d["convert"] for d in reversed(recs) if "convert" in d), {})
        phases = next((d["phases"] for d in reversed(recs) if d.get("phases")), None)
        md = report(
            args,
            anchors,
            load_records(args.jsonl),
            next((d["run_id"] for d in recs if "run_id" in d), "?"),
            convert_res,
        )
        if phases and phases.get("ok"):
            md += "\n\n" + phases_md(anchors, phases)
        print(md)
        if args.out:
            args.out.write_text(md + "\n")
        return

    binary = build_binary("file_bench")
    meta = ensure_data(args, anchors)
    n_rows = meta["w2_lance"]["rows"]
    shoal_file = args.data / "w2" / "t.shoal"
    log(f"writing {shoal_file} (untimed)")
    p = subprocess.run(
        [str(binary), "convert", "--data", str(args.data), "--out", str(shoal_file)],
        capture_output=True,
        text=True,
    )
    convert_res = json.loads(p.stdout.splitlines()[-1]) if p.stdout.strip() else {}
    if p.returncode != 0 or not convert_res.get("ok"):
        sys.exit(f"convert failed: {p.stdout} {p.stderr}")
    write_w2_dataset(binary, args.data)
    idx_paths = write_index_sets(args, anchors, n_rows)

    with args.jsonl.open("a") as jf:
        jf.write(
            json.dumps(
                {
                    "run_id": run_id,
                    "argv": sys.argv,
                    "versions": anchors.versions(),
                    "machine": anchors.machine(),
                    "convert": convert_res,
                }
            )
            + "\n"
        )
    filters = ["parquet"] + (["lance"] if args.with_lance else [])
    if not args.no_anchors:
        for f in filters:
            for workloads, group in ANCHOR_GROUPS[f]:
                run_anchors(args, meta, workloads, group, args.jsonl)
    if not args.no_shoal:
        with args.jsonl.open("a") as jf:
            for w, name, argv in shoal_cases(args, shoal_file, idx_paths):
                run_shoal_case(args, anchors, meta, binary, name, w, argv, run_id, jf)

    # Re-run contended cases (Shoal's directly, anchors' by --filter on the case name).
    for attempt in range(args.retries):
        best = best_records(load_records(args.jsonl))
        redo = [k for k, d in best.items() if contended(d["result"], args.contended)]
        if not redo:
            break
        log(f"re-run {attempt + 1}: contended/failed: {redo}")
        cases = {(w, n): a for w, n, a in shoal_cases(args, shoal_file, idx_paths)}
        with args.jsonl.open("a") as jf:
            for key in redo:
                if key in cases and not args.no_shoal:
                    run_shoal_case(
                        args, anchors, meta, binary, key[1], key[0], cases[key], run_id, jf
                    )
        for key in redo:
            if key not in cases and not args.no_anchors:
                run_anchors(args, meta, [key[0]], key[1], args.jsonl)

    phases = None
    if not args.no_shoal:
        warm([shoal_file], log)
        p = subprocess.run(
            [
                str(binary),
                "phases",
                "--data",
                str(args.data),
                "--file",
                str(shoal_file),
                "--indices",
                str(idx_paths["unsorted"]),
                "--batch-rows",
                str(args.batch_rows),
            ],
            capture_output=True,
            text=True,
        )
        phases = json.loads(p.stdout.splitlines()[-1]) if p.stdout.strip() else None
        with args.jsonl.open("a") as jf:
            jf.write(json.dumps({"run_id": run_id, "phases": phases}) + "\n")

    md = report(args, anchors, load_records(args.jsonl), run_id, convert_res)
    if phases and phases.get("ok"):
        md += "\n\n" + phases_md(anchors, phases)
    print(md)
    if args.out:
        args.out.write_text(md + "\n")


if __name__ == "__main__":
    main()
