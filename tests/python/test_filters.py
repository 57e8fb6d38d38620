"""SQL filters (DataFusion inside Shoal) against a real engine: every generated filter counts,
scans, exports, deletes and updates exactly the rows DuckDB finds for the same predicate on
the same data, exported from Shoal to Parquet. Nulls, -0.0, NaN and infinities are in the
data on purpose. Filtered vector search returns the k nearest matching rows."""

import json
import math
import random
import shutil
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROWS = 3000
WORDS = ["apple", "Banana", "cherry", "", "a%b", "banana split", "Äpfel", "zebra"]
SPECIAL = [0.0, -0.0, math.nan, math.inf, -math.inf, 1.5, -2.25]

ATOMS = [
    "i = 3",
    "i <> 3",
    "i < -10",
    "i >= 25",
    "i BETWEEN -5 AND 5",
    "i NOT BETWEEN -5 AND 5",
    "i IN (1, 2, 3, 40)",
    "i NOT IN (0, 1)",
    "i IS NULL",
    "i IS NOT NULL",
    "i + 1 > 10",
    "i % 2 = 0",
    "f = 0",
    "f = -0.0",
    "f <> 0",
    "f > 0.5",
    "f < 0",
    "f <= 0",
    "f >= 1.5",
    "f IS NULL",
    "f = CAST('NaN' AS DOUBLE)",
    "f > 1e300",
    "f BETWEEN -1 AND 1",
    "f IN (0, 1.5)",
    "s = 'apple'",
    "s <> 'apple'",
    "s LIKE 'a%'",
    "s ILIKE 'b%'",
    "s NOT LIKE '%e%'",
    "s LIKE 'a\\%b' ESCAPE '\\'",
    "s IS NULL",
    "s > 'b'",
    "s IN ('apple', 'cherry')",
    "length(s) > 5",
    "lower(s) = 'banana'",
    "s = ''",
    "b",
    "NOT b",
    "b IS NULL",
    "b = false",
    "b IS NOT TRUE",
    "d > DATE '2024-06-01'",
    "d = DATE '2024-01-15'",
    "d BETWEEN DATE '2024-02-01' AND DATE '2024-03-01'",
    "d IS NULL",
    "ts < TIMESTAMP '2024-03-01 12:00:00'",
    "ts >= TIMESTAMP '2024-01-10 00:00:00'",
    "ts IS NOT NULL",
    "i8 < 0",
    "i8 IN (1, 2, 3)",
    "i8 IS NULL",
    "u32 > 3000000000",
    "u32 % 3 = 0",
    "f32 > 0.5",
    "f32 = 0",
    "f32 IS NULL",
    "ls LIKE '%an%'",
    "ls = 'cherry'",
    "bin > '@'",
    "bin IS NULL",
    "array_has(tags, 'x')",
    "array_length(tags) > 1",
    "tags IS NULL",
    "meta.src = 'web'",
    "meta.n > 5",
    "meta IS NULL",
    "tsz > '2024-02-01T00:00:00Z'",
    "tsz IS NULL",
    "v IS NULL",
]


def generated_filters(count=180, seed=7):
    """The atoms alone, then random combinations of two or three with AND, OR and NOT."""
    rng = random.Random(seed)
    filters = list(ATOMS)
    while len(filters) < len(ATOMS) + count:
        parts = [rng.choice(ATOMS) for _ in range(rng.choice([2, 3]))]
        parts = [f"NOT ({p})" if rng.random() < 0.2 else f"({p})" for p in parts]
        joined = parts[0]
        for p in parts[1:]:
            joined = f"{joined} {rng.choice(['AND', 'OR'])} {p}"
        filters.append(joined)
    return filters


