"""Python embedding functions (`shoal.embedding`): a registered class or function makes a
table's vector column on create and on every add, embeds `search("text")` queries, runs on
its own pool's threads (never the caller's, never the event loop's), retries
`ConnectionError`/`TimeoutError`, fails at once on anything else committing nothing, and works
in a forked child; the real all-MiniLM-L6-v2 through sentence-transformers gives the vectors
Shoal's own candle run of the same model gives."""

import asyncio
import multiprocessing
import os
import threading
import time

import numpy as np
import pyarrow as pa
import pytest
import shoal
from shoal.embedding import EmbeddingDefinition
from test_api_async import lags_while, percentile
from test_sentence_transformers import TEXTS, minilm_dir  # noqa: F401 (a fixture)

WORDS = ["fox", "whale", "cat", "owl", "bee"]


def thread_name() -> str:
    """The OS name of the calling thread (what Shoal's pools set)."""
    with open(f"/proc/self/task/{threading.get_native_id()}/comm") as comm:
        return comm.read().strip()


class Counting:
    """One-hot vectors over WORDS; records each call's thread and size."""

    calls: list[tuple[str, int]] = []

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self.dim = len(WORDS)

    def __call__(self, texts):
        Counting.calls.append((thread_name(), len(texts)))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for i, word in enumerate(WORDS):
                if word in text:
                    out[row, i] = self.scale
        return out


def nearest(table, text: str) -> str:
    return table.search(text).limit(1).to_list()[0]["text"]


def test_a_registered_class_embeds_on_create_add_and_search(tmp_path):
    shoal.embedding.register("words", Counting)
    Counting.calls.clear()
    definition = EmbeddingDefinition("text", "vector", "words", {"scale": 2.0}, batch_size=2)
    db = shoal.connect(tmp_path / "db")
    rows = [{"id": 0, "text": "a red fox"}, {"id": 1, "text": "a blue whale"}]
    table = db.create_table("t", rows, embeddings=[definition])
    table.add([{"id": 2, "text": "the grey cat"}, {"id": 3, "text": None}])
    table.add(pa.table({"id": [4], "text": ["an owl at night"]}))

    assert table.schema.field("vector").type == pa.list_(pa.float32(), len(WORDS))
    vectors = {r["id"]: r["vector"] for r in table.query().to_list()}
    assert vectors[1] == [0.0, 2.0, 0.0, 0.0, 0.0]
    assert vectors[3] is None
    assert nearest(table, "whale") == "a blue whale"
    # An upsert embeds the rows it updates and inserts.
    table.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(
        [{"id": 1, "text": "a bee"}, {"id": 5, "text": "one more whale"}]
    )
    vectors = {r["id"]: r["vector"] for r in table.query().to_list()}
    assert vectors[1] == [0.0, 0.0, 0.0, 0.0, 2.0]
    assert nearest(table, "whale") == "one more whale"
    # Reopened from another connection: the definition comes from the table's schema.
    assert nearest(shoal.connect(tmp_path / "db")["t"], "owl") == "an owl at night"
    names = {name for name, _ in Counting.calls}
    assert all(name.startswith("shoal-embed-") for name in names), names
    assert max(size for _, size in Counting.calls) <= 2


def test_a_plain_function_with_its_dimension_and_list_or_tensor_answers(db):
    torch = pytest.importorskip("torch")
    shoal.embedding.register("lists", lambda texts: [[float(len(t)), 1.0] for t in texts], dim=2)
    shoal.embedding.register("tensors", lambda texts: torch.ones(len(texts), 3), dim=3)
    lists = db.create_table(
        "lists", [{"text": "abc"}], embeddings=[EmbeddingDefinition("text", "v", "lists")]
    )
    tensors = db.create_table(
        "tensors", [{"text": "abc"}], embeddings=[EmbeddingDefinition("text", "v", "tensors")]
    )
    assert lists.query().to_list()[0]["v"] == [3.0, 1.0]
    assert tensors.query().to_list()[0]["v"] == [1.0, 1.0, 1.0]


class Flaky:
    """Fails as `failures` says (exceptions, oldest first), then embeds as Counting."""

    failures: list[Exception] = []
    calls = 0
    dim = len(WORDS)

    def __call__(self, texts):
        Flaky.calls += 1
        if Flaky.failures:
            raise Flaky.failures.pop(0)
        return Counting()(texts)


def flaky_table(db, name):
    shoal.embedding.register("flaky", Flaky)
    definition = EmbeddingDefinition("text", "vector", "flaky", backoff_ms=1)
    table = db.create_table(name, [{"text": "a fox"}], embeddings=[definition])
    Flaky.calls = 0
    return table


def test_connection_and_timeout_errors_are_retried(db):
    table = flaky_table(db, "retried")
    Flaky.failures = [ConnectionError("reset by peer"), TimeoutError("slow")]
    table.add([{"text": "a cat"}])
    assert Flaky.calls == 3
    assert table.count_rows() == 2


def test_any_other_exception_fails_at_once_and_adds_nothing(db):
    table = flaky_table(db, "failed")
    Flaky.failures = [ValueError("the model is on fire")]
    with pytest.raises(
        shoal.ShoalError, match="'flaky' failed .*: ValueError: the model is on fire"
    ):
        table.add([{"text": "a cat"}])
    assert Flaky.calls == 1
    assert table.count_rows() == 1


