"""`Table` (blocking calls) and `AsyncTable` (awaitable calls): one table of a connection,
at its latest version or checked out at an older one."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from . import _native
from ._data import DataLike, arrow_data, column_names
from ._merge import MergeInsert
from ._query import Query, VectorLike
from ._schema import ColumnsLike, alterations, new_columns
from .embedding import embedded_columns

#: Versions `optimize()` keeps by default: a week's.
DEFAULT_CLEANUP_OLDER_THAN = datetime.timedelta(days=7)


class _TableBase:
    """What both kinds of table do without I/O: the version the handle holds, and
    building queries."""

    def __init__(self, native: _native.Table) -> None:
        self._native = native

    @property
    def name(self) -> str:
        """The table's name in its connection."""
        return self._native.name

    @property
    def uri(self) -> str:
        """Where the table's files live."""
        return self._native.uri

    @property
    def version(self) -> int:
        """The version this handle holds."""
        return self._native.version

    @property
    def schema(self) -> pa.Schema:
        """The schema of the version this handle holds."""
        return pa.schema(self._native.schema())

    def list_indices(self) -> list[_native.IndexInfo]:
        """The vector indices of this version, and how many rows each covers."""
        return self._native.list_indices()

    def stats(self) -> _native.TableStats:
        """Rows, fragments, bytes and index coverage of this version."""
        return self._native.stats()

    def fragments(self) -> list[tuple[int, int]]:
        """This version's fragments in scan order, as `(id, live rows)` pairs: a scan reads
        offsets `0..rows` of the first, then the next, and so on. `query().fragments(ids)`
        reads some of them (how `shoal.torch` splits an epoch between workers)."""
        return self._native.fragments()

    def merge_insert(self, on: str | Sequence[str]) -> MergeInsert:
        """An upsert keyed by the columns `on` (all must match; a null key matches nothing).
        Say what happens with `when_matched_update_all()`, `when_not_matched_insert_all()`
        and `when_not_matched_by_source_delete()`, then `execute(data)`:

            table.merge_insert("id").when_matched_update_all() \\
                .when_not_matched_insert_all().execute(new_rows)
        """
        return MergeInsert(self, [on] if isinstance(on, str) else list(on))

    def query(self) -> Query:
        """A query of this version's rows (all of them until narrowed)."""
        return Query(self._native)

    def search(self, query: VectorLike | str, column: str | None = None) -> Query:
        """A search for the rows nearest `query` (in `column`, needed when the table has
        several vector columns); 10 rows unless `limit` says otherwise. `query` is a vector,
        or a text that the table's embedding function (`shoal.embedding`) turns into one."""
        search = Query(self._native)
        search = (
            search.nearest_to_text(query) if isinstance(query, str) else search.nearest_to(query)
        )
        return search if column is None else search.column(column)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule interface: every row of this version, streamed, so that
        `pyarrow.table(t)`, `polars.from_arrow(t)` and `duckdb.sql("SELECT ... FROM t")`
        read the table through Shoal's scanner."""
        return self.query().__arrow_c_stream__(requested_schema)

    def __len__(self) -> int:
        return self._native.stats().rows

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, version={self.version})"

    def _data(self, data: DataLike, mode: str) -> Any:
        """Rows to add, typed by the table's schema when appended (less the vector columns
        its embedding functions make, when the rows lack them: the table computes them)."""
        if mode != "append":
            return arrow_data(data, None)
        schema = self.schema
        made = embedded_columns(schema)
        present = column_names(data)
        if made and present is not None:
            kept = [f for f in schema if f.name not in made or f.name in present]
            schema = pa.schema(kept, metadata=schema.metadata)
        return arrow_data(data, schema)


