"""Shoal's exceptions: one class per kind of failure of the Rust API (`shoal::ErrorKind`).

Each is a `ShoalError`, and also the builtin exception a Python user would catch for that
kind of failure where there is one: `except FileNotFoundError` catches a missing table,
`except ValueError` a bad filter.
"""


class ShoalError(Exception):
    """Any error Shoal raises."""


class NotFoundError(ShoalError, FileNotFoundError):
    """A table, version, tag or row that does not exist."""


TableNotFoundError = NotFoundError
"""A missing table is a `NotFoundError` (the name reads well in an `except`)."""


class AlreadyExistsError(ShoalError, FileExistsError):
    """A table or tag that already exists where one was to be created."""


class InvalidInputError(ShoalError, ValueError):
    """An argument the call cannot use: a bad name, filter, expression, schema, type or
    option. Nothing was changed."""


class ConflictError(ShoalError):
    """Another writer committed a change this one cannot be combined with; reload with
    `checkout_latest()` and retry."""


class CorruptError(ShoalError):
    """Bytes read from storage are not what Shoal wrote: a damaged or foreign file."""


class StorageError(ShoalError, OSError):
    """The store failed a request (network, permissions, credentials, a missing object)."""


class ExecutionError(ShoalError):
    """A query failed while it ran (a division by zero, a value that does not cast)."""


class CancelledError(ShoalError):
    """The call was abandoned before it finished (its runtime shut down or it was aborted).
    Not `asyncio.CancelledError`: an awaitable that asyncio cancels raises that one."""


class InternalError(ShoalError, RuntimeError):
    """A call the threading model forbids, or a bug in Shoal (a panic, caught)."""
