"""Adversarial inputs for every `shoal` command: what a serious tool does with them.

Each case runs the CLI once on a fresh copy of a small dataset (2,000 rows, 16-float vectors,
four fragments, an IVF-PQ index `vidx` and a tag `keep` on version 1) and expects one of:

* `ok`: the correct result, checked against the data;
* `fail`: a clean refusal, a non-zero exit with exactly one non-empty line on stderr that
  names what is wrong (clap usage errors may exit 2 with a usage block; stderr must then start
  with "error:"), and nothing changed: the dataset's version list and files, and the scratch
  folder's files (existing files, a symlink, a FIFO, a non-dataset folder), are as they were;
* `either`: refusing cleanly and doing something sensible are both fine.

In every case the command must finish within 30 s, must not panic (exit 101, "panicked",
"RUST_BACKTRACE", "stack backtrace") or die of a signal, and no error line may repeat the
operating system's message. Command lines are written as shell words (split with shlex) with
placeholders: {ds} the dataset, {f} the shared input files, {out} the scratch folder, {tmp}
the case's folder, {max} 2**64-1, {over} 2**64, {rows} the dataset's row count.
"""

import hashlib
import json
import os
import shlex
import shutil
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from pyarrow import ipc

ROWS, DIM = 2000, 16
TIMEOUT = 30
U64_MAX = str(2**64 - 1)
U64_OVER = str(2**64)
PANIC_MARKERS = ("panicked", "RUST_BACKTRACE", "stack backtrace")


# ---------------------------------------------------------------------------------------------
# Running the CLI


@dataclass
class Result:
    args: list
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self):
        return self.stdout.decode("utf-8", "replace")

    def describe(self):
        err = self.stderr if len(self.stderr) < 800 else self.stderr[:800] + "..."
        return f"shoal {shlex.join(self.args)} -> exit {self.returncode}; stderr: {err!r}"


