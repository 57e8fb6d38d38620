"""Building a permutation: a seeded order of a table version's row offsets, cut into splits
(random, by hash of a column, or sequential; by ratios or counts), shuffled in clumps of
contiguous offsets, and stored as a Shoal table of `(split, offset)` rows in reading order.
Pure numpy and pyarrow; `shoal.torch.Permutation` reads it."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ._errors import InvalidInputError

if TYPE_CHECKING:
    from ._connection import Connection
    from ._table import Table

SPLIT_BY = ("random", "hash", "sequential")

#: Schema metadata of a permutation table: the version whose offsets it holds.
VERSION_KEY = b"shoal.permutation.version"
#: ... and the table it permutes.
TABLE_KEY = b"shoal.permutation.table"

#: Buckets of the hash space a hash split cuts by ratio.
_HASH_BUCKETS = 1 << 20


def build_permutation(
    table: Table,
    db: Connection,
    name: str,
    *,
    seed: int = 0,
    split_by: str = "random",
    ratios: Sequence[float] | None = None,
    counts: Sequence[int] | None = None,
    column: str | None = None,
    shuffle: bool = True,
    clump_size: int = 1,
    mode: str = "create",
) -> Table:
    """Writes a permutation of `table`'s current version as table `name` of `db`, and
    returns it. See `shoal.torch.Permutation.build`."""
    if split_by not in SPLIT_BY:
        raise InvalidInputError(f"unknown split_by {split_by!r}; expected one of {SPLIT_BY}")
    if not isinstance(clump_size, int) or clump_size < 1:
        raise InvalidInputError(f"clump_size must be a positive integer, got {clump_size!r}")
    rows = table.count_rows()
    rng = np.random.default_rng(seed)
    if split_by == "hash":
        if column is None or counts is not None:
            raise InvalidInputError("split_by='hash' needs column= and ratios= (not counts)")
        splits = _hash_splits(table, column, _ratios(ratios or [1.0]), rows)
    else:
        bounds = _bounds(rows, ratios, counts)
        if split_by == "random":
            order = _clumped(np.arange(rows, dtype=np.uint64), clump_size, rng)
            splits = [order[a:b] for a, b in zip(bounds, bounds[1:])]
        else:
            everything = np.arange(rows, dtype=np.uint64)
            splits = [everything[a:b] for a, b in zip(bounds, bounds[1:])]
    if shuffle and split_by != "random":
        splits = [_clumped(offsets, clump_size, rng) for offsets in splits]
    ids = np.concatenate([np.full(len(s), i, dtype=np.uint32) for i, s in enumerate(splits)])
    metadata = {VERSION_KEY: str(table.version).encode(), TABLE_KEY: table.uri.encode()}
    data = pa.table(
        {"split": ids, "offset": np.concatenate(splits).astype(np.uint64)}
    ).replace_schema_metadata(metadata)
    return db.create_table(name, data, mode=mode)


def _bounds(rows: int, ratios: Sequence[float] | None, counts: Sequence[int] | None) -> list[int]:
    """Where each split starts and ends in the order of the rows: `[0, end0, end1, ...]`."""
    if ratios is not None and counts is not None:
        raise InvalidInputError("give ratios or counts, not both")
    if counts is not None:
        if any(not isinstance(c, int) or c < 0 for c in counts) or sum(counts) > rows:
            raise InvalidInputError(
                f"counts must be non-negative integers adding up to at most {rows} (the "
                f"table's rows), got {list(counts)}"
            )
        return [0, *np.cumsum(counts).tolist()]
    shares = _ratios(ratios or [1.0])
    return [0, *np.round(np.cumsum(shares) * rows).astype(np.int64).tolist()]


def _ratios(ratios: Sequence[float]) -> list[float]:
    shares = [float(r) for r in ratios]
    if not shares or any(r < 0 for r in shares) or sum(shares) > 1 + 1e-9:
        raise InvalidInputError(
            f"ratios must be non-negative and add up to at most 1, got {list(ratios)}"
        )
    return shares


def _clumped(offsets: np.ndarray, clump_size: int, rng: np.random.Generator) -> np.ndarray:
    """`offsets` (ascending) in a seeded order of clumps of `clump_size` neighbours: with
    clumps, a batch's takes hit fewer pages."""
    if clump_size == 1:
        return rng.permutation(offsets)
    starts = np.arange(0, len(offsets), clump_size)
    order = rng.permutation(len(starts))
    return np.concatenate([offsets[s : s + clump_size] for s in starts[order]] or [offsets])


def _hash_splits(table: Table, column: str, shares: list[float], rows: int) -> list[np.ndarray]:
    """Each row's split from a stable hash of its value in `column`: a value's rows always
    land in the same split, whatever the seed, across versions and processes."""
    values = table.query().select([column]).to_arrow().column(0)
    if len(values) != rows:
        raise InvalidInputError("the table changed while the permutation was built")
    buckets = _hash(values) % _HASH_BUCKETS
    edges = np.round(np.cumsum([0.0, *shares]) * _HASH_BUCKETS).astype(np.int64)
    offsets = np.arange(rows, dtype=np.uint64)
    return [offsets[(buckets >= a) & (buckets < b)] for a, b in zip(edges, edges[1:])]


def _hash(values: pa.ChunkedArray) -> np.ndarray:
    """A stable 64-bit hash per value (splitmix64 of integers, CRC-32 of anything else's
    text form); nulls hash alike."""
    if pa.types.is_integer(values.type) and not values.null_count:
        x = values.to_numpy().astype(np.uint64)
        with np.errstate(over="ignore"):
            x = x + np.uint64(0x9E3779B97F4A7C15)
            x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            return x ^ (x >> np.uint64(31))
    return np.array([zlib.crc32(repr(v).encode()) for v in values.to_pylist()], dtype=np.uint64)