def test_bad_functions_and_answers_are_clear_errors(db):
    shoal.embedding.register("no-dim", lambda: lambda texts: texts)
    shoal.embedding.register("short", lambda texts: np.zeros((len(texts), 2)), dim=3)
    with pytest.raises(shoal.ShoalError, match="needs `dim`"):
        db.create_table(
            "a", [{"text": "x"}], embeddings=[EmbeddingDefinition("text", "v", "no-dim")]
        )
    with pytest.raises(
        shoal.ShoalError, match="'short' failed .*2 values where its dimension is 3"
    ):
        db.create_table(
            "b", [{"text": "x"}], embeddings=[EmbeddingDefinition("text", "v", "short")]
        )
    with pytest.raises(TypeError, match="EmbeddingDefinition"):
        db.create_table("c", [{"text": "x"}], embeddings=[{"source_column": "text"}])
    with pytest.raises(TypeError, match="must be callable"):
        shoal.embedding.register("nothing", 42)
    assert db.table_names() == []


class Slow:
    """Sleeps `seconds` per call (the GIL released, as a model's native code does)."""

    dim = 2

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __call__(self, texts):
        time.sleep(self.seconds)
        return np.ones((len(texts), 2), dtype=np.float32)


def test_sixteen_text_searches_embedding_never_block_the_event_loop(tmp_path):
    shoal.embedding.register("slow", Slow)
    slow = EmbeddingDefinition("text", "vector", "slow", {"seconds": 0.2}, threads=4)

    async def main():
        db = await shoal.connect_async(tmp_path / "db")
        table = await db.create_table("t", [{"text": "a"}], embeddings=[slow])
        other = await db.create_table("other", pa.table({"x": np.arange(10_000)}))
        searches = [table.search(f"query {i}").limit(1).to_list_async() for i in range(16)]

        async def unrelated():
            # Unrelated reads go on meanwhile, each quickly.
            seconds = []
            for _ in range(20):
                started = time.perf_counter()
                await other.query().limit(100).to_arrow_async()
                seconds.append(time.perf_counter() - started)
            return seconds

        started = time.perf_counter()
        (results, reads), lags = await lags_while(
            asyncio.gather(asyncio.gather(*searches), unrelated())
        )
        return results, reads, lags, time.perf_counter() - started

    results, reads, lags, seconds = asyncio.run(main())
    print(
        f"\n16 searches embedding 0.2 s each on 4 threads: {seconds:.2f} s; loop lag max "
        f"{max(lags) * 1000:.1f} ms, p99 {percentile(lags, 0.99) * 1000:.1f} ms; unrelated "
        f"reads max {max(reads) * 1000:.1f} ms"
    )
    assert all(len(r) == 1 for r in results)
    assert seconds >= 0.8, "16 calls of 0.2 s on 4 threads take at least 0.8 s"
    # Blocking the loop would stop it for a whole 0.2 s call (see test_api_async for the
    # bounds on this shared 2-core machine).
    assert max(lags) < 0.1
    assert max(reads) < 0.15


def _child_search(path, queue):
    table = shoal.connect(path)["t"]
    table.add([{"text": "the owl in the child"}])
    queue.put(nearest(table, "owl"))


def test_a_registered_function_works_in_a_forked_child(tmp_path):
    shoal.embedding.register("words", Counting)
    table = shoal.connect(tmp_path / "db").create_table(
        "t", [{"text": "a fox"}], embeddings=[EmbeddingDefinition("text", "v", "words")]
    )
    assert nearest(table, "fox") == "a fox"  # the parent's pool exists before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_search, args=(str(tmp_path / "db"), queue))
    child.start()
    child.join(60)
    assert child.exitcode == 0, f"the child hung or failed (exit code {child.exitcode})"
    assert queue.get(timeout=5) == "the owl in the child"


class SentenceTransformers:
    """all-MiniLM-L6-v2 through the sentence-transformers library (PyTorch)."""

    def __init__(self, path: str) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path, device="cpu")
        dimension = getattr(self.model, "get_embedding_dimension", None)
        self.dim = (dimension or self.model.get_sentence_embedding_dimension)()

    def __call__(self, texts):
        return self.model.encode(texts)


def test_sentence_transformers_as_a_python_function_agrees_with_shoal_s_own(db, minilm_dir):  # noqa: F811
    shoal.embedding.register("st-python", SentenceTransformers)
    python = EmbeddingDefinition("text", "vector", "st-python", {"path": minilm_dir})
    candle = EmbeddingDefinition("text", "vector", "sentence-transformers", {"model": minilm_dir})
    rows = [{"id": i, "text": t} for i, t in enumerate(TEXTS)]
    ours = db.create_table("python", rows, embeddings=[python]).query().to_arrow()
    theirs = db.create_table("candle", rows, embeddings=[candle]).query().to_arrow()

    def matrix(table):
        ordered = table.sort_by("id")
        return np.array(ordered.column("vector").to_pylist(), dtype=np.float32)

    a, b = matrix(ours), matrix(theirs)
    cosines = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert cosines.min() >= 0.999
    table = db["python"]
    assert nearest(table, "someone on horseback") == TEXTS[1]
