"""A table opened in a parent process keeps working in a forked child (PyTorch DataLoader
workers fork), through `os.fork` and `multiprocessing`'s fork context, on local disk and
on the S3 test server: Shoal's runtimes and connection pools are rebuilt in the child, and
awaited calls work on the child's own event loop."""

import asyncio
import multiprocessing
import os
import sys
import uuid

import pytest
import shoal
from api_helpers import rows

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")


def use_in_child(table) -> str:
    """What a child does with its parent's table; returns "" or what went wrong."""
    try:
        assert table.count_rows() == 100
        assert table.query().where("id < 10").to_arrow().num_rows == 10
        assert table.search(rows(5, 6).column("vector")[0].values).limit(1).to_list()[0]["id"] == 5
        assert table.take_offsets([42], columns=["id"]).column("id").to_pylist() == [42]
        # Awaited calls, on a loop of the child's own.
        assert asyncio.run(table.query().where("id < 10").to_arrow_async()).num_rows == 10
        return ""
    except BaseException as error:  # reported to the parent, which fails the test
        return f"{type(error).__name__}: {error}"


def use_in_parent(table):
    """Starts the parent's runtimes and gives it an event loop's state, before it forks."""
    table.count_rows()
    assert asyncio.run(table.query().where("id < 5").to_arrow_async()).num_rows == 5


def check_os_fork(table):
    use_in_parent(table)
    pid = os.fork()
    if pid == 0:
        problem = use_in_child(table)
        if problem:
            print(problem, file=sys.stderr)
        os._exit(1 if problem else 0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert table.count_rows() == 100  # and the parent goes on


def child_process(table, results):
    results.put(use_in_child(table))


def check_multiprocessing_fork(table):
    use_in_parent(table)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=child_process, args=(table, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    problems = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert problems == ["", ""]
    assert table.count_rows() == 100


@pytest.fixture
def local_table(db):
    return db.create_table("t", rows(0, 100))


@pytest.fixture
def s3_table(s3_bucket):
    db = shoal.connect(f"s3://{s3_bucket}/python-fork-{uuid.uuid4().hex}")
    table = db.create_table("t", rows(0, 100))
    yield table
    db.drop_table("t")


def test_os_fork_on_local_disk(local_table):
    check_os_fork(local_table)


def test_multiprocessing_fork_on_local_disk(local_table):
    check_multiprocessing_fork(local_table)


def test_os_fork_on_s3(s3_table):
    check_os_fork(s3_table)


def test_multiprocessing_fork_on_s3(s3_table):
    check_multiprocessing_fork(s3_table)
