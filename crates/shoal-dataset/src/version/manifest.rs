//! The manifest: everything one version of a dataset is, in one immutable object.
//!
//! A manifest names the version, when and by what operation it was made, the Arrow schema
//! (with a stable id per top-level field), and the fragments: each a data file (path relative
//! to the dataset root, size, rows, so opening a fragment needs no size request) and an
//! optional deletion file; and the vector indices of the version, each naming the fragments
//! it covers (encoding 1.1 and later). Each data file records the field ids of its columns
//! (encoding 1.2 and later; before, every file held exactly the schema's fields), so that a
//! version's schema can drop, rename or add fields without rewriting files. Manifests are written once, with put-if-not-exists, to
//! `_versions/<version>.manifest`; that write is the commit.
//!
//! The encoding (see `docs/format.md`, "Manifest") is framed like a Shoal file: magic and
//! version first, then the body in the format crate's wire primitives, then a crc32c of the
//! body. A manifest of a newer version than this build knows is refused with a clear error.

use std::sync::Arc;

use arrow_schema::SchemaRef;
use shoal_format::codec::{decode_schema, encode_schema, WireReader, WireWriter};
use shoal_format::FormatError;

use crate::file::framing::Kind;
use crate::write::data_files::MAX_ROWS_PER_FILE;

/// The manifest encoding this build writes and the newest it reads.
pub const MANIFEST_MAJOR: u16 = 1;
pub const MANIFEST_MINOR: u16 = 2;

const MANIFEST: Kind = Kind {
    magic: *b"SHOALMAN",
    name: "manifest",
    major: MANIFEST_MAJOR,
    minor: MANIFEST_MINOR,
};

/// One version of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The version number, from 1.
    pub version: u64,
    /// When the version was committed, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// What made this version.
    pub operation: Operation,
    /// The dataset's schema.
    pub schema: SchemaRef,
    /// A stable id per top-level field of `schema`, in order.
    pub field_ids: Vec<u32>,
    /// The fragments, in row-address order.
    pub fragments: Vec<Fragment>,
    /// The id the next new fragment gets; never reused.
    pub next_fragment_id: u64,
    /// Vector indices, by name; each covers some of the fragments.
    pub indices: Vec<IndexEntry>,
}

/// A vector index of a version: one file under `_indices/` and the fragments it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Unique among the version's indices, e.g. `vector_idx`.
    pub name: String,
    /// The id (see [`Manifest::field_ids`]) of the vector column indexed.
    pub field_id: u32,
    pub kind: IndexKind,
    /// Path relative to the dataset root, e.g. `_indices/<uuid>.ivfpq`.
    pub path: String,
    /// Size of the index file in bytes.
    pub size: u64,
    /// Ids of the fragments whose rows the index holds (as they were when it was built;
    /// fragments since removed are ignored by searches). What it covers of a version is
    /// [`Manifest::index_coverage`].
    pub fragments: Vec<u64>,
    /// Rows the index file holds (as built, deleted ones included).
    pub rows: u64,
}

/// What kind of index an [`IndexEntry`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// Inverted file of partitions with product-quantized residuals; see
    /// `docs/format.md`, "Vector index".
    IvfPq,
}

impl IndexKind {
    /// The name users give it: `ivf_pq`.
    pub fn name(&self) -> &'static str {
        match self {
            IndexKind::IvfPq => "ivf_pq",
        }
    }
}

/// A piece of the dataset: one data file and what has been deleted from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// Stable id, part of every row address in this fragment.
    pub id: u64,
    pub data: DataFile,
    pub deletion: Option<DeletionFile>,
}

/// A Shoal file holding a fragment's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Path relative to the dataset root, e.g. `data/<uuid>.shoal`.
    pub path: String,
    /// Size of the file in bytes.
    pub size: u64,
    /// Rows in the file, deleted ones included.
    pub rows: u64,
    /// The field id (see [`Manifest::field_ids`]) of each of the file's columns, in file
    /// order. A field of the version that the file lacks reads as nulls; a column whose id
    /// the version no longer has (a dropped field) is never read.
    pub field_ids: Vec<u32>,
}

