"""`MergeInsert`: an upsert being described, run blocking (`execute`) or awaited
(`execute_async`), mirroring the Rust builder."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _native
from ._data import DataLike

if TYPE_CHECKING:
    from ._table import _TableBase


class MergeInsert:
    """An upsert keyed by columns; from `Table.merge_insert(on)`. Each clause method
    returns the builder itself; nothing runs until `execute`."""

    def __init__(self, table: _TableBase, on: list[str]) -> None:
        self._table = table
        self._options: dict[str, Any] = {
            "on": on,
            "when_matched_update_all": False,
            "when_not_matched_insert_all": False,
            "when_not_matched_by_source_delete": False,
            "delete_filter": None,
        }

    def when_matched_update_all(self) -> MergeInsert:
        """New rows whose key matches a table row replace it."""
        self._options["when_matched_update_all"] = True
        return self

    def when_not_matched_insert_all(self) -> MergeInsert:
        """New rows whose key matches no table row are added."""
        self._options["when_not_matched_insert_all"] = True
        return self

    def when_not_matched_by_source_delete(self, filter: str | None = None) -> MergeInsert:
        """Table rows whose key no new row has are deleted (only those matching `filter`, a
        SQL where-clause, when given)."""
        self._options["when_not_matched_by_source_delete"] = True
        self._options["delete_filter"] = filter
        return self

    def execute(self, data: DataLike) -> _native.MergeStats:
        """Runs the upsert with `data` (rows of the table's schema, keys unique) as one new
        version; returns how many rows it inserted, updated and deleted."""
        return self._table._native.merge_insert(self._rows(data), self._options)

    async def execute_async(self, data: DataLike) -> _native.MergeStats:
        """`execute`, awaited: the event loop is never blocked."""
        rows = self._rows(data)
        return await self._table._native.merge_insert(rows, self._options, asynchronous=True)

    def _rows(self, data: DataLike) -> Any:
        return self._table._data(data, "append")

    def __repr__(self) -> str:
        return f"MergeInsert({self._table.name!r}, {self._options})"
