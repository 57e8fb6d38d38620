//! `file_bench phases`: where the time of a take and of a scan goes, phase by phase.
//!
//! Not a benchmark case (nothing here is compared with Parquet): it re-does what
//! `FileReader::take` and `FileReader::stream` do, through the same public pieces
//! (`plan_take` / `plan_rows`, `ReadPlan::missing_ranges`, `ObjectReader::read_ranges`,
//! `ReadPlan::decode`), but one phase at a time on one thread, timing each, counting the
//! byte ranges and bytes every I/O round asks for, and decoding a second time without page
//! checksum verification to isolate its cost. The sum of the phases is close to, but not
//! the same as, the pipelined calls the benchmark cases time.

use std::time::Instant;

use serde_json::{json, Map, Value};
use shoal::advanced::FileReader;
use shoal_format::{Fetched, ReadPlan};
use shoal_io::{resolve, ObjectReader};

use shoal_benches::anchors::IndexSets;
use shoal_benches::measure::Summary;

/// Timings of one plan: planning, each fetch round, decoding.
#[derive(Default)]
struct PlanPhases {
    plan_s: f64,
    missing_s: f64,
    io_s: f64,
    insert_s: f64,
    decode_s: f64,
    decode_noverify_s: f64,
    ranges: Vec<usize>,
    bytes: Vec<u64>,
}

impl PlanPhases {
    fn add(&mut self, other: &PlanPhases) {
        self.plan_s += other.plan_s;
        self.missing_s += other.missing_s;
        self.io_s += other.io_s;
        self.insert_s += other.insert_s;
        self.decode_s += other.decode_s;
        self.decode_noverify_s += other.decode_noverify_s;
        for (i, (&r, &b)) in other.ranges.iter().zip(&other.bytes).enumerate() {
            if self.ranges.len() <= i {
                self.ranges.push(0);
                self.bytes.push(0);
            }
            self.ranges[i] += r;
            self.bytes[i] += b;
        }
    }
}

/// Fetches (round by round) and decodes `plan`, timing each phase; `plan_s` is the caller's.
async fn run_plan(io: &ObjectReader, plan: ReadPlan, plan_s: f64) -> Result<PlanPhases, String> {
    let mut p = PlanPhases {
        plan_s,
        ..PlanPhases::default()
    };
    let mut fetched = Fetched::new();
    loop {
        let t = Instant::now();
        let missing = plan.missing_ranges(&fetched).map_err(|e| e.to_string())?;
        p.missing_s += t.elapsed().as_secs_f64();
        if missing.is_empty() {
            break;
        }
        p.ranges.push(missing.len());
        p.bytes.push(missing.iter().map(|r| r.end - r.start).sum());
        let t = Instant::now();
        let got = io.read_ranges(&missing).await.map_err(|e| e.to_string())?;
        p.io_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        for (range, b) in missing.iter().zip(got) {
            fetched.insert(range.start, b);
        }
        p.insert_s += t.elapsed().as_secs_f64();
    }
    let t = Instant::now();
    let batch = plan.decode(&fetched).map_err(|e| e.to_string())?;
    p.decode_s = t.elapsed().as_secs_f64();
    drop(batch);
    let t = Instant::now();
    let batch = plan
        .verify_checksums(false)
        .decode(&fetched)
        .map_err(|e| e.to_string())?;
    p.decode_noverify_s = t.elapsed().as_secs_f64();
    drop(batch);
    Ok(p)
}

fn record(prefix: &str, calls: &[PlanPhases], out: &mut Map<String, Value>) {
    type Field = fn(&PlanPhases) -> f64;
    let fields: [(&str, Field); 6] = [
        ("plan_s", |p| p.plan_s),
        ("missing_ranges_s", |p| p.missing_s),
        ("read_ranges_s", |p| p.io_s),
        ("fetched_insert_s", |p| p.insert_s),
        ("decode_s", |p| p.decode_s),
        ("decode_no_checksum_s", |p| p.decode_noverify_s),
    ];
    for (name, f) in fields {
        let s = Summary::new(calls.iter().map(f).collect());
        out.insert(format!("{prefix}{name}_median"), json!(s.median()));
    }
    if let Some(first) = calls.first() {
        out.insert(format!("{prefix}ranges_per_round"), json!(first.ranges));
        out.insert(format!("{prefix}bytes_per_round"), json!(first.bytes));
    }
}

/// Phases of `sets` takes (all columns) of the index sets in `indices`, and of `scans`
/// sequential scans (all columns, batches of `batch_rows`).
pub async fn phases(
    file: &str,
    indices: &IndexSets,
    sets: usize,
    batch_rows: u64,
    scans: usize,
) -> Result<Map<String, Value>, String> {
    let reader = FileReader::open(file).await.map_err(|e| e.to_string())?;
    let io = ObjectReader::new(resolve(file).map_err(|e| e.to_string())?);
    let projection = reader.projection::<&str>(None).map_err(|e| e.to_string())?;
    let mut out = Map::new();

    let mut takes = Vec::new();
    for i in 0..sets.min(indices.num_sets()) {
        let rows: Vec<u64> = indices.set(i).iter().map(|&r| r as u64).collect();
        let t = Instant::now();
        let plan = reader
            .plan_take(&projection, &rows)
            .map_err(|e| e.to_string())?;
        let plan_s = t.elapsed().as_secs_f64();
        takes.push(run_plan(&io, plan, plan_s).await?);
    }
    out.insert("take_n".into(), json!(indices.per_set));
    out.insert("take_calls".into(), json!(takes.len()));
    record("take_", &takes, &mut out);

    let mut scan_calls = Vec::new();
    let n = reader.num_rows();
    for _ in 0..scans {
        let mut total = PlanPhases::default();
        let t_all = Instant::now();
        let mut start = 0;
        while start < n {
            let end = (start + batch_rows).min(n);
            let t = Instant::now();
            let plan = reader
                .plan_rows(&projection, start..end)
                .map_err(|e| e.to_string())?;
            let plan_s = t.elapsed().as_secs_f64();
            total.add(&run_plan(&io, plan, plan_s).await?);
            start = end;
        }
        out.insert(
            "scan_sequential_wall_s_last".into(),
            json!(t_all.elapsed().as_secs_f64() - total.decode_noverify_s),
        );
        scan_calls.push(total);
    }
    out.insert("scan_batch_rows".into(), json!(batch_rows));
    out.insert("scan_calls".into(), json!(scan_calls.len()));
    let file_bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    out.insert("file_bytes".into(), json!(file_bytes));
    record("scan_", &scan_calls, &mut out);
    Ok(out)
}
