//! The source of a merge-insert, held in memory: its batches, checked against the dataset's
//! schema, and [`Keys`], the index from each source key to its row that the join looks the
//! version's keys up in.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::{DataType, SchemaRef};
use futures::{Stream, TryStreamExt};
use shoal_format::schema_differences;

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// The source rows, and their keys.
pub(super) struct Source {
    /// Non-empty batches of the dataset's schema.
    pub(super) batches: Vec<RecordBatch>,
    /// Rows in all batches.
    pub(super) rows: usize,
    pub(super) keys: Arc<Keys>,
    schema: SchemaRef,
}

/// The source's keys: which source row (numbered across batches, from 0) has each key.
pub(super) struct Keys {
    /// The key columns' indices in the schema.
    pub(super) columns: Vec<usize>,
    converter: RowConverter,
    rows: HashMap<Box<[u8]>, usize>,
}

impl Source {
    /// Reads `source` whole, checks each batch's schema against `ds`'s, and indexes the keys
    /// (on the CPU pool), refusing a key that two rows share.
    pub(super) async fn load<S>(
        ds: &Dataset,
        on: &[String],
        key_columns: Vec<usize>,
        source: S,
    ) -> Result<Self>
    where
        S: Stream<Item = Result<RecordBatch>>,
    {
        let schema = ds.schema();
        let converter = converter(&schema, &key_columns)?;
        let read: Vec<RecordBatch> = source.try_collect().await?;
        let mut batches = Vec::with_capacity(read.len());
        for batch in read {
            check_schema(ds, &batch.schema())?;
            if batch.num_rows() > 0 {
                batches.push(RecordBatch::try_new(
                    schema.clone(),
                    batch.columns().to_vec(),
                )?);
            }
        }
        let rows = batches.iter().map(RecordBatch::num_rows).sum();
        let (indexed, uri, on) = (batches.clone(), ds.uri().to_string(), on.join(", "));
        let keys = shoal_runtime::spawn_cpu(move || {
            Keys::index(converter, key_columns, &indexed, &uri, &on)
        })
        .await??;
        Ok(Self {
            batches,
            rows,
            keys: Arc::new(keys),
            schema,
        })
    }

    /// Refuses a version whose schema is not the source's (it changed since the source was
    /// checked).
    pub(super) fn check_schema(&self, ds: &Dataset) -> Result<()> {
        check_schema(ds, &self.schema)
    }
}

impl Keys {
    /// The index of the keys of `batches`; an error naming the first key two rows share.
    fn index(
        converter: RowConverter,
        columns: Vec<usize>,
        batches: &[RecordBatch],
        uri: &str,
        on: &str,
    ) -> Result<Self> {
        let mut keys = Self {
            columns,
            converter,
            rows: HashMap::new(),
        };
        let mut start = 0;
        for batch in batches {
            let key_columns = keys.key_columns(batch);
            let (encoded, valid) = keys.encode(&key_columns)?;
            for i in (0..batch.num_rows()).filter(|i| valid(*i)) {
                let key = Box::<[u8]>::from(encoded.row(i).as_ref());
                if keys.rows.insert(key, start + i).is_some() {
                    return Err(Error::DuplicateKey {
                        uri: uri.to_string(),
                        on: on.to_string(),
                        key: describe(batch, &keys.columns, i),
                    });
                }
            }
            start += batch.num_rows();
        }
        Ok(keys)
    }

    /// The key columns of `batch`, a batch of the whole schema.
    fn key_columns(&self, batch: &RecordBatch) -> Vec<ArrayRef> {
        self.columns
            .iter()
            .map(|&c| batch.column(c).clone())
            .collect()
    }

    /// The keys of `columns` (key columns, in key order), and which rows' keys have no null
    /// (the others match nothing).
    pub(super) fn encode(&self, columns: &[ArrayRef]) -> Result<(Rows, impl Fn(usize) -> bool)> {
        let encoded = self.converter.convert_columns(columns)?;
        let nulls: Vec<_> = columns.iter().filter_map(|c| c.logical_nulls()).collect();
        let valid = move |row: usize| nulls.iter().all(|n| n.is_valid(row));
        Ok((encoded, valid))
    }

    /// The source row whose key is `key` (encoded by [`Keys::encode`]).
    pub(super) fn find(&self, key: &[u8]) -> Option<usize> {
        self.rows.get(key).copied()
    }
}

/// The converter of the key columns' values into comparable bytes; an error naming the
/// first key column whose type it cannot compare.
fn converter(schema: &SchemaRef, columns: &[usize]) -> Result<RowConverter> {
    let fields: Vec<SortField> = columns
        .iter()
        .map(|&c| SortField::new(schema.field(c).data_type().clone()))
        .collect();
    if let Some((&c, _)) = columns
        .iter()
        .zip(&fields)
        .find(|(_, f)| !RowConverter::supports_fields(std::slice::from_ref(f)))
    {
        let field = schema.field(c);
        return Err(Error::InvalidArgument(format!(
            "merge_insert cannot use column '{}' as a key: values of type {} do not compare",
            field.name(),
            field.data_type()
        )));
    }
    Ok(RowConverter::new(fields)?)
}

/// Refuses `schema` unless it is `ds`'s, naming every difference.
fn check_schema(ds: &Dataset, schema: &SchemaRef) -> Result<()> {
    let differences = schema_differences(&ds.schema(), schema);
    if differences.is_empty() {
        return Ok(());
    }
    Err(Error::SchemaMismatch {
        uri: ds.uri().to_string(),
        differences: differences.join("; "),
    })
}

/// Row `row`'s key, as `column = value` pairs (strings quoted).
fn describe(batch: &RecordBatch, columns: &[usize], row: usize) -> String {
    let schema = batch.schema();
    let options = FormatOptions::default().with_null("null");
    columns
        .iter()
        .map(|&c| {
            let field = schema.field(c);
            let value = ArrayFormatter::try_new(batch.column(c).as_ref(), &options)
                .map_or_else(|e| format!("<{e}>"), |f| f.value(row).to_string());
            match field.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                    format!("{} = '{value}'", field.name())
                }
                _ => format!("{} = {value}", field.name()),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
