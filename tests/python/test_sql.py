"""`shoal sql` against DuckDB: group-bys, joins, filters and ordered limits over datasets of
several fragments with deleted rows give DuckDB's answer on the same live rows (exported to
Parquet); the result prints as a table, JSON lines or a Parquet file; bad statements are one
clear line; a closed pipe ends the command quietly."""

import json
import math
import random
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROWS = 5000
CATEGORIES = ["a", "b", "c", "d", "e"]


def items_table():
    rng = random.Random(11)
    return pa.table(
        {
            "id": pa.array(range(ROWS), pa.int64()),
            "category": pa.array(
                [None if rng.random() < 0.05 else rng.choice(CATEGORIES) for _ in range(ROWS)],
                pa.string(),
            ),
            "score": pa.array([round(rng.uniform(0, 100), 3) for _ in range(ROWS)], pa.float64()),
        }
    )


def labels_table():
    return pa.table({"category": ["a", "b", "c", "z"], "label": ["ant", "bee", "cat", "zebu"]})


@pytest.fixture(scope="module")
def data(shoal_bin, tmp_path_factory):
    """The items (8 fragments, every row with id % 10 = 3 deleted) and labels datasets, and a
    DuckDB connection holding the same live rows as tables of the same names."""
    tmp = tmp_path_factory.mktemp("sql")
    pq.write_table(items_table(), tmp / "items.parquet")
    pq.write_table(labels_table(), tmp / "labels.parquet")
    items, labels = tmp / "items", tmp / "labels"
    for args in (
        ["import", tmp / "items.parquet", items, "--max-rows-per-file", "700"],
        ["import", tmp / "labels.parquet", labels],
        ["delete", items, "--where", "id % 10 = 3"],
        ["export", items, tmp / "live.parquet"],
    ):
        subprocess.run([str(shoal_bin), *map(str, args)], check=True, capture_output=True)
    db = duckdb.connect()
    db.execute(f"CREATE TABLE items AS SELECT * FROM read_parquet('{tmp / 'live.parquet'}')")
    db.execute(f"CREATE TABLE labels AS SELECT * FROM read_parquet('{tmp / 'labels.parquet'}')")
    tables = ["--table", f"items={items}", "--table", f"labels={labels}"]
    return tables, db


def normalized(rows):
    """Rows with floats rounded (sums may differ in the last bits between engines)."""
    return [
        tuple(round(v, 6) if isinstance(v, float) and math.isfinite(v) else v for v in row)
        for row in rows
    ]


def json_rows(stdout, columns):
    """JSON lines as tuples in `columns` order (a null field is left out of its line)."""
    return [tuple(json.loads(line).get(c) for c in columns) for line in stdout.splitlines()]


QUERIES = [
    "SELECT category, count(*) AS n, sum(score) AS total FROM items GROUP BY category",
    "SELECT category, avg(score) AS mean, max(id) AS last FROM items WHERE score > 20 GROUP BY 1",
    "SELECT l.label, count(*) AS n FROM items i JOIN labels l ON i.category = l.category "
    "GROUP BY l.label",
    "SELECT l.label, count(i.id) AS n FROM labels l LEFT JOIN items i "
    "ON i.category = l.category GROUP BY l.label",
    "SELECT id, score FROM items WHERE category = 'b' AND id < 500",
    "SELECT id, category FROM items WHERE category IS NULL OR score BETWEEN 10 AND 10.5",
    "SELECT count(*) AS n FROM items",
    "SELECT count(*) AS n FROM items WHERE id % 10 = 3",
    "SELECT upper(category) AS c, count(DISTINCT id % 7) AS k FROM items GROUP BY 1",
]


@pytest.mark.parametrize("query", QUERIES)
def test_results_match_duckdb(shoal, data, query):
    tables, db = data
    want = db.execute(query)
    columns = [d[0] for d in want.description]
    want = sorted(normalized(want.fetchall()), key=repr)
    got = json_rows(shoal("sql", query, *tables, "--json").stdout, columns)
    assert sorted(normalized(got), key=repr) == want


def test_an_ordered_limit_keeps_duckdb_order(shoal, data):
    tables, db = data
    query = "SELECT id, score FROM items ORDER BY score DESC, id LIMIT 10"
    got = json_rows(shoal("sql", query, *tables, "--json").stdout, ["id", "score"])
    assert normalized(got) == normalized(db.execute(query).fetchall())


