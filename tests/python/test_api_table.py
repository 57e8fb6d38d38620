"""The Python API's table calls and queries, checked against pyarrow's own compute."""

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import shoal
from api_helpers import DIM, rows, vectors


@pytest.fixture
def table(db):
    return db.create_table("items", rows(0, 1000))


def test_connection_lists_renames_and_drops_tables(db):
    for name in ("b", "a", "c"):
        db.create_table(name, rows(0, 3))
    assert db.table_names() == ["a", "b", "c"]
    assert db.table_names(start_after="a", limit=1) == ["b"]
    db.rename_table("a", "z")
    db.drop_table("b")
    assert db.table_names() == ["c", "z"]
    assert "z" in db and db["z"].count_rows() == 3
    reopened = shoal.connect(db.uri).open_table("c")
    assert reopened.name == "c" and reopened.version == 1


def test_create_modes(db):
    db.create_table("t", rows(0, 10))
    with pytest.raises(shoal.AlreadyExistsError):
        db.create_table("t", rows(0, 10))
    assert db.create_table("t", rows(0, 10), mode="exist_ok").count_rows() == 10
    replaced = db.create_table("t", rows(0, 4), mode="overwrite")
    assert replaced.count_rows() == 4 and replaced.version == 2


@pytest.mark.parametrize(
    "where, expression",
    [
        ("id < 100", pc.field("id") < 100),
        (
            "label = 'odd' AND score >= 400",
            (pc.field("label") == "odd") & (pc.field("score") >= 400),
        ),
        ("id > 990 OR id IN (1, 2)", (pc.field("id") > 990) | pc.field("id").isin([1, 2])),
    ],
)
def test_queries_match_pyarrow_compute(table, where, expression):
    data = rows(0, 1000)
    expected = data.filter(expression)
    assert table.count_rows(where) == expected.num_rows
    got = table.query().where(where).select(["score", "id"]).to_arrow()
    assert got.equals(expected.select(["score", "id"]))
    window = table.query().where(where).offset(3).limit(5).to_arrow()
    assert window.equals(expected.slice(3, 5))


def test_search_finds_the_nearest_vectors(table):
    query = vectors(np.array([123]))[0] + 0.01
    data = vectors(np.arange(1000))
    nearest = np.argsort(((data - query) ** 2).sum(axis=1))[:5]
    hits = table.search(query).limit(5).to_arrow()
    assert hits.column("id").to_pylist() == nearest.tolist()
    assert hits.schema.names[-1] == "_distance"
    filtered = table.search(query.tolist()).where("label = 'odd'").select(["id"]).limit(3).to_list()
    assert all(hit["id"] % 2 == 1 for hit in filtered) and len(filtered) == 3


def test_index_build_search_and_optimize(table):
    table.create_index("vector", metric="l2", num_partitions=4, num_sub_vectors=2)
    [index] = table.list_indices()
    assert (index.column, index.indexed_rows, index.unindexed_rows) == ("vector", 1000, 0)
    assert index.fragments == len(table.fragments()) and index.unindexed_fragments == 0
    assert index.bytes > 0
    query = vectors(np.array([10]))[0]
    hits = table.search(query).nprobes(4).refine_factor(10).limit(3).to_list()
    assert hits[0]["id"] == 10
    exact = table.search(query).bypass_vector_index().limit(1).to_list()
    assert exact[0]["id"] == 10
    assert "ivf" in table.search(query).explain().lower()
    table.add(rows(1000, 1100))
    assert table.stats().indices[0].unindexed_rows == 100
    assert table.stats().indices[0].unindexed_fragments == 1
    stats = table.optimize(cleanup_older_than=None)
    assert stats.indices_optimized == [index.name]
    assert table.stats().indices[0].unindexed_rows == 0


def test_changes_versions_checkout_and_tags(table):
    assert table.delete("id >= 900") == 100
    assert table.update("id < 10", values={"label": "first"}) == 10
    assert table.update(values_sql={"score": "score * 2"}, where="id = 5") == 1
    assert table.query().where("id = 5").to_list()[0]["score"] == 5.0
    assert table.count_rows("label = 'first'") == 10
    versions = table.versions()
    assert [v.version for v in versions] == [1, 2, 3, 4]
    assert versions[1].rows == 900
    assert isinstance(versions[0].timestamp, datetime.datetime)
    table.create_tag("before-update", 2)
    assert [(t.name, t.version) for t in table.tags()] == [("before-update", 2)]
    table.checkout("before-update")
    assert table.version == 2 and table.count_rows("label = 'first'") == 0
    table.checkout(1)
    assert table.count_rows() == 1000
    table.checkout_latest()
    assert table.version == 4
    table.delete_tag("before-update")
    assert table.tags() == []


def test_take_by_offset_and_row_address(table):
    got = table.take_offsets([5, 1, 5], columns=["id"])
    assert got.column("id").to_pylist() == [5, 1, 5]
    addressed = table.query().where("id IN (7, 8)").with_row_address().to_arrow()
    addresses = addressed.column("_rowaddr").to_pylist()
    again = table.take_row_addresses(addresses[::-1], columns=["id", "label"])
    assert again.to_pydict() == {"id": [8, 7], "label": ["even", "odd"]}


def test_stats_explain_and_analyze(table):
    stats = table.stats()
    assert (stats.version, stats.rows, stats.deleted_rows) == (1, 1000, 0)
    assert stats.fragments >= 1 and stats.data_bytes > 0
    assert len(table) == 1000
    assert table.query().where("id < 5").explain()
    assert table.query().where("id < 5").analyze()


def test_overwrite_replaces_rows_and_schema(table):
    table.add(pa.table({"x": ["a"]}), mode="overwrite")
    assert table.schema.names == ["x"] and table.count_rows() == 1


def test_vector_columns_are_found_or_named(db):
    data = rows(0, 20).append_column(
        "other", pa.FixedSizeListArray.from_arrays(pa.array(np.zeros(20 * DIM, np.float32)), DIM)
    )
    table = db.create_table("two", data)
    with pytest.raises(shoal.InvalidInputError, match="several vector columns"):
        table.search([0.0] * DIM).to_arrow()
    assert table.search([0.0] * DIM, column="vector").limit(2).to_arrow().num_rows == 2


def test_blocking_calls_release_the_gil(db):
    import threading

    table = db.create_table("wide", rows(0, 20_000))
    for start in range(20_000, 200_000, 20_000):
        table.add(rows(start, start + 20_000))
    ticks = 0
    done = threading.Event()

    def spin():
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        started = ticks
        assert table.count_rows("label = 'odd' AND score > 10") > 0
        assert table.query().where("id % 3 = 0").to_arrow().num_rows == 66_667
        during = ticks - started
    finally:
        done.set()
        spinner.join()
    # The other Python thread ran while Shoal worked (it would not run at all otherwise).
    assert during > 1000
