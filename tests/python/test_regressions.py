"""Regression tests for what a new user's tour of the CLI found (issue 15): files lost to
cleanup, silently wrong answers, panics on closed pipes, and errors a user could not act on.
Each test is named after what it pins."""

import json
import os
import subprocess
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from pyarrow import ipc

DIM = 8


def fails_with(proc, *needles, status=1):
    """Asserts a clean failure: the status, one line on stderr (clap's usage errors add a
    hint line), each needle in it, and no panic."""
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    assert "panicked" not in proc.stderr and "backtrace" not in proc.stderr.lower(), proc.stderr
    first = proc.stderr.strip().splitlines()[0]
    if status == 1:
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for needle in needles:
        assert needle in first, (needle, proc.stderr)
    return first


def tree(path):
    """Every file under `path` with its bytes."""
    return sorted(
        (str(p.relative_to(path)), p.read_bytes()) for p in path.rglob("*") if p.is_file()
    )


def vectors_table(rows=200, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((rows, DIM)).astype(np.float32)
    vec = pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), DIM)
    return pa.table({"id": pa.array(range(rows), pa.int64()), "vector": vec}), values


@pytest.fixture
def vector_ds(shoal, tmp_path):
    table, values = vectors_table()
    pq.write_table(table, tmp_path / "v.parquet")
    shoal("import", tmp_path / "v.parquet", tmp_path / "v")
    return tmp_path / "v", values


# Data loss and wrong results


def test_import_into_a_non_empty_directory_that_is_not_a_dataset_is_refused(shoal, tmp_path):
    proj = tmp_path / "proj"
    (proj / "data" / "raw").mkdir(parents=True)
    (proj / "data" / "train.csv").write_text("a,b\n1,2\n")
    (proj / "data" / "model.pt").write_bytes(b"weights")
    (proj / "data" / "raw" / "big.bin").write_bytes(b"\0" * 1000)
    before = tree(proj)
    table, _ = vectors_table(10)
    pq.write_table(table, tmp_path / "s.parquet")
    for mode in ("create", "overwrite"):
        proc = shoal("import", tmp_path / "s.parquet", proj, "--mode", mode, check=False)
        fails_with(proc, str(proj))
        assert tree(proj) == before


def test_cleanup_deletes_only_the_datasets_own_files(shoal, tmp_path, vector_ds):
    ds, _ = vector_ds
    shoal("delete", ds, "--where", "id < 10")
    shoal("compact", ds)
    foreign = {
        "data/train.csv": b"a,b\n",
        "data/model.pt": b"weights",
        "data/raw/big.bin": b"\0" * 100,
        "data/notes.shoal": b"not a uuid",
        "_deletions/readme.txt": b"mine",
        "_indices/sub/x.ivfpq": b"mine",
        "_versions/backup.manifest.bak": b"mine",
        "README.md": b"# my dataset",
    }
    old = time.time() - 30 * 24 * 3600
    for name, body in foreign.items():
        path = ds / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        os.utime(path, (old, old))
    time.sleep(0.05)
    out = shoal("cleanup", ds, "--older-than", "0s").stderr
    assert "removed 2 versions" in out, out
    for name, body in foreign.items():
        assert (ds / name).read_bytes() == body, name
    assert json.loads(shoal("info", ds, "--json").stdout)["rows"] == 190


def test_a_missing_latest_manifest_is_an_error_not_a_rollback(shoal, tmp_path, vector_ds):
    ds, _ = vector_ds
    shoal("delete", ds, "--where", "id < 10")
    shoal("delete", ds, "--where", "id < 20")
    [latest] = [p for p in (ds / "_versions").iterdir() if p.name.startswith("0" * 19 + "3")]
    latest.unlink()
    fails_with(shoal("info", ds, check=False), "3")
    table, _ = vectors_table(5)
    pq.write_table(table, tmp_path / "more.parquet")
    fails_with(shoal("import", tmp_path / "more.parquet", ds, "--mode", "append", check=False))
    assert not latest.exists(), "version 3's number was reused"


