"""A Parquet file written by pyarrow with every type Shoal stores goes through
`shoal import` and `shoal export` and reads back in pyarrow equal to the original:
values, nulls, schema and field metadata."""

import datetime

import pyarrow as pa
import pyarrow.parquet as pq


def every_type_table(n=1000):
    def nulls_every(k):
        return [i % k == 0 for i in range(n)]

    def arr(values, typ, k=7):
        mask = nulls_every(k)
        return pa.array([None if m else v for v, m in zip(values, mask)], type=typ)

    ints = list(range(n))
    cols = {
        "bool": arr([i % 3 == 0 for i in ints], pa.bool_()),
        "int8": arr([i % 100 - 50 for i in ints], pa.int8()),
        "int16": arr([i * 7 - 3000 for i in ints], pa.int16()),
        "int32": arr([i * 1000 - 7 for i in ints], pa.int32()),
        "int64": arr([i * 10**12 for i in ints], pa.int64()),
        "uint8": arr([i % 256 for i in ints], pa.uint8()),
        "uint16": arr([i * 60 for i in ints], pa.uint16()),
        "uint32": arr([i * 4_000_000 for i in ints], pa.uint32()),
        "uint64": arr([2**63 + i for i in ints], pa.uint64()),
        "float16": pa.array(
            [None if i % 5 == 0 else float(i) / 8 for i in ints], type=pa.float16()
        ),
        "float32": arr([i / 3 for i in ints], pa.float32()),
        "float64": arr([i / 7 for i in ints], pa.float64()),
        "utf8": arr([f"text {i} " + "é" * (i % 5) for i in ints], pa.string()),
        "large_utf8": arr(["x" * (i % 50) for i in ints], pa.large_string()),
        "binary": arr([bytes([i % 256]) * (i % 9) for i in ints], pa.binary()),
        "large_binary": arr([b"\x00\xff" * (i % 4) for i in ints], pa.large_binary()),
        "vector": pa.FixedSizeListArray.from_arrays(
            pa.array([float(i % 97) for i in range(n * 8)], type=pa.float32()),
            8,
            mask=pa.array(nulls_every(11)),
        ),
        "date32": arr(
            [datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in ints], pa.date32()
        ),
    }
    base = datetime.datetime(2024, 5, 17, 12, 30, 45, 123456)
    for unit in ["s", "ms", "us", "ns"]:
        for tz in [None, "UTC", "Europe/Paris"]:
            name = f"ts_{unit}_{tz or 'naive'}".replace("/", "_")
            values = [base + datetime.timedelta(seconds=i) for i in ints]
            if unit == "s":
                values = [v.replace(microsecond=0) for v in values]
            elif unit == "ms":
                values = [v.replace(microsecond=(v.microsecond // 1000) * 1000) for v in values]
            cols[name] = arr(values, pa.timestamp(unit, tz=tz))
    point = pa.struct([("x", pa.int32()), ("label", pa.string()), ("tags", pa.list_(pa.string()))])
    cols["struct"] = pa.array(
        [
            None
            if i % 13 == 0
            else {
                "x": i,
                "label": None if i % 4 == 0 else f"p{i}",
                "tags": [f"t{j}" for j in range(i % 3)],
            }
            for i in ints
        ],
        type=point,
    )
    cols["list_int"] = arr([list(range(i % 5)) for i in ints], pa.list_(pa.int64()))
    cols["list_of_struct"] = arr(
        [[{"a": j, "b": None if j % 2 else float(j)} for j in range(i % 4)] for i in ints],
        pa.list_(pa.struct([("a", pa.int16()), ("b", pa.float64())])),
    )
    cols["large_list_vectors"] = arr(
        [[[float(i), float(j)] for j in range(i % 3)] for i in ints],
        pa.large_list(pa.list_(pa.float32(), 2)),
    )
    table = pa.table(cols)
    fields = [
        f.with_metadata({"origin": f"column {f.name}"}) if f.name in ("vector", "utf8") else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def seconds_as_millis(field):
    if pa.types.is_timestamp(field.type) and field.type.unit == "s":
        return field.with_type(pa.timestamp("ms", tz=field.type.tz))
    return field


def test_every_type_round_trips_through_shoal(shoal, tmp_path):
    original = every_type_table()
    src = tmp_path / "src.parquet"
    pq.write_table(original, src, row_group_size=300)
    shoal("import", src, tmp_path / "t", "--page-size", "4096")

    # Parquet out: reads back equal to the original, but for timestamps in seconds, which
    # Parquet holds in milliseconds: pyarrow reads its own file back that way too.
    shoal("export", tmp_path / "t", tmp_path / "out.parquet")
    expected = original.cast(pa.schema([seconds_as_millis(f) for f in original.schema]))
    assert pq.read_table(src).schema.field("ts_s_UTC").type == pa.timestamp("ms", tz="UTC")
    back = pq.read_table(tmp_path / "out.parquet")
    assert back.schema.equals(expected.schema, check_metadata=True), (
        f"schema differs:\n{back.schema}\nvs\n{expected.schema}"
    )
    assert back.equals(expected)
    for name in original.column_names:
        assert back.column(name).null_count == original.column(name).null_count, name

    # Arrow IPC out: Shoal kept the exact types pyarrow started from, including timestamps
    # in seconds, which Parquet itself can only hold as milliseconds.
    shoal("export", tmp_path / "t", tmp_path / "out.arrow")
    with pa.ipc.open_file(tmp_path / "out.arrow") as f:
        exact = f.read_all()
    assert exact.schema.equals(original.schema, check_metadata=True), (
        f"schema differs:\n{exact.schema}\nvs\n{original.schema}"
    )
    assert exact.equals(original)


def test_compressed_files_round_trip(shoal, tmp_path):
    original = every_type_table(300)
    pq.write_table(original, tmp_path / "src.parquet")
    for codec in ["lz4", "zstd"]:
        dst = tmp_path / f"{codec}"
        shoal(
            "import", tmp_path / "src.parquet", dst, "--compression", codec, "--page-size", "2048"
        )
        shoal("export", dst, tmp_path / f"{codec}.arrow")
        with pa.ipc.open_file(tmp_path / f"{codec}.arrow") as f:
            assert f.read_all().equals(original)


def test_projection_and_other_formats(shoal, tmp_path):
    original = every_type_table(200)
    pq.write_table(original, tmp_path / "src.parquet")
    shoal("import", tmp_path / "src.parquet", tmp_path / "t")
    shoal("export", tmp_path / "t", tmp_path / "p.arrow", "--columns", "vector,int64")
    with pa.ipc.open_file(tmp_path / "p.arrow") as f:
        assert f.read_all().equals(original.select(["vector", "int64"]))
    shoal("export", tmp_path / "t", tmp_path / "p.arrows", "--columns", "struct")
    with pa.ipc.open_stream(tmp_path / "p.arrows") as f:
        assert f.read_all().equals(original.select(["struct"]))
    shoal("export", tmp_path / "t", tmp_path / "p.csv", "--columns", "int32,utf8")
    import pyarrow.csv as pcsv

    csv = pcsv.read_csv(tmp_path / "p.csv")
    assert csv.column("int32").to_pylist() == original.column("int32").to_pylist()


def test_import_from_ipc_stream_and_csv(shoal, tmp_path):
    table = pa.table(
        {"id": pa.array(range(5000), pa.int64()), "name": pa.array([f"n{i}" for i in range(5000)])}
    )
    with pa.ipc.new_stream(tmp_path / "s.arrows", table.schema) as w:
        w.write_table(table, max_chunksize=1000)
    shoal("import", tmp_path / "s.arrows", tmp_path / "a")
    table.to_pandas().to_csv(tmp_path / "s.csv", index=False)
    shoal("import", tmp_path / "s.csv", tmp_path / "b")
    for name in ["a", "b"]:
        shoal("export", tmp_path / f"{name}", tmp_path / f"{name}.parquet")
        assert pq.read_table(tmp_path / f"{name}.parquet").equals(table)


def test_dictionary_columns_keep_their_type(shoal, tmp_path):
    table = pa.table({"cat": pa.array(["a", "b", None, "a"] * 100).dictionary_encode()})
    pq.write_table(table, tmp_path / "d.parquet")
    proc = shoal("import", tmp_path / "d.parquet", tmp_path / "d")
    assert "note:" not in proc.stderr
    shoal("export", tmp_path / "d", tmp_path / "d2.parquet")
    back = pq.read_table(tmp_path / "d2.parquet").column("cat")
    assert back.type == table.column("cat").type
    assert back.to_pylist() == table.column("cat").to_pylist()