def table():
    rng = random.Random(42)

    def maybe(value, null_rate=0.1):
        return None if rng.random() < null_rate else value

    return pa.table(
        {
            "i": pa.array([maybe(rng.randint(-50, 50)) for _ in range(ROWS)], pa.int64()),
            "f": pa.array(
                [
                    maybe(rng.choice(SPECIAL) if rng.random() < 0.3 else rng.uniform(-3, 3))
                    for _ in range(ROWS)
                ],
                pa.float64(),
            ),
            "s": pa.array([maybe(rng.choice(WORDS)) for _ in range(ROWS)], pa.string()),
            "b": pa.array([maybe(rng.random() < 0.5) for _ in range(ROWS)], pa.bool_()),
            "d": pa.array(
                [maybe(19723 + rng.randint(0, 200)) for _ in range(ROWS)], pa.int32()
            ).cast(pa.date32()),
            "ts": pa.array(
                [maybe(1_704_067_200_000_000 + rng.randint(0, 10**13)) for _ in range(ROWS)],
                pa.int64(),
            ).cast(pa.timestamp("us")),
            "i8": pa.array([maybe(rng.randint(-128, 127)) for _ in range(ROWS)], pa.int8()),
            "u32": pa.array([maybe(rng.randint(0, 2**32 - 1)) for _ in range(ROWS)], pa.uint32()),
            "f32": pa.array(
                [maybe(rng.choice([0.0, -0.0, rng.uniform(-2, 2)])) for _ in range(ROWS)],
                pa.float32(),
            ),
            "ls": pa.array([maybe(rng.choice(WORDS)) for _ in range(ROWS)], pa.large_string()),
            "bin": pa.array(
                [
                    maybe(bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 4))))
                    for _ in range(ROWS)
                ],
                pa.binary(),
            ),
            "tags": pa.array(
                [
                    maybe([maybe(rng.choice("xyz"), 0.2) for _ in range(rng.randint(0, 3))])
                    for _ in range(ROWS)
                ],
                pa.list_(pa.string()),
            ),
            "meta": pa.array(
                [
                    maybe({"src": maybe(rng.choice(["web", "app"])), "n": maybe(rng.randint(0, 9))})
                    for _ in range(ROWS)
                ],
                pa.struct([("src", pa.string()), ("n", pa.int32())]),
            ),
            "tsz": pa.array(
                [maybe(1_704_067_200_000 + rng.randint(0, 10**10)) for _ in range(ROWS)],
                pa.int64(),
            ).cast(pa.timestamp("ms", tz="UTC")),
            "v": pa.array(
                [maybe([rng.uniform(-1, 1), rng.uniform(-1, 1)]) for _ in range(ROWS)],
                pa.list_(pa.float32(), 2),
            ),
        }
    )


# The columns whose values DuckDB hands back as pyarrow does (the export and update tests
# compare whole rows of these).
COMPARED = ["i", "f", "s", "b", "d", "ts", "i8", "u32", "f32", "ls", "bin", "tags", "meta"]