def test_a_table_is_printed_with_its_row_count(shoal, data):
    tables, db = data
    query = "SELECT category, count(*) AS n FROM items GROUP BY 1 ORDER BY 1"
    out = shoal("sql", query, *tables).stdout
    lines = out.splitlines()
    assert "category" in lines[1] and "n" in lines[1], out
    counts = dict(db.execute(query).fetchall())
    assert f"{counts['a']}" in out
    assert lines[-1] == f"{len(counts)} rows", out
    assert shoal("sql", "SELECT 1 AS one WHERE false", *tables).stdout.strip() == "(no rows)"


def test_output_parquet_is_read_back_by_pyarrow(shoal, data, tmp_path):
    tables, db = data
    query = "SELECT i.id, i.score, l.label FROM items i JOIN labels l USING (category)"
    dst = tmp_path / "out.parquet"
    proc = shoal("sql", query, *tables, "--output", dst)
    assert proc.stdout == ""
    table = pq.read_table(dst)
    assert table.column_names == ["id", "score", "label"]
    want = sorted(db.execute(query).fetchall())
    assert sorted(zip(*(table.column(c).to_pylist() for c in table.column_names))) == want
    assert f"wrote {len(want)} rows" in proc.stderr

    again = shoal("sql", query, *tables, "--output", dst, check=False)
    assert again.returncode == 1 and "--overwrite" in again.stderr
    shoal("sql", "SELECT 1 AS x", "--output", dst, "--overwrite")
    assert pq.read_table(dst).to_pylist() == [{"x": 1}]


def test_the_plan_shows_what_the_scan_takes(shoal, data):
    tables, _ = data
    query = "EXPLAIN SELECT score FROM items WHERE id > 50"
    out = shoal("sql", query, *tables, "--max-width", "1000").stdout
    assert "ShoalScanExec" in out and "columns=[id, score]" in out and "filter=" in out, out


@pytest.mark.parametrize(
    "query,message",
    [
        ("SELEKT 1", "sql parser error"),
        ("SELECT * FROM nope", "no table 'nope' (tables: items, labels)"),
        ("SELECT nme FROM items", "No field named nme"),
        ("SELECT nosuch(id) FROM items", "nosuch"),
        ("DROP TABLE items", "only queries run here"),
        ("INSERT INTO labels VALUES ('q', 'quail')", "only queries run here"),
        ("SELECT 1; SELECT 2", "single SQL statement"),
        ("SELECT id FROM items WHERE", "sql parser error"),
        ("SELECT CAST(category AS INT) FROM items", "query failed"),
    ],
)
def test_bad_statements_are_one_clear_line(shoal, data, query, message):
    tables, _ = data
    proc = shoal("sql", query, *tables, check=False)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "panicked" not in proc.stderr and proc.stdout == ""


def test_bad_tables_are_one_clear_line(shoal, data, tmp_path):
    tables, _ = data
    proc = shoal("sql", "SELECT 1", "--table", "items", check=False)
    assert proc.returncode == 2 and "NAME=DATASET" in proc.stderr
    proc = shoal("sql", "SELECT 1", "--table", f"gone={tmp_path / 'gone'}", check=False)
    assert proc.returncode == 1 and "no dataset at" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = shoal("sql", "SELECT 1", *tables, *tables[:2], check=False)
    assert proc.returncode == 1 and "already a table named 'items'" in proc.stderr


@pytest.mark.parametrize("output", [[], ["--json"]])
def test_a_closed_pipe_ends_the_command_quietly(shoal_bin, data, output):
    tables, _ = data
    argv = [str(shoal_bin), "sql", "SELECT * FROM items", *tables, *output]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141)
    assert stderr == "", stderr


def test_head_of_a_pipe_gets_one_line(shoal_bin, data):
    tables, _ = data
    command = " ".join([f"'{shoal_bin}'", "sql", "'SELECT * FROM items'", *tables, "--json"])
    proc = subprocess.run(
        f"{command} | head -1", shell=True, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert len(proc.stdout.splitlines()) == 1 and json.loads(proc.stdout)["id"] >= 0
