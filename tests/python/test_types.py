"""Every Arrow type users bring (decimals, fixed-size binary, maps, null, times, durations,
intervals, dictionaries, views, list views, extension types), made by pyarrow, polars and
DuckDB, through `shoal import` and `shoal export` to Parquet and Arrow IPC: values, nulls and
schema come back equal. Filters on the new types count what DuckDB counts.

Parquet cannot hold every type exactly; those columns (`PARQUET_INEXACT`) are checked through
Arrow IPC only, as docs/format.md says.
"""

import datetime
import decimal
import random
import uuid

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

ROWS = 300

# Columns Parquet (through arrow-rs, which `shoal export` writes with) cannot hold exactly.
PARQUET_INEXACT = {
    "ts_s",  # timestamp[s] is written in milliseconds (the unit is restored from the schema)
    "t32_s",  # time32[s]: no Parquet time in seconds; pyarrow reads it back as int32
    "interval",  # month_day_nano_interval has no Parquet type
    "date64",  # written as Parquet DATE (days), which pyarrow reads back as date32
}

# Columns pyarrow itself cannot write to Parquet (the input file of the Parquet test).
PYARROW_CANNOT_WRITE = {
    "category_view",  # a dictionary of string views (Polars' categoricals)
}


def maybe(rng, value, null_rate=0.2):
    return None if rng.random() < null_rate else value


def pyarrow_table(rows=ROWS, seed=1, sort_prices=False):
    rng = random.Random(seed)
    cents = [maybe(rng, rng.randrange(-100_000, 100_000)) for _ in range(rows)]
    if sort_prices:
        cents = sorted(c for c in cents if c is not None) + [c for c in cents if c is None]
    prices = [None if c is None else decimal.Decimal(c).scaleb(-2) for c in cents]
    ids = [maybe(rng, uuid.UUID(int=rng.getrandbits(128)).bytes) for _ in range(rows)]
    attrs = [
        maybe(rng, [(k, rng.randrange(100)) for k in rng.sample("abcdk", rng.randrange(0, 4))])
        for _ in range(rows)
    ]
    seconds = [maybe(rng, rng.randrange(86_400)) for _ in range(rows)]
    words = ["red", "green", "blue", "a string longer than twelve bytes"]
    columns = {
        "price": pa.array(prices, pa.decimal128(10, 2)),
        "big": pa.array(
            [None if c is None else decimal.Decimal(c) * 10**40 for c in cents],
            pa.decimal256(60, 5),
        ),
        "hash": pa.array([maybe(rng, rng.randbytes(16)) for _ in range(rows)], pa.binary(16)),
        "id": pa.ExtensionArray.from_storage(pa.uuid(), pa.array(ids, pa.binary(16))),
        "doc": pa.ExtensionArray.from_storage(
            pa.json_(), pa.array([maybe(rng, f'{{"n": {i}}}') for i in range(rows)])
        ),
        "attrs": pa.array(attrs, pa.map_(pa.string(), pa.int32())),
        "sorted_attrs": pa.array(
            [None if a is None else sorted(a) for a in attrs],
            pa.map_(pa.string(), pa.int32(), keys_sorted=True),
        ),
        "nothing": pa.nulls(rows),
        "t32_s": pa.array(seconds, pa.time32("s")),
        "t32_ms": pa.array([None if s is None else s * 1000 for s in seconds], pa.time32("ms")),
        "t64_us": pa.array([None if s is None else s * 10**6 for s in seconds], pa.time64("us")),
        "t64_ns": pa.array(
            [None if s is None else s * 10**9 + 7 for s in seconds], pa.time64("ns")
        ),
        "date64": pa.array(
            [maybe(rng, rng.randrange(-1000, 20000) * 86_400_000) for _ in range(rows)], pa.date64()
        ),
        "ts_s": pa.array(
            [maybe(rng, rng.randrange(2**31)) for _ in range(rows)], pa.timestamp("s")
        ),
        "interval": pa.array(
            [
                maybe(
                    rng,
                    pa.MonthDayNano(
                        [rng.randrange(-5, 5), rng.randrange(40), rng.randrange(10**12)]
                    ),
                )
                for _ in range(rows)
            ],
            pa.month_day_nano_interval(),
        ),
        "category": pa.array(
            [maybe(rng, rng.choice(words)) for _ in range(rows)]
        ).dictionary_encode(),
        "text_view": pa.array(
            [maybe(rng, rng.choice(words) * rng.randrange(3)) for _ in range(rows)],
            pa.string_view(),
        ),
        "bytes_view": pa.array(
            [maybe(rng, rng.randbytes(rng.randrange(30))) for _ in range(rows)], pa.binary_view()
        ),
        "list_view": pa.array(
            [maybe(rng, [rng.randrange(9) for _ in range(rng.randrange(4))]) for _ in range(rows)],
            pa.list_view(pa.int32()),
        ),
        "large_list": pa.array(
            [maybe(rng, [rng.randrange(9)] * rng.randrange(3)) for _ in range(rows)],
            pa.large_list(pa.int64()),
        ),
        "null_list": pa.array(
            [maybe(rng, [None] * rng.randrange(3)) for _ in range(rows)], pa.list_(pa.null())
        ),
        "nested": pa.array(
            [maybe(rng, {"amount": p, "tag": rng.randbytes(4)}) for p in prices],
            pa.struct([("amount", pa.decimal128(10, 2)), ("tag", pa.binary(4))]),
        ),
        "map_of_structs": pa.array(
            [maybe(rng, [("k", {"d": p})]) for p in prices],
            pa.map_(pa.string(), pa.struct([("d", pa.decimal128(10, 2))])),
        ),
    }
    return pa.table(columns)