/// A deletion vector of a fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionFile {
    /// Path relative to the dataset root, e.g. `_deletions/<fragment>-<version>.bin`.
    pub path: String,
    /// Rows of the fragment it marks deleted.
    pub deleted_rows: u64,
}

impl Fragment {
    /// Rows of the fragment that are not deleted.
    pub fn live_rows(&self) -> u64 {
        self.data.rows - self.deletion.as_ref().map_or(0, |d| d.deleted_rows)
    }
}

/// What an operation did; recorded in the manifest it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// The dataset was created with `rows` rows.
    Create { rows: u64 },
    /// `rows` rows were appended as new fragments.
    Append { rows: u64 },
    /// Every fragment was replaced by new ones holding `rows` rows.
    Overwrite { rows: u64 },
    /// `rows` rows matching `predicate` were deleted.
    Delete { predicate: String, rows: u64 },
    /// `removed` fragments were rewritten into `added` ones, dropping deleted rows.
    Compact { removed: u64, added: u64 },
    /// Index `name` was built (or extended) over `rows` rows.
    CreateIndex { name: String, rows: u64 },
    /// `rows` rows matching `predicate` were given new values (`assignments`); the
    /// fragments holding them were rewritten in place.
    Update {
        assignments: String,
        predicate: String,
        rows: u64,
    },
    /// Columns `names` were added (as nulls, or computed: then every fragment was rewritten
    /// in place with them).
    AddColumns { names: Vec<String> },
    /// Columns were renamed, made nullable or not, or cast (then every fragment was
    /// rewritten in place); one description per column altered.
    AlterColumns { alterations: Vec<String> },
    /// Columns `names` were dropped from the schema (their data stays in the files).
    DropColumns { names: Vec<String> },
    /// Version `version` was made the newest again.
    Restore { version: u64 },
    /// Source rows were merged in by the key columns `on`: `inserted` rows had a key the
    /// version did not have, `updated` rows replaced the rows of their key, and `deleted`
    /// rows whose key the source did not have were deleted.
    MergeInsert {
        on: Vec<String>,
        inserted: u64,
        updated: u64,
        deleted: u64,
    },
}