@pytest.fixture(scope="module")
def dataset(shoal_bin, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("filters")
    pq.write_table(table(), tmp / "t.parquet")
    ds = tmp / "ds"
    for args in (
        ["import", tmp / "t.parquet", ds, "--max-rows-per-file", "700"],
        ["export", ds, tmp / "exported.parquet"],
    ):
        subprocess.run([str(shoal_bin), *map(str, args)], check=True, capture_output=True)
    return ds, tmp / "exported.parquet"


def duckdb_count(parquet, condition):
    query = f"SELECT count(*) FROM read_parquet('{parquet}') WHERE {condition}"
    return duckdb.connect().execute(query).fetchone()[0]


def test_generated_filters_count_what_duckdb_counts(shoal, dataset):
    ds, parquet = dataset
    filters = generated_filters()
    assert len(filters) >= 200
    wrong = []
    for condition in filters:
        got = int(shoal("count", ds, "--where", condition).stdout)
        want = duckdb_count(parquet, condition)
        if got != want:
            wrong.append((condition, got, want))
    assert not wrong, f"{len(wrong)} of {len(filters)} differ from DuckDB: {wrong[:10]}"


@pytest.mark.parametrize("condition", ATOMS[::4] + generated_filters(6, seed=3)[-6:])
def test_delete_removes_exactly_the_rows_duckdb_matches(shoal, dataset, tmp_path, condition):
    ds, parquet = dataset
    copy = tmp_path / "ds"
    shutil.copytree(ds, copy)
    shoal("delete", copy, "--where", condition)
    shoal("export", copy, tmp_path / "after.parquet")
    kept = pq.read_table(tmp_path / "after.parquet")
    assert kept.num_rows == duckdb_count(parquet, f"({condition}) IS NOT TRUE")
    versions = json.loads(shoal("versions", copy, "--json").stdout)
    if len(versions) > 1:
        assert versions[-1]["operation"] == "delete"


@pytest.mark.parametrize(
    "condition,message",
    [
        ("nope = 1", "no column 'nope'"),
        ("i = ", "invalid filter"),
        ("i = 'seven'", "invalid filter"),
        ("s + 1", "invalid filter"),
        ("i + 1", "true or false"),
        ("i IN (1, 2", "invalid filter"),
        ("s LIKE", "invalid filter"),
        ("i = 1; DROP TABLE x", "invalid filter"),
        ("unknown_function(i) = 1", "invalid filter"),
        ("d > DATE 'yesterday'", "invalid filter"),
        ("", "empty"),
        ("'unterminated", "invalid filter"),
    ],
)
def test_bad_filters_are_one_clear_line_and_change_nothing(shoal, dataset, condition, message):
    ds, _ = dataset
    before = shoal("versions", ds, "--json").stdout
    for command in (["count"], ["delete"], ["scan"], ["head"], ["update", "--set", "i = 1"]):
        proc = shoal(*command, ds, "--where", condition, check=False)
        assert proc.returncode == 1, (command, condition, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (command, condition, proc.stderr)
        assert "panicked" not in proc.stderr
    assert shoal("versions", ds, "--json").stdout == before


def rows_of(table):
    """The rows of a table's compared columns as comparable strings (NaN equals NaN)."""
    return [repr(row) for row in table.select(COMPARED).to_pylist()]


def duckdb_rows(parquet, condition, tail=""):
    query = f"SELECT * FROM read_parquet('{parquet}') WHERE {condition} {tail}"
    return duckdb.connect().sql(query).to_arrow_table()


@pytest.mark.parametrize("condition", ATOMS[1::3] + generated_filters(8, seed=5)[-8:])
def test_export_and_scan_where_return_the_rows_duckdb_returns(shoal, dataset, tmp_path, condition):
    ds, parquet = dataset
    out = tmp_path / "where.parquet"
    proc = shoal("export", ds, out, "--where", condition)
    want = duckdb_rows(parquet, condition)
    got = pq.read_table(out)
    assert got.schema.names == want.schema.names == table().schema.names
    assert rows_of(got) == rows_of(want)
    assert f"exported {want.num_rows} rows" in proc.stderr
    # Offset and limit count matching rows.
    lines = shoal(
        "scan",
        ds,
        "--where",
        condition,
        "--columns",
        "i,s",
        "--offset",
        "7",
        "--limit",
        "20",
        "--json",
    ).stdout.splitlines()
    want = (
        duckdb.connect()
        .execute(f"SELECT i, s FROM read_parquet('{parquet}') WHERE {condition} LIMIT 20 OFFSET 7")
        .fetchall()
    )
    assert [tuple(json.loads(line).get(k) for k in ("i", "s")) for line in lines] == want


@pytest.mark.parametrize(
    "assignment,condition",
    [
        ("i = i * 2", "s LIKE 'a%'"),
        ("s = upper(s) || '!'", "i BETWEEN -5 AND 5 AND f > 0"),
        ("f = f + 1, b = NOT b", "d > DATE '2024-06-01'"),
        ("i = NULL", "s IS NULL"),
        ("s = 'all'", None),
    ],
)
def test_update_sets_what_duckdb_sets(shoal, dataset, tmp_path, assignment, condition):
    ds, parquet = dataset
    copy = tmp_path / "ds"
    shutil.copytree(ds, copy)
    where = ["--where", condition] if condition else []
    shoal("update", copy, "--set", assignment, *where)
    shoal("export", copy, tmp_path / "after.parquet")
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{parquet}')")
    con.execute(f"UPDATE t SET {assignment}" + (f" WHERE {condition}" if condition else ""))
    want = con.sql("SELECT * FROM t").to_arrow_table()
    assert rows_of(pq.read_table(tmp_path / "after.parquet")) == rows_of(want)
    versions = json.loads(shoal("versions", copy, "--json").stdout)
    assert versions[-1]["operation"] == "update"


def test_filtered_search_returns_the_k_nearest_matching_rows(shoal, tmp_path):
    np = pytest.importorskip("numpy")
    sample = tmp_path / "s.parquet"
    shoal("sample", sample, "--rows", "20000", "--dim", "16")
    ds = tmp_path / "ds"
    shoal("import", sample, ds, "--max-rows-per-file", "3000")
    data = pq.read_table(sample)
    vectors = np.array(data.column("vector").to_pylist(), dtype=np.float32)
    category = np.array(data.column("category").to_pylist())
    ids = np.array(data.column("id").to_pylist())
    query = vectors[123]
    np.save(tmp_path / "q.npy", query)

    def search(*extra):
        out = shoal(
            "search",
            ds,
            "--column",
            "vector",
            "--query-file",
            tmp_path / "q.npy",
            "-k",
            "10",
            "--columns",
            "id,category",
            "--json",
            *extra,
        ).stdout
        return [json.loads(line) for line in out.splitlines()]

    def nearest(matching):
        distances = ((vectors[matching].astype(np.float64) - query) ** 2).sum(axis=1)
        return ids[matching][np.argsort(distances, kind="stable")[:10]].tolist()

    # Selectivities from 0.01% to 100%: exactly the brute force over the matching rows.
    for condition, matching in [
        ("id < 2", ids < 2),
        ("id % 1000 = 17", ids % 1000 == 17),
        ("category = 7", category == 7),
        ("id % 10 = 1", ids % 10 == 1),
        ("id % 2 = 0", ids % 2 == 0),
        ("id >= 0", ids >= 0),
    ]:
        found = search("--where", condition)
        assert [r["id"] for r in found] == nearest(matching), condition
    # Through an index, probing one partition: still 10 matching rows.
    shoal("index", "create", ds, "--column", "vector", "--partitions", "16")
    found = search("--where", "category = 7", "--nprobes", "1")
    assert len(found) == 10 and all(r["category"] == 7 for r in found)
    # Postfilter: only matching rows, at most k.
    found = search("--where", "category = 7", "--postfilter")
    assert len(found) <= 10 and all(r["category"] == 7 for r in found)