def test_duplicate_column_names_are_refused_at_import(shoal, tmp_path):
    (tmp_path / "dup.csv").write_text("a,a,b\n1,2,3\n")
    fails_with(shoal("import", tmp_path / "dup.csv", tmp_path / "c", check=False), "'a'")
    table = pa.Table.from_arrays(
        [pa.array([1]), pa.array([2]), pa.array([3])], names=["a", "b", "a"]
    )
    pq.write_table(table, tmp_path / "dup.parquet")
    fails_with(shoal("import", tmp_path / "dup.parquet", tmp_path / "p", check=False), "'a'")
    assert not (tmp_path / "c").exists() and not (tmp_path / "p").exists()


def test_float_filters_follow_sql_zero_and_nan(shoal, tmp_path):
    nan = float("nan")
    table = pa.table(
        {
            "x": pa.array([-0.0, 0.0, nan, 1.0, -1.0, None], pa.float64()),
            "y": pa.array([-0.0, 0.0, nan, 1.0, -1.0, None], pa.float32()),
        }
    )
    pq.write_table(table, tmp_path / "f.parquet")

    def deleted(column, predicate):
        ds = tmp_path / f"f-{time.time_ns()}"
        shoal("import", tmp_path / "f.parquet", ds)
        shoal("delete", ds, "--where", f"{column} {predicate}")
        return 6 - json.loads(shoal("info", ds, "--json").stdout)["rows"]

    for column in ("x", "y"):
        assert deleted(column, "= 0") == 2, column  # -0.0 and 0.0
        assert deleted(column, "= -0.0") == 2, column
        assert deleted(column, "= 'NaN'") == 1, column  # NaN equals NaN
        assert deleted(column, "> 0.5") == 2, column  # NaN sorts above every number
        assert deleted(column, "< 0") == 1, column  # only -1; -0.0 is not below 0


def test_named_time_zones_read_filter_and_export(shoal, tmp_path):
    ts = pa.array([0, 3_600_000_000, 7_200_000_000], pa.int64())
    table = pa.table(
        {
            "utc": ts.cast(pa.timestamp("us", tz="UTC")),
            "ny": ts.cast(pa.timestamp("us", tz="America/New_York")),
            "n": pa.array([1, 2, 3]),
        }
    )
    pq.write_table(table, tmp_path / "tz.parquet")
    ds = tmp_path / "tz"
    shoal("import", tmp_path / "tz.parquet", ds)
    assert "1970-01-01T00:00:00Z" in shoal("head", ds).stdout.replace(" ", "T")
    assert "-05:00" in shoal("scan", ds, "--json").stdout
    shoal("take", ds, "--rows", "2")
    shoal("export", ds, tmp_path / "tz.csv")
    assert pcsv.read_csv(tmp_path / "tz.csv").num_rows == 3
    shoal("delete", ds, "--where", "ny >= '1970-01-01T01:00:00Z'")
    assert json.loads(shoal("info", ds, "--json").stdout)["rows"] == 1
    shoal("export", ds, tmp_path / "tz.parquet", "--overwrite")
    back = pq.read_table(tmp_path / "tz.parquet")
    assert back.schema.field("ny").type == pa.timestamp("us", tz="America/New_York")


# Export destinations


def test_export_overwrite_refuses_symlinks_fifos_and_directories(shoal, tmp_path, vector_ds):
    ds, _ = vector_ds
    target = tmp_path / "target.parquet"
    target.write_bytes(b"keep me")
    (tmp_path / "link.parquet").symlink_to(target)
    os.mkfifo(tmp_path / "fifo.parquet")
    (tmp_path / "dir.parquet").mkdir()
    for name, kind in (
        ("link.parquet", "symbolic link"),
        ("fifo.parquet", "special file"),
        ("dir.parquet", "directory"),
    ):
        proc = shoal("export", ds, tmp_path / name, "--overwrite", check=False)
        fails_with(proc, kind)
    assert target.read_bytes() == b"keep me"
    assert (tmp_path / "link.parquet").is_symlink()
    assert not list(tmp_path.glob(".shoal-export-*")), "a temporary file was left behind"