impl Operation {
    /// A short name: create, append, overwrite, delete, compact, create_index, update,
    /// merge_insert, add_columns, alter_columns, drop_columns or restore.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::Create { .. } => "create",
            Operation::Append { .. } => "append",
            Operation::Overwrite { .. } => "overwrite",
            Operation::Delete { .. } => "delete",
            Operation::Compact { .. } => "compact",
            Operation::CreateIndex { .. } => "create_index",
            Operation::Update { .. } => "update",
            Operation::AddColumns { .. } => "add_columns",
            Operation::AlterColumns { .. } => "alter_columns",
            Operation::DropColumns { .. } => "drop_columns",
            Operation::MergeInsert { .. } => "merge_insert",
            Operation::Restore { .. } => "restore",
        }
    }

    /// Whether the operation wrote data files of the version's schema (rewritten fragments
    /// included).
    pub fn writes_data_files(&self) -> bool {
        match self {
            Operation::Create { .. }
            | Operation::Append { .. }
            | Operation::Overwrite { .. }
            | Operation::Compact { .. }
            | Operation::Update { .. }
            | Operation::MergeInsert { .. } => true,
            Operation::Delete { .. }
            | Operation::CreateIndex { .. }
            | Operation::AddColumns { .. }
            | Operation::AlterColumns { .. }
            | Operation::DropColumns { .. }
            | Operation::Restore { .. } => false,
        }
    }

    /// Whether the operation changed the schema of an existing dataset.
    pub fn changes_schema(&self) -> bool {
        matches!(
            self,
            Operation::AddColumns { .. }
                | Operation::AlterColumns { .. }
                | Operation::DropColumns { .. }
        )
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Operation::Create { rows } => write!(f, "create ({rows} rows)"),
            Operation::Append { rows } => write!(f, "append ({rows} rows)"),
            Operation::Overwrite { rows } => write!(f, "overwrite ({rows} rows)"),
            Operation::Delete { predicate, rows } => {
                write!(f, "delete where {predicate} ({rows} rows)")
            }
            Operation::Compact { removed, added } => {
                write!(f, "compact ({removed} fragments into {added})")
            }
            Operation::Update {
                assignments,
                predicate,
                rows,
            } => match predicate.is_empty() {
                true => write!(f, "update set {assignments} ({rows} rows)"),
                false => write!(
                    f,
                    "update set {assignments} where {predicate} ({rows} rows)"
                ),
            },
            Operation::CreateIndex { name, rows } => {
                write!(f, "create index {name} ({rows} rows)")
            }
            Operation::AddColumns { names } => write!(f, "add columns {}", names.join(", ")),
            Operation::AlterColumns { alterations } => {
                write!(f, "alter columns ({})", alterations.join("; "))
            }
            Operation::DropColumns { names } => write!(f, "drop columns {}", names.join(", ")),
            Operation::Restore { version } => write!(f, "restore version {version}"),
            Operation::MergeInsert {
                on,
                inserted,
                updated,
                deleted,
            } => write!(
                f,
                "merge_insert on ({}) ({inserted} inserted, {updated} updated, {deleted} deleted)",
                on.join(", ")
            ),
        }
    }
}

impl Manifest {
    /// Rows of the version (deleted rows excluded).
    pub fn num_rows(&self) -> u64 {
        self.fragments.iter().map(Fragment::live_rows).sum()
    }

