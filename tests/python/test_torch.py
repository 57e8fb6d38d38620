"""`shoal.torch` with real PyTorch: DataLoaders of 2 and 4 workers started by fork, spawn
and forkserver read every row exactly once per epoch from tables on local disk and on the
S3 test server; 50 forked DataLoader runs in a row finish, each under a watchdog; the map
dataset's batched takes; permutations (splits, seeds, clumps, outputs) and bad input."""

import os
import subprocess
import sys
import textwrap
import uuid

import numpy as np
import pyarrow as pa
import pytest
import shoal
from api_helpers import rows

torch = pytest.importorskip("torch")
import shoal.torch as st  # noqa: E402  (after the skip: it needs torch)
from torch.utils.data import DataLoader  # noqa: E402

ROWS = 1000
#: Seconds a DataLoader waits for a worker's batch before it fails the test.
BATCH_TIMEOUT = 120
START_METHODS = ["fork", "spawn", "forkserver"]

# 4 workers on a 2-core machine is what the test asks for.
pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create")


def fill(db, name="t"):
    """`ROWS` rows in fragments of uneven sizes, some rows deleted and put back."""
    table = db.create_table(name, rows(0, 100))
    for start, stop in [(100, 130), (130, 500), (500, 510), (510, ROWS)]:
        table.add(rows(start, stop))
    table.delete("id >= 120 AND id < 125")
    table.add(rows(120, 125))
    return table


@pytest.fixture
def local_table(tmp_path):
    return fill(shoal.connect(tmp_path / "db"))


@pytest.fixture
def s3_table(s3_bucket):
    db = shoal.connect(f"s3://{s3_bucket}/python-torch-{uuid.uuid4().hex}")
    table = fill(db)
    yield table
    db.drop_table("t")


@pytest.fixture(params=["local", "s3"])
def table(request):
    return request.getfixturevalue(f"{request.param}_table")


def epoch_ids(dataset, workers, method, **loader):
    """The ids of one epoch through a DataLoader."""
    loader = DataLoader(
        dataset,
        num_workers=workers,
        multiprocessing_context=method if workers else None,
        timeout=BATCH_TIMEOUT if workers else 0,
        **({"batch_size": None} | loader),
    )
    return np.concatenate([batch["id"] for batch in loader]).tolist()


@pytest.mark.parametrize("method", START_METHODS)
@pytest.mark.parametrize("workers", [2, 4])
def test_fragment_dataset_reads_every_row_once_per_epoch(table, workers, method):
    dataset = st.FragmentDataset(table, columns=["id", "vector"], batch_size=64, output="numpy")
    ids = epoch_ids(dataset, workers, method)
    assert sorted(ids) == list(range(ROWS))


@pytest.mark.parametrize("method", START_METHODS)
def test_permutation_reads_its_split_once_per_epoch(tmp_path, table, method):
    db = shoal.connect(tmp_path / "perms")
    perm = st.Permutation.build(table, db, "p", seed=3, ratios=[0.7, 0.3], clump_size=8)
    first, second = (st.Permutation(table, perm, split=s).offsets for s in (0, 1))
    assert (len(first), len(second)) == (700, 300)
    assert sorted(np.concatenate([first, second]).tolist()) == list(range(ROWS))
    ids = table.query().select(["id"]).to_arrow().column("id").to_numpy()
    dataset = st.Permutation(table, perm, split=0, batch_size=50, output="numpy")
    assert sorted(epoch_ids(dataset, 2, method)) == sorted(ids[first].tolist())


@pytest.mark.parametrize("method", START_METHODS)
def test_take_dataset_batches_are_one_take(local_table, method):
    dataset = st.TakeDataset(local_table, columns=["id", "label"])
    loader = DataLoader(
        dataset,
        batch_size=32,
        shuffle=True,
        num_workers=2,
        multiprocessing_context=method,
        collate_fn=st.keep_batch,
        timeout=BATCH_TIMEOUT,
    )
    batches = list(loader)
    assert all(len(b["label"]) == len(b["id"]) for b in batches)
    assert sorted(torch.cat([b["id"] for b in batches]).tolist()) == list(range(ROWS))


