"""The CLI as a user meets it: bounded memory on large imports, readable output, and one
clear line per user error, with nothing half-written left behind."""
import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def test_import_memory_is_bounded_by_batches_not_file_size(shoal_bin, tmp_path):
    src = tmp_path / "big.parquet"
    # ~300 MB of Arrow data (vectors of 128 float32 and text), one Parquet row group.
    gen = subprocess.run([str(shoal_bin), "sample", str(src), "--rows", "500000"], capture_output=True, text=True)
    assert gen.returncode == 0, gen.stderr
    proc = subprocess.run(
        [sys.executable, "-c",
         "import resource, subprocess, sys;"
         "p = subprocess.run(sys.argv[1:]);"
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024);"
         "sys.exit(p.returncode)",
         str(shoal_bin), "import", str(src), str(tmp_path / "big.shoal")],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    peak_mib = int(proc.stdout.strip())
    data_mib = pq.ParquetFile(src).metadata.num_rows * (8 + 512 + 100 + 4) / 2**20
    assert peak_mib < 200, f"import of {data_mib:.0f} MiB peaked at {peak_mib} MiB"
    back = pq.ParquetFile(src).metadata.num_rows
    info = json.loads(subprocess.run([str(shoal_bin), "info", str(tmp_path / "big.shoal"), "--json"],
                                     capture_output=True, text=True, check=True).stdout)
    assert info["rows"] == back


def test_info_json_describes_pages_and_statistics(shoal, tmp_path):
    table = pa.table({"id": pa.array(range(100_000), pa.int64()),
                      "name": pa.array([None if i % 10 == 0 else f"n{i}" for i in range(100_000)])})
    pq.write_table(table, tmp_path / "t.parquet")
    shoal("import", tmp_path / "t.parquet", tmp_path / "t.shoal", "--page-size", "65536")
    info = json.loads(shoal("info", tmp_path / "t.shoal", "--json").stdout)
    assert info["rows"] == 100_000
    ids = info["columns"][0]
    assert ids["name"] == "id" and ids["type"] == "Int64"
    assert ids["min"] == "0" and ids["max"] == "99999"
    assert len(ids["pages"]) == 100_000 * 8 // 65536 + 1
    assert sum(p["rows"] for p in ids["pages"]) == 100_000
    assert info["columns"][1]["nulls"] == 10_000
    assert "rows:        100000" in shoal("info", tmp_path / "t.shoal").stdout


def test_head_prints_a_readable_table(shoal, tmp_path):
    shoal("sample", tmp_path / "s.shoal", "--rows", "1000", "--dim", "64")
    out = shoal("head", tmp_path / "s.shoal", "-n", "3", "--columns", "id,vector").stdout
    lines = out.splitlines()
    assert "id" in lines[1] and "vector" in lines[1]
    assert "3 of 1000 rows" in out
    assert max(len(line) for line in lines) < 120, "long vectors are cut"


def test_user_errors_are_one_clear_line_and_change_nothing(shoal, tmp_path):
    pq.write_table(pa.table({"a": [1, 2, 3]}), tmp_path / "a.parquet")
    shoal("import", tmp_path / "a.parquet", tmp_path / "a.shoal")
    before = (tmp_path / "a.shoal").read_bytes()

    cases = [
        (("info", tmp_path / "missing.shoal"), "does not exist"),
        (("info", tmp_path / "a.parquet"), "not a Shoal file"),
        (("head", tmp_path / "a.shoal", "--columns", "nope"), "has no column 'nope'"),
        (("import", tmp_path / "a.parquet", tmp_path / "a.shoal"), "already exists"),
        (("import", tmp_path / "missing.parquet", tmp_path / "x.shoal"), "cannot open"),
        (("import", tmp_path / "a.shoal", tmp_path / "y.shoal", "--format", "parquet"), "not a readable Parquet file"),
        (("import", tmp_path / "a.txt", tmp_path / "z.shoal"), "cannot tell the format"),
        (("export", tmp_path / "a.shoal", tmp_path / "a.parquet"), "already exists"),
        (("info", "ftp://host/x.shoal"), "unsupported storage scheme"),
        (("import", tmp_path / "a.parquet", tmp_path / "c.shoal", "--compression", "gzip"), "unknown compression"),
    ]
    for args, message in cases:
        proc = shoal(*args, check=False)
        assert proc.returncode != 0, args
        assert message in proc.stderr, (args, proc.stderr)
        assert "panicked" not in proc.stderr and "RUST_BACKTRACE" not in proc.stderr, proc.stderr
        if proc.returncode == 1:
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert (tmp_path / "a.shoal").read_bytes() == before
    assert not (tmp_path / "x.shoal").exists() and not (tmp_path / "y.shoal").exists()


def test_unsupported_type_names_the_column_and_leaves_nothing(shoal, tmp_path):
    table = pa.table({"ok": [1, 2], "money": pa.array([1, 2], pa.decimal128(10, 2))})
    pq.write_table(table, tmp_path / "m.parquet")
    proc = shoal("import", tmp_path / "m.parquet", tmp_path / "m.shoal", check=False)
    assert proc.returncode == 1
    assert "column 'money'" in proc.stderr and "Decimal128(10, 2)" in proc.stderr, proc.stderr
    assert not (tmp_path / "m.shoal").exists()


def test_corrupt_file_is_reported_not_crashed_on(shoal, tmp_path):
    shoal("sample", tmp_path / "s.shoal", "--rows", "5000", "--dim", "16")
    data = bytearray((tmp_path / "s.shoal").read_bytes())
    data[100] ^= 0xFF
    (tmp_path / "bad.shoal").write_bytes(bytes(data))
    proc = shoal("export", tmp_path / "bad.shoal", tmp_path / "bad.parquet", check=False)
    assert proc.returncode == 1
    assert "checksum mismatch in column 'id', page 0" in proc.stderr, proc.stderr
    assert not (tmp_path / "bad.parquet").exists()
    truncated = tmp_path / "short.shoal"
    truncated.write_bytes(bytes(data[:-10]))
    proc = shoal("head", truncated, check=False)
    assert proc.returncode == 1 and "not a Shoal file, or truncated" in proc.stderr


def test_the_same_commands_work_on_s3(shoal, tmp_path):
    import os
    import time

    import pytest

    bucket = os.environ.get("SHOAL_TEST_S3_BUCKET")
    if not bucket:
        if os.environ.get("CI"):
            pytest.fail("CI is set but SHOAL_TEST_S3_BUCKET is not (scripts/test.sh starts the server)")
        pytest.skip("no S3 test server (run scripts/s3-server.sh start and export target/s3-test.env)")
    table = pa.table({"id": pa.array(range(20_000), pa.int64()),
                      "text": pa.array([f"row {i}" for i in range(20_000)])})
    pq.write_table(table, tmp_path / "t.parquet")
    uri = f"s3://{bucket}/cli-{time.time_ns()}/t.shoal"
    shoal("import", tmp_path / "t.parquet", uri)
    assert "already exists" in shoal("import", tmp_path / "t.parquet", uri, check=False).stderr
    assert "2 of 20000 rows" in shoal("head", uri, "-n", "2").stdout
    info = json.loads(shoal("info", uri, "--json").stdout)
    assert info["rows"] == 20_000
    shoal("export", uri, tmp_path / "back.parquet")
    assert pq.read_table(tmp_path / "back.parquet").equals(table)
