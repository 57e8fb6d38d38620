"""Embedding functions: how a table makes a vector column from a text column.

A table created with `embeddings=[EmbeddingDefinition("text", "vector", "name", ...)]`
computes the vector column on every `add` of rows that lack it (null text, null vector; a
failed embedding adds nothing) and embeds query texts: `table.search("a red fox")`. The
definitions live in the table's schema, so any process that opens the table (Python, Rust,
the `shoal` CLI) embeds the same way, provided the function's name is registered there.

Built in, usable from any process: `"hash"` (`{"dim": N}`, no model), `"openai"` (an
OpenAI-compatible `/v1/embeddings` server: `{"model", "dim", "base_url", "api_key_env"}`) and
`"sentence-transformers"` (a local BERT-family model run by Shoal itself on the CPU:
`{"model": "/path/to/dir"}`).

`register(name, function)` adds a Python function. Shoal calls it on that function's own
pool of threads (`threads` in the definition, 1 by default), one batch of texts at a time
with the GIL taken for the call, never on the thread of an asyncio event loop: while a model
embeds, the loop and other queries go on. They still share the interpreter and the CPU with
it: PyTorch releases the GIL inside its operations but not between them, and a busy model
takes a whole core (`benches/README.md` measures what that costs an asyncio service). The
built-in `"sentence-transformers"` runs the model without the GIL. A `ConnectionError` or `TimeoutError` raised by the
function is retried with backoff; any other exception fails the call at once.

    import shoal
    from sentence_transformers import SentenceTransformer

    @shoal.embedding.register("minilm")
    class MiniLM:
        def __init__(self, path):
            self.model = SentenceTransformer(path, device="cpu")
            self.dim = self.model.get_sentence_embedding_dimension()

        def __call__(self, texts):
            return self.model.encode(texts)

    minilm = shoal.embedding.EmbeddingDefinition("text", "vector", "minilm", {"path": "..."})
    table = db.create_table("docs", [{"text": "a red fox"}], embeddings=[minilm])
    table.search("a fox").limit(5).to_list()
"""

from __future__ import annotations

import array
import asyncio
import inspect
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from . import _native

__all__ = ["EmbeddingDefinition", "register"]


@dataclass
class EmbeddingDefinition:
    """The vector column `vector_column` made from the text column `source_column` by the
    function registered as `function`, made with `params` (never a secret: name the
    environment variable that holds one). The rest say how calls run: `batch_size` texts a
    call, a pool of `threads` threads for a blocking function, `concurrency` calls at once
    for an async one, `max_attempts` tries of `timeout_ms` each, backoff from `backoff_ms`.
    """

    source_column: str
    vector_column: str
    function: str
    params: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int = 64
    threads: int = 1
    concurrency: int = 4
    max_attempts: int = 5
    timeout_ms: int = 60_000
    backoff_ms: int = 200

    def _json(self) -> dict[str, Any]:
        fields = asdict(self)
        run = {k: fields.pop(k) for k in list(fields) if k not in _DEFINITION_KEYS}
        return {**fields, "params": dict(self.params), "options": run}


_DEFINITION_KEYS = ("source_column", "vector_column", "function", "params")


def embedded_columns(schema: Any) -> set[str]:
    """The vector columns a table's embedding functions make, from its Arrow schema."""
    metadata = schema.metadata or {}
    definitions = json.loads(metadata.get(_METADATA_KEY, b"[]"))
    return {d["vector_column"] for d in definitions}


#: The schema metadata key of a table's embedding definitions (Rust's EMBEDDINGS_METADATA_KEY).
_METADATA_KEY = b"shoal:embeddings"


def definitions_json(definitions: Sequence[EmbeddingDefinition] | None) -> str | None:
    if not definitions:
        return None
    for definition in definitions:
        if not isinstance(definition, EmbeddingDefinition):
            raise TypeError(
                f"embeddings must be EmbeddingDefinition objects, not {type(definition).__name__}"
            )
    return json.dumps([d._json() for d in definitions])


def register(
    name: str, function: Callable[..., Any] | None = None, *, dim: int | None = None
) -> Any:
    """Registers an embedding function under `name` (replacing any earlier one, a built-in
    included); tables whose definitions name it use it from their next call on.

    `function` is either
    - a class (or any factory): called with the definition's `params` as keyword arguments
      (once per process and definition, on the function's pool, so a model loads there),
      it returns an object with `dim` (the vectors' length) that is callable, or has an
      `embed` method, taking a list of texts; or
    - a callable taking a list of texts, with `dim=` given here.

    Either returns, for n texts, n vectors: a numpy array of shape (n, dim), a torch
    tensor, or a list of lists of numbers. An `async def` function is run to completion on
    its pool thread. Used as a decorator (`@register("name")`), it returns the class.
    """
    if function is None:
        return lambda f: register(name, f, dim=dim)
    if dim is not None:
        if inspect.isclass(function):
            raise TypeError("dim= is for a plain function; a class sets self.dim")
        fixed = function

        def factory(**params: Any) -> Any:
            if params:
                raise TypeError(
                    f"'{name}' is a plain function: it takes no parameters ({sorted(params)})"
                )
            return _Fixed(fixed, dim)

    elif inspect.isclass(function) or callable(function):
        factory = function
    else:
        raise TypeError(f"an embedding function must be callable, not {type(function).__name__}")
    _native.register_embedding(name, lambda params: _Adapter(factory(**params)))
    return function


class _Fixed:
    """A plain function with the dimension `register` was given."""

    def __init__(self, function: Callable[..., Any], dim: int) -> None:
        self.function = function
        self.dim = dim

    def __call__(self, texts: list[str]) -> Any:
        return self.function(texts)


class _Adapter:
    """What the native side calls: `dim`, and `embed(texts)` as packed float32 values."""

    def __init__(self, function: Any) -> None:
        dim = getattr(function, "dim", None)
        if callable(dim):
            dim = dim()
        if not isinstance(dim, int) or isinstance(dim, bool) or dim <= 0:
            raise TypeError(
                f"{type(function).__name__} needs `dim`, the vectors' length, as a positive "
                f"int (it has {dim!r})"
            )
        self.dim = dim
        self.call = function.embed if hasattr(function, "embed") else function
        if not callable(self.call):
            raise TypeError(f"{type(function).__name__} is neither callable nor has embed()")

    def embed(self, texts: list[str]) -> tuple[bytes, int, int]:
        result = self.call(texts)
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
        return _packed(result)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _packed(vectors: Any) -> tuple[bytes, int, int]:
    """`vectors` (n vectors of one length) as little-endian float32 bytes, n, length."""
    if hasattr(vectors, "detach"):  # a torch tensor
        vectors = vectors.detach().cpu().numpy()
    if hasattr(vectors, "__array__"):
        import numpy as np

        matrix = np.asarray(vectors, dtype="<f4")
        if matrix.ndim != 2:
            raise ValueError(f"expected one vector per text, got an array of shape {matrix.shape}")
        return np.ascontiguousarray(matrix).tobytes(), matrix.shape[0], matrix.shape[1]
    rows = [list(v) for v in vectors]
    lengths = {len(r) for r in rows}
    if len(lengths) > 1:
        raise ValueError(f"the vectors have different lengths: {sorted(lengths)}")
    values = array.array("f", [x for r in rows for x in r])
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes(), len(rows), lengths.pop() if lengths else 0
