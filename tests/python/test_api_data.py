"""The Python API's inputs and outputs: every kind of data `create_table` and `add` take
comes back as it went in, and every way out (`to_arrow`, pandas, polars, batches, dicts,
the Arrow C stream read by pyarrow, polars and DuckDB) gives the same rows."""

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from api_helpers import rows


class StreamOnly:
    """An object with nothing but `__arrow_c_stream__`, like a third-party library's."""

    def __init__(self, table):
        self._table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)


INPUTS = {
    "pyarrow.Table": lambda t: t,
    "pyarrow.RecordBatch": lambda t: t.combine_chunks().to_batches()[0],
    "pyarrow.RecordBatchReader": lambda t: pa.RecordBatchReader.from_batches(
        t.schema, t.to_batches(max_chunksize=7)
    ),
    "pandas.DataFrame": lambda t: t.to_pandas(),
    "polars.DataFrame": lambda t: pl.from_arrow(t),
    "list of dicts": lambda t: t.to_pylist(),
    "__arrow_c_stream__": lambda t: StreamOnly(t),
}


@pytest.mark.parametrize("kind", INPUTS)
def test_every_input_kind_round_trips_through_create_and_add(db, kind):
    first, second = rows(0, 50), rows(50, 120)
    # Row dicts and pandas carry no Arrow types (fixed-size vectors, float32): they are
    # added to a table made from Arrow, whose schema types them.
    untyped = kind in ("list of dicts", "pandas.DataFrame")
    table = db.create_table("t", first if untyped else INPUTS[kind](first))
    table.add(INPUTS[kind](second))
    got = table.query().to_arrow().sort_by("id")
    expected = pa.concat_tables([first, second])
    assert got.num_rows == 120
    for name in ("id", "label", "score", "vector"):
        assert got.column(name).to_pylist() == expected.column(name).to_pylist(), name
    assert table.version == 2


def test_a_schema_alone_makes_an_empty_table(db):
    schema = rows(0, 1).schema
    table = db.create_table("empty", schema=schema)
    assert table.count_rows() == 0
    assert table.schema == schema
    table.add([{"id": 1, "label": "a", "score": 1.0, "vector": [0.0] * 8}])
    assert table.query().to_list()[0]["id"] == 1


def test_a_dict_of_columns_is_accepted(db):
    table = db.create_table("d", {"a": [1, 2, 3], "b": ["x", "y", "z"]})
    assert table.to_arrow().to_pydict() == {"a": [1, 2, 3], "b": ["x", "y", "z"]}


def test_the_ways_out_agree(db):
    data = rows(0, 300)
    table = db.create_table("t", data)
    arrow = table.query().to_arrow()
    assert arrow.equals(data)
    assert table.query().to_pandas().equals(data.to_pandas())
    assert table.query().to_polars().equals(pl.from_arrow(data))
    assert table.query().to_list() == data.to_pylist()
    batches = list(table.query().batch_size(64).to_batches())
    assert all(isinstance(b, pa.RecordBatch) for b in batches) and len(batches) > 1
    assert pa.Table.from_batches(batches).equals(data)
    # The Arrow C stream interface, on the table and on a query.
    assert pa.table(table).equals(data)
    assert pl.from_arrow(pa.table(table.query().where("id < 10"))).height == 10
    assert pa.RecordBatchReader.from_stream(table).read_all().equals(data)


def test_duckdb_reads_a_table_variable_through_shoals_scanner(db):
    tbl = db.create_table("t", rows(0, 1000))
    got = duckdb.sql(
        "SELECT label, count(*) AS n, sum(id) AS s FROM tbl GROUP BY label ORDER BY label"
    )
    assert got.fetchall() == [
        ("even", 500, sum(range(0, 1000, 2))),
        ("odd", 500, sum(range(1, 1000, 2))),
    ]
    query = tbl.query().where("id >= 990").select(["id"])  # noqa: F841 (DuckDB reads it by name)
    assert duckdb.sql("SELECT max(id) FROM query").fetchall() == [(999,)]


def test_pandas_with_an_index_stores_only_its_columns(db):
    frame = pd.DataFrame({"a": [1, 2, 3]}, index=[10, 20, 30])
    table = db.create_table("p", frame)
    assert table.schema.names == ["a"]


def test_untyped_number_lists_of_one_length_become_vectors(db):
    table = db.create_table("v", [{"id": i, "vector": [i, 0.5], "tags": [1] * i} for i in range(5)])
    assert table.schema.field("vector").type == pa.list_(pa.float32(), 2)
    assert pa.types.is_list(table.schema.field("tags").type)  # lengths differ: not a vector
    assert table.search([3.0, 0.5]).limit(1).to_list()[0]["id"] == 3