def polars_table(rows=ROWS, seed=2):
    rng = random.Random(seed)
    frame = pl.DataFrame(
        {
            "price": pl.Series(
                [
                    maybe(rng, decimal.Decimal(rng.randrange(-(10**6), 10**6)).scaleb(-2))
                    for _ in range(rows)
                ],
                dtype=pl.Decimal(12, 2),
            ),
            "text": [
                maybe(rng, rng.choice(["a", "bb", "a string longer than twelve bytes"]))
                for _ in range(rows)
            ],
            "blob": [maybe(rng, rng.randbytes(rng.randrange(20))) for _ in range(rows)],
            "category_view": pl.Series(
                [maybe(rng, rng.choice("xyz")) for _ in range(rows)], dtype=pl.Categorical
            ),
            "t": [
                maybe(rng, datetime.time(rng.randrange(24), rng.randrange(60))) for _ in range(rows)
            ],
            "wait": [
                maybe(rng, datetime.timedelta(seconds=rng.randrange(10**6))) for _ in range(rows)
            ],
            "items": [maybe(rng, [rng.randrange(5)] * rng.randrange(3)) for _ in range(rows)],
        }
    )
    # The newest compatibility level hands strings and binary over as views, as Polars does
    # for zero-copy exchange.
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def duckdb_table(rows=ROWS):
    con = duckdb.connect()
    con.execute("SET arrow_lossless_conversion = true")
    return con.sql(
        f"""
        SELECT
            CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 37 % 2000 - 1000) / 100 END::DECIMAL(10, 2) AS price,
            CASE WHEN i % 5 = 0 THEN NULL ELSE md5(i::VARCHAR)::UUID END AS id,
            CASE WHEN i % 6 = 0 THEN NULL ELSE map(['k', 'j'], [i % 10, i]) END AS attrs,
            CASE WHEN i % 4 = 0 THEN NULL ELSE to_days(i) + to_seconds(i) END AS interval,
            CASE WHEN i % 3 = 0 THEN NULL ELSE make_time(i % 24, i % 60, 1.5) END AS t,
            i::HUGEINT * 10000000000000 AS huge,
            CASE WHEN i % 8 = 0 THEN NULL ELSE ('{{"n": ' || i || '}}')::JSON END AS doc,
            CASE WHEN i % 2 = 0 THEN NULL ELSE [i, i + 1] END AS pair
        FROM range({rows}) r(i)
        """
    ).to_arrow_table()


SOURCES = {"pyarrow": pyarrow_table, "polars": polars_table, "duckdb": duckdb_table}


def write(table, path):
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        with ipc.new_file(path, table.schema) as w:
            w.write_table(table, max_chunksize=100)


def read(path):
    if path.suffix == ".parquet":
        return pq.read_table(path)
    with ipc.open_file(path) as r:
        return r.read_all()