def run(shoal_bin, *args):
    """Runs `shoal ARGS...`; fails the test on a timeout, a panic or a signal."""
    args = [str(a) for a in args]
    try:
        proc = subprocess.run(
            [str(shoal_bin), *args],
            check=False,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        proc = None
    if proc is None:
        pytest.fail(f"shoal {shlex.join(args)} did not finish in {TIMEOUT} s")
    stderr = proc.stderr.decode("utf-8", "replace")
    result = Result(args, proc.returncode, proc.stdout, stderr)
    assert result.returncode != 101, "panic: " + result.describe()
    assert result.returncode >= 0, "killed by a signal: " + result.describe()
    panicked = [m for m in PANIC_MARKERS if m in result.stderr]
    assert not panicked, "panic: " + result.describe()
    return result


def stderr_lines(result):
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_clean_failure(result, needles=()):
    """A non-zero exit with one clear line (or clap's usage error) naming the fault.

    Each needle is a string, or a tuple of alternatives, that stderr must contain (ignoring
    case)."""
    assert result.returncode != 0, "expected a refusal: " + result.describe()
    if result.returncode == 2:
        assert result.stderr.startswith("error:"), result.describe()
    else:
        assert result.returncode == 1, result.describe()
        assert len(stderr_lines(result)) == 1, "not one line: " + result.describe()
    for line in stderr_lines(result):
        assert line.count("(os error") <= 1, "repeated OS message: " + result.describe()
    text = result.stderr.lower()
    for needle in needles:
        options = (needle,) if isinstance(needle, str) else needle
        assert any(o.lower() in text for o in options), (
            f"stderr should mention {' or '.join(map(repr, options))}: " + result.describe()
        )


def jsonl(result):
    return [json.loads(line) for line in result.text.splitlines() if line.strip()]


def snapshot(root):
    """Every entry under `root` (links not followed, FIFOs not opened): kind and digest."""
    root = Path(root)
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                entries[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                entries[rel] = ("dir",)
            elif path.is_file():
                entries[rel] = ("file", hashlib.sha1(path.read_bytes()).hexdigest())
            else:
                entries[rel] = ("special",)
    return entries


# ---------------------------------------------------------------------------------------------
# Cases


@dataclass(frozen=True)
class Case:
    args: str | tuple  # shell words with placeholders, or the exact arguments
    outcome: str  # "fail", "ok" or "either"
    needles: tuple = ()
    check: Callable | None = None  # check(result, ctx) on success; False fails


def fail(args, needs=()):
    """Must be refused cleanly, with stderr mentioning each of `needs`."""
    return Case(args, "fail", tuple(needs))


def ok(args, check=None):
    """Must succeed, and `check(result, ctx)` must hold."""
    return Case(args, "ok", (), check)


def either(args, check=None, needs=()):
    """May succeed (then `check` holds) or be refused cleanly (mentioning `needs`)."""
    return Case(args, "either", tuple(needs), check)


def cases(table):
    return [pytest.param(case, id=name) for name, case in table.items()]


class Ctx:
    """One case's world: a fresh dataset copy, a scratch folder and the shared input files."""

    def __init__(self, shoal_bin, base, files, tmp):
        self.shoal_bin = shoal_bin
        self.tmp = tmp
        self.ds = tmp / "ds"
        shutil.copytree(base, self.ds, symlinks=True)
        self.files = files
        self.out = tmp / "out"
        self.out.mkdir()
        (self.out / "existing.parquet").write_bytes(b"precious")
        (self.out / "target.parquet").write_bytes(b"link target")
        (self.out / "link.parquet").symlink_to(self.out / "target.parquet")
        (self.out / "dangling.csv").symlink_to(self.out / "nowhere.csv")
        os.mkfifo(self.out / "fifo.csv")
        try:  # a device like /dev/null, which a buggy export must not replace for real
            os.mknod(self.out / "device", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pass
        (self.out / "adir.parquet").mkdir()
        (self.out / "notds").mkdir()
        (self.out / "notds" / "keep.txt").write_text("do not touch")
        self.paths = {
            "ds": self.ds,
            "f": files,
            "out": self.out,
            "tmp": tmp,
            "max": U64_MAX,
            "over": U64_OVER,
            "rows": ROWS,
        }

    def expand(self, args):
        words = shlex.split(args) if isinstance(args, str) else args
        return [w.format(**self.paths) for w in words]

    def shoal(self, *args):
        return run(self.shoal_bin, *args)

    def versions(self, ds=None):
        result = self.shoal("versions", ds or self.ds, "--json")
        assert result.returncode == 0, result.describe()
        return json.loads(result.text)


def check_case(ctx, case):
    args = ctx.expand(case.args)
    if str(ctx.out / "device") in args and not (ctx.out / "device").exists():
        pytest.skip("creating a device node needs root")
    versions_before = ctx.versions()
    ds_before, out_before = snapshot(ctx.ds), snapshot(ctx.out)
    result = ctx.shoal(*args)
    if case.outcome == "ok" or (case.outcome == "either" and result.returncode == 0):
        assert result.returncode == 0, "expected success: " + result.describe()
        if case.check:
            assert case.check(result, ctx) is not False, "wrong result: " + result.describe()
        return
    assert_clean_failure(result, case.needles)
    assert ctx.versions() == versions_before, "a failed command changed the versions"
    assert snapshot(ctx.ds) == ds_before, "a failed command changed the dataset's files"
    assert snapshot(ctx.out) == out_before, "a failed command changed the scratch folder"
    assert sorted(p.name for p in ctx.tmp.iterdir()) == ["ds", "out"], "files left behind"


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def base(shoal_bin, tmp_path_factory):
    """A dataset: 2,000 sample rows in 4 fragments, index `vidx` on `vector`, tag `keep`."""
    root = tmp_path_factory.mktemp("adv-base")
    src, ds = root / "sample.parquet", root / "ds"
    for args in (
        f"sample {src} --rows {ROWS} --dim {DIM}",
        f"import {src} {ds} --max-rows-per-file 500",
        f"index create {ds} --column vector --partitions 4 --sub-vectors 4 --name vidx",
        f"tag create {ds} keep --version 1",
    ):
        result = run(shoal_bin, *shlex.split(args))
        assert result.returncode == 0, result.describe()
    return ds


@pytest.fixture(scope="session")
def files(base, tmp_path_factory):
    """Bad (and a few good) input files, shared read-only by every case."""
    f = tmp_path_factory.mktemp("adv-files")
    sample = base.parent / "sample.parquet"
    shutil.copy(sample, f / "sample.parquet")
    data = sample.read_bytes()
    (f / "truncated.parquet").write_bytes(data[: len(data) // 2])
    (f / "text.parquet").write_text("this is not parquet\n")
    (f / "empty.parquet").write_bytes(b"")
    (f / "text.arrow").write_text("nor is this arrow\n")
    (f / "ragged.csv").write_text("a,b\n1,2\n3\n4,5,6\n")
    (f / "empty.csv").write_bytes(b"")
    (f / "header.csv").write_text("a,b\n")
    (f / "dup.csv").write_text("a,a,b\n1,2,3\n4,5,6\n")
    (f / "bad_utf8.csv").write_bytes(b"a,b\n1,\xff\xfe\n")
    (f / "good.csv").write_text("a,b\n1,x\n2,y\n")
    (f / "bad.jsonl").write_text('{"a": 1}\n{not json\n')
    (f / "data.txt").write_text("a,b\n1,2\n")
    (f / "noext").write_text("a,b\n1,2\n")
    (f / "adir").mkdir()
    (f / "adir.parquet").mkdir()
    pq.write_table(pa.table({"x": [1.5, 2.5]}), f / "other.parquet")
    table = pq.read_table(sample)
    pq.write_table(table.slice(0, 0), f / "zero_rows.parquet")
    wrong = table.slice(0, 10).set_column(0, "id", pa.array([str(i) for i in range(10)]))
    pq.write_table(wrong, f / "id_as_text.parquet")

    rng = np.random.default_rng(7)
    npys = {
        "q": rng.random(DIM, dtype=np.float32),
        "q3": rng.random((3, DIM), dtype=np.float32),
        "q_f64": rng.random(DIM),
        "q_fortran": np.asfortranarray(rng.random((3, DIM), dtype=np.float32)),
        "q_dim8": rng.random(8, dtype=np.float32),
        "q_2dim": rng.random(2 * DIM, dtype=np.float32),
        "q_int8": np.arange(DIM, dtype=np.int8),
        "q_int64": np.arange(DIM, dtype=np.int64),
        "q_complex": np.zeros(DIM, dtype=np.complex64),
        "q_bool": np.zeros(DIM, dtype=bool),
        "q_3d": rng.random((2, 2, DIM), dtype=np.float32),
        "q_empty": np.zeros((0, DIM), dtype=np.float32),
        "q_empty1d": np.zeros(0, dtype=np.float32),
        "q_scalar": np.float32(1.0),
        "q_nan": np.full(DIM, np.nan, dtype=np.float32),
        "q_inf": np.full(DIM, np.inf, dtype=np.float32),
    }
    for name, array in npys.items():
        np.save(f / f"{name}.npy", array)
    (f / "not.npy").write_text("not a numpy file\n")
    (f / "q_truncated.npy").write_bytes((f / "q3.npy").read_bytes()[:-20])

    (f / "rows_garbage.txt").write_text("1, abc\n")
    (f / "rows_empty.txt").write_text("")
    (f / "rows_negative.txt").write_text("-1\n")
    (f / "rows_beyond.txt").write_text(f"0\n{ROWS}\n")
    (f / "rows_ok.txt").write_text(f"0\n{ROWS - 1}\n")

    data_file = min((base / "data").iterdir())
    shutil.copy(data_file, f / "good.shoal")
    (f / "truncated.shoal").write_bytes(data_file.read_bytes()[:-10])
    (f / "empty.shoal").write_bytes(b"")
    (f / "text.shoal").write_text("not a Shoal file at all, but long enough for a footer\n")
    return f


@pytest.fixture
def ctx(shoal_bin, base, files, tmp_path):
    return Ctx(shoal_bin, base, files, tmp_path)


# ---------------------------------------------------------------------------------------------
# Checks of successful results


def rows_out(n):
    return lambda result, ctx: len(jsonl(result)) == n


def ids_out(expected):
    return lambda result, ctx: [r["id"] for r in jsonl(result)] == expected


def latest(**expected):
    """The latest version has these fields (operation, rows, ...)."""

    def check(result, ctx):
        last = ctx.versions()[-1]
        return all(last[k] == v for k, v in expected.items())

    return check


def parquet_out(name, rows, columns=None):
    def check(result, ctx):
        table = pq.read_table(ctx.out / name)
        return table.num_rows == rows and columns in (None, table.column_names)

    return check


def stdout_csv_rows(n):
    return lambda result, ctx: pacsv.read_csv(pa.BufferReader(result.stdout)).num_rows == n


def stdout_ipc_rows(n):
    return lambda result, ctx: ipc.open_stream(result.stdout).read_all().num_rows == n


def tag_listed(name):
    def check(result, ctx):
        tags = ctx.shoal("tag", "list", ctx.ds, "--json")
        return tags.returncode == 0 and name in tags.text

    return check


def one_index(name):
    def check(result, ctx):
        listed = json.loads(ctx.shoal("index", "list", ctx.ds, "--json").text)
        return [i["name"] for i in listed].count(name) == 1

    return check


def imported(rows):
    return lambda result, ctx: ctx.versions(ctx.out / "new")[-1]["rows"] == rows


def json_field(key, value):
    return lambda result, ctx: json.loads(result.text)[key] == value


def nothing_outside(ctx):
    """Nothing appeared beside the case's folders (no name escaped the dataset)."""
    assert sorted(p.name for p in ctx.tmp.iterdir()) == ["ds", "out"]


# ---------------------------------------------------------------------------------------------
# Tables of cases, command by command

NO_DATASET = ("not a dataset", "no dataset")
IS_A_FILE = ["is a file", "not a dataset"]

MISSING_AND_WRONG_DATASETS = {}
for _cmd in (
    "info",
    "head",
    "versions",
    "scan",
    "compact",
    "cleanup",
    "index list",
    "tag list",
):
    _id = _cmd.replace(" ", "-")
    MISSING_AND_WRONG_DATASETS |= {
        f"{_id}-missing": fail(f"{_cmd} {{tmp}}/missing", needs=["no dataset"]),
        f"{_id}-file": fail(f"{_cmd} {{f}}/sample.parquet", needs=IS_A_FILE),
        f"{_id}-non-dataset-dir": fail(f"{_cmd} {{out}}/notds", needs=[NO_DATASET]),
    }
MISSING_AND_WRONG_DATASETS |= {
    "export-missing": fail("export {tmp}/missing {out}/x.parquet", needs=["no dataset"]),
    "export-file": fail("export {f}/sample.parquet {out}/x.parquet", needs=IS_A_FILE),
    "take-missing": fail("take {tmp}/missing --rows 0", needs=["no dataset"]),
    "take-file": fail("take {f}/sample.parquet --rows 0", needs=IS_A_FILE),
    "delete-missing": fail("delete {tmp}/missing --where 'id = 1'", needs=["no dataset"]),
    "delete-file": fail("delete {f}/sample.parquet --where 'id = 1'", needs=IS_A_FILE),
    "search-missing": fail(
        "search {tmp}/missing --column vector --query-row 0", needs=["no dataset"]
    ),
    "search-file": fail("search {f}/sample.parquet --column vector --query-row 0", needs=IS_A_FILE),
    "tag-create-missing": fail("tag create {tmp}/missing t", needs=["no dataset"]),
    "index-create-missing": fail(
        "index create {tmp}/missing --column vector", needs=["no dataset"]
    ),
    "index-optimize-file": fail("index optimize {f}/sample.parquet vidx", needs=IS_A_FILE),
    "versions-data-subdir": fail("versions {ds}/data", needs=[NO_DATASET]),
    "info-empty-string": fail("info ''"),
}

URIS = {
    "ftp": fail("info ftp://x/y", needs=["ftp"]),
    "http": fail("info http://example.invalid/x", needs=["http"]),
    "s3-no-bucket": fail("info s3://", needs=["bucket"]),
    "s3-empty-bucket": fail("info s3:///prefix", needs=["bucket"]),
    "memory-missing": fail("info memory://nothing-here", needs=["no dataset"]),
    "memory-empty-name": fail("info memory://", needs=["memory://"]),
    "memory-dotdot": fail("versions memory://../../etc", needs=["no dataset"]),
    "memory-import": either("import {f}/sample.parquet memory://fresh"),
    "file-relative": fail("info file://relative/ds"),
    "file-empty": fail("info file://"),
    "file-uri-of-file": fail("head file://{f}/sample.parquet", needs=IS_A_FILE),
    "file-uri-ok": ok("info file://{ds} --json", check=json_field("rows", ROWS)),
    "scheme-garbage": fail("info ::://", needs=[("::://", "scheme", "no dataset")]),
}

IMP = "import {f}/sample.parquet {out}/new"
IMPORTS = {
    "src-missing": fail("import {f}/missing.parquet {out}/new", needs=["missing.parquet"]),
    "src-directory": fail("import {f}/adir {out}/new", needs=["directory"]),
    "src-directory-parquet-ext": fail("import {f}/adir.parquet {out}/new", needs=["directory"]),
    "src-text-as-parquet": fail("import {f}/text.parquet {out}/new", needs=["text.parquet"]),
    "src-truncated-parquet": fail(
        "import {f}/truncated.parquet {out}/new", needs=["truncated.parquet"]
    ),
    "src-empty-parquet": fail("import {f}/empty.parquet {out}/new", needs=["empty.parquet"]),
    "src-text-as-arrow": fail("import {f}/text.arrow {out}/new", needs=["text.arrow"]),
    "src-csv-as-parquet": fail(
        "import {f}/good.csv {out}/new --format parquet", needs=["good.csv"]
    ),
    "src-ragged-csv": fail("import {f}/ragged.csv {out}/new", needs=["ragged.csv"]),
    "src-empty-csv": fail("import {f}/empty.csv {out}/new", needs=["empty.csv"]),
    "src-header-only-csv": fail("import {f}/header.csv {out}/new", needs=["header.csv", "no rows"]),
    "src-duplicate-columns": fail("import {f}/dup.csv {out}/new", needs=["duplicate", "'a'"]),
    "src-bad-utf8-csv": fail("import {f}/bad_utf8.csv {out}/new", needs=["bad_utf8.csv"]),
    "src-bad-jsonl": fail("import {f}/bad.jsonl {out}/new", needs=["bad.jsonl"]),
    "src-unknown-extension": fail("import {f}/data.txt {out}/new", needs=["format"]),
    "src-no-extension": fail("import {f}/noext {out}/new", needs=["format"]),
    "src-shoal-file": fail(
        "import {f}/good.shoal {out}/new", needs=[("format", "shoal data file")]
    ),
    "src-zero-rows": either("import {f}/zero_rows.parquet {out}/new", check=imported(0)),
    "format-bogus": fail("import {f}/good.csv {out}/new --format xls", needs=["--format"]),
    "mode-bogus": fail(IMP + " --mode merge", needs=["--mode"]),
    "batch-rows-0": fail(IMP + " --batch-rows 0", needs=["--batch-rows"]),
    "batch-rows-negative": fail(IMP + " --batch-rows=-1", needs=["--batch-rows"]),
    "batch-rows-overflow": fail(IMP + " --batch-rows {over}", needs=["--batch-rows"]),
    "max-rows-per-file-0": fail(IMP + " --max-rows-per-file 0", needs=["--max-rows-per-file"]),
    "max-rows-per-file-over-u32": fail(
        IMP + " --max-rows-per-file 4294967296", needs=["--max-rows-per-file"]
    ),
    "max-rows-per-file-overflow": fail(
        IMP + " --max-rows-per-file {over}", needs=["--max-rows-per-file"]
    ),
    "max-rows-per-file-1": ok(IMP + " --max-rows-per-file 1", check=imported(ROWS)),
    "page-size-0": fail(IMP + " --page-size 0", needs=["--page-size"]),
    "page-size-negative": fail(IMP + " --page-size=-5", needs=["--page-size"]),
    "page-size-1": either(IMP + " --page-size 1", check=imported(ROWS)),
    "compression-bogus": fail(IMP + " --compression gzip", needs=["compression"]),
    "compression-zstd-level-99": fail(IMP + " --compression zstd:99", needs=["zstd"]),
    "compression-zstd-level-text": fail(IMP + " --compression zstd:high", needs=["zstd"]),
    "compression-empty": fail(IMP + " --compression ''", needs=["--compression"]),
    "create-onto-existing": fail("import {f}/sample.parquet {ds}", needs=["already exists"]),
    "append-other-schema": fail("import {f}/other.parquet {ds} --mode append", needs=["'x'"]),
    "append-wrong-column-type": fail(
        "import {f}/id_as_text.parquet {ds} --mode append", needs=["'id'"]
    ),
    "append-to-missing": fail(IMP + " --mode append", needs=["no dataset"]),
    "into-non-dataset-dir": fail("import {f}/sample.parquet {out}/notds", needs=["not empty"]),
    "overwrite-non-dataset-dir": fail(
        "import {f}/sample.parquet {out}/notds --mode overwrite", needs=["not empty"]
    ),
    "into-a-file": fail("import {f}/sample.parquet {out}/existing.parquet", needs=["is a file"]),
    "into-a-symlink": fail("import {f}/sample.parquet {out}/link.parquet"),
    "into-ftp": fail("import {f}/sample.parquet ftp://x/y", needs=["ftp"]),
    "into-s3-no-bucket": fail("import {f}/sample.parquet s3://", needs=["bucket"]),
    "into-empty-string": fail("import {f}/sample.parquet ''"),
    "into-missing-parents": either("import {f}/good.csv {out}/a/b/c"),
    "overwrite-ok": ok(
        "import {f}/sample.parquet {ds} --mode overwrite",
        check=latest(operation="overwrite", rows=ROWS),
    ),
}

EXP = "export {ds} {out}/x.parquet"
EXPORTS = {
    "version-0": fail(EXP + " --version 0", needs=["version 0"]),
    "version-huge": fail(EXP + " --version {max}", needs=[U64_MAX]),
    "version-overflow": fail(EXP + " --version {over}", needs=["--version"]),
    "version-negative": fail(EXP + " --version=-1", needs=["--version"]),
    "tag-missing": fail(EXP + " --tag nope", needs=["'nope'"]),
    "tag-empty": fail(EXP + " --tag ''"),
    "tag-and-version": fail(EXP + " --tag keep --version 1", needs=["--tag", "--version"]),
    "columns-unknown": fail(EXP + " --columns id,nope", needs=["'nope'"]),
    "columns-empty": fail(EXP + " --columns ''"),
    "columns-comma": fail(EXP + " --columns ,"),
    "columns-duplicate": either(EXP + " --columns id,id", needs=["'id'"]),
    "columns-subset": ok(
        EXP + " --columns text,id", check=parquet_out("x.parquet", ROWS, ["text", "id"])
    ),
    "existing-no-overwrite": fail("export {ds} {out}/existing.parquet", needs=["already exists"]),
    "symlink": fail("export {ds} {out}/link.parquet", needs=["symbolic link"]),
    "symlink-overwrite": fail(
        "export {ds} {out}/link.parquet --overwrite", needs=["symbolic link"]
    ),
    "dangling-symlink-overwrite": fail(
        "export {ds} {out}/dangling.csv --overwrite --columns id",
        needs=["symbolic link"],
    ),
    "fifo-overwrite": fail(
        "export {ds} {out}/fifo.csv --overwrite --columns id", needs=["special file"]
    ),
    "directory-overwrite": fail("export {ds} {out}/adir.parquet --overwrite", needs=["directory"]),
    "device-overwrite": fail(
        "export {ds} {out}/device --format csv --overwrite --columns id",
        needs=["special file"],
    ),
    "unknown-extension": fail("export {ds} {out}/x.xyz", needs=["format"]),
    "no-extension": fail("export {ds} {out}/x", needs=["format"]),
    "format-bogus": fail(EXP + " --format xlsx", needs=["--format"]),
    "missing-parent": fail("export {ds} {out}/no/such/dir/x.parquet", needs=["no/such/dir"]),
    "empty-destination": fail("export {ds} ''"),
    "batch-rows-0": fail(EXP + " --batch-rows 0", needs=["--batch-rows"]),
    "batch-rows-overflow": fail(EXP + " --batch-rows {over}", needs=["--batch-rows"]),
    "batch-rows-1": ok(EXP + " --batch-rows 1", check=parquet_out("x.parquet", ROWS)),
    "stdout-parquet": fail("export {ds} - --format parquet", needs=["standard output"]),
    "stdout-no-format": fail("export {ds} -", needs=["format"]),
    "stdout-csv": ok("export {ds} - --format csv --columns id,text", check=stdout_csv_rows(ROWS)),
    "stdout-jsonl": ok("export {ds} - --format jsonl --columns id", check=rows_out(ROWS)),
    "stdout-ipc-stream": ok("export {ds} - --format ipc-stream", check=stdout_ipc_rows(ROWS)),
    "csv-with-vectors": either("export {ds} {out}/x.csv", needs=["vector"]),
    "tagged-version": ok(EXP + " --tag keep", check=parquet_out("x.parquet", ROWS)),
}

READS = {
    # info
    "info-version-0": fail("info {ds} --version 0", needs=["version 0"]),
    "info-version-huge": fail("info {ds} --version {max}", needs=[U64_MAX]),
    "info-version-overflow": fail("info {ds} --version {over}", needs=["--version"]),
    "info-tag-missing": fail("info {ds} --tag nope", needs=["'nope'"]),
    "info-tag-slash": fail("info {ds} --tag ../keep", needs=["../keep"]),
    "info-json": ok("info {ds} --json", check=json_field("rows", ROWS)),
    # head
    "head-n-negative": fail("head {ds} -n -1"),
    "head-n-negative-eq": fail("head {ds} -n=-1", needs=[("--rows", "-n")]),
    "head-n-overflow": fail("head {ds} -n {over}", needs=[("--rows", "-n")]),
    "head-n-0": either("head {ds} -n 0"),
    "head-n-huge": ok(
        "head {ds} -n {max} --columns id",
        check=lambda r, c: f"{ROWS} of {ROWS}" in r.text,
    ),
    "head-columns-unknown": fail("head {ds} --columns nope", needs=["'nope'"]),
    "head-columns-empty": fail("head {ds} --columns ''"),
    "head-max-width-0": fail("head {ds} --max-width 0", needs=["--max-width"]),
    "head-version-0": fail("head {ds} --version 0", needs=["version 0"]),
    # scan
    "scan-offset-beyond": ok("scan {ds} --offset {rows} --json", check=rows_out(0)),
    "scan-offset-max": ok("scan {ds} --offset {max} --json", check=rows_out(0)),
    "scan-limit-beyond": ok("scan {ds} --limit 100000 --columns id --json", check=rows_out(ROWS)),
    "scan-limit-0": ok("scan {ds} --limit 0 --json", check=rows_out(0)),
    "scan-limit-max-offset": ok(
        "scan {ds} --limit {max} --offset 1990 --columns id --json",
        check=ids_out(list(range(1990, ROWS))),
    ),
    "scan-offset-max-limit-max": ok(
        "scan {ds} --limit {max} --offset {max} --json", check=rows_out(0)
    ),
    "scan-limit-negative": fail("scan {ds} --limit -1"),
    "scan-limit-negative-eq": fail("scan {ds} --limit=-1", needs=["--limit"]),
    "scan-offset-overflow": fail("scan {ds} --offset {over}", needs=["--offset"]),
    "scan-batch-rows-0": fail("scan {ds} --batch-rows 0", needs=["--batch-rows"]),
    "scan-budget-0": fail("scan {ds} --budget-bytes 0", needs=["--budget-bytes"]),
    "scan-budget-1": either(
        "scan {ds} --budget-bytes 1 --columns id --json",
        check=rows_out(ROWS),
        needs=["budget"],
    ),
    "scan-columns-unknown": fail("scan {ds} --columns id,nope", needs=["'nope'"]),
    "scan-columns-empty": fail("scan {ds} --columns ''"),
    "scan-tag-missing": fail("scan {ds} --tag gone", needs=["'gone'"]),
    # take
    "take-beyond": fail("take {ds} --rows {rows}", needs=["out of bounds"]),
    "take-max": fail("take {ds} --rows {max}", needs=["out of bounds"]),
    "take-overflow": fail("take {ds} --rows {over}", needs=["--rows"]),
    "take-negative": fail("take {ds} --rows -1"),
    "take-negative-eq": fail("take {ds} --rows=-1", needs=["--rows"]),
    "take-empty": fail("take {ds} --rows ''"),
    "take-double-comma": fail("take {ds} --rows 1,,2"),
    "take-text": fail("take {ds} --rows one", needs=["--rows"]),
    "take-neither": fail("take {ds}", needs=["--rows"]),
    "take-both": fail("take {ds} --rows 1 --rows-file {f}/rows_ok.txt"),
    "take-last-and-first": ok(
        "take {ds} --rows 1999,0,1999 --columns id --json",
        check=ids_out([1999, 0, 1999]),
    ),
    "take-rows-file-missing": fail("take {ds} --rows-file {f}/nope.txt", needs=["nope.txt"]),
    "take-rows-file-directory": fail("take {ds} --rows-file {f}/adir", needs=["directory"]),
    "take-rows-file-garbage": fail("take {ds} --rows-file {f}/rows_garbage.txt", needs=["'abc'"]),
    "take-rows-file-negative": fail("take {ds} --rows-file {f}/rows_negative.txt", needs=["'-1'"]),
    "take-rows-file-beyond": fail(
        "take {ds} --rows-file {f}/rows_beyond.txt", needs=["out of bounds"]
    ),
    "take-rows-file-empty": either(
        "take {ds} --rows-file {f}/rows_empty.txt --json", check=rows_out(0)
    ),
    "take-rows-file-binary": fail(
        "take {ds} --rows-file {f}/sample.parquet", needs=["sample.parquet"]
    ),
    "take-columns-unknown": fail("take {ds} --rows 1 --columns nope", needs=["'nope'"]),
    # versions, index list, tag list
    "versions-json": ok("versions {ds} --json", check=lambda r, c: len(json.loads(r.text)) == 2),
    "index-list": ok("index list {ds}", check=lambda r, c: "vidx" in r.text),
    "index-list-version-0": fail("index list {ds} --version 0", needs=["version 0"]),
    "tag-list": ok("tag list {ds}", check=lambda r, c: "keep" in r.text),
}

S = "search {ds} --column vector"
SEARCHES = {
    "no-query": fail(S, needs=["--query-file", "--query-row"]),
    "both-queries": fail(S + " --query-row 0 --query-file {f}/q.npy"),
    "no-column": fail("search {ds} --query-row 0", needs=["--column"]),
    "wrong-dimension": fail(S + " --query-file {f}/q_dim8.npy", needs=["8", "16"]),
    "1d-of-2-vectors": fail(S + " --query-file {f}/q_2dim.npy", needs=["32", "16"]),
    "int8": fail(S + " --query-file {f}/q_int8.npy", needs=["int8"]),
    "int64": fail(S + " --query-file {f}/q_int64.npy", needs=["int64"]),
    "complex": fail(S + " --query-file {f}/q_complex.npy", needs=["complex"]),
    "bool": fail(S + " --query-file {f}/q_bool.npy", needs=["bool"]),
    "3d": fail(S + " --query-file {f}/q_3d.npy", needs=["shape"]),
    "empty-matrix": fail(S + " --query-file {f}/q_empty.npy", needs=["q_empty.npy"]),
    "empty-vector": fail(S + " --query-file {f}/q_empty1d.npy", needs=["q_empty1d.npy"]),
    "scalar": fail(S + " --query-file {f}/q_scalar.npy", needs=["q_scalar.npy"]),
    "not-npy": fail(S + " --query-file {f}/not.npy", needs=["not.npy"]),
    "truncated-npy": fail(S + " --query-file {f}/q_truncated.npy", needs=["q_truncated.npy"]),
    "parquet-as-npy": fail(S + " --query-file {f}/sample.parquet", needs=["sample.parquet"]),
    "query-file-directory": fail(S + " --query-file {f}/adir", needs=["directory"]),
    "query-file-missing": fail(S + " --query-file {f}/nope.npy", needs=["nope.npy"]),
    "text-column-query-file": fail(
        "search {ds} --column text --query-file {f}/q.npy", needs=["'text'"]
    ),
    "text-column-query-row": fail("search {ds} --column text --query-row 0", needs=["'text'"]),
    "id-column": fail("search {ds} --column id --query-file {f}/q.npy", needs=["'id'"]),
    "unknown-column": fail("search {ds} --column nope --query-file {f}/q.npy", needs=["'nope'"]),
    "query-row-beyond": fail(S + " --query-row {rows}", needs=["out of bounds"]),
    "query-row-negative": fail(S + " --query-row=-1", needs=["--query-row"]),
    "k-0": fail(S + " --query-row 0 -k 0", needs=[("-k", "--k")]),
    "k-negative": fail(S + " --query-row 0 -k=-3", needs=[("-k", "--k")]),
    "k-overflow": fail(S + " --query-row 0 -k {over}", needs=[("-k", "--k")]),
    "k-beyond-rows": ok(
        S + " --query-row 0 -k 5000 --no-index --columns id --json",
        check=rows_out(ROWS),
    ),
    "k-max": either(
        S + " --query-row 0 -k {max} --no-index --columns id --json",
        check=rows_out(ROWS),
        needs=[("-k", "--k")],
    ),
    "nprobes-0": fail(S + " --query-row 0 --nprobes 0", needs=["--nprobes"]),
    "nprobes-huge": ok(
        S + " --query-row 0 --nprobes {max} -k 3 --columns id --json", check=rows_out(3)
    ),
    "refine-huge": either(
        S + " --query-row 0 --refine {max} -k 3 --columns id --json",
        check=rows_out(3),
        needs=["--refine"],
    ),
    "vector-cache-huge": either(
        S + " --query-file {f}/q3.npy --no-index --vector-cache-mib {max} -k 2 --json",
        check=rows_out(6),
        needs=["--vector-cache-mib"],
    ),
    "metric-bogus": fail(S + " --query-row 0 --metric hamming", needs=["--metric"]),
    "columns-unknown": fail(S + " --query-row 0 --columns nope", needs=["'nope'"]),
    "nan-query": either(S + " --query-file {f}/q_nan.npy --no-index -k 3 --json", needs=["nan"]),
    "inf-query-index": either(S + " --query-file {f}/q_inf.npy -k 3 --json", needs=["inf"]),
    "float64-query": ok(S + " --query-file {f}/q_f64.npy -k 4 --json", check=rows_out(4)),
    "fortran-matrix": ok(
        S + " --query-file {f}/q_fortran.npy --no-index -k 2 --json", check=rows_out(6)
    ),
    "version-0": fail(S + " --query-row 0 --version 0", needs=["version 0"]),
}

IC = "index create {ds} --column vector"
INDEXES = {
    "partitions-0": fail(IC + " --partitions 0", needs=["--partitions"]),
    "partitions-negative": fail(IC + " --partitions=-4", needs=["--partitions"]),
    "partitions-beyond-rows": either(IC + " --partitions 5000 --name big", needs=["5000"]),
    "sub-vectors-0": fail(IC + " --sub-vectors 0", needs=["--sub-vectors"]),
    "sub-vectors-not-dividing": fail(IC + " --sub-vectors 5 --name v5", needs=["5", "16"]),
    "sub-vectors-beyond-dim": fail(IC + " --sub-vectors 32 --name v32", needs=["32", "16"]),
    "iterations-0": fail(IC + " --iterations 0", needs=["--iterations"]),
    "iterations-overflow": fail(IC + " --iterations {over}", needs=["--iterations"]),
    "type-bogus": fail(IC + " --type hnsw", needs=["--type"]),
    "metric-bogus": fail(IC + " --metric manhattan", needs=["--metric"]),
    "column-text": fail("index create {ds} --column text --name t", needs=["'text'"]),
    "column-missing": fail("index create {ds} --column nope", needs=["'nope'"]),
    "column-absent": fail("index create {ds}", needs=["--column"]),
    "name-existing": either(
        IC + " --partitions 2 --sub-vectors 2 --name vidx",
        needs=["vidx"],
        check=one_index("vidx"),
    ),
    "name-traversal": either(IC + " --partitions 2 --sub-vectors 2 --name ../../evil"),
    "name-empty": fail(IC + " --partitions 2 --sub-vectors 2 --name ''"),
    "optimize-missing": fail("index optimize {ds} nope", needs=["'nope'"]),
    "optimize-empty-name": fail("index optimize {ds} ''"),
    "optimize-traversal": fail("index optimize {ds} ../vidx", needs=["../vidx"]),
    "optimize-up-to-date": either("index optimize {ds} vidx"),
}

D = "delete {ds} --where"
DELETES = {
    "empty": fail(D + " ''"),
    "column-only": fail(D + " id"),
    "no-value": fail(D + " 'id ='"),
    "no-column": fail(D + " '= 5'"),
    "bad-operator": fail(D + " 'id ~ 5'", needs=["invalid filter"]),
    "double-equals": either(D + " 'id == 5'", check=latest(rows=ROWS - 1)),
    "unknown-column": fail(D + " 'nope = 1'", needs=["'nope'"]),
    "string-for-int": fail(D + " \"id = 'x'\"", needs=["'x'"]),
    # SQL compares an integer with 1.5 or a wider number exactly: no row matches.
    "float-for-int": ok(D + " 'id = 1.5'", check=latest(rows=ROWS)),
    "int-overflow": either(D + " 'id = 99999999999999999999'", check=latest(rows=ROWS)),
    "unterminated-string": fail(D + ' "text = \'abc"', needs=[("unterminated", "quote")]),
    "unquoted-string": either(D + " 'text = abc'", check=latest(rows=ROWS)),
    # Filters are SQL: what looks like an injection is a condition true for every row.
    "or-always-true": ok(D + " 'id = 5 OR 1=1'", check=latest(rows=0)),
    "sql-injection": fail(D + " 'id = 5; DROP TABLE x'"),
    "quote-always-true": ok(D + " \"text = '' OR ''=''\"", check=latest(rows=0)),
    "vector-column": fail(D + " 'vector = 1'", needs=["vector = 1"]),
    "nan": fail(D + " 'id = NaN'", needs=["nan"]),
    "no-rows-match": ok(D + " 'id = 2005'", check=latest(rows=ROWS)),
    "one-row": ok(D + " 'id = 7'", check=latest(operation="delete", rows=ROWS - 1)),
    "all-rows": either(D + " 'id >= 0'", check=latest(rows=0)),
    "unicode-string": ok(D + " \"text = 'ünï🐟'\"", check=latest(rows=ROWS)),
    "where-missing": fail("delete {ds}", needs=["--where"]),
}

MAINTENANCE = {
    "compact-target-0": fail(
        "compact {ds} --target-rows-per-fragment 0",
        needs=["--target-rows-per-fragment"],
    ),
    "compact-target-negative": fail(
        "compact {ds} --target-rows-per-fragment=-1",
        needs=["--target-rows-per-fragment"],
    ),
    "compact-target-overflow": fail(
        "compact {ds} --target-rows-per-fragment {over}",
        needs=["--target-rows-per-fragment"],
    ),
    "compact-target-max": either("compact {ds} --target-rows-per-fragment {max}", needs=["target"]),
    "compact-ok": ok("compact {ds}", check=latest(operation="compact", rows=ROWS)),
    "cleanup-garbage": fail("cleanup {ds} --older-than soon", needs=["soon"]),
    "cleanup-negative": fail("cleanup {ds} --older-than -1d"),
    "cleanup-empty": fail("cleanup {ds} --older-than ''", needs=["--older-than"]),
    "cleanup-unit-garbage": fail("cleanup {ds} --older-than 1d2x", needs=["--older-than"]),
    "cleanup-overflow": either("cleanup {ds} --older-than 99999999999999999999y"),
    "cleanup-keeps-latest-and-tagged": ok(
        "cleanup {ds} --older-than 0s",
        check=lambda r, c: [v["version"] for v in c.versions()] == [1, 2],
    ),
}

TAG_NAMES_REFUSED = {
    "slash": "a/b",
    "dotdot-slash": "../x",
    "dot": ".",
    "dotdot": "..",
    "empty": "",
    "space": "a b",
    "newline": "tag\n",
    "backslash": "a\\b",
    "percent": "a%00b",
    "leading-dash": "-x",
}
TAGS = {f"create-{k}": fail(("tag", "create", "{ds}", v)) for k, v in TAG_NAMES_REFUSED.items()} | {
    "create-existing": fail("tag create {ds} keep", needs=["'keep'"]),
    "create-version-0": fail("tag create {ds} t --version 0", needs=["version 0"]),
    "create-version-huge": fail("tag create {ds} t --version {max}", needs=[U64_MAX]),
    "create-version-overflow": fail("tag create {ds} t --version {over}", needs=["--version"]),
    "create-no-name": fail("tag create {ds}", needs=["NAME"]),
    "create-dotted": ok("tag create {ds} v1.2.3", check=tag_listed("v1.2.3")),
    "create-unicode": either("tag create {ds} ünïcødé", check=tag_listed("ünïcødé")),
    "create-emoji": either("tag create {ds} 🐟", check=tag_listed("🐟")),
    "create-long": either(f"tag create {{ds}} {'x' * 1000}", check=tag_listed("x" * 1000)),
    "delete-missing": fail("tag delete {ds} nope", needs=["'nope'"]),
    "delete-empty": fail("tag delete {ds} ''"),
    "delete-traversal": fail("tag delete {ds} ../keep", needs=["../keep"]),
    "delete-version-number": fail("tag delete {ds} 1", needs=["'1'"]),
}

INSPECTS = {
    "dataset-dir": fail("inspect {ds}", needs=["directory"]),
    "data-dir": fail("inspect {ds}/data", needs=["directory"]),
    "parquet": fail("inspect {f}/sample.parquet", needs=["sample.parquet"]),
    "truncated": fail("inspect {f}/truncated.shoal", needs=["truncated.shoal"]),
    "empty": fail("inspect {f}/empty.shoal", needs=["empty.shoal"]),
    "text": fail("inspect {f}/text.shoal", needs=["text.shoal"]),
    "missing": fail("inspect {f}/missing.shoal", needs=["missing.shoal"]),
    "fifo": fail("inspect {out}/fifo.csv", needs=["fifo.csv"]),
    "ftp": fail("inspect ftp://x/y.shoal", needs=["ftp"]),
    "good": ok("inspect {f}/good.shoal --json", check=json_field("rows", 500)),
}

SAMPLES = {
    "dim-0": fail("sample {out}/s.parquet --rows 10 --dim 0", needs=["--dim"]),
    "dim-huge": fail("sample {out}/s.parquet --rows 10 --dim {max}", needs=["--dim"]),
    "dim-overflow": fail("sample {out}/s.parquet --dim {over}", needs=["--dim"]),
    "rows-negative": fail("sample {out}/s.parquet --rows=-1", needs=["--rows"]),
    "rows-0": either(
        "sample {out}/s.parquet --rows 0 --dim 4",
        needs=["--rows"],
        check=lambda r, c: pq.read_table(c.out / "s.parquet").num_rows == 0,
    ),
    "existing": fail("sample {out}/existing.parquet --rows 10", needs=["already exists"]),
    "symlink-overwrite": fail(
        "sample {out}/link.parquet --rows 10 --overwrite", needs=["symbolic link"]
    ),
    "directory": fail("sample {out}/adir.parquet --rows 10 --overwrite", needs=["directory"]),
    "csv": fail("sample {out}/s.csv --rows 10", needs=["csv"]),
    "unknown-extension": fail("sample {out}/s.xyz --rows 10", needs=["format"]),
    "missing-parent": fail("sample {out}/no/dir/s.parquet --rows 10", needs=["no/dir"]),
    "ok-arrow": ok(
        "sample {out}/s.arrow --rows 10 --dim 3",
        check=lambda r, c: ipc.open_file(c.out / "s.arrow").read_all().num_rows == 10,
    ),
}

SIMULATIONS = {
    "bandwidth-0": fail("scan {ds} --sim-bandwidth-mbps 0", needs=["--sim-bandwidth-mbps"]),
    "concurrency-0": fail("scan {ds} --sim-concurrency 0", needs=["--sim-concurrency"]),
    "latency-u64-max": fail("scan {ds} --sim-latency-ms {max}", needs=["--sim-latency-ms"]),
    "latency-overflow": fail("info {ds} --sim-latency-ms {over}", needs=["--sim-latency-ms"]),
    "latency-negative": fail("info {ds} --sim-latency-ms=-5", needs=["--sim-latency-ms"]),
    "latency-over-an-hour": fail("info {ds} --sim-latency-ms 3600001", needs=["--sim-latency-ms"]),
    "concurrency-overflow": fail("info {ds} --sim-concurrency {over}", needs=["--sim-concurrency"]),
    "bandwidth-text": fail("info {ds} --sim-bandwidth-mbps fast", needs=["--sim-bandwidth-mbps"]),
    "before-subcommand": ok("--sim-latency-ms 1 info {ds} --json", check=json_field("rows", ROWS)),
    "slow-but-finishes": ok(
        "scan {ds} --columns id --json --sim-concurrency 1 --sim-bandwidth-mbps 1"
        " --sim-latency-ms 1",
        check=rows_out(ROWS),
    ),
    "search-stats": ok(
        S + " --query-row 3 --stats --json --sim-latency-ms 1",
        check=json_field("queries", 1),
    ),
    "on-failure": fail(D + " 'nope = 1' --sim-latency-ms 1", needs=["'nope'"]),
}

MISC = {
    "unknown-subcommand": fail("frobnicate", needs=["frobnicate"]),
    "unknown-flag": fail("info {ds} --frobnicate", needs=["--frobnicate"]),
    "tag-unknown-action": fail("tag rename {ds} keep kept", needs=["rename"]),
    "index-unknown-action": fail("index drop {ds} vidx", needs=["drop"]),
}


@pytest.mark.parametrize("case", cases(MISSING_AND_WRONG_DATASETS))
def test_missing_and_wrong_datasets(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(URIS))
def test_uris(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(IMPORTS))
def test_import(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(EXPORTS))
def test_export(ctx, case):
    check_case(ctx, case)
    assert not list(ctx.out.glob(".shoal-export-*")), "a temporary file was left behind"


@pytest.mark.parametrize("case", cases(READS))
def test_reads(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(SEARCHES))
def test_search(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(INDEXES))
def test_index(ctx, case):
    check_case(ctx, case)
    nothing_outside(ctx)


@pytest.mark.parametrize("case", cases(DELETES))
def test_delete(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(MAINTENANCE))
def test_compact_and_cleanup(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(TAGS))
def test_tags(ctx, case):
    check_case(ctx, case)
    nothing_outside(ctx)


@pytest.mark.parametrize("case", cases(INSPECTS))
def test_inspect(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(SAMPLES))
def test_sample(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(SIMULATIONS))
def test_simulated_store(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("case", cases(MISC))
def test_command_line(ctx, case):
    check_case(ctx, case)


@pytest.mark.parametrize("args", ["", "tag", "index"], ids=["shoal", "tag", "index"])
def test_missing_subcommand_prints_usage(shoal_bin, args):
    result = run(shoal_bin, *args.split())
    assert result.returncode == 2, result.describe()
    assert "Usage:" in result.stderr, result.describe()


# ---------------------------------------------------------------------------------------------
# Cases that need more than one command


def test_failed_import_into_non_dataset_dir_leaves_its_files(ctx):
    before = snapshot(ctx.out / "notds")
    result = ctx.shoal("import", ctx.files / "sample.parquet", ctx.out / "notds")
    assert_clean_failure(result, ["not empty"])
    assert snapshot(ctx.out / "notds") == before


def test_failed_export_onto_symlink_keeps_its_target(ctx):
    result = ctx.shoal("export", ctx.ds, ctx.out / "link.parquet", "--overwrite")
    assert_clean_failure(result, ["symbolic link"])
    assert (ctx.out / "target.parquet").read_bytes() == b"link target"
    assert (ctx.out / "link.parquet").is_symlink()
    assert not list(ctx.out.glob(".shoal-export-*"))


def test_export_overwrite_replaces_a_regular_file(ctx):
    dst = ctx.out / "existing.parquet"
    result = ctx.shoal("export", ctx.ds, dst, "--overwrite", "--columns", "id")
    assert result.returncode == 0, result.describe()
    assert pq.read_table(dst).num_rows == ROWS
    assert not list(ctx.out.glob(".shoal-export-*"))


def test_append_then_failed_append_keeps_versions(ctx):
    result = ctx.shoal("import", ctx.files / "sample.parquet", ctx.ds, "--mode", "append")
    assert result.returncode == 0, result.describe()
    before = ctx.versions()
    assert before[-1]["rows"] == 2 * ROWS
    result = ctx.shoal("import", ctx.files / "truncated.parquet", ctx.ds, "--mode", "append")
    assert_clean_failure(result, ["truncated.parquet"])
    assert ctx.versions() == before


def test_index_optimize_after_append_then_search_finds_new_rows(ctx):
    result = ctx.shoal("import", ctx.files / "sample.parquet", ctx.ds, "--mode", "append")
    assert result.returncode == 0, result.describe()
    result = ctx.shoal("index", "optimize", ctx.ds, "vidx")
    assert result.returncode == 0, result.describe()
    result = ctx.shoal(
        *f"search {ctx.ds} --column vector --query-row {ROWS} -k 2 --columns id --json".split()
    )
    assert result.returncode == 0, result.describe()
    assert {r["id"] for r in jsonl(result)} == {0}, "row 0 and its appended copy"


def test_reads_of_a_removed_version_fail_cleanly(ctx):
    for args in (
        ("delete", ctx.ds, "--where", "id < 10"),
        ("tag", "delete", ctx.ds, "keep"),
    ):
        assert ctx.shoal(*args).returncode == 0
    assert ctx.shoal("cleanup", ctx.ds, "--older-than", "0s").returncode == 0
    before = ctx.versions()
    assert 1 not in [v["version"] for v in before]
    for args in (
        ("head", ctx.ds, "--version", "1"),
        ("export", ctx.ds, ctx.out / "v1.parquet", "--version", "1"),
    ):
        assert_clean_failure(ctx.shoal(*args), ["version 1"])
    assert ctx.versions() == before


def test_dataset_with_truncated_data_files_fails_cleanly(ctx):
    for data in (ctx.ds / "data").iterdir():
        data.write_bytes(data.read_bytes()[:-10])
    before = ctx.versions()
    for args in (
        ("scan", ctx.ds, "--json"),
        ("take", ctx.ds, "--rows", "0"),
        (
            "search",
            ctx.ds,
            "--column",
            "vector",
            "--query-file",
            ctx.files / "q.npy",
            "--no-index",
        ),
        ("compact", ctx.ds),
        ("delete", ctx.ds, "--where", "id = 1"),
    ):
        assert_clean_failure(ctx.shoal(*args), [("truncated", "not a shoal file")])
    assert ctx.versions() == before


def test_dataset_with_corrupt_metadata_fails_cleanly(ctx):
    for p in ctx.ds.rglob("*"):
        if p.is_file() and "data" not in p.relative_to(ctx.ds).parts:
            p.write_bytes(b"{garbage")
    for args in (("info", ctx.ds), ("versions", ctx.ds), ("head", ctx.ds)):
        assert_clean_failure(ctx.shoal(*args))
