"""PyTorch data loading from Shoal tables (needs `torch`; `import shoal` does not).

- `FragmentDataset`: an iterable dataset that splits the table's fragments (pieces of large
  ones) between DataLoader workers and distributed ranks, and yields batches as scanned.
- `TakeDataset`: a map-style dataset; a DataLoader's batch of indices is one batched take.
- `Permutation`: a seeded order of the rows (stored as a Shoal table, with splits and
  clumps), read back in batches by takes, split between workers and ranks.

Each yields whole batches: give the DataLoader `batch_size=None` for the iterable ones, and
`collate_fn=shoal.torch.keep_batch` for `TakeDataset`. Outputs are a dict of column name to
tensor (`"torch"`), to numpy array (`"numpy"`), or an Arrow record batch (`"arrow"`).

Datasets pickle as the table's location and version (spawn and forkserver workers reopen
it); forked workers use the parent's handle, which Shoal keeps working after `fork()`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import torch
import torch.utils.data

from ._batches import check_batch_size, check_output, convert, rebatch
from ._connection import Connection, connect
from ._errors import InvalidInputError
from ._permutation import TABLE_KEY, VERSION_KEY, build_permutation
from ._table import Table

__all__ = ["FragmentDataset", "Permutation", "TakeDataset", "keep_batch", "shard"]


def shard() -> tuple[int, int]:
    """This process's share of an epoch: `(index, count)` over every DataLoader worker of
    every distributed rank (`(0, 1)` in a plain process)."""
    info = torch.utils.data.get_worker_info()
    worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
    rank, ranks = 0, 1
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        rank, ranks = torch.distributed.get_rank(), torch.distributed.get_world_size()
    return rank * workers + worker, ranks * workers


def keep_batch(batch: Any) -> Any:
    """A DataLoader `collate_fn` for datasets that return whole batches: keeps them."""
    return batch


class _TableSource:
    """A table at one version that survives pickling: as its location, storage options and
    version, reopened on first use in the process that unpickled it. Within one process (and
    after `fork()`) it is the handle it was given."""

    def __init__(self, table: Table, storage_options: Mapping[str, str] | None) -> None:
        self._table: Table | None = table
        self.uri = table.uri
        self.version = table.version
        self._storage_options = None if storage_options is None else dict(storage_options)

    @property
    def table(self) -> Table:
        if self._table is None:
            parent, _, name = self.uri.rstrip("/").rpartition("/")
            table = connect(parent, self._storage_options).open_table(name)
            if table.version != self.version:
                table.checkout(self.version)
            self._table = table
        return self._table

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_table": None}


class FragmentDataset(torch.utils.data.IterableDataset):
    """The rows of a table version, scanned in batches of `batch_size` rows; each
    DataLoader worker of each rank scans its own fragments, or pieces of fragments (shared
    out by rows), so an epoch yields every row once. Rows come in the table's order within
    a piece; the last batch of each worker may be shorter.

        loader = DataLoader(FragmentDataset(table, batch_size=256), batch_size=None,
                            num_workers=4)
    """

    def __init__(
        self,
        table: Table,
        *,
        columns: Sequence[str] | None = None,
        filter: str | None = None,
        batch_size: int = 256,
        output: str = "torch",
        storage_options: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self._source = _TableSource(table, storage_options)
        self._fragments = table.fragments()
        self._columns = None if columns is None else list(columns)
        self._filter = filter
        self._batch_size = check_batch_size(batch_size)
        self._output = check_output(output)

    def pieces_for(self, index: int, count: int) -> list[tuple[int, int, int]]:
        """What shard `index` of `count` scans, as `(fragment id, first row, rows)` pieces in
        table order. Fragments larger than a shard's share are cut into pieces of at most
        that share (so one big fragment still feeds every worker); pieces are dealt largest
        first to the shard with the fewest rows so far, the same in every process."""
        total = sum(rows for _, rows in self._fragments)
        most = max(self._batch_size, -(-total // count))
        pieces = [
            (order, fragment_id, start, min(most, rows - start))
            for order, (fragment_id, rows) in enumerate(self._fragments)
            for start in range(0, rows, most)
        ]
        loads = [0] * count
        mine = []
        for piece in sorted(pieces, key=lambda p: (-p[3], p[0], p[2])):
            lightest = loads.index(min(loads))
            loads[lightest] += piece[3]
            if lightest == index:
                mine.append(piece)
        return [(fragment_id, start, rows) for _, fragment_id, start, rows in sorted(mine)]

    def __iter__(self) -> Iterator[Any]:
        batches = (
            batch
            for fragment_id, start, rows in self.pieces_for(*shard())
            for batch in self._scan(fragment_id, start, rows)
        )
        for batch in rebatch(batches, self._batch_size):
            yield convert(batch, self._output)

    def _scan(self, fragment_id: int, start: int, rows: int) -> Iterator[pa.RecordBatch]:
        """Rows `start..start + rows` of one fragment (of its matching rows, with a
        filter: the pieces still split them exactly, the last ones may be short)."""
        query = self._source.table.query().fragments([fragment_id]).offset(start).limit(rows)
        query = query.batch_size(self._batch_size)
        if self._columns is not None:
            query = query.select(self._columns)
        if self._filter is not None:
            query = query.where(self._filter)
        return query.to_batches()


class TakeDataset(torch.utils.data.Dataset):
    """Rows of a table version by offset: `dataset[i]` is row `i`; a DataLoader's batch of
    indices is one batched take (`__getitems__`), in the order asked.

        loader = DataLoader(TakeDataset(table), batch_size=256, shuffle=True,
                            collate_fn=shoal.torch.keep_batch)
    """

    def __init__(
        self,
        table: Table,
        *,
        columns: Sequence[str] | None = None,
        output: str = "torch",
        storage_options: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self._source = _TableSource(table, storage_options)
        self._rows = table.count_rows()
        self._columns = None if columns is None else list(columns)
        self._output = check_output(output)

    def __len__(self) -> int:
        return self._rows

    def __getitem__(self, index: int) -> Any:
        return self.__getitems__([index])

    def __getitems__(self, indices: Sequence[int]) -> Any:
        offsets = [_offset(i, self._rows) for i in indices]
        batch = self._source.table.take_offsets(offsets, self._columns)
        return convert(batch, self._output)


def _offset(index: int, rows: int) -> int:
    index = int(index)
    if index < 0:
        index += rows
    if not 0 <= index < rows:
        raise IndexError(f"row {index} is out of range for a table of {rows} rows")
    return index


class Permutation(torch.utils.data.IterableDataset):
    """One split of a permutation of a table's rows, read in batches of `batch_size` rows in
    the permutation's order; with several DataLoader workers or ranks, batch `i` goes to
    shard `i % shards`, so an epoch yields every row of the split once.

    Build the permutation once with `Permutation.build` (it is a Shoal table: reuse it,
    reproduce it from its seed); read one split per dataset:

        perm = Permutation.build(table, db, "items_perm", seed=7, ratios=[0.9, 0.1],
                                 clump_size=64)
        train = Permutation(table, perm, split=0, batch_size=256)
        loader = DataLoader(train, batch_size=None, num_workers=2)
    """

    def __init__(
        self,
        table: Table,
        permutation: Table,
        *,
        split: int = 0,
        columns: Sequence[str] | None = None,
        batch_size: int = 256,
        output: str = "torch",
        storage_options: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        metadata = permutation.schema.metadata or {}
        if VERSION_KEY not in metadata:
            raise InvalidInputError(f"{permutation.name!r} is not a permutation table")
        version = int(metadata[VERSION_KEY])
        if metadata.get(TABLE_KEY, b"").decode() != table.uri or table.version != version:
            raise InvalidInputError(
                f"{permutation.name!r} permutes version {version} of "
                f"{metadata.get(TABLE_KEY, b'').decode()!r}; check that version out first "
                f"(this handle holds version {table.version} of {table.uri!r})"
            )
        offsets = (
            permutation.query()
            .where(f"split = {int(split)}")
            .select(["offset"])
            .to_arrow()
            .column(0)
        )
        self._offsets = offsets.to_numpy().astype(np.uint64)
        self._source = _TableSource(table, storage_options)
        self._columns = None if columns is None else list(columns)
        self._batch_size = check_batch_size(batch_size)
        self._output = check_output(output)

    @staticmethod
    def build(
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
        """Writes a permutation of `table`'s current version as table `name` of `db` (rows
        `(split, offset)` in reading order; `mode` as in `create_table`) and returns it.

        - `split_by="random"`: rows (in clumps) shuffled with `seed`, then cut by `ratios`
          (fractions adding up to at most 1; rows beyond them belong to no split) or
          `counts` (rows per split). One split of every row by default.
        - `split_by="hash"`: each row's split from a stable hash of its value in `column`
          (rows of equal values stay together), by `ratios` of the hash space.
        - `split_by="sequential"`: splits of consecutive rows in table order.

        `shuffle=False` keeps each split in table order (hash and sequential splits).
        `clump_size=n` shuffles runs of `n` consecutive offsets instead of single rows: each
        batch's take then reads fewer, larger ranges, at the price of a coarser shuffle.
        """
        return build_permutation(
            table,
            db,
            name,
            seed=seed,
            split_by=split_by,
            ratios=ratios,
            counts=counts,
            column=column,
            shuffle=shuffle,
            clump_size=clump_size,
            mode=mode,
        )

    def __len__(self) -> int:
        """Rows in this split."""
        return len(self._offsets)

    @property
    def offsets(self) -> np.ndarray:
        """The split's row offsets, in reading order."""
        return self._offsets

    def __iter__(self) -> Iterator[Any]:
        index, count = shard()
        size = self._batch_size
        for start in range(index * size, len(self._offsets), count * size):
            offsets = self._offsets[start : start + size].tolist()
            batch = self._source.table.take_offsets(offsets, self._columns)
            yield convert(batch, self._output)