def test_export_to_stdout_streams_csv_ipc_stream_and_jsonl(shoal_bin, tmp_path, vector_ds):
    ds, values = vector_ds

    def export(fmt, *extra):
        proc = subprocess.run(
            [str(shoal_bin), "export", str(ds), "-", "--format", fmt, *extra], capture_output=True
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    csv = pcsv.read_csv(pa.py_buffer(export("csv", "--columns", "id")))
    assert csv.column("id").to_pylist() == list(range(200))
    stream = ipc.open_stream(export("ipc-stream")).read_all()
    assert np.array_equal(np.stack(stream.column("vector").to_numpy(zero_copy_only=False)), values)
    lines = export("jsonl").decode().splitlines()
    assert len(lines) == 200 and json.loads(lines[3])["id"] == 3
    proc = subprocess.run(
        [str(shoal_bin), "export", str(ds), "-", "--format", "parquet"],
        capture_output=True,
        text=True,
    )
    fails_with(proc, "standard output")
    proc = subprocess.run([str(shoal_bin), "export", str(ds), "-"], capture_output=True, text=True)
    fails_with(proc, "--format")


def test_a_failed_export_into_a_directory_leaves_no_temporary_file(shoal, tmp_path, vector_ds):
    ds, _ = vector_ds
    out = tmp_path / "out"
    out.mkdir()
    fails_with(shoal("export", ds, out / "x.csv", check=False), "CSV cannot hold column 'vector'")
    fails_with(
        shoal("export", ds, out, "--format", "parquet", "--overwrite", check=False), "directory"
    )
    assert list(out.iterdir()) == []
    assert not list(tmp_path.glob(".shoal-export-*"))


# Search


def test_fortran_order_npy_queries_give_the_same_results_as_c_order(shoal, tmp_path, vector_ds):
    ds, values = vector_ds
    queries = values[[5, 17, 42]] + 0.01
    np.save(tmp_path / "c.npy", np.ascontiguousarray(queries))
    np.save(tmp_path / "f.npy", np.asfortranarray(queries))
    c = shoal(
        "search", ds, "--column", "vector", "--query-file", tmp_path / "c.npy", "-k", "1", "--json"
    ).stdout
    f = shoal(
        "search", ds, "--column", "vector", "--query-file", tmp_path / "f.npy", "-k", "1", "--json"
    ).stdout
    assert [json.loads(line)["id"] for line in f.splitlines()] == [5, 17, 42]
    assert f == c


def test_each_search_result_row_names_its_query(shoal, tmp_path, vector_ds):
    ds, values = vector_ds
    np.save(tmp_path / "q.npy", values[[3, 9]])
    rows = [
        json.loads(line)
        for line in shoal(
            "search",
            ds,
            "--column",
            "vector",
            "--query-file",
            tmp_path / "q.npy",
            "-k",
            "2",
            "--json",
        ).stdout.splitlines()
    ]
    assert [r["_query"] for r in rows] == [0, 0, 1, 1]
    assert [rows[0]["id"], rows[2]["id"]] == [3, 9]
    table = shoal(
        "search", ds, "--column", "vector", "--query-file", tmp_path / "q.npy", "-k", "2"
    ).stdout
    assert "_query" in table.splitlines()[1]
    np.save(tmp_path / "flat.npy", values[[3, 9]].ravel())
    proc = shoal(
        "search", ds, "--column", "vector", "--query-file", tmp_path / "flat.npy", check=False
    )
    fails_with(proc, f"{2 * DIM} values", f"of {DIM}")


def test_npy_dtypes_are_named_as_numpy_names_them(shoal, tmp_path, vector_ds):
    ds, _ = vector_ds
    np.save(tmp_path / "i8.npy", np.zeros(DIM, dtype=np.int64))
    proc = shoal(
        "search", ds, "--column", "vector", "--query-file", tmp_path / "i8.npy", check=False
    )
    fails_with(proc, "int64")


def test_search_without_a_query_names_both_options(shoal, vector_ds):
    ds, _ = vector_ds
    proc = shoal("search", ds, "--column", "vector", check=False)
    fails_with(proc, status=2)
    assert "--query-file" in proc.stderr and "--query-row" in proc.stderr, proc.stderr


# Numeric options, simulated stores


@pytest.mark.parametrize(
    "args,option",
    [
        (("import", "{src}", "{tmp}/x", "--batch-rows", "0"), "--batch-rows"),
        (("import", "{src}", "{tmp}/x", "--max-rows-per-file", "0"), "--max-rows-per-file"),
        (("import", "{src}", "{tmp}/x", "--page-size", "0"), "--page-size"),
        (("export", "{ds}", "{tmp}/x.parquet", "--batch-rows", "0"), "--batch-rows"),
        (("compact", "{ds}", "--target-rows-per-fragment", "0"), "--target-rows-per-fragment"),
        (("index", "create", "{ds}", "--column", "vector", "--partitions", "0"), "--partitions"),
        (("index", "create", "{ds}", "--column", "vector", "--sub-vectors", "0"), "--sub-vectors"),
        (("index", "create", "{ds}", "--column", "vector", "--iterations", "0"), "--iterations"),
        (("search", "{ds}", "--column", "vector", "--query-row", "0", "-k", "0"), "-k"),
        (
            ("search", "{ds}", "--column", "vector", "--query-row", "0", "--nprobes", "0"),
            "--nprobes",
        ),
        (("sample", "{tmp}/s.parquet", "--dim", "0"), "--dim"),
        (("sample", "{tmp}/s.parquet", "--rows", "0"), "--rows"),
        (("scan", "{ds}", "--batch-rows", "0"), "--batch-rows"),
        (("scan", "{ds}", "--budget-bytes", "0"), "--budget-bytes"),
        (("scan", "{ds}", "--sim-bandwidth-mbps", "0"), "--sim-bandwidth-mbps"),
        (("scan", "{ds}", "--sim-concurrency", "0"), "--sim-concurrency"),
        (("scan", "{ds}", "--sim-latency-ms", "18446744073709551615"), "--sim-latency-ms"),
    ],
)
def test_numeric_options_refuse_values_that_make_no_sense(shoal, tmp_path, vector_ds, args, option):
    ds, _ = vector_ds
    before = tree(ds)
    fill = {"src": tmp_path / "v.parquet", "ds": ds, "tmp": tmp_path}
    proc = shoal(*(a.format(**fill) for a in args), check=False)
    fails_with(proc, option, status=2)
    assert tree(ds) == before
    assert not (tmp_path / "x").exists() and not (tmp_path / "s.parquet").exists()


# Closed pipes


@pytest.mark.parametrize(
    "args",
    [
        ("info", "{ds}"),
        ("scan", "{ds}", "--json"),
        ("scan", "{ds}"),
        ("search", "{ds}", "--column", "vector", "--query-row", "1", "-k", "200"),
        ("inspect", "{file}"),
        ("export", "{ds}", "-", "--format", "jsonl"),
    ],
)
def test_a_closed_pipe_ends_the_command_quietly(shoal_bin, tmp_path, args):
    table, _ = vectors_table(20_000)
    pq.write_table(table, tmp_path / "big.parquet")
    ds = tmp_path / "big"
    subprocess.run([str(shoal_bin), "import", str(tmp_path / "big.parquet"), str(ds)], check=True)
    [data_file] = (ds / "data").iterdir()
    argv = [str(shoal_bin), *(a.format(ds=ds, file=data_file) for a in args)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    status = proc.wait(timeout=30)
    assert stderr == "", stderr
    assert status in (0, 141), status


# Errors a user can act on


def test_a_file_or_directory_in_the_wrong_place_is_named_as_such(shoal, tmp_path, vector_ds):
    ds, _ = vector_ds
    fails_with(shoal("info", tmp_path / "v.parquet", check=False), "is a file, not a dataset")
    [data_file] = (ds / "data").iterdir()
    fails_with(shoal("inspect", ds, check=False), "is a directory")
    proc = fails_with(
        shoal("import", ds, tmp_path / "y", "--format", "parquet", check=False), "is a directory"
    )
    assert proc.count("os error") <= 1
    fails_with(
        shoal("search", ds, "--column", "vector", "--query-file", tmp_path, check=False),
        "is a directory",
    )
    shoal("inspect", data_file)


def test_sample_refuses_csv_clearly_and_writes_the_others(shoal, tmp_path):
    proc = fails_with(shoal("sample", tmp_path / "s.csv", check=False), "CSV")
    assert "--columns" not in proc
    for ext in ("parquet", "arrow", "arrows", "jsonl"):
        shoal("sample", tmp_path / f"s.{ext}", "--rows", "10", "--dim", "4")
        shoal("import", tmp_path / f"s.{ext}", tmp_path / f"ds-{ext}")


def test_header_only_and_empty_csvs_are_refused_clearly(shoal, tmp_path):
    (tmp_path / "header.csv").write_text("a,b\n")
    fails_with(shoal("import", tmp_path / "header.csv", tmp_path / "h", check=False), "no rows")
    (tmp_path / "empty.csv").write_text("")
    fails_with(shoal("import", tmp_path / "empty.csv", tmp_path / "e", check=False), "no columns")
    assert not (tmp_path / "h").exists() and not (tmp_path / "e").exists()


def test_info_after_cleanup_counts_versions_honestly(shoal, tmp_path, vector_ds):
    ds, _ = vector_ds
    for i in range(4):
        shoal("delete", ds, "--where", f"id = {i}")
    time.sleep(0.05)
    shoal("cleanup", ds, "--older-than", "0s")
    out = shoal("info", ds).stdout
    assert "version:     5" in out and "latest 5, 1 versions kept" in out, out
    info = json.loads(shoal("info", ds, "--json").stdout)
    assert (info["version"], info["latest_version"], info["versions"]) == (5, 5, 1)


def test_index_list_follows_compaction_and_deletes(shoal, tmp_path, vector_ds):
    ds, _ = vector_ds
    shoal("index", "create", ds, "--column", "vector", "--partitions", "2", "--sub-vectors", "2")
    [before] = json.loads(shoal("index", "list", ds, "--json").stdout)
    assert (before["rows"], before["fragments"]) == (200, 1)
    shoal("delete", ds, "--where", "id < 50")
    [after] = json.loads(shoal("index", "list", ds, "--json").stdout)
    assert after["rows"] == 150
    shoal("compact", ds)
    [compacted] = json.loads(shoal("index", "list", ds, "--json").stdout)
    assert (compacted["rows"], compacted["fragments"], compacted["unindexed_fragments"]) == (
        0,
        0,
        1,
    )


def test_nan_in_vectors_at_index_build_names_the_row_and_column(shoal, tmp_path):
    table, values = vectors_table(300)
    values[123, 4] = np.nan
    vec = pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), DIM)
    pq.write_table(table.set_column(1, "vector", vec), tmp_path / "nan.parquet")
    ds = tmp_path / "nan"
    shoal("import", tmp_path / "nan.parquet", ds)
    proc = shoal(
        "index",
        "create",
        ds,
        "--column",
        "vector",
        "--partitions",
        "2",
        "--sub-vectors",
        "2",
        check=False,
    )
    fails_with(proc, "'vector'", "123")


def test_s3_credentials_that_are_missing_or_refused_are_named(shoal_bin, s3_bucket):
    uri = f"s3://{s3_bucket}/creds-{time.time_ns()}/t"

    def info(**env_changes):
        env = {k: v for k, v in os.environ.items() if env_changes.get(k, "") is not None}
        env.update({k: v for k, v in env_changes.items() if v is not None})
        return subprocess.run(
            [str(shoal_bin), "info", uri], capture_output=True, text=True, env=env, timeout=30
        )

    fails_with(
        info(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None),
        "no S3 credentials",
        "AWS_ACCESS_KEY_ID",
    )
    fails_with(info(AWS_SECRET_ACCESS_KEY=None), "AWS_SECRET_ACCESS_KEY is not")
    fails_with(info(AWS_SECRET_ACCESS_KEY="wrong"), "refused the credentials")
    fails_with(info(AWS_ALLOW_HTTP="false"), "AWS_ALLOW_HTTP=true")