def test_one_process_reads_in_order_and_splits_exactly(local_table):
    dataset = st.FragmentDataset(local_table, batch_size=100)
    batches = list(dataset)
    assert [len(b["id"]) for b in batches] == [100] * 10
    table_order = local_table.query().select(["id"]).to_arrow().column("id").to_pylist()
    assert torch.cat([b["id"] for b in batches]).tolist() == table_order
    for shards in (3, 7):
        pieces = [p for i in range(shards) for p in dataset.pieces_for(i, shards)]
        rows = {fragment_id: rows for fragment_id, rows in local_table.fragments()}
        covered = {f: sorted((s, n) for g, s, n in pieces if g == f) for f in rows}
        for fragment_id, spans in covered.items():  # every row of every fragment, once
            ends = [0] + [s + n for s, n in spans]
            assert [s for s, _ in spans] == ends[:-1] and ends[-1] == rows[fragment_id]


def test_one_big_fragment_feeds_every_worker(tmp_path):
    table = shoal.connect(tmp_path / "db").create_table("t", rows(0, ROWS))
    assert len(table.fragments()) == 1
    dataset = st.FragmentDataset(table, batch_size=64, output="numpy", filter="id % 3 = 0")
    shares = [dataset.pieces_for(i, 4) for i in range(4)]
    assert all(len(share) == 1 for share in shares)
    ids = epoch_ids(dataset, 4, "fork")
    assert sorted(ids) == list(range(0, ROWS, 3))


def test_distributed_ranks_share_an_epoch(local_table, monkeypatch):
    """With torch.distributed initialized, each rank reads its own share (a rank's
    workers split it further): two ranks of one process group, as each would see itself."""
    perm = st.Permutation.build(local_table, local_table_db(local_table), "p", seed=2)
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.distributed, "get_world_size", lambda: 2)
    for dataset in (
        st.FragmentDataset(local_table, output="numpy"),
        st.Permutation(local_table, perm, batch_size=64, output="numpy"),
    ):
        shares = []
        for rank in (0, 1):
            monkeypatch.setattr(torch.distributed, "get_rank", lambda rank=rank: rank)
            assert st.shard() == (rank, 2)
            shares.append(np.concatenate([b["id"] for b in dataset]).tolist())
        assert shares[0] and shares[1]
        assert sorted(shares[0] + shares[1]) == list(range(ROWS))


def test_outputs_are_tensors_arrays_or_arrow(local_table):
    perm = st.Permutation.build(local_table, local_table_db(local_table), "p", seed=1)
    as_torch = next(iter(st.Permutation(local_table, perm, batch_size=16)))
    assert as_torch["id"].dtype == torch.int64 and as_torch["vector"].shape == (16, 8)
    assert as_torch["vector"].dtype == torch.float32
    assert isinstance(as_torch["label"], list) and len(as_torch["label"]) == 16
    as_numpy = next(iter(st.Permutation(local_table, perm, batch_size=16, output="numpy")))
    assert as_numpy["vector"].shape == (16, 8) and as_numpy["label"].dtype == object
    as_arrow = next(iter(st.Permutation(local_table, perm, batch_size=16, output="arrow")))
    assert isinstance(as_arrow, pa.RecordBatch) and as_arrow.num_rows == 16
    assert as_arrow.column("id").to_pylist() == as_torch["id"].tolist()
    single = st.TakeDataset(local_table)[-1]
    assert single["id"].tolist() == [local_table.take_offsets([ROWS - 1])["id"][0].as_py()]


def local_table_db(table):
    return shoal.connect(os.path.dirname(table.uri))