    /// The manifest's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = WireWriter::new();
        body.varint(self.version);
        body.varint(self.timestamp_ms);
        encode_operation(&mut body, &self.operation);
        encode_schema(&mut body, &self.schema);
        for id in &self.field_ids {
            body.varint(u64::from(*id));
        }
        body.varint(self.next_fragment_id);
        body.len(self.fragments.len());
        for f in &self.fragments {
            body.varint(f.id);
            body.str(&f.data.path);
            body.varint(f.data.size);
            body.varint(f.data.rows);
            if f.data.field_ids == self.field_ids {
                body.u8(0);
            } else {
                body.u8(1);
                body.len(f.data.field_ids.len());
                for id in &f.data.field_ids {
                    body.varint(u64::from(*id));
                }
            }
            match &f.deletion {
                Some(d) => {
                    body.u8(1);
                    body.str(&d.path);
                    body.varint(d.deleted_rows);
                }
                None => body.u8(0),
            }
        }
        body.len(self.indices.len());
        for index in &self.indices {
            body.str(&index.name);
            body.varint(u64::from(index.field_id));
            body.u8(match index.kind {
                IndexKind::IvfPq => INDEX_IVF_PQ,
            });
            body.str(&index.path);
            body.varint(index.size);
            body.varint(index.rows);
            body.len(index.fragments.len());
            for id in &index.fragments {
                body.varint(*id);
            }
        }
        MANIFEST.frame(&body.into_inner())
    }

    /// Parses a manifest, refusing corrupt bytes and newer encodings.
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        let corrupt = |m: String| FormatError::Corrupt(format!("manifest: {m}"));
        let (body, minor) = MANIFEST.unframe_versioned(bytes)?;
        let mut r = WireReader::new(body);
        let version = r.varint("version")?;
        let timestamp_ms = r.varint("timestamp")?;
        let operation = decode_operation(&mut r)?;
        let schema = Arc::new(decode_schema(&mut r)?);
        let mut field_ids = Vec::new();
        for _ in schema.fields() {
            let id = r.varint("field id")?;
            field_ids.push(u32::try_from(id).map_err(|_| corrupt(format!("field id {id}")))?);
        }
        let next_fragment_id = r.varint("next fragment id")?;
        let n = r.count("fragment count")?;
        let mut fragments = Vec::new();
        for _ in 0..n {
            let id = r.varint("fragment id")?;
            let data = DataFile {
                path: r.str("data file path")?.to_string(),
                size: r.varint("data file size")?,
                rows: r.varint("data file rows")?,
                field_ids: match minor {
                    // Before 1.2 every data file held exactly the schema's fields.
                    0 | 1 => field_ids.clone(),
                    _ => decode_file_field_ids(&mut r, &field_ids, id)?,
                },
            };
            let deletion = match r.u8("deletion flag")? {
                0 => None,
                1 => Some(DeletionFile {
                    path: r.str("deletion file path")?.to_string(),
                    deleted_rows: r.varint("deleted rows")?,
                }),
                v => return Err(corrupt(format!("deletion flag {v}"))),
            };
            // Row positions are 32-bit; bounded rows also keep sums over fragments in range.
            if data.rows > MAX_ROWS_PER_FILE {
                return Err(corrupt(format!(
                    "fragment {id} has {} rows, more than a data file holds",
                    data.rows
                )));
            }
            if deletion
                .as_ref()
                .is_some_and(|d| d.deleted_rows > data.rows)
            {
                return Err(corrupt(format!(
                    "fragment {id} deletes more rows than it has"
                )));
            }
            fragments.push(Fragment { id, data, deletion });
        }
        // Encoding 1.0 ends here; 1.1 adds the indices.
        let mut indices = Vec::new();
        if minor >= 1 {
            for _ in 0..r.count("index count")? {
                indices.push(decode_index(&mut r, &field_ids)?);
            }
        }
        if r.remaining() != 0 {
            return Err(corrupt(format!(
                "{} unexpected bytes at the end",
                r.remaining()
            )));
        }
        Ok(Self {
            version,
            timestamp_ms,
            operation,
            schema,
            field_ids,
            fragments,
            next_fragment_id,
            indices,
        })
    }
}

/// A data file's field ids (encoding 1.2): `0` for the manifest's own, else `1`, a count and
/// the ids, which must be distinct.
fn decode_file_field_ids(
    r: &mut WireReader,
    field_ids: &[u32],
    fragment: u64,
) -> Result<Vec<u32>, FormatError> {
    let corrupt = |m: String| FormatError::Corrupt(format!("manifest: fragment {fragment}: {m}"));
    match r.u8("field ids flag")? {
        0 => Ok(field_ids.to_vec()),
        1 => {
            let mut ids: Vec<u32> = Vec::new();
            for _ in 0..r.count("file field id count")? {
                let id = r.varint("file field id")?;
                let id = u32::try_from(id).map_err(|_| corrupt(format!("field id {id}")))?;
                if ids.contains(&id) {
                    return Err(corrupt(format!("field id {id} appears twice")));
                }
                ids.push(id);
            }
            Ok(ids)
        }
        v => Err(corrupt(format!("field ids flag {v}"))),
    }
}

// Index kinds. Never renumber: they are part of the on-disk format.
const INDEX_IVF_PQ: u8 = 1;

fn decode_index(r: &mut WireReader, field_ids: &[u32]) -> Result<IndexEntry, FormatError> {
    let corrupt = |m: String| FormatError::Corrupt(format!("manifest: {m}"));
    let name = r.str("index name")?.to_string();
    let field_id = r.varint("index field id")?;
    let field_id = u32::try_from(field_id)
        .ok()
        .filter(|id| field_ids.contains(id))
        .ok_or_else(|| corrupt(format!("index {name} names unknown field {field_id}")))?;
    let kind = match r.u8("index kind")? {
        INDEX_IVF_PQ => IndexKind::IvfPq,
        other => return Err(corrupt(format!("index {name} has unknown kind {other}"))),
    };
    let path = r.str("index path")?.to_string();
    let size = r.varint("index size")?;
    let rows = r.varint("index rows")?;
    let mut fragments = Vec::new();
    for _ in 0..r.count("index fragment count")? {
        fragments.push(r.varint("index fragment id")?);
    }
    Ok(IndexEntry {
        name,
        field_id,
        kind,
        path,
        size,
        rows,
        fragments,
    })
}

