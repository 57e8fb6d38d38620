"""The CLI as a user meets it: datasets created, appended to, deleted from, compacted,
tagged and cleaned up through URIs; bounded memory on large imports; readable output; and
one clear line per user error, with nothing half-written left behind."""

import json
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq


def data_files(dataset):
    return sorted(p.name for p in (dataset / "data").iterdir())


def test_import_memory_is_bounded_by_batches_not_file_size(shoal_bin, tmp_path):
    src = tmp_path / "big.parquet"
    # ~300 MB of Arrow data (vectors of 128 float32 and text), one Parquet row group.
    gen = subprocess.run(
        [str(shoal_bin), "sample", str(src), "--rows", "500000"], capture_output=True, text=True
    )
    assert gen.returncode == 0, gen.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, subprocess, sys;"
            "p = subprocess.run(sys.argv[1:]);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024);"
            "sys.exit(p.returncode)",
            str(shoal_bin),
            "import",
            str(src),
            str(tmp_path / "big"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    peak_mib = int(proc.stdout.strip())
    data_mib = pq.ParquetFile(src).metadata.num_rows * (8 + 512 + 100 + 4) / 2**20
    assert peak_mib < 200, f"import of {data_mib:.0f} MiB peaked at {peak_mib} MiB"
    info = json.loads(
        subprocess.run(
            [str(shoal_bin), "info", str(tmp_path / "big"), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert info["rows"] == pq.ParquetFile(src).metadata.num_rows


def test_a_dataset_lives_through_versions(shoal, tmp_path):
    table = pa.table(
        {
            "id": pa.array(range(10_000), pa.int64()),
            "category": pa.array([i % 10 for i in range(10_000)], pa.int32()),
            "name": pa.array([None if i % 7 == 0 else f"n{i}" for i in range(10_000)]),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    ds = tmp_path / "ds"
    shoal("import", tmp_path / "t.parquet", ds, "--max-rows-per-file", "3000")
    shoal("import", tmp_path / "t.parquet", ds, "--mode", "append", "--max-rows-per-file", "3000")
    info = json.loads(shoal("info", ds, "--json").stdout)
    assert (info["version"], info["rows"], len(info["fragments"])) == (2, 20_000, 8)
    assert [c["name"] for c in info["columns"]] == ["id", "category", "name"]
    assert [c["id"] for c in info["columns"]] == [0, 1, 2]

    out = shoal("delete", ds, "--where", "category = 3")
    assert "deleted 2000 rows" in out.stderr
    assert "no rows match" in shoal("delete", ds, "--where", "category = 3").stderr
    shoal("tag", "create", ds, "before-compact")
    shoal("compact", ds)
    versions = json.loads(shoal("versions", ds, "--json").stdout)
    assert [v["operation"] for v in versions] == ["create", "append", "delete", "compact"]
    assert [v["rows"] for v in versions] == [10_000, 20_000, 18_000, 18_000]
    assert versions[2]["tags"] == ["before-compact"]
    assert "before-compact" in shoal("versions", ds).stdout

    # Cleanup keeps the latest and the tagged version; version 1 and 2 go, with the files
    # only they used.
    assert "removed 0 versions" in shoal("cleanup", ds).stderr
    time.sleep(0.05)
    assert "removed 2 versions" in shoal("cleanup", ds, "--older-than", "0s").stderr
    assert [v["version"] for v in json.loads(shoal("versions", ds, "--json").stdout)] == [3, 4]

    shoal("export", ds, tmp_path / "latest.parquet")
    expected = table.filter(pa.compute.not_equal(table["category"], 3))
    assert pq.read_table(tmp_path / "latest.parquet").equals(pa.concat_tables([expected, expected]))
    shoal("export", ds, tmp_path / "tagged.parquet", "--tag", "before-compact", "--columns", "id")
    assert pq.read_table(tmp_path / "tagged.parquet").num_rows == 18_000
    assert "version 3" in shoal("head", ds, "--version", "3", "-n", "2").stdout
    shoal("tag", "delete", ds, "before-compact")
    assert "(no tags)" in shoal("tag", "list", ds).stdout


def test_inspect_describes_a_data_files_pages(shoal, tmp_path):
    table = pa.table(
        {
            "id": pa.array(range(100_000), pa.int64()),
            "name": pa.array([None if i % 10 == 0 else f"n{i}" for i in range(100_000)]),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    shoal("import", tmp_path / "t.parquet", tmp_path / "t", "--page-size", "65536")
    [data_file] = data_files(tmp_path / "t")
    info = json.loads(shoal("inspect", tmp_path / "t" / "data" / data_file, "--json").stdout)
    assert info["rows"] == 100_000
    ids = info["columns"][0]
    assert ids["name"] == "id" and ids["type"] == "Int64"
    assert ids["min"] == "0" and ids["max"] == "99999"
    assert len(ids["pages"]) == 100_000 * 8 // 65536 + 1
    assert info["columns"][1]["nulls"] == 10_000


def test_head_prints_a_readable_table(shoal, tmp_path):
    shoal("sample", tmp_path / "s.parquet", "--rows", "1000", "--dim", "64")
    shoal("import", tmp_path / "s.parquet", tmp_path / "s")
    out = shoal("head", tmp_path / "s", "-n", "3", "--columns", "id,vector").stdout
    lines = out.splitlines()
    assert "id" in lines[1] and "vector" in lines[1]
    assert "3 of 1000 rows" in out
    assert max(len(line) for line in lines) < 120, "long vectors are cut"


def test_user_errors_are_one_clear_line_and_change_nothing(shoal, tmp_path):
    pq.write_table(pa.table({"a": [1, 2, 3]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"a": ["x"], "b": [1.5]}), tmp_path / "other.parquet")
    ds = tmp_path / "a"
    shoal("import", tmp_path / "a.parquet", ds)
    before = sorted((p.relative_to(ds), p.read_bytes()) for p in ds.rglob("*") if p.is_file())

    cases = [
        (("info", tmp_path / "missing"), "no dataset at"),
        (("head", ds, "--columns", "nope"), "has no column 'nope'"),
        (("import", tmp_path / "a.parquet", ds), "already exists"),
        (
            ("import", tmp_path / "other.parquet", ds, "--mode", "append"),
            "column 'a' has type Utf8 instead of Int64",
        ),
        (("import", tmp_path / "a.parquet", tmp_path / "new", "--mode", "append"), "no dataset at"),
        (("import", tmp_path / "missing.parquet", tmp_path / "x"), "cannot open"),
        (("import", tmp_path / "a.txt", tmp_path / "z"), "cannot tell the format"),
        (("export", ds, tmp_path / "a.parquet"), "already exists"),
        (
            ("export", ds, tmp_path / "v9.parquet", "--version", "9"),
            "has no version 9 (latest is 1)",
        ),
        (("export", ds, tmp_path / "t.parquet", "--tag", "nope"), "has no tag 'nope'"),
        (("info", "ftp://host/x"), "unsupported storage scheme"),
        (
            ("import", tmp_path / "a.parquet", tmp_path / "c", "--compression", "gzip"),
            "unknown compression",
        ),
        (("delete", ds, "--where", "a = 'one'"), "invalid filter"),
        (("delete", ds, "--where", "a ~ 1"), "invalid filter"),
        (("delete", ds, "--where", "b = 1"), "has no column 'b'"),
        (("cleanup", ds, "--older-than", "soon"), "examples: 7d"),
        (("tag", "create", ds, "a/b"), "invalid tag name"),
        (("tag", "create", ds, "v", "--version", "5"), "has no version 5"),
    ]
    for args, message in cases:
        proc = shoal(*args, check=False)
        assert proc.returncode != 0, args
        assert message in proc.stderr, (args, proc.stderr)
        assert "panicked" not in proc.stderr and "RUST_BACKTRACE" not in proc.stderr, proc.stderr
        if proc.returncode == 1:
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    after = sorted((p.relative_to(ds), p.read_bytes()) for p in ds.rglob("*") if p.is_file())
    assert after == before
    for name in ("x", "new", "z", "c", "v9.parquet", "t.parquet"):
        assert not (tmp_path / name).exists(), name


def test_unsupported_type_names_the_column_and_leaves_nothing(shoal, tmp_path):
    either = pa.UnionArray.from_sparse(
        pa.array([0, 1], pa.int8()), [pa.array([1, 2]), pa.array(["a", "b"])]
    )
    table = pa.table({"ok": [1, 2], "either": either})
    with pa.ipc.new_file(tmp_path / "m.arrow", table.schema) as writer:
        writer.write_table(table)
    proc = shoal("import", tmp_path / "m.arrow", tmp_path / "m", check=False)
    assert proc.returncode == 1
    assert "column 'either'" in proc.stderr and "Union" in proc.stderr, proc.stderr
    assert not (tmp_path / "m").exists()


def test_corrupt_data_is_reported_not_crashed_on(shoal, tmp_path):
    shoal("sample", tmp_path / "s.parquet", "--rows", "5000", "--dim", "16")
    ds = tmp_path / "s"
    shoal("import", tmp_path / "s.parquet", ds)
    [name] = data_files(ds)
    path = ds / "data" / name
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    proc = shoal("export", ds, tmp_path / "bad.parquet", check=False)
    assert proc.returncode == 1
    assert "checksum mismatch in column 'id', page 0" in proc.stderr, proc.stderr
    assert not (tmp_path / "bad.parquet").exists()
    path.write_bytes(bytes(data[:-10]))
    proc = shoal("head", ds, check=False)
    assert proc.returncode == 1 and "not a Shoal file, or truncated" in proc.stderr, proc.stderr


def test_the_same_commands_work_on_s3(shoal, tmp_path, s3_bucket):
    table = pa.table(
        {
            "id": pa.array(range(20_000), pa.int64()),
            "text": pa.array([f"row {i}" for i in range(20_000)]),
        }
    )
    pq.write_table(table, tmp_path / "t.parquet")
    uri = f"s3://{s3_bucket}/cli-{time.time_ns()}/t"
    shoal("import", tmp_path / "t.parquet", uri, "--max-rows-per-file", "5000")
    assert "already exists" in shoal("import", tmp_path / "t.parquet", uri, check=False).stderr
    shoal("import", tmp_path / "t.parquet", uri, "--mode", "append")
    assert "2 of 40000 rows" in shoal("head", uri, "-n", "2").stdout
    shoal("delete", uri, "--where", "id >= 10000")
    shoal("tag", "create", uri, "small")
    shoal("compact", uri)
    time.sleep(0.05)
    shoal("cleanup", uri, "--older-than", "0s")
    info = json.loads(shoal("info", uri, "--json").stdout)
    assert (info["rows"], info["versions"], len(info["fragments"])) == (20_000, 2, 1)
    assert [t["name"] for t in info["tags"]] == ["small"]
    shoal("export", uri, tmp_path / "back.parquet", "--tag", "small")
    kept = table.slice(0, 10_000)
    assert pq.read_table(tmp_path / "back.parquet").equals(pa.concat_tables([kept, kept]))


def test_scan_and_take_print_rows_and_statistics(shoal, tmp_path):
    table = pa.table(
        {"id": pa.array(range(3000), pa.int64()), "name": pa.array([f"n{i}" for i in range(3000)])}
    )
    pq.write_table(table, tmp_path / "t.parquet")
    ds = tmp_path / "ds"
    shoal("import", tmp_path / "t.parquet", ds, "--max-rows-per-file", "1000")
    shoal("delete", ds, "--where", "id < 10")
    lines = shoal("scan", ds, "--columns", "id", "--limit", "3", "--json").stdout.splitlines()
    assert [json.loads(line) for line in lines] == [{"id": 10}, {"id": 11}, {"id": 12}]

    stats = json.loads(
        shoal(
            "scan", ds, "--stats", "--json", "--sim-latency-ms", "5", "--sim-concurrency", "4"
        ).stdout
    )
    assert stats["rows"] == 2990 and stats["tasks"] == 3
    for phase in ("open", "plan", "fetch", "decode"):
        assert "ms" in stats[phase], phase
    assert (
        stats["open"]["requests"] >= 3 and stats["store"]["requests"] >= stats["open"]["requests"]
    )
    assert stats["store"]["peak_in_flight"] <= 4
    assert "open" in shoal("scan", ds, "--stats").stdout

    rows = [
        json.loads(line)
        for line in shoal("take", ds, "--rows", "0,2989,5", "--json").stdout.splitlines()
    ]
    assert [r["id"] for r in rows] == [10, 2999, 15] and rows[0]["name"] == "n10"
    (tmp_path / "rows.txt").write_text("1\n2, 3\n")
    out = shoal("take", ds, "--rows-file", tmp_path / "rows.txt", "--columns", "id").stdout
    assert "11" in out and "13" in out
    taken = json.loads(
        shoal("take", ds, "--rows", "1", "--stats", "--json", "--sim-latency-ms", "1").stdout
    )
    assert taken["rows"] == 1 and taken["store"]["requests"] >= 1
    assert taken["open"]["requests"] + taken["fetch"]["requests"] == taken["store"]["requests"]
    proc = shoal("take", ds, "--rows", "5000", check=False)
    assert proc.returncode == 1 and "out of bounds" in proc.stderr, proc.stderr