def test_permutations_are_seeded_split_and_clumped(local_table):
    db = local_table_db(local_table)

    def splits(name, count=1, **options):
        perm = st.Permutation.build(local_table, db, name, **options)
        return [st.Permutation(local_table, perm, split=s).offsets for s in range(count)]

    [same] = splits("a", seed=5)
    assert same.tolist() == splits("b", seed=5)[0].tolist()
    assert same.tolist() != splits("c", seed=6)[0].tolist()
    assert sorted(same.tolist()) == list(range(ROWS))

    [clumped] = splits("d", seed=5, clump_size=10)
    runs = clumped.reshape(-1, 10)
    assert (np.diff(runs, axis=1) == 1).all() and (runs[:, 0] % 10 == 0).all()
    assert sorted(clumped.tolist()) == list(range(ROWS))

    counted = splits("e", 2, seed=1, counts=[100, 250])
    assert [len(c) for c in counted] == [100, 250]
    assert not set(counted[0].tolist()) & set(counted[1].tolist())

    first, second = splits("f", 2, split_by="sequential", ratios=[0.5, 0.5], shuffle=False)
    assert first.tolist() == list(range(500)) and second.tolist() == list(range(500, 1000))
    shuffled = splits("g", 2, split_by="sequential", ratios=[0.5, 0.5])
    assert sorted(shuffled[0].tolist()) == list(range(500))
    assert shuffled[0].tolist() != list(range(500))

    labels = local_table.query().select(["label"]).to_arrow().column("label").to_pylist()
    by_label = splits("h", 2, split_by="hash", column="label", ratios=[0.5, 0.5])
    assert len(by_label[0]) + len(by_label[1]) == ROWS
    assert {labels[i] for i in by_label[0]}.isdisjoint({labels[i] for i in by_label[1]})
    by_id = splits("i", 2, split_by="hash", column="id", ratios=[0.5, 0.5])
    assert sorted(np.concatenate(by_id).tolist()) == list(range(ROWS))
    assert 350 < len(by_id[0]) < 650
    assert (
        by_id[0].tolist()
        != splits("j", 1, split_by="hash", column="id", ratios=[0.5], seed=9)[0].tolist()
    )
    assert sorted(by_id[0].tolist()) == sorted(
        splits("k", 1, split_by="hash", column="id", ratios=[0.5], seed=9)[0].tolist()
    )


@pytest.mark.parametrize(
    "options",
    [
        {"ratios": [0.8, 0.3]},
        {"ratios": [-0.1]},
        {"counts": [600, 500]},
        {"ratios": [0.5], "counts": [1]},
        {"split_by": "alphabetical"},
        {"split_by": "hash", "ratios": [0.5]},
        {"split_by": "hash", "column": "id", "counts": [1]},
        {"clump_size": 0},
    ],
)
def test_bad_permutations_are_refused_and_write_nothing(local_table, options):
    db = local_table_db(local_table)
    with pytest.raises(shoal.InvalidInputError):
        st.Permutation.build(local_table, db, "bad", **options)
    assert "bad" not in db.table_names()


def test_bad_dataset_options_are_refused(local_table):
    db = local_table_db(local_table)
    perm = st.Permutation.build(local_table, db, "p")
    with pytest.raises(shoal.InvalidInputError, match="output"):
        st.FragmentDataset(local_table, output="pandas")
    with pytest.raises(shoal.InvalidInputError, match="batch_size"):
        st.Permutation(local_table, perm, batch_size=0)
    with pytest.raises(shoal.InvalidInputError, match="not a permutation"):
        st.Permutation(local_table, local_table)
    local_table.add(rows(ROWS, ROWS + 1))
    with pytest.raises(shoal.InvalidInputError, match="version"):
        st.Permutation(local_table, perm)
    with pytest.raises(IndexError):
        st.TakeDataset(local_table)[ROWS + 1]


FORK_RUNS = """
import faulthandler, sys
import numpy as np
import shoal, shoal.torch as st
from torch.utils.data import DataLoader

table = shoal.connect(sys.argv[1]).open_table("t")
dataset = st.FragmentDataset(table, columns=["id"], batch_size=32, output="numpy")
rows = table.count_rows()
for run in range(50):
    faulthandler.dump_traceback_later(30, exit=True)  # the watchdog of one run
    loader = DataLoader(dataset, batch_size=None, num_workers=2,
                        multiprocessing_context="fork", timeout=30)
    ids = np.concatenate([b["id"] for b in loader])
    assert sorted(ids.tolist()) == list(range(rows)), run
    faulthandler.cancel_dump_traceback_later()
print("ok")
"""


def test_fifty_forked_dataloader_runs_in_a_row_finish(local_table):
    """Each run has 30 s (a watchdog prints every thread's stack and exits); the whole
    subprocess has a timeout too."""
    script = textwrap.dedent(FORK_RUNS)
    db_uri = os.path.dirname(local_table.uri)
    done = subprocess.run(
        [sys.executable, "-c", script, db_uri], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


def test_shoal_imports_without_torch():
    """Only `shoal.torch` needs PyTorch."""
    script = (
        "import sys; sys.modules['torch'] = None\n"
        "import shoal\n"
        "assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
        "try:\n"
        "    import shoal.torch\n"
        "except ImportError:\n"
        "    print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr
