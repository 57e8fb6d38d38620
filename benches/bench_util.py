"""Helpers shared by the Python benchmark drivers (`file_bench.py`, `search_bench.py`): the
anchors' venv, the release build of a bench binary, warming the page cache, running one
Shoal case in a fresh process with the anchors' contention accounting, and the CPU time a
virtual machine's host took meanwhile."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_ANCHORS = REPO.parent / "shared" / "bench" / "anchors"
VENV = Path("/tmp/venv-anchors")
VENV_PKGS = ["pylance", "lancedb", "pyarrow", "numpy", "pandas", "faiss-cpu", "duckdb"]


def logger(prefix):
    def log(*a):
        print(f"[{prefix}]", *a, file=sys.stderr, flush=True)

    return log


def ensure_venv(script):
    """Re-exec `script` under the anchors venv unless numpy and pyarrow import here, creating
    the venv first (as in the anchors README) when it does not exist."""
    import importlib.util

    if all(importlib.util.find_spec(m) for m in ("numpy", "pyarrow")):
        return
    py = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        sys.exit(
            f"the anchors venv lacks numpy/pyarrow: {VENV}/bin/pip install {' '.join(VENV_PKGS)}"
        )
    if not py.exists():
        print(f"creating {VENV} (pip install {' '.join(VENV_PKGS)})", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", *VENV_PKGS], check=True)
    os.execv(str(py), [str(py), script, *sys.argv[1:]])


def build_binaries(*names):
    """`cargo build --release --workspace --bin NAME ...`: the workspace's feature set (`-p`
    alone would rebuild arrow and DataFusion with another one), and only the binaries asked
    for (each release binary is ~700 MB with line tables); returns {name: path}."""
    argv = ["cargo", "build", "--release", "--workspace"]
    for name in names:
        argv += ["--bin", name]
    print(" ".join(argv), file=sys.stderr, flush=True)
    p = subprocess.run(
        argv + ["--message-format=json-render-diagnostics"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    if p.returncode != 0:
        sys.exit("cargo build failed")
    exe = {}
    for line in p.stdout.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            if msg["target"]["name"] in names:
                exe[msg["target"]["name"]] = Path(msg["executable"])
    missing = [name for name in names if name not in exe]
    if missing:
        sys.exit(f"cargo did not report {missing}")
    return exe


def build_binary(name):
    """The release bench binary `name` (see `build_binaries`)."""
    return build_binaries(name)[name]


def warm(paths, log):
    """Reads every file under `paths` once so that it is in the page cache (the anchors'
    methodology assumes a warm cache). Needed here because this VM runs DAMON reclaim
    (kdamond, action=pageout), which evicts page-cache pages not accessed for ~60 s: without
    this, a case that follows a few minutes of other cases reads its file from disk."""
    t0 = time.perf_counter()
    files = []
    for p in paths:
        p = Path(p)
        files += [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
    total = 0
    for f in files:
        with open(f, "rb", buffering=0) as fh:
            while chunk := fh.read(8 << 20):
                total += len(chunk)
    log(
        f"warmed {total / 1e6:.0f} MB in {time.perf_counter() - t0:.2f} s: "
        + ", ".join(Path(p).name for p in paths)
    )


def run_measured(anchors, argv, files, log):
    """Runs `argv` (which prints one JSON object as its last JSON line) in a fresh process after
    warming `files`, and adds the anchors' contention fields: load, busy processes, and the CPU
    other processes used meanwhile (`other_cores`)."""
    warm(files, log)
    cached = [anchors.cached_fraction(f) for f in files]
    la0, busy0 = anchors.loadavg(), anchors.busy_procs()
    sb0, cc0 = anchors.sys_busy_s(), anchors.children_cpu_s()
    t0 = time.perf_counter()
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True)
    outer = time.perf_counter() - t0
    other = (anchors.sys_busy_s() - sb0) - (anchors.children_cpu_s() - cc0)
    res = None
    for line in p.stdout.splitlines():
        line = line.removeprefix("@@RESULT@@")
        try:
            res = json.loads(line)
        except json.JSONDecodeError:
            pass
    if not isinstance(res, dict):
        res = {"ok": False, "error": f"rc={p.returncode} {p.stderr[-500:]}"}
    res.setdefault("ok", p.returncode == 0)
    res["loadavg_before"], res["loadavg_after"] = la0, anchors.loadavg()
    res["busy_before"], res["busy_after"] = busy0, anchors.busy_procs()
    res["outer_wall_s"] = outer
    res["cached_frac_before"] = cached
    res["other_cores"] = max(0.0, other / outer)
    return res


def contended(res, limit):
    """Failed, or other processes used more than `limit` cores during the case, or a build
    was running. /proc/stat counts in 10 ms ticks, so for cases that last a few ms (take
    n=10: ~10 ms per process) one tick reads as ~1 core: less than 20 ms of other CPU in
    total is below the resolution and not counted as contention."""
    other_s = res.get("other_cores", 0) * res.get("outer_wall_s", 0)
    return (
        (not res.get("ok"))
        or (res.get("other_cores", 0) > limit and other_s >= 0.02)
        or bool(res.get("busy_before") or res.get("busy_after"))
    )


def stolen_ms():
    """CPU time stolen from this machine by its host since boot (ms, summed over CPUs), or
    None where /proc/stat does not say."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
        return int(fields[8]) * 1000 // os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def stolen_ms_since(before):
    """The host's steal (ms) since a reading of `stolen_ms`, or None when either is unknown."""
    after = stolen_ms()
    return None if before is None or after is None else after - before
