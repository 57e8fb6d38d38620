"""`Query`: what to read from a table, built step by step, and run blocking
(`to_arrow()`, `to_batches()`, ...) or awaited (`await to_arrow_async()`,
`async for batch in to_batches_async()`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from . import _native

if TYPE_CHECKING:
    import pandas
    import polars

VectorLike = Any
"""A vector: a sequence of numbers (a list, a numpy array, a pyarrow array)."""


def _vector(vector: VectorLike) -> list[float]:
    if hasattr(vector, "to_pylist"):
        vector = vector.to_pylist()
    elif hasattr(vector, "tolist"):
        vector = vector.tolist()
    return [float(x) for x in vector]


class Query:
    """A query over one version of a table: columns, a SQL filter, a window of rows and,
    from `Table.search`, the nearest neighbours of a vector. Each builder method returns
    the query itself; nothing runs until a `to_*` method, `explain()` or `analyze()`.

    A query is also Arrow data: it has `__arrow_c_stream__`, so `pyarrow.table(q)`,
    `polars.from_arrow(q)` and DuckDB read its rows as they stream.
    """

    def __init__(self, table: _native.Table, vector: VectorLike | None = None) -> None:
        self._table = table
        self._options: dict[str, Any] = {
            "columns": None,
            "filter": None,
            "offset": None,
            "limit": None,
            "with_row_address": False,
            "batch_size": None,
            "fragments": None,
            "vector": None if vector is None else _vector(vector),
            "text": None,
            "column": None,
            "metric": None,
            "nprobes": None,
            "refine": False,
            "refine_factor": None,
            "prefilter": None,
            "bypass_vector_index": False,
        }

    def select(self, columns: Sequence[str]) -> Query:
        """Only these columns, in this order (all by default)."""
        if isinstance(columns, str):
            columns = [columns]
        self._options["columns"] = list(columns)
        return self

    def where(self, filter: str, prefilter: bool | None = None) -> Query:
        """Only rows for which this SQL where-clause is true (`"category = 'a' AND price <
        10"`). For a vector search, `prefilter=False` filters the k nearest after searching
        (fewer than k may remain) instead of searching among the matching rows."""
        self._options["filter"] = filter
        if prefilter is not None:
            self._options["prefilter"] = prefilter
        return self

    def offset(self, rows: int) -> Query:
        """Skip this many (matching) rows first."""
        self._options["offset"] = rows
        return self

    def limit(self, rows: int | None) -> Query:
        """At most this many rows (for a vector search, the k nearest; 10 by default)."""
        self._options["limit"] = rows
        return self

    def with_row_address(self) -> Query:
        """Adds a last column `_rowaddr` (uint64): each row's address, for
        `Table.take_row_addresses`."""
        self._options["with_row_address"] = True
        return self

    def batch_size(self, rows: int) -> Query:
        """Rows per batch of a scan's result."""
        self._options["batch_size"] = rows
        return self

    def fragments(self, ids: Sequence[int]) -> Query:
        """Scan only the fragments with these ids (from `Table.fragments()`), in the
        table's order. A vector search refuses this option."""
        self._options["fragments"] = [int(i) for i in ids]
        return self

    def nearest_to(self, vector: VectorLike) -> Query:
        """Makes this a vector search for the rows nearest `vector`, nearest first, with
        their distance in a `_distance` column."""
        self._options["vector"] = _vector(vector)
        return self

    def nearest_to_text(self, text: str) -> Query:
        """Makes this a vector search for the rows nearest `text`, which the table's
        embedding function (`shoal.embedding`) turns into the query vector when the query
        runs."""
        self._options["text"] = text
        return self

    def column(self, name: str) -> Query:
        """The vector column to search (needed when the table has several)."""
        self._options["column"] = name
        return self

    def distance_type(self, metric: str) -> Query:
        """The distance to rank by: `"l2"`, `"cosine"` or `"dot"` (an index's own by
        default, L2 without one)."""
        self._options["metric"] = metric
        return self

    metric = distance_type

    def nprobes(self, nprobes: int) -> Query:
        """Index partitions to probe (more: better recall, slower)."""
        self._options["nprobes"] = nprobes
        return self

    def refine_factor(self, factor: int | None) -> Query:
        """Re-rank `factor` x limit candidates by their exact distance (`None`: keep the
        index's approximate order)."""
        self._options["refine"] = True
        self._options["refine_factor"] = factor
        return self

    def prefilter(self) -> Query:
        """Filter before searching (the default): the k nearest matching rows."""
        self._options["prefilter"] = True
        return self

    def postfilter(self) -> Query:
        """Filter the k nearest rows after searching: fewer than k may remain."""
        self._options["prefilter"] = False
        return self

    def bypass_vector_index(self) -> Query:
        """Search exactly, every vector, even when an index exists."""
        self._options["bypass_vector_index"] = True
        return self

    def _native(self) -> _native.Query:
        return self._table.query(self._options)

    # Blocking.

    def to_reader(self) -> pa.RecordBatchReader:
        """Runs the query; its rows stream as the reader is read. Errors in the query (a
        bad filter, a missing column) are raised here."""
        return pa.RecordBatchReader.from_stream(self._native().execute())

    def to_batches(self) -> Iterator[pa.RecordBatch]:
        """Runs the query and yields its rows batch by batch."""
        return iter(self.to_reader())

    def to_arrow(self) -> pa.Table:
        """Runs the query; all its rows."""
        return self.to_reader().read_all()

    def to_pandas(self) -> pandas.DataFrame:
        """Runs the query; all its rows as a pandas DataFrame."""
        return self.to_arrow().to_pandas()

    def to_polars(self) -> polars.DataFrame:
        """Runs the query; all its rows as a polars DataFrame."""
        import polars

        return polars.from_arrow(self.to_arrow())

    def to_list(self) -> list[dict[str, Any]]:
        """Runs the query; all its rows as dicts."""
        return self.to_arrow().to_pylist()

    def explain(self) -> str:
        """How the query would run: the plan, with nothing read."""
        return self._native().explain()

    def analyze(self) -> str:
        """Runs the query and says what each phase spent."""
        return self._native().analyze()

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        """The Arrow PyCapsule interface: runs the query and streams its rows."""
        return self._native().execute().__arrow_c_stream__(requested_schema)

    # Awaited.

    async def to_batches_async(self) -> AsyncIterator[pa.RecordBatch]:
        """Runs the query on Shoal's runtime and yields its batches as they come, without
        blocking the event loop. Leaving the loop early stops the query."""
        batches = await self._native().execute(asynchronous=True)
        while True:
            batch = await batches.next()
            if batch is None:
                return
            yield pa.record_batch(batch)

    async def to_arrow_async(self) -> pa.Table:
        """Runs the query without blocking the event loop; all its rows."""
        batches = await self._native().execute(asynchronous=True)
        schema = pa.schema(batches.schema())
        collected = await batches.collect()
        return pa.Table.from_batches([pa.record_batch(b) for b in collected], schema=schema)

    async def to_pandas_async(self) -> pandas.DataFrame:
        """`to_pandas`, without blocking the event loop while the rows are read."""
        return (await self.to_arrow_async()).to_pandas()

    async def to_list_async(self) -> list[dict[str, Any]]:
        """`to_list`, without blocking the event loop while the rows are read."""
        return (await self.to_arrow_async()).to_pylist()

    async def explain_async(self) -> str:
        """`explain`, awaited."""
        return await self._native().explain(asynchronous=True)

    async def analyze_async(self) -> str:
        """`analyze`, awaited."""
        return await self._native().analyze(asynchronous=True)

    def __repr__(self) -> str:
        set_options = {k: v for k, v in self._options.items() if v not in (None, False)}
        return f"Query({self._table.name!r}, {set_options})"
