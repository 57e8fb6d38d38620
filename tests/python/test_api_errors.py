"""The Python API's errors: each failure is a `ShoalError` of the kind's class (and the
builtin a user would catch), with a message that says what was wrong, and leaves the table
as it was."""

import asyncio

import pyarrow as pa
import pytest
import shoal
from api_helpers import DIM, rows


@pytest.fixture
def table(db):
    return db.create_table("t", rows(0, 100))


def unchanged(table):
    """The table is still at version 1 with its 100 rows, for this and a new handle."""
    reopened = shoal.connect(table.uri.rsplit("/", 1)[0]).open_table("t")
    return table.version == 1 and reopened.version == 1 and reopened.count_rows() == 100


def test_the_hierarchy_subclasses_the_builtins():
    assert issubclass(shoal.NotFoundError, FileNotFoundError)
    assert shoal.TableNotFoundError is shoal.NotFoundError
    assert issubclass(shoal.AlreadyExistsError, FileExistsError)
    assert issubclass(shoal.InvalidInputError, ValueError)
    assert issubclass(shoal.StorageError, OSError)
    assert issubclass(shoal.InternalError, RuntimeError)
    for name in shoal.__all__:
        value = getattr(shoal, name)
        if isinstance(value, type) and name.endswith("Error"):
            assert issubclass(value, shoal.ShoalError)


def test_a_missing_table(db):
    with pytest.raises(FileNotFoundError, match="no_such"):
        db.open_table("no_such")
    with pytest.raises(shoal.NotFoundError):
        db.drop_table("no_such")


def test_a_bad_filter_changes_nothing(table):
    with pytest.raises(ValueError, match="nope"):
        table.count_rows("nope > 1")
    with pytest.raises(shoal.InvalidInputError):
        table.delete("id >>> 3")
    with pytest.raises(shoal.InvalidInputError):
        table.query().where("no_column = 1").to_arrow()
    with pytest.raises(shoal.InvalidInputError):
        table.update("id < 3", values_sql={"missing": "1"})
    assert unchanged(table)


def test_a_mismatched_schema_on_add_changes_nothing(table):
    with pytest.raises(shoal.InvalidInputError, match="schema"):
        table.add(pa.table({"id": [1], "other": ["x"]}))
    with pytest.raises(shoal.InvalidInputError):
        table.add([{"id": 1, "label": "a", "score": 1.0, "vector": [0.0, 1.0]}])
    assert unchanged(table)


def test_wrong_types_are_refused(db, table):
    with pytest.raises(shoal.InvalidInputError, match="int"):
        table.add(42)
    with pytest.raises(shoal.InvalidInputError, match="list of rows"):
        table.add([1, 2, 3])
    with pytest.raises(TypeError):
        table.count_rows(5)
    with pytest.raises(shoal.InvalidInputError, match="mode"):
        table.add(rows(0, 1), mode="upsert")
    with pytest.raises(shoal.InvalidInputError, match="data or a schema"):
        db.create_table("nothing")
    with pytest.raises(shoal.InvalidInputError, match="metric"):
        table.create_index("vector", metric="manhattan")
    assert unchanged(table)


def test_a_vector_of_the_wrong_dimension(table):
    with pytest.raises(shoal.InvalidInputError, match=str(DIM)):
        table.search([0.0] * (DIM + 1)).to_arrow()


def test_an_existing_table(db, table):
    with pytest.raises(FileExistsError):
        db.create_table("t", rows(0, 1))
    assert unchanged(table)


def test_a_checked_out_version_is_read_only(table):
    table.add(rows(100, 110))
    table.checkout(1)
    with pytest.raises(shoal.InvalidInputError, match="checkout_latest"):
        table.delete("id < 5")
    table.checkout_latest()
    assert table.count_rows() == 110


def test_a_bad_uri(tmp_path):
    with pytest.raises(shoal.InvalidInputError):
        shoal.connect("nosuchscheme://x/y")


def test_a_rust_panic_becomes_an_internal_error():
    from shoal import _native

    with pytest.raises(shoal.InternalError, match="panicked.*_panic_for_tests"):
        _native._panic_for_tests()

    async def awaited():
        await _native._panic_for_tests(asynchronous=True)

    with pytest.raises(shoal.InternalError, match="panicked"):
        asyncio.run(awaited())
