"""SQL filters (DataFusion inside Shoal) against a real engine: every generated filter counts
and deletes exactly the rows DuckDB finds for the same predicate on the same data, exported
from Shoal to Parquet. Nulls, -0.0, NaN and infinities are in the data on purpose."""

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
        }
    )


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
    return duckdb.execute(query).fetchone()[0]


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
    for command in ("count", "delete"):
        proc = shoal(command, ds, "--where", condition, check=False)
        assert proc.returncode == 1, (command, condition, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (command, condition, proc.stderr)
        assert "panicked" not in proc.stderr
    assert shoal("versions", ds, "--json").stdout == before
