"""`connect` and `Connection` (blocking calls), `connect_async` and `AsyncConnection`
(awaitable calls): the tables under one directory or object-store prefix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa

from . import _native
from ._data import DataLike, arrow_data
from ._errors import InvalidInputError
from ._table import AsyncTable, Table
from .embedding import EmbeddingDefinition, definitions_json

_MODES = ("create", "overwrite", "exist_ok")


def connect(uri: str, storage_options: Mapping[str, str] | None = None) -> Connection:
    """Connects to the tables under `uri`: a local directory (a path or `file://`),
    `memory://NAME/prefix` or `s3://bucket/prefix`. `storage_options` set S3's endpoint,
    region and credentials (the environment fills in the rest). Nothing is read until a
    table is used."""
    return Connection(_native.connect(str(uri), _options(storage_options)))


async def connect_async(
    uri: str, storage_options: Mapping[str, str] | None = None
) -> AsyncConnection:
    """`connect`, for async code: the connection's calls are awaited."""
    native = await _native.connect(str(uri), _options(storage_options), asynchronous=True)
    return AsyncConnection(native)


def _options(storage_options: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if storage_options is None else {str(k): str(v) for k, v in storage_options.items()}


def _create_data(data: DataLike | None, schema: pa.Schema | None, mode: str) -> object:
    if mode not in _MODES:
        # The native call says the same; checked here before the data is converted.
        raise InvalidInputError(f"unknown mode {mode!r}; expected one of {', '.join(_MODES)}")
    return arrow_data(data, schema)


class _ConnectionBase:
    def __init__(self, native: _native.Connection) -> None:
        self._native = native

    @property
    def uri(self) -> str:
        """The URI connected to."""
        return self._native.uri

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.uri!r})"


class Connection(_ConnectionBase):
    """A namespace of tables, with blocking calls."""

    def table_names(self, start_after: str | None = None, limit: int | None = None) -> list[str]:
        """The names of the tables, sorted; a page of them with `start_after` (the last
        name of the previous page) and `limit`."""
        return self._native.table_names(start_after, limit)

    def create_table(
        self,
        name: str,
        data: DataLike | None = None,
        schema: pa.Schema | None = None,
        mode: str = "create",
        embeddings: Sequence[EmbeddingDefinition] | None = None,
    ) -> Table:
        """Creates table `name` from `data` (any form `Table.add` takes) or, without data,
        empty with `schema`. When it exists, `mode="create"` raises `AlreadyExistsError`,
        `"overwrite"` replaces its rows and schema as a new version, and `"exist_ok"` opens
        it (its schema must be the one given). `embeddings` make vector columns from text
        columns, now and on every `add` (`shoal.embedding`)."""
        data = _create_data(data, schema, mode)
        native = self._native.create_table(name, data, mode, definitions_json(embeddings))
        return Table(native)

    def open_table(self, name: str) -> Table:
        """Opens table `name` at its latest version (`NotFoundError` if there is none)."""
        return Table(self._native.open_table(name))

    def drop_table(self, name: str) -> None:
        """Deletes table `name`: every version and file of it."""
        self._native.drop_table(name)

    def rename_table(self, old: str, new: str) -> None:
        """Renames table `old` to `new`."""
        self._native.rename_table(old, new)

    def __getitem__(self, name: str) -> Table:
        return self.open_table(name)

    def __contains__(self, name: str) -> bool:
        return name in self.table_names()


class AsyncConnection(_ConnectionBase):
    """A namespace of tables whose calls are awaited."""

    async def table_names(
        self, start_after: str | None = None, limit: int | None = None
    ) -> list[str]:
        """See `Connection.table_names`."""
        return await self._native.table_names(start_after, limit, asynchronous=True)

    async def create_table(
        self,
        name: str,
        data: DataLike | None = None,
        schema: pa.Schema | None = None,
        mode: str = "create",
        embeddings: Sequence[EmbeddingDefinition] | None = None,
    ) -> AsyncTable:
        """See `Connection.create_table`."""
        data = _create_data(data, schema, mode)
        definitions = definitions_json(embeddings)
        native = await self._native.create_table(name, data, mode, definitions, asynchronous=True)
        return AsyncTable(native)

    async def open_table(self, name: str) -> AsyncTable:
        """See `Connection.open_table`."""
        return AsyncTable(await self._native.open_table(name, asynchronous=True))

    async def drop_table(self, name: str) -> None:
        """See `Connection.drop_table`."""
        await self._native.drop_table(name, asynchronous=True)

    async def rename_table(self, old: str, new: str) -> None:
        """See `Connection.rename_table`."""
        await self._native.rename_table(old, new, asynchronous=True)