def assert_same(got, want):
    differ = [
        f"{g} != {w}" for g, w in zip(got.schema, want.schema, strict=True) if not g.equals(w)
    ]
    assert not differ, differ
    for name in want.column_names:
        assert got.column(name).equals(want.column(name)), name


@pytest.mark.parametrize("source", SOURCES)
def test_every_type_round_trips_through_ipc(shoal, tmp_path, source):
    table = SOURCES[source]()
    write(table, tmp_path / "in.arrow")
    shoal("import", tmp_path / "in.arrow", tmp_path / "ds", "--page-size", 1024)
    shoal("export", tmp_path / "ds", tmp_path / "out.arrow")
    assert_same(read(tmp_path / "out.arrow"), table)


@pytest.mark.parametrize("source", SOURCES)
def test_every_type_parquet_holds_round_trips_through_parquet(shoal, tmp_path, source):
    table = SOURCES[source]()
    unwritable = PARQUET_INEXACT | PYARROW_CANNOT_WRITE
    table = table.drop_columns([c for c in table.column_names if c in unwritable])
    write(table, tmp_path / "in.parquet")
    shoal("import", tmp_path / "in.parquet", tmp_path / "ds")
    shoal("export", tmp_path / "ds", tmp_path / "out.parquet")
    shoal("export", tmp_path / "ds", tmp_path / "out.arrow")
    assert_same(read(tmp_path / "out.arrow"), table)
    assert_same(read(tmp_path / "out.parquet"), table)


@pytest.fixture(scope="module")
def filtered(shoal_bin, tmp_path_factory):
    """A dataset of pyarrow's table, sorted by price so that page statistics prune, and the
    Parquet file DuckDB reads the same rows from."""
    import subprocess

    tmp = tmp_path_factory.mktemp("types_filters")
    table = pyarrow_table(rows=3000, seed=3, sort_prices=True)
    table = table.drop_columns([c for c in table.column_names if c in PARQUET_INEXACT])
    pq.write_table(table, tmp / "t.parquet")
    subprocess.run(
        [str(shoal_bin), "import", tmp / "t.parquet", tmp / "ds", "--page-size", "2048"],
        check=True,
        capture_output=True,
    )
    return table, tmp / "t.parquet", tmp / "ds"


def hex_of(value):
    return value.hex()


def filter_cases(table):
    rng = random.Random(4)
    hashes = [h for h in table.column("hash").to_pylist() if h is not None]
    ids = [i.bytes for i in table.column("id").to_pylist() if i is not None]
    h, i = rng.choice(hashes), rng.choice(ids)
    duck_blob = "".join(f"\\x{b:02X}" for b in h)
    return [
        # (Shoal's DataFusion SQL, DuckDB's SQL)
        ("price > 10.50", "price > 10.50"),
        ("price <= -250.25 OR price IS NULL", "price <= -250.25 OR price IS NULL"),
        ("big > 0", "big > 0"),
        ("map_extract(attrs, 'k')[1] > 50", "map_extract(attrs, 'k')[1] > 50"),
        ("cardinality(attrs) = 2", "cardinality(attrs) = 2"),
        (f"hash = X'{hex_of(h)}'", f"hash = '{duck_blob}'::BLOB"),
        (f"id = X'{hex_of(i)}'", f"id = '{uuid.UUID(bytes=i)}'::UUID"),
        ("t64_us > '12:00:00'", "t64_us > TIME '12:00:00'"),
        ("t32_ms < '01:00:00'", "t32_ms < TIME '01:00:00'"),
        ("category = 'red'", "category = 'red'"),
        ("text_view LIKE 'blue%'", "text_view LIKE 'blue%'"),
        ("nested.amount > 100", "nested.amount > 100"),
        ("nothing IS NULL", "nothing IS NULL"),
    ]


def test_filters_on_new_types_count_what_duckdb_counts(shoal, filtered):
    table, parquet, ds = filtered
    con = duckdb.connect()
    for ours, theirs in filter_cases(table):
        want = con.execute(
            f"SELECT count(*) FROM read_parquet('{parquet}') WHERE {theirs}"
        ).fetchone()[0]
        got = int(shoal("count", ds, "--where", ours).stdout)
        assert got == want, f"{ours}: shoal {got}, duckdb {want}"
        assert 0 < want < table.num_rows or ours == "nothing IS NULL", f"{theirs} matches {want}"