// Operation tags. Never renumber: they are part of the on-disk format.
const OP_CREATE: u8 = 1;
const OP_APPEND: u8 = 2;
const OP_OVERWRITE: u8 = 3;
const OP_DELETE: u8 = 4;
const OP_COMPACT: u8 = 5;
const OP_CREATE_INDEX: u8 = 6;
const OP_UPDATE: u8 = 7;
const OP_MERGE_INSERT: u8 = 8;
const OP_ADD_COLUMNS: u8 = 9;
const OP_ALTER_COLUMNS: u8 = 10;
const OP_DROP_COLUMNS: u8 = 11;
const OP_RESTORE: u8 = 12;

fn encode_strs(w: &mut WireWriter, items: &[String]) {
    w.len(items.len());
    for item in items {
        w.str(item);
    }
}

fn decode_strs(r: &mut WireReader, what: &'static str) -> Result<Vec<String>, FormatError> {
    (0..r.count(what)?)
        .map(|_| Ok(r.str(what)?.to_string()))
        .collect()
}

fn encode_operation(w: &mut WireWriter, op: &Operation) {
    match op {
        Operation::Create { rows } => {
            w.u8(OP_CREATE);
            w.varint(*rows);
        }
        Operation::Append { rows } => {
            w.u8(OP_APPEND);
            w.varint(*rows);
        }
        Operation::Overwrite { rows } => {
            w.u8(OP_OVERWRITE);
            w.varint(*rows);
        }
        Operation::Delete { predicate, rows } => {
            w.u8(OP_DELETE);
            w.str(predicate);
            w.varint(*rows);
        }
        Operation::Compact { removed, added } => {
            w.u8(OP_COMPACT);
            w.varint(*removed);
            w.varint(*added);
        }
        Operation::CreateIndex { name, rows } => {
            w.u8(OP_CREATE_INDEX);
            w.str(name);
            w.varint(*rows);
        }
        Operation::Update {
            assignments,
            predicate,
            rows,
        } => {
            w.u8(OP_UPDATE);
            w.str(assignments);
            w.str(predicate);
            w.varint(*rows);
        }
        Operation::AddColumns { names } => {
            w.u8(OP_ADD_COLUMNS);
            encode_strs(w, names);
        }
        Operation::AlterColumns { alterations } => {
            w.u8(OP_ALTER_COLUMNS);
            encode_strs(w, alterations);
        }
        Operation::DropColumns { names } => {
            w.u8(OP_DROP_COLUMNS);
            encode_strs(w, names);
        }
        Operation::Restore { version } => {
            w.u8(OP_RESTORE);
            w.varint(*version);
        }
        Operation::MergeInsert {
            on,
            inserted,
            updated,
            deleted,
        } => {
            w.u8(OP_MERGE_INSERT);
            encode_strs(w, on);
            w.varint(*inserted);
            w.varint(*updated);
            w.varint(*deleted);
        }
    }
}

