//! What Shoal's benchmarks take from the anchor harness's data directory: `meta.json`
//! (paths, row counts, uncompressed Arrow byte counts) and the take index sets that the
//! Python driver draws with the anchors' own seeded numpy generator.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The anchors' default data directory (`$ANCHORS_DATA` overrides it there too).
pub const DEFAULT_DATA: &str = "/tmp/shoal-anchors-data";

/// Magic at the start of an index-set file.
pub const INDEX_MAGIC: &[u8; 8] = b"SHOALIDX";

/// The parts of `meta.json` the W2/W3/W4 cases need.
#[derive(Debug, Clone)]
pub struct W2Meta {
    /// `w2_parquet_default.path`: the one-row-group Parquet file the table is read from.
    pub parquet_default: PathBuf,
    /// `w2_lance.rows`.
    pub rows: u64,
    /// `w2_nbytes`: uncompressed Arrow bytes of the whole table (`all`) and per column.
    pub nbytes: serde_json::Map<String, Value>,
}

impl W2Meta {
    /// Reads `<data>/meta.json`.
    pub fn load(data: &Path) -> Result<Self, String> {
        let path = data.join("meta.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let meta: Value = serde_json::from_str(&text)
            .map_err(|e| format!("cannot parse {}: {e}", path.display()))?;
        let missing = |k: &str| {
            format!(
                "{} has no {k}; run `anchors.py gen --only w2`",
                path.display()
            )
        };
        let parquet_default = meta["w2_parquet_default"]["path"]
            .as_str()
            .ok_or_else(|| missing("w2_parquet_default.path"))?
            .into();
        let rows = meta["w2_lance"]["rows"]
            .as_u64()
            .ok_or_else(|| missing("w2_lance.rows"))?;
        let nbytes = meta["w2_nbytes"]
            .as_object()
            .ok_or_else(|| missing("w2_nbytes"))?
            .clone();
        Ok(Self {
            parquet_default,
            rows,
            nbytes,
        })
    }

    /// Uncompressed Arrow bytes of the named columns, or of the whole table for `None`.
    pub fn nbytes_of(&self, columns: Option<&[String]>) -> Result<u64, String> {
        let get = |k: &str| {
            self.nbytes
                .get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("meta.json w2_nbytes has no {k}"))
        };
        match columns {
            None => get("all"),
            Some(cols) => cols.iter().map(|c| get(c)).sum(),
        }
    }
}

/// Take index sets: set `i` is `anchors.py _take_indices(n_rows, n, i, sort)`.
///
/// File layout (little-endian): the 8-byte magic `SHOALIDX`, `u64` number of sets, `u64`
/// indices per set, then every set's `i64` indices one set after another.
#[derive(Debug, Clone)]
pub struct IndexSets {
    pub per_set: usize,
    values: Vec<i64>,
}

impl IndexSets {
    pub fn read(path: &Path) -> Result<Self, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let bad = |why: &str| format!("{} is not an index-set file: {why}", path.display());
        if bytes.len() < 24 || &bytes[..8] != INDEX_MAGIC {
            return Err(bad("no SHOALIDX header"));
        }
        let word = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            b
        };
        let sets = u64::from_le_bytes(word(8)) as usize;
        let per_set = u64::from_le_bytes(word(16)) as usize;
        let body = &bytes[24..];
        if body.len() != sets * per_set * 8 {
            return Err(bad("size does not match its header"));
        }
        let values = body
            .chunks_exact(8)
            .map(|c| {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                i64::from_le_bytes(b)
            })
            .collect();
        Ok(Self { per_set, values })
    }

    pub fn num_sets(&self) -> usize {
        self.values.len().checked_div(self.per_set).unwrap_or(0)
    }

    /// Set `i`.
    pub fn set(&self, i: usize) -> &[i64] {
        &self.values[i * self.per_set..(i + 1) * self.per_set]
    }
}