def _assignments(
    values: Mapping[str, Any] | None, values_sql: Mapping[str, str] | None
) -> list[str]:
    """`update`'s columns and new values as SQL assignments."""
    assignments = [f"{_identifier(c)} = {e}" for c, e in (values_sql or {}).items()]
    assignments += [f"{_identifier(c)} = {_literal(v)}" for c, v in (values or {}).items()]
    return assignments


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    """A Python value as a SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(
        f"cannot write a {type(value).__name__} as a SQL value; use values_sql with an expression"
    )


def _names(columns: str | Sequence[str]) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def _seconds(older_than: datetime.timedelta | None) -> float | None:
    return None if older_than is None else older_than.total_seconds()


class Table(_TableBase):
    """A table, with blocking calls. Each call releases the GIL while Shoal works, and
    works from inside a running event loop too (it blocks only the loop's thread); in
    async code, `AsyncTable` is the better fit."""

    def count_rows(self, filter: str | None = None) -> int:
        """Rows matching `filter` (a SQL where-clause), or all rows."""
        return self._native.count_rows(filter)

    def add(self, data: DataLike, mode: str = "append") -> None:
        """Adds rows (`mode="append"`) or replaces every row and the schema
        (`"overwrite"`), as one new version."""
        self._native.add(self._data(data, mode), mode)

    def delete(self, where: str) -> int:
        """Deletes the rows matching `where` (a SQL where-clause); returns how many."""
        return self._native.delete(where)

    def update(
        self,
        where: str | None = None,
        values: Mapping[str, Any] | None = None,
        *,
        values_sql: Mapping[str, str] | None = None,
    ) -> int:
        """Sets columns to Python `values` or to SQL expressions (`values_sql={"price":
        "price * 1.1"}`) in the rows matching `where`, or in every row; returns how many
        rows changed."""
        return self._native.update(_assignments(values, values_sql), where)

    def add_columns(self, columns: ColumnsLike) -> None:
        """Adds columns, as one new version: a dict of new column names to SQL expressions
        over existing columns (`{"price_eur": "price * 0.92"}`: every fragment is rewritten,
        row addresses stay), or pyarrow fields or a schema (all-null columns; nothing is
        rewritten). A bad expression or type raises before anything changes."""
        kind, value = new_columns(columns)
        if kind == "sql":
            self._native.add_columns(value)
        else:
            self._native.add_null_columns(value)

    def alter_columns(self, *changes: Mapping[str, Any]) -> None:
        """Alters columns, as one new version; each alteration is a dict with `"path"` (the
        column) and any of `"rename"`, `"nullable"` and `"data_type"` (a pyarrow type; only
        casts that keep every value exactly)."""
        self._native.alter_columns(alterations(changes))

    def drop_columns(self, columns: str | Sequence[str]) -> None:
        """Drops columns (and indices on them), as one new version; no data is rewritten."""
        self._native.drop_columns(_names(columns))

    def restore(self) -> None:
        """Makes the version this handle has checked out the latest, as a new version with
        its rows, schema and indices (versions in between stay readable by number)."""
        self._native.restore()

    def versions(self) -> list[_native.VersionInfo]:
        """Every version of the table, oldest first."""
        return self._native.versions()

    def checkout(self, version: int | str) -> None:
        """Points this handle at an older version (a number or a tag), read-only until
        `checkout_latest()`."""
        self._native.checkout(version)

    def checkout_latest(self) -> None:
        """Points this handle at the latest version, with what others committed."""
        self._native.checkout_latest()

    def tags(self) -> list[_native.Tag]:
        """The table's tags."""
        return self._native.tags()

    def create_tag(self, name: str, version: int) -> _native.Tag:
        """Names `version`; cleanup keeps a tagged version."""
        return self._native.create_tag(name, version)

    def delete_tag(self, name: str) -> _native.Tag:
        """Removes a tag (the version stays until cleanup)."""
        return self._native.delete_tag(name)

    def create_index(
        self,
        column: str,
        metric: str = "l2",
        *,
        name: str | None = None,
        num_partitions: int | None = None,
        num_sub_vectors: int | None = None,
        iterations: int | None = None,
    ) -> None:
        """Builds an IVF-PQ index of vector column `column` for `metric` (`"l2"`,
        `"cosine"` or `"dot"`), as a new version."""
        self._native.create_index(column, metric, name, num_partitions, num_sub_vectors, iterations)

    def optimize(
        self,
        *,
        compact: bool = True,
        optimize_indices: bool = True,
        cleanup_older_than: datetime.timedelta | None = DEFAULT_CLEANUP_OLDER_THAN,
    ) -> _native.OptimizeStats:
        """Compacts small fragments, brings indices up to date and removes versions older
        than `cleanup_older_than` (none when `None`)."""
        return self._native.optimize(compact, optimize_indices, _seconds(cleanup_older_than))

    def take_offsets(
        self, offsets: Sequence[int], columns: Sequence[str] | None = None
    ) -> pa.RecordBatch:
        """The rows at these offsets of the version (0 is its first row), in this order."""
        columns = None if columns is None else list(columns)
        return pa.record_batch(self._native.take_offsets(list(offsets), columns))

    def take_row_addresses(
        self, addresses: Sequence[int], columns: Sequence[str] | None = None
    ) -> pa.RecordBatch:
        """The rows at these row addresses (a query's `_rowaddr`), in this order."""
        columns = None if columns is None else list(columns)
        return pa.record_batch(self._native.take_row_addresses(list(addresses), columns))

    def to_arrow(self) -> pa.Table:
        """Every row of this version."""
        return self.query().to_arrow()

    def to_pandas(self) -> Any:
        """Every row of this version, as a pandas DataFrame."""
        return self.query().to_pandas()


class AsyncTable(_TableBase):
    """A table whose calls are awaited: Shoal's work runs on its own runtime and never
    blocks the event loop; cancelling an awaited call stops it."""

    async def count_rows(self, filter: str | None = None) -> int:
        """See `Table.count_rows`."""
        return await self._native.count_rows(filter, asynchronous=True)

    async def add(self, data: DataLike, mode: str = "append") -> None:
        """See `Table.add`."""
        await self._native.add(self._data(data, mode), mode, asynchronous=True)

    async def delete(self, where: str) -> int:
        """See `Table.delete`."""
        return await self._native.delete(where, asynchronous=True)

    async def update(
        self,
        where: str | None = None,
        values: Mapping[str, Any] | None = None,
        *,
        values_sql: Mapping[str, str] | None = None,
    ) -> int:
        """See `Table.update`."""
        assignments = _assignments(values, values_sql)
        return await self._native.update(assignments, where, asynchronous=True)

    async def add_columns(self, columns: ColumnsLike) -> None:
        """See `Table.add_columns`."""
        kind, value = new_columns(columns)
        if kind == "sql":
            await self._native.add_columns(value, asynchronous=True)
        else:
            await self._native.add_null_columns(value, asynchronous=True)

    async def alter_columns(self, *changes: Mapping[str, Any]) -> None:
        """See `Table.alter_columns`."""
        await self._native.alter_columns(alterations(changes), asynchronous=True)

    async def drop_columns(self, columns: str | Sequence[str]) -> None:
        """See `Table.drop_columns`."""
        await self._native.drop_columns(_names(columns), asynchronous=True)

    async def restore(self) -> None:
        """See `Table.restore`."""
        await self._native.restore(asynchronous=True)

    async def versions(self) -> list[_native.VersionInfo]:
        """See `Table.versions`."""
        return await self._native.versions(asynchronous=True)

    async def checkout(self, version: int | str) -> None:
        """See `Table.checkout`."""
        await self._native.checkout(version, asynchronous=True)

    async def checkout_latest(self) -> None:
        """See `Table.checkout_latest`."""
        await self._native.checkout_latest(asynchronous=True)

    async def tags(self) -> list[_native.Tag]:
        """See `Table.tags`."""
        return await self._native.tags(asynchronous=True)

    async def create_tag(self, name: str, version: int) -> _native.Tag:
        """See `Table.create_tag`."""
        return await self._native.create_tag(name, version, asynchronous=True)

    async def delete_tag(self, name: str) -> _native.Tag:
        """See `Table.delete_tag`."""
        return await self._native.delete_tag(name, asynchronous=True)

    async def create_index(
        self,
        column: str,
        metric: str = "l2",
        *,
        name: str | None = None,
        num_partitions: int | None = None,
        num_sub_vectors: int | None = None,
        iterations: int | None = None,
    ) -> None:
        """See `Table.create_index`."""
        await self._native.create_index(
            column, metric, name, num_partitions, num_sub_vectors, iterations, asynchronous=True
        )

    async def optimize(
        self,
        *,
        compact: bool = True,
        optimize_indices: bool = True,
        cleanup_older_than: datetime.timedelta | None = DEFAULT_CLEANUP_OLDER_THAN,
    ) -> _native.OptimizeStats:
        """See `Table.optimize`."""
        seconds = _seconds(cleanup_older_than)
        return await self._native.optimize(compact, optimize_indices, seconds, asynchronous=True)

    async def take_offsets(
        self, offsets: Sequence[int], columns: Sequence[str] | None = None
    ) -> pa.RecordBatch:
        """See `Table.take_offsets`."""
        columns = None if columns is None else list(columns)
        batch = await self._native.take_offsets(list(offsets), columns, asynchronous=True)
        return pa.record_batch(batch)

    async def take_row_addresses(
        self, addresses: Sequence[int], columns: Sequence[str] | None = None
    ) -> pa.RecordBatch:
        """See `Table.take_row_addresses`."""
        columns = None if columns is None else list(columns)
        batch = await self._native.take_row_addresses(list(addresses), columns, asynchronous=True)
        return pa.record_batch(batch)

    async def to_arrow(self) -> pa.Table:
        """Every row of this version."""
        return await self.query().to_arrow_async()