fn decode_operation(r: &mut WireReader) -> Result<Operation, FormatError> {
    Ok(match r.u8("operation")? {
        OP_CREATE => Operation::Create {
            rows: r.varint("rows")?,
        },
        OP_APPEND => Operation::Append {
            rows: r.varint("rows")?,
        },
        OP_OVERWRITE => Operation::Overwrite {
            rows: r.varint("rows")?,
        },
        OP_DELETE => Operation::Delete {
            predicate: r.str("predicate")?.to_string(),
            rows: r.varint("rows")?,
        },
        OP_COMPACT => Operation::Compact {
            removed: r.varint("removed")?,
            added: r.varint("added")?,
        },
        OP_CREATE_INDEX => Operation::CreateIndex {
            name: r.str("index name")?.to_string(),
            rows: r.varint("rows")?,
        },
        OP_UPDATE => Operation::Update {
            assignments: r.str("assignments")?.to_string(),
            predicate: r.str("predicate")?.to_string(),
            rows: r.varint("rows")?,
        },
        OP_ADD_COLUMNS => Operation::AddColumns {
            names: decode_strs(r, "added column")?,
        },
        OP_ALTER_COLUMNS => Operation::AlterColumns {
            alterations: decode_strs(r, "alteration")?,
        },
        OP_DROP_COLUMNS => Operation::DropColumns {
            names: decode_strs(r, "dropped column")?,
        },
        OP_RESTORE => Operation::Restore {
            version: r.varint("restored version")?,
        },
        OP_MERGE_INSERT => Operation::MergeInsert {
            on: decode_strs(r, "key column")?,
            inserted: r.varint("inserted")?,
            updated: r.varint("updated")?,
            deleted: r.varint("deleted")?,
        },
        other => {
            return Err(FormatError::Corrupt(format!(
                "manifest: unknown operation {other}"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, Field, Schema};

    fn sample() -> Manifest {
        Manifest {
            version: 7,
            timestamp_ms: 1_790_000_000_000,
            operation: Operation::Delete {
                predicate: "id = 3".into(),
                rows: 1,
            },
            schema: Arc::new(Schema::new(vec![
                Field::new("id", DataType::Int64, false),
                Field::new("text", DataType::Utf8, true),
            ])),
            field_ids: vec![0, 1],
            fragments: vec![
                Fragment {
                    id: 0,
                    data: DataFile {
                        path: "data/a.shoal".into(),
                        size: 1234,
                        rows: 10,
                        field_ids: vec![0, 1],
                    },
                    deletion: Some(DeletionFile {
                        path: "_deletions/0-7.bin".into(),
                        deleted_rows: 1,
                    }),
                },
                Fragment {
                    id: 4,
                    data: DataFile {
                        path: "data/b.shoal".into(),
                        size: 99,
                        rows: 5,
                        // Written before field 1 was added, after field 3 was dropped.
                        field_ids: vec![3, 0],
                    },
                    deletion: None,
                },
            ],
            next_fragment_id: 5,
            indices: vec![IndexEntry {
                name: "vector_idx".into(),
                field_id: 1,
                kind: IndexKind::IvfPq,
                path: "_indices/x.ivfpq".into(),
                size: 4096,
                fragments: vec![0, 4],
                rows: 15,
            }],
        }
    }

    #[test]
    fn manifests_round_trip() {
        let m = sample();
        let decoded = Manifest::decode(&m.encode()).unwrap();
        assert_eq!(decoded, m);
        assert_eq!(decoded.num_rows(), 14);
    }

    /// Re-frames `body` as encoding `minor`, with its crc.
    fn framed(body: &[u8], minor: u16) -> Vec<u8> {
        let mut bytes = MANIFEST.frame(body);
        bytes[10..12].copy_from_slice(&minor.to_le_bytes());
        bytes
    }

    /// The body of `m` in encoding 1.1: that of 1.2 without each fragment's field ids flag
    /// (every file of `m` must hold the schema's fields, so each flag is 0).
    fn body_1_1(m: &Manifest) -> Vec<u8> {
        let bytes = m.encode();
        let mut body = bytes[12..bytes.len() - 4].to_vec();
        for f in m.fragments.iter().rev() {
            assert_eq!(f.data.field_ids, m.field_ids);
            let path = f.data.path.as_bytes();
            let at = body.windows(path.len()).position(|w| w == path).unwrap();
            let mut w = WireWriter::new();
            w.varint(f.data.size);
            w.varint(f.data.rows);
            let flag = at + path.len() + w.into_inner().len();
            assert_eq!(body[flag], 0, "the field ids flag");
            body.remove(flag);
        }
        body
    }

    #[test]
    fn merge_insert_operations_round_trip() {
        let mut m = sample();
        m.operation = Operation::MergeInsert {
            on: vec!["id".into(), "text".into()],
            inserted: 3,
            updated: 2,
            deleted: 1,
        };
        assert_eq!(Manifest::decode(&m.encode()).unwrap(), m);
        assert_eq!(
            m.operation.to_string(),
            "merge_insert on (id, text) (3 inserted, 2 updated, 1 deleted)"
        );
    }

    #[test]
    fn encodings_1_0_and_1_1_still_read_with_the_schema_as_each_file() {
        let mut m = sample();
        m.fragments[1].data.field_ids = m.field_ids.clone();
        let body = body_1_1(&m);
        assert_eq!(Manifest::decode(&framed(&body, 1)).unwrap(), m);
        // A 1.0 manifest is the 1.1 body without the index list.
        m.indices.clear();
        let body = body_1_1(&m);
        assert_eq!(body.last(), Some(&0), "the empty index count");
        let body = &body[..body.len() - 1];
        assert_eq!(Manifest::decode(&framed(body, 0)).unwrap(), m);
    }

    #[test]
    fn files_with_the_schema_s_fields_cost_one_byte() {
        let mut m = sample();
        let own = m.encode().len();
        m.fragments[1].data.field_ids = m.field_ids.clone();
        assert_eq!(m.encode().len(), own - 3);
        let mut twice = sample();
        twice.fragments[1].data.field_ids = vec![3, 3];
        let err = Manifest::decode(&twice.encode()).unwrap_err().to_string();
        assert!(err.contains("fragment 4") && err.contains("twice"), "{err}");
    }

    #[test]
    fn schema_operations_round_trip() {
        for operation in [
            Operation::AddColumns {
                names: vec!["a".into(), "b".into()],
            },
            Operation::AlterColumns {
                alterations: vec!["x renamed to y".into()],
            },
            Operation::DropColumns {
                names: vec!["z".into()],
            },
            Operation::Restore { version: 3 },
        ] {
            let m = Manifest {
                operation,
                ..sample()
            };
            assert_eq!(Manifest::decode(&m.encode()).unwrap(), m);
        }
    }

    #[test]
    fn every_truncation_and_bit_flip_is_an_error() {
        let bytes = sample().encode();
        for cut in 0..bytes.len() {
            assert!(Manifest::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x40;
            assert!(Manifest::decode(&flipped).is_err(), "flip at {i}");
        }
    }

    /// Found writing the `manifest` fuzz target (reproducer: `fuzz/regressions/manifest-1`):
    /// fragments of more rows than a data file holds decoded, and summing their rows in
    /// `num_rows` overflowed.
    #[test]
    fn a_fragment_of_more_rows_than_a_file_holds_is_refused() {
        let mut m = sample();
        for f in &mut m.fragments {
            f.data.rows = u64::MAX / 2 + 1;
        }
        let err = Manifest::decode(&m.encode()).unwrap_err().to_string();
        assert!(err.contains("more than a data file holds"), "{err}");
        m.fragments[0].data.rows = MAX_ROWS_PER_FILE;
        m.fragments[1].data.rows = MAX_ROWS_PER_FILE;
        assert_eq!(Manifest::decode(&m.encode()).unwrap(), m);
    }

    #[test]
    fn a_newer_encoding_is_refused_by_name() {
        let mut bytes = sample().encode();
        bytes[10..12].copy_from_slice(&(MANIFEST_MINOR + 1).to_le_bytes());
        let err = Manifest::decode(&bytes).unwrap_err().to_string();
        assert!(err.contains("1.3") && err.contains("up to 1.2"), "{err}");
    }
}
