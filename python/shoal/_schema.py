"""What schema evolution accepts from Python, checked and put in the native layer's terms:
new columns (SQL expressions, or pyarrow fields for all-null columns) and alterations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Union

import pyarrow as pa

from ._errors import InvalidInputError

ColumnsLike = Union[Mapping[str, str], pa.Field, Sequence[pa.Field], pa.Schema]
"""New columns: names to SQL expressions, or pyarrow fields (or a schema) of all-null
columns."""

_ALTERATION_KEYS = {"path", "rename", "nullable", "data_type"}


def new_columns(columns: ColumnsLike) -> tuple[str, Any]:
    """`("sql", [(name, expression), ...])` or `("nulls", schema)`."""
    if isinstance(columns, Mapping):
        pairs = list(columns.items())
        for name, expression in pairs:
            if not isinstance(name, str) or not isinstance(expression, str):
                raise InvalidInputError(
                    "add_columns takes a dict of new column names to SQL expressions (strings), "
                    f"got {name!r}: {expression!r}"
                )
        return "sql", pairs
    if isinstance(columns, pa.Field):
        columns = [columns]
    if isinstance(columns, pa.Schema):
        return "nulls", columns
    if isinstance(columns, Sequence) and all(isinstance(f, pa.Field) for f in columns):
        return "nulls", pa.schema(list(columns))
    raise InvalidInputError(
        "add_columns takes a dict of names to SQL expressions, or pyarrow fields or a schema "
        f"(all-null columns), got {type(columns).__name__}"
    )


def alterations(given: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each alteration as the native layer reads it, with every key."""
    native = []
    for alteration in given:
        if not isinstance(alteration, Mapping) or "path" not in alteration:
            raise InvalidInputError(
                'each alteration is a dict with "path" (the column) and any of "rename", '
                f'"nullable" and "data_type", got {alteration!r}'
            )
        unknown = set(alteration) - _ALTERATION_KEYS
        if unknown:
            raise InvalidInputError(
                f"unknown alteration keys {sorted(unknown)}; expected {sorted(_ALTERATION_KEYS)}"
            )
        data_type = alteration.get("data_type")
        if data_type is not None and not isinstance(data_type, pa.DataType):
            raise InvalidInputError(f"data_type must be a pyarrow type, got {data_type!r}")
        native.append(
            {
                "column": alteration["path"],
                "rename": alteration.get("rename"),
                "nullable": alteration.get("nullable"),
                "data_type": data_type,
            }
        )
    return native
