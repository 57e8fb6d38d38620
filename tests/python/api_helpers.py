"""Rows for the Python API's tests (`test_api_*.py`)."""

import numpy as np
import pyarrow as pa

DIM = 8


def vectors(ids: np.ndarray) -> np.ndarray:
    """A deterministic float32 vector per id."""
    rng = np.random.default_rng(7)
    table = rng.standard_normal((int(ids.max(initial=0)) + 1, DIM)).astype(np.float32)
    return table[ids]


def rows(start: int, stop: int) -> pa.Table:
    """Rows `start..stop`: an int64 id, a label, a float score and a vector."""
    ids = np.arange(start, stop, dtype=np.int64)
    flat = pa.array(vectors(ids).reshape(-1), type=pa.float32())
    return pa.table(
        {
            "id": ids,
            "label": pa.array(["even" if i % 2 == 0 else "odd" for i in ids]),
            "score": pa.array(ids * 0.5, type=pa.float64()),
            "vector": pa.FixedSizeListArray.from_arrays(flat, DIM),
        }
    )
