"""What `create_table` and `add` accept, turned into something with the Arrow PyCapsule
interface for the native module: pyarrow tables, batches and readers, pandas and polars
data frames, a list of row dicts, a dict of columns, or any object with `__arrow_c_stream__`
or `__arrow_c_array__` (read as a stream, never copied whole first). Row dicts, dicts of
columns and pandas frames carry no vector type: without a table schema, their columns of
equal-length number lists become float32 vectors.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ._errors import InvalidInputError

DataLike = Any
"""Rows in any form `arrow_data` accepts."""


def arrow_data(data: DataLike, schema: pa.Schema | None = None) -> Any:
    """`data` as Arrow. `schema` (the table's, or the one `create_table` was given) types
    the rows of inputs that do not carry Arrow types (row dicts, data frames), and in-memory
    Arrow data is cast to it when its columns are the same but their types differ (an int32
    column for an int64 one, a string view for a string); a stream is passed on as it is,
    and the table checks its schema."""
    if data is None:
        if schema is None:
            raise InvalidInputError("a table needs data or a schema")
        return schema
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return _cast(data, schema)
    if isinstance(data, list):
        return _vectors(_from_rows(data, schema), schema)
    if isinstance(data, dict):
        return _vectors(_cast(pa.table(data), schema), schema)
    if _is_pandas(data):
        return _vectors(_from_pandas(data, schema), schema)
    if _is_polars(data):
        # polars exports string and binary views, which the table's plain types may not be.
        return _cast(_without_views(pa.table(data)), schema)
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return data
    raise InvalidInputError(
        f"cannot make Arrow data out of a {type(data).__name__}: expected a pyarrow Table, "
        "RecordBatch or RecordBatchReader, a pandas or polars DataFrame, a list of dicts, a "
        "dict of columns, or an object with __arrow_c_stream__"
    )


def column_names(data: DataLike) -> set[str] | None:
    """The columns `data` has, where that is known without reading it."""
    if isinstance(data, (pa.Table, pa.RecordBatch, pa.RecordBatchReader)):
        return set(data.schema.names)
    if isinstance(data, list):
        return {key for row in data if isinstance(row, dict) for key in row}
    if isinstance(data, dict):
        return set(data)
    if _is_pandas(data) or _is_polars(data):
        return {str(c) for c in data.columns}
    return None


def _vectors(table: pa.Table, schema: pa.Schema | None) -> pa.Table:
    """Without a schema to type them, columns of lists of numbers that all have the same
    length become vectors: fixed-size lists of float32, which Shoal searches."""
    if schema is not None:
        return table
    for i, field in enumerate(table.schema):
        column = table.column(i)
        if not (pa.types.is_list(field.type) or pa.types.is_large_list(field.type)):
            continue
        item = field.type.value_type
        if not (pa.types.is_floating(item) or pa.types.is_integer(item)) or column.null_count:
            continue
        lengths = pc.unique(pc.list_value_length(column))
        if len(lengths) != 1 or lengths[0].as_py() == 0:
            continue
        size = lengths[0].as_py()
        values = pc.list_flatten(column).cast(pa.float32())
        vectors = pa.FixedSizeListArray.from_arrays(values.combine_chunks(), size)
        table = table.set_column(i, pa.field(field.name, vectors.type), vectors)
    return table


def _from_rows(rows: list, schema: pa.Schema | None) -> pa.Table:
    if rows and not all(isinstance(row, dict) for row in rows):
        raise InvalidInputError("a list of rows must hold dicts (column name to value)")
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowException, TypeError, ValueError) as error:
        raise InvalidInputError(f"the rows do not fit the table's schema: {error}") from error


def _from_pandas(frame: Any, schema: pa.Schema | None) -> pa.Table:
    try:
        if schema is not None and set(frame.columns) == set(schema.names):
            return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as error:
        raise InvalidInputError(
            f"the data frame does not fit the table's schema: {error}"
        ) from error


def _cast(data: pa.Table | pa.RecordBatch, schema: pa.Schema | None) -> Any:
    """`data` cast to `schema` when it has the same columns in the same order but other
    types; otherwise as it is (the table refuses a schema that differs)."""
    if schema is None or data.schema.names != schema.names or data.schema.equals(schema):
        return data
    try:
        return data.cast(schema)
    except (pa.ArrowException, TypeError, ValueError):
        return data


# View types exist from pyarrow 16 on.
_VIEWS = (
    {pa.string_view(): pa.large_string(), pa.binary_view(): pa.large_binary()}
    if hasattr(pa, "string_view")
    else {}
)


def _without_views(table: pa.Table) -> pa.Table:
    fields = [f.with_type(_VIEWS.get(f.type, f.type)) for f in table.schema]
    target = pa.schema(fields, metadata=table.schema.metadata)
    return table if target.equals(table.schema) else table.cast(target)


def _is_pandas(data: Any) -> bool:
    return type(data).__module__.startswith("pandas") and hasattr(data, "to_numpy")


def _is_polars(data: Any) -> bool:
    return type(data).__module__.startswith("polars") and hasattr(data, "to_arrow")
