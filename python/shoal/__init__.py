"""Shoal: an embedded columnar store for AI data (vectors, text, bytes, tables), on local
disk or any object store.

    import shoal
    db = shoal.connect("./data")
    table = db.create_table("items", [{"id": 1, "vector": [0.1, 0.2]}])
    table.search([0.1, 0.25]).limit(5).to_pandas()

`connect` gives blocking calls (they release the GIL, and work inside a running event
loop); `connect_async` gives awaitable ones. Every error is a `ShoalError`, and also the
builtin a user would catch (`FileNotFoundError` for a missing table, `ValueError` for a bad
filter, ...). `shoal.embedding` makes vector columns from text columns, with built-in or
your own Python embedding functions, so that `table.search("a text")` works. `shoal.torch` (imported on its own; it needs PyTorch) loads tables into
PyTorch: datasets sharded across DataLoader workers and ranks, and seeded permutations.
"""

from . import embedding
from ._connection import AsyncConnection, Connection, connect, connect_async
from ._errors import (
    AlreadyExistsError,
    CancelledError,
    ConflictError,
    CorruptError,
    ExecutionError,
    InternalError,
    InvalidInputError,
    NotFoundError,
    ShoalError,
    StorageError,
    TableNotFoundError,
)
from ._merge import MergeInsert
from ._native import IndexInfo, MergeStats, OptimizeStats, TableStats, Tag, VersionInfo
from ._query import Query
from ._table import AsyncTable, Table
from .embedding import EmbeddingDefinition

__all__ = [
    "AlreadyExistsError",
    "AsyncConnection",
    "AsyncTable",
    "CancelledError",
    "ConflictError",
    "Connection",
    "CorruptError",
    "EmbeddingDefinition",
    "ExecutionError",
    "IndexInfo",
    "InternalError",
    "InvalidInputError",
    "MergeInsert",
    "MergeStats",
    "NotFoundError",
    "OptimizeStats",
    "Query",
    "ShoalError",
    "StorageError",
    "Table",
    "TableNotFoundError",
    "TableStats",
    "Tag",
    "VersionInfo",
    "connect",
    "connect_async",
    "embedding",
]
