"""Batches for training loops: Arrow record batches re-cut to a fixed number of rows, and
converted to what the loop wants (torch tensors, numpy arrays or Arrow as it is)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from ._errors import InvalidInputError

OUTPUTS = ("torch", "numpy", "arrow")


def check_output(output: str) -> str:
    """`output` when it is one of `OUTPUTS`; a clear error otherwise."""
    if output not in OUTPUTS:
        raise InvalidInputError(f"unknown output {output!r}; expected one of {', '.join(OUTPUTS)}")
    return output


def check_batch_size(rows: int) -> int:
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 1:
        raise InvalidInputError(f"batch_size must be a positive integer, got {rows!r}")
    return rows


def rebatch(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The rows of `batches`, in order, in batches of exactly `rows` rows (the last may
    be shorter); slices, no copies, unless a batch is made of several pieces."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        while batch.num_rows:
            take = min(rows - held, batch.num_rows)
            pending.append(batch.slice(0, take))
            held += take
            batch = batch.slice(take)
            if held == rows:
                yield _join(pending)
                pending, held = [], 0
    if held:
        yield _join(pending)


def _join(pieces: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(pieces) == 1:
        return pieces[0]
    return pa.Table.from_batches(pieces).combine_chunks().to_batches()[0]


def convert(batch: pa.RecordBatch, output: str) -> Any:
    """A batch as `output`: a dict of column name to tensor (`"torch"`) or array
    (`"numpy"`), or the record batch itself (`"arrow"`). Numbers and booleans become
    tensors or arrays of their type, fixed-size lists of them (vectors) two-dimensional
    ones; other columns (strings, lists) become lists (torch) or object arrays (numpy)."""
    if output == "arrow":
        return batch
    arrays = {name: _numpy(batch.column(i)) for i, name in enumerate(batch.schema.names)}
    if output == "numpy":
        return arrays
    import torch

    return {
        name: torch.from_numpy(array) if array.dtype != object else array.tolist()
        for name, array in arrays.items()
    }


def _numpy(column: pa.Array) -> np.ndarray:
    """A writable numpy array of the column (torch refuses read-only memory)."""
    kind = column.type
    if pa.types.is_fixed_size_list(kind) and _is_numeric(kind.value_type) and not column.null_count:
        flat = column.flatten().to_numpy(zero_copy_only=False)
        return np.array(flat.reshape(len(column), kind.list_size))
    if _is_numeric(kind) or pa.types.is_boolean(kind):
        return np.array(column.to_numpy(zero_copy_only=False))
    values = np.empty(len(column), dtype=object)
    values[:] = column.to_pylist()
    return values


def _is_numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind)
