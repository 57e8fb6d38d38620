"""Type stubs of `shoal._native`, the native half of the package (see `python/src/`).

Every call that may do I/O takes `asynchronous`: false blocks (with the GIL released) and
returns the result; true returns an awaitable of it. Arrow values cross as objects with the
Arrow PyCapsule interface (`__arrow_c_schema__`, `__arrow_c_array__`, `__arrow_c_stream__`).
"""

import datetime
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

ArrowSchema = Any  # has __arrow_c_schema__
ArrowBatch = Any  # has __arrow_c_array__
ArrowStream = Any  # has __arrow_c_stream__

def register_embedding(name: str, factory: Callable[[dict[str, Any]], Any]) -> None: ...
def connect(
    uri: str, storage_options: Mapping[str, str] | None = None, asynchronous: bool = False
) -> Any: ...
def _panic_for_tests(asynchronous: bool = False) -> Any: ...

class Connection:
    @property
    def uri(self) -> str: ...
    def table_names(
        self,
        start_after: str | None = None,
        limit: int | None = None,
        asynchronous: bool = False,
    ) -> Any: ...
    def create_table(
        self,
        name: str,
        data: Any,
        mode: str = "create",
        embeddings: str | None = None,
        asynchronous: bool = False,
    ) -> Any: ...
    def open_table(self, name: str, asynchronous: bool = False) -> Any: ...
    def drop_table(self, name: str, asynchronous: bool = False) -> Any: ...
    def rename_table(self, old: str, new: str, asynchronous: bool = False) -> Any: ...

class Table:
    @property
    def name(self) -> str: ...
    @property
    def uri(self) -> str: ...
    @property
    def version(self) -> int: ...
    def schema(self) -> ArrowSchema: ...
    def count_rows(self, filter: str | None = None, asynchronous: bool = False) -> Any: ...
    def add(self, data: Any, mode: str = "append", asynchronous: bool = False) -> Any: ...
    def delete(self, filter: str, asynchronous: bool = False) -> Any: ...
    def update(
        self, assignments: Sequence[str], filter: str | None = None, asynchronous: bool = False
    ) -> Any: ...
    def merge_insert(
        self, data: Any, options: Mapping[str, Any], asynchronous: bool = False
    ) -> Any: ...
    def add_columns(
        self, columns: Sequence[tuple[str, str]], asynchronous: bool = False
    ) -> Any: ...
    def add_null_columns(self, schema: ArrowSchema, asynchronous: bool = False) -> Any: ...
    def alter_columns(
        self, alterations: Sequence[Mapping[str, Any]], asynchronous: bool = False
    ) -> Any: ...
    def drop_columns(self, columns: Sequence[str], asynchronous: bool = False) -> Any: ...
    def restore(self, asynchronous: bool = False) -> Any: ...
    def versions(self, asynchronous: bool = False) -> Any: ...
    def checkout(self, version: int | str, asynchronous: bool = False) -> Any: ...
    def checkout_latest(self, asynchronous: bool = False) -> Any: ...
    def tags(self, asynchronous: bool = False) -> Any: ...
    def create_tag(self, name: str, version: int, asynchronous: bool = False) -> Any: ...
    def delete_tag(self, name: str, asynchronous: bool = False) -> Any: ...
    def create_index(
        self,
        column: str,
        metric: str = "l2",
        name: str | None = None,
        num_partitions: int | None = None,
        num_sub_vectors: int | None = None,
        iterations: int | None = None,
        asynchronous: bool = False,
    ) -> Any: ...
    def list_indices(self) -> list[IndexInfo]: ...
    def optimize(
        self,
        compact: bool = True,
        optimize_indices: bool = True,
        cleanup_older_than: float | None = None,
        asynchronous: bool = False,
    ) -> Any: ...
    def stats(self) -> TableStats: ...
    def fragments(self) -> list[tuple[int, int]]: ...
    def take_offsets(
        self,
        offsets: Sequence[int],
        columns: Sequence[str] | None = None,
        asynchronous: bool = False,
    ) -> Any: ...
    def take_row_addresses(
        self,
        addresses: Sequence[int],
        columns: Sequence[str] | None = None,
        asynchronous: bool = False,
    ) -> Any: ...
    def query(self, options: Mapping[str, Any]) -> Query: ...

class Query:
    def execute(self, asynchronous: bool = False) -> Any: ...
    def explain(self, asynchronous: bool = False) -> Any: ...
    def analyze(self, asynchronous: bool = False) -> Any: ...

class AsyncBatches:
    def schema(self) -> ArrowSchema: ...
    def next(self) -> Awaitable[ArrowBatch | None]: ...
    def collect(self) -> Awaitable[list[ArrowBatch]]: ...

class VersionInfo:
    version: int
    timestamp: datetime.datetime
    operation: str
    description: str
    rows: int
    fragments: int

class Tag:
    name: str
    version: int

class IndexInfo:
    name: str
    column: str
    kind: str
    indexed_rows: int
    unindexed_rows: int
    fragments: int
    unindexed_fragments: int
    bytes: int

class TableStats:
    version: int
    rows: int
    deleted_rows: int
    fragments: int
    data_bytes: int
    indices: list[IndexInfo]

class OptimizeStats:
    fragments_removed: int
    fragments_added: int
    indices_optimized: list[str]
    versions_removed: int
    files_removed: int
    bytes_removed: int

class MergeStats:
    inserted: int
    updated: int
    deleted: int
    attempts: int
