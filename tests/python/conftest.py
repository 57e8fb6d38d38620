"""Shared fixtures: the `shoal` binary under test and a helper to run it."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def shoal_bin():
    path = Path(os.environ.get("SHOAL_BIN", ROOT / "target" / "debug" / "shoal"))
    if not path.exists():
        pytest.fail(f"shoal binary not found at {path}; build it with `cargo build -p shoal-cli`")
    return path


@pytest.fixture
def shoal(shoal_bin):
    """Runs `shoal ARGS...`; returns the CompletedProcess (never raises on failure)."""

    def run(*args, check=True):
        proc = subprocess.run([str(shoal_bin), *map(str, args)], capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"shoal {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}"
            )
        return proc

    return run


@pytest.fixture
def s3_bucket():
    """The S3 test server's bucket (scripts/test.sh starts the server and exports its
    environment); skipped without one, except in CI, where it must be there."""
    bucket = os.environ.get("SHOAL_TEST_S3_BUCKET")
    if not bucket:
        if os.environ.get("CI"):
            pytest.fail(
                "CI is set but SHOAL_TEST_S3_BUCKET is not (scripts/test.sh starts the server)"
            )
        pytest.skip(
            "no S3 test server (run scripts/s3-server.sh start and export target/s3-test.env)"
        )
    return bucket


@pytest.fixture
def db(tmp_path):
    """A connection to an empty directory (the Python API)."""
    import shoal

    return shoal.connect(tmp_path / "db")
