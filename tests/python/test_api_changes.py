"""Upserts, schema evolution and restore through the Python API, blocking and awaited:
each does what the Rust API does, and bad input raises a clear exception and changes
nothing."""

import asyncio

import pyarrow as pa
import pytest
import shoal
from api_helpers import rows


@pytest.fixture
def table(db):
    return db.create_table("t", rows(0, 100))


def ids(table, where=None):
    query = table.query().select(["id"])
    if where:
        query = query.where(where)
    return sorted(query.to_arrow().column("id").to_pylist())


def relabelled(start, stop, label):
    new = rows(start, stop)
    return new.set_column(1, "label", pa.array([label] * new.num_rows))


def test_merge_insert_updates_inserts_and_deletes(table):
    stats = (
        table.merge_insert("id")
        .when_matched_update_all()
        .when_not_matched_insert_all()
        .execute(relabelled(90, 110, "new"))
    )
    assert (stats.inserted, stats.updated, stats.deleted, stats.attempts) == (10, 10, 0, 1)
    assert ids(table) == list(range(110))
    assert ids(table, "label = 'new'") == list(range(90, 110))

    stats = (
        table.merge_insert(["id"])
        .when_not_matched_by_source_delete("id < 50")
        .execute(relabelled(0, 10, "ignored"))
    )
    assert (stats.inserted, stats.updated, stats.deleted) == (0, 0, 40)
    assert ids(table) == list(range(10)) + list(range(50, 110))
    assert table.count_rows("label = 'ignored'") == 0
    assert table.versions()[-1].operation == "merge_insert"


def test_schema_evolution_adds_alters_and_drops_columns(table):
    table.add_columns({"double": "CAST(id * 2 AS INT)", "tag": "concat(label, '!')"})
    table.add_columns(pa.field("note", pa.string()))
    table.add_columns([pa.field("a", pa.int32()), pa.field("b", pa.float64())])
    first = table.take_offsets([3]).to_pylist()[0]
    assert first["double"] == 6 and first["tag"] == "odd!" and first["note"] is None
    table.alter_columns(
        {"path": "double", "rename": "twice", "data_type": pa.int64()},
        {"path": "label", "nullable": True},
    )
    schema = table.schema
    assert schema.field("twice").type == pa.int64() and "double" not in schema.names
    table.drop_columns(["a", "b"])
    table.drop_columns("note")
    assert table.schema.names == ["id", "label", "score", "vector", "twice", "tag"]
    assert table.query().where("twice = 8").to_list()[0]["id"] == 4


def test_restore_makes_an_old_version_the_latest(table):
    table.add(rows(100, 150))
    table.delete("id < 10")
    table.checkout(1)
    table.restore()
    assert table.version == 4 and ids(table) == list(range(100))
    table.add(rows(100, 101))  # writable again
    assert table.count_rows() == 101


def test_the_async_twins(tmp_path):
    async def main():
        db = await shoal.connect_async(tmp_path / "db")
        table = await db.create_table("t", rows(0, 20))
        merge = table.merge_insert("id").when_matched_update_all().when_not_matched_insert_all()
        stats = await merge.execute_async(relabelled(15, 25, "new"))
        assert (stats.inserted, stats.updated) == (5, 5)
        await table.add_columns({"plus": "id + 1"})
        await table.add_columns(pa.schema([pa.field("empty", pa.string())]))
        await table.alter_columns({"path": "plus", "rename": "next"})
        await table.drop_columns(["empty"])
        assert "next" in table.schema.names and "empty" not in table.schema.names
        await table.checkout(1)
        await table.restore()
        assert await table.count_rows() == 20 and "next" not in table.schema.names

    asyncio.run(main())


BAD_CHANGES = [
    # (what, call, exception)
    (
        "merge on a missing column",
        lambda t: t.merge_insert("nope").when_matched_update_all().execute(rows(0, 5)),
        shoal.InvalidInputError,
    ),
    (
        "merge with duplicate keys",
        lambda t: (
            t.merge_insert("id")
            .when_matched_update_all()
            .execute(pa.concat_tables([rows(0, 2), rows(0, 2)]))
        ),
        shoal.InvalidInputError,
    ),
    (
        "merge with another schema",
        lambda t: t.merge_insert("id").when_matched_update_all().execute(pa.table({"id": [1]})),
        shoal.InvalidInputError,
    ),
    (
        "merge with a bad delete filter",
        lambda t: (
            t.merge_insert("id").when_not_matched_by_source_delete("id <<< 2").execute(rows(0, 5))
        ),
        shoal.InvalidInputError,
    ),
    (
        "merge with no data",
        lambda t: t.merge_insert("id").when_matched_update_all().execute(42),
        shoal.InvalidInputError,
    ),
    ("a bad SQL expression", lambda t: t.add_columns({"x": "id +"}), shoal.InvalidInputError),
    (
        "an expression of a missing column",
        lambda t: t.add_columns({"x": "nope * 2"}),
        shoal.InvalidInputError,
    ),
    ("a column that exists", lambda t: t.add_columns({"id": "1"}), shoal.InvalidInputError),
    (
        "a non-nullable null column",
        lambda t: t.add_columns(pa.field("x", pa.int32(), nullable=False)),
        shoal.InvalidInputError,
    ),
    ("not columns at all", lambda t: t.add_columns(["x"]), shoal.InvalidInputError),
    ("an expression that is not text", lambda t: t.add_columns({"x": 1}), shoal.InvalidInputError),
    (
        "altering a missing column",
        lambda t: t.alter_columns({"path": "nope", "rename": "x"}),
        shoal.InvalidInputError,
    ),
    (
        "a rename to a taken name",
        lambda t: t.alter_columns({"path": "id", "rename": "label"}),
        shoal.InvalidInputError,
    ),
    (
        "an unsafe cast",
        lambda t: t.alter_columns({"path": "score", "data_type": pa.int8()}),
        shoal.InvalidInputError,
    ),
    (
        "a type that is not a type",
        lambda t: t.alter_columns({"path": "id", "data_type": "int64"}),
        shoal.InvalidInputError,
    ),
    (
        "an unknown alteration key",
        lambda t: t.alter_columns({"path": "id", "renamed": "x"}),
        shoal.InvalidInputError,
    ),
    (
        "an alteration without a path",
        lambda t: t.alter_columns({"rename": "x"}),
        shoal.InvalidInputError,
    ),
    ("dropping a missing column", lambda t: t.drop_columns(["nope"]), shoal.InvalidInputError),
    (
        "dropping every column",
        lambda t: t.drop_columns(["id", "label", "score", "vector"]),
        shoal.InvalidInputError,
    ),
]


@pytest.mark.parametrize("what, call, error", BAD_CHANGES, ids=[c[0] for c in BAD_CHANGES])
def test_bad_changes_raise_and_change_nothing(table, what, call, error):
    schema = table.schema
    with pytest.raises(error) as raised:
        call(table)
    assert str(raised.value)
    reopened = shoal.connect(table.uri.rsplit("/", 1)[0]).open_table("t")
    for handle in (table, reopened):
        assert handle.version == 1 and handle.schema == schema
        assert ids(handle) == list(range(100))
