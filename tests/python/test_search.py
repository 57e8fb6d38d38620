"""Vector search from the shell: flat search equal to a numpy brute force, an IVF-PQ index
that still sees appended rows, per-query latency stats, and clear errors."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def vectors_table(start, vecs):
    flat = pa.array(vecs.reshape(-1), type=pa.float32())
    return pa.table(
        {
            "id": pa.array(np.arange(start, start + len(vecs), dtype=np.int64)),
            "vector": pa.FixedSizeListArray.from_arrays(flat, vecs.shape[1]),
        }
    )


def test_search_flat_then_indexed(shoal, tmp_path):
    rng = np.random.default_rng(11)
    centers = rng.normal(0, 10, size=(30, 32)).astype(np.float32)
    vecs = (centers[rng.integers(0, 30, 6000)] + rng.normal(0, 1, (6000, 32))).astype(np.float32)
    pq.write_table(vectors_table(0, vecs), tmp_path / "v.parquet")
    ds = tmp_path / "ds"
    shoal("import", tmp_path / "v.parquet", ds, "--max-rows-per-file", "1000")
    queries = (centers[:4] + rng.normal(0, 1, (4, 32))).astype(np.float32)
    np.save(tmp_path / "q.npy", queries)

    # Flat: the same ids as numpy, nearest first, with distances.
    lines = shoal(
        "search",
        ds,
        "--column",
        "vector",
        "--query-file",
        tmp_path / "q.npy",
        "-k",
        "5",
        "--columns",
        "id",
        "--json",
    ).stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 20
    for q in range(4):
        d = ((vecs - queries[q]) ** 2).sum(axis=1)
        want = list(np.argsort(d, kind="stable")[:5])
        got = rows[q * 5 : (q + 1) * 5]
        assert [r["id"] for r in got] == want
        assert {r["_query"] for r in got} == {q}
        assert abs(got[0]["_distance"] - d[want[0]]) <= 1e-3 * max(1.0, d[want[0]])

    # A stored row as the query: that row first, at distance 0.
    rows = [
        json.loads(line)
        for line in shoal(
            "search",
            ds,
            "--column",
            "vector",
            "--query-row",
            "17",
            "-k",
            "3",
            "--columns",
            "id",
            "--json",
        ).stdout.splitlines()
    ]
    assert rows[0] == {"_query": 0, "id": 17, "_distance": 0.0} and len(rows) == 3

    # Flat queries after the first score the vectors the process has kept in memory; with
    # no vector cache, every query reads them.
    def flat_stats(*extra):
        return json.loads(
            shoal(
                "search",
                ds,
                "--column",
                "vector",
                "--query-file",
                tmp_path / "q.npy",
                "--stats",
                "--json",
                *extra,
            ).stdout
        )

    cached = flat_stats()["last_query"]
    assert cached["cached_fragments"] == 6 and cached["flat_read"]["rows"] == 0
    uncached = flat_stats("--vector-cache-mib", "0")["last_query"]
    assert uncached["cached_fragments"] == 0 and uncached["flat_read"]["rows"] == 6000

    # An index, then rows appended after it: still found.
    shoal(
        "index",
        "create",
        ds,
        "--column",
        "vector",
        "--partitions",
        "16",
        "--sub-vectors",
        "8",
        "--iterations",
        "10",
    )
    listed = json.loads(shoal("index", "list", ds, "--json").stdout)
    assert listed[0]["name"] == "vector_idx" and listed[0]["rows"] == 6000
    extra = rng.normal(0, 10, size=(10, 32)).astype(np.float32)
    pq.write_table(vectors_table(6000, extra), tmp_path / "extra.parquet")
    shoal("import", tmp_path / "extra.parquet", ds, "--mode", "append")
    np.save(tmp_path / "one.npy", extra[3])
    rows = [
        json.loads(line)
        for line in shoal(
            "search",
            ds,
            "--column",
            "vector",
            "--query-file",
            tmp_path / "one.npy",
            "-k",
            "1",
            "--json",
        ).stdout.splitlines()
    ]
    assert rows[0]["id"] == 6003 and rows[0]["_distance"] == 0.0
    assert json.loads(shoal("index", "list", ds, "--json").stdout)[0]["unindexed_fragments"] == 1
    shoal("index", "optimize", ds, "vector_idx")
    assert json.loads(shoal("index", "list", ds, "--json").stdout)[0]["unindexed_fragments"] == 0

    # Many queries, one after another: latency stats, through the simulated store too.
    stats = json.loads(
        shoal(
            "search",
            ds,
            "--column",
            "vector",
            "--query-file",
            tmp_path / "q.npy",
            "--stats",
            "--json",
            "--sim-latency-ms",
            "2",
        ).stdout
    )
    assert stats["queries"] == 4 and stats["p95_ms"] >= stats["median_ms"] > 0
    assert stats["last_query"]["index"] == "vector_idx" and stats["store"]["requests"] > 0
    assert (
        "median"
        in shoal(
            "search", ds, "--column", "vector", "--query-file", tmp_path / "q.npy", "--stats"
        ).stdout
    )


def test_search_errors_are_clear(shoal, tmp_path):
    pq.write_table(vectors_table(0, np.ones((10, 8), dtype=np.float32)), tmp_path / "v.parquet")
    ds = tmp_path / "ds"
    shoal("import", tmp_path / "v.parquet", ds)
    np.save(tmp_path / "bad_dim.npy", np.ones(5, dtype=np.float32))
    np.save(tmp_path / "ints.npy", np.ones(8, dtype=np.int32))
    nan = np.ones(8, dtype=np.float32)
    nan[2] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    cases = [
        ("bad_dim.npy", "vector", "8 values"),
        ("ints.npy", "vector", "float32"),
        ("nan.npy", "vector", "non-finite"),
        ("junk.npy", "vector", "not a .npy file"),
        ("nan.npy", "id", "not a vector column"),
        ("nan.npy", "nope", "no column 'nope'"),
    ]
    proc = shoal("search", ds, "--column", "vector", "--query-row", "99", check=False)
    assert proc.returncode == 1 and "out of bounds" in proc.stderr and "10 rows" in proc.stderr
    for file, column, message in cases:
        proc = shoal("search", ds, "--column", column, "--query-file", tmp_path / file, check=False)
        assert proc.returncode == 1 and message in proc.stderr, (file, proc.stderr)
        assert "panicked" not in proc.stderr
