"""The CLI's embedding functions: `import --embed` computes a vector column from a text column
and keeps how in the dataset, an append computes it the same way, `search --text` embeds the
query with it, and a bad spec is one clear line."""

import json

import pyarrow as pa
import pyarrow.parquet as pq


def test_import_embeds_text_and_search_finds_it_by_text(shoal, tmp_path):
    texts = ["a red fox jumps", "a blue whale sings", None, "green grass grows"]
    pq.write_table(pa.table({"id": range(4), "text": texts}), tmp_path / "a.parquet")
    dataset = tmp_path / "ds"
    shoal("import", tmp_path / "a.parquet", dataset, "--embed", "text=vector:hash:dim=32")
    pq.write_table(pa.table({"id": [4], "text": ["the grey cat sleeps"]}), tmp_path / "b.parquet")
    shoal("import", tmp_path / "b.parquet", dataset, "--mode", "append")

    def nearest(text):
        out = shoal("search", dataset, "--text", text, "-k", "1", "--json").stdout
        return json.loads(out.splitlines()[0])["text"]

    assert nearest("whale") == "a blue whale sings"
    assert nearest("CAT") == "the grey cat sleeps"
    rows = [json.loads(line) for line in shoal("scan", dataset, "--json").stdout.splitlines()]
    assert [r.get("vector") is None for r in rows] == [False, False, True, False, False]


def test_a_bad_embedding_spec_is_one_clear_line(shoal, tmp_path):
    pq.write_table(pa.table({"text": ["x"]}), tmp_path / "a.parquet")
    proc = shoal("import", tmp_path / "a.parquet", tmp_path / "ds", "--embed", "text", check=False)
    assert proc.returncode == 2
    assert "SOURCE=VECTOR:FUNCTION" in proc.stderr
    proc = shoal(
        "import", tmp_path / "a.parquet", tmp_path / "ds", "--embed", "text=v:nope", check=False
    )
    assert proc.returncode == 1
    assert "no embedding function named 'nope'" in proc.stderr


def test_run_options_in_the_spec_are_kept_apart_from_the_functions_parameters(shoal, tmp_path):
    pq.write_table(pa.table({"text": ["x", "y"]}), tmp_path / "a.parquet")
    dataset = tmp_path / "ds"
    spec = "text=vector:hash:dim=8,threads=2,batch_size=16"
    shoal("import", tmp_path / "a.parquet", dataset, "--embed", spec)
    info = shoal("info", dataset).stdout
    assert 'embeddings:  text -> vector by hash {"dim":8} (16 texts a call, 2 thread(s))' in info
    metadata = json.loads(shoal("info", dataset, "--json").stdout)["schema_metadata"]
    [definition] = json.loads(metadata["shoal:embeddings"])
    assert definition["params"] == {"dim": 8}
    assert definition["options"]["threads"] == 2 and definition["options"]["batch_size"] == 16


def test_a_run_option_that_is_not_a_whole_number_is_one_clear_line(shoal, tmp_path):
    pq.write_table(pa.table({"text": ["x"]}), tmp_path / "a.parquet")
    spec = "text=vector:hash:dim=8,threads=many"
    proc = shoal("import", tmp_path / "a.parquet", tmp_path / "ds", "--embed", spec, check=False)
    assert proc.returncode == 2
    assert "bad run option" in proc.stderr
    assert not (tmp_path / "ds").exists()
