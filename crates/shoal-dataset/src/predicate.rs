//! Simple predicates on one column, `column OP literal`, as `shoal delete --where` takes
//! them (full filter expressions come with the query layer).
//!
//! `OP` is one of `=`, `!=` (or `<>`), `<`, `<=`, `>`, `>=`. The column is a top-level name,
//! bare (`id`) or double-quoted (`"my col"`). The literal is a number, `true`/`false`, or a
//! single-quoted string (`'it''s'`); it is converted to the column's type with Arrow's cast
//! rules, so `date = '2024-01-31'` and `ts < '2024-01-31T12:00:00'` work. Rows where the
//! column is null never match; floats compare as in SQL (`sql_floats`: -0.0 = 0, NaN = NaN).

use arrow_array::{Array, ArrayRef, BooleanArray, Datum, RecordBatch, Scalar, StringArray};
use arrow_cast::cast::{cast_with_options, CastOptions};
use arrow_schema::{DataType, Schema};

use crate::error::{Error, Result};
use crate::projection::column_indices;
use crate::sql_floats;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

/// `column OP literal`, parsed but not yet bound to a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predicate {
    pub column: String,
    pub op: CompareOp,
    /// The literal's text (unquoted).
    pub literal: String,
    text: String,
}

impl std::fmt::Display for Predicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Predicate {
    /// Parses `column OP literal`.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidPredicate {
            predicate: text.to_string(),
            reason: reason.to_string(),
        };
        let s = text.trim();
        let (column, rest) = if let Some(quoted) = s.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| invalid("unterminated quoted column name"))?;
            (quoted[..end].to_string(), &quoted[end + 1..])
        } else {
            let end = s
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(s.len());
            (s[..end].to_string(), &s[end..])
        };
        if column.is_empty() {
            return Err(invalid("expected a column name first, as in \"id = 3\""));
        }
        let rest = rest.trim_start();
        let (op, rest) = [
            ("<=", CompareOp::LtEq),
            (">=", CompareOp::GtEq),
            ("!=", CompareOp::NotEq),
            ("<>", CompareOp::NotEq),
            ("==", CompareOp::Eq),
            ("=", CompareOp::Eq),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ]
        .into_iter()
        .find_map(|(symbol, op)| rest.strip_prefix(symbol).map(|r| (op, r)))
        .ok_or_else(|| invalid("expected one of = != <> < <= > >= after the column name"))?;
        let rest = rest.trim();
        let literal = if let Some(quoted) = rest.strip_prefix('\'') {
            let body = quoted
                .strip_suffix('\'')
                .ok_or_else(|| invalid("unterminated string literal"))?;
            if body.replace("''", "").contains('\'') {
                return Err(invalid("a quote inside a string literal is written ''"));
            }
            body.replace("''", "'")
        } else if rest.is_empty() {
            return Err(invalid("expected a value after the operator"));
        } else if rest.contains(char::is_whitespace) {
            return Err(invalid(
                "only one comparison is supported; quote string values as 'text'",
            ));
        } else {
            rest.to_string()
        };
        Ok(Self {
            column,
            op,
            literal,
            text: s.to_string(),
        })
    }

    /// Binds the predicate to `schema`: finds the column and converts the literal to its type.
    pub(crate) fn bind(&self, schema: &Schema, uri: &str) -> Result<BoundPredicate> {
        let index = column_indices(schema, Some(&[self.column.as_str()]), uri)?[0];
        let data_type = schema.field(index).data_type();
        let invalid = |reason: String| Error::InvalidPredicate {
            predicate: self.text.clone(),
            reason,
        };
        if !comparable(data_type) {
            return Err(invalid(format!(
                "column '{}' has type {data_type}, which cannot be compared with a value",
                self.column
            )));
        }
        let text: ArrayRef = std::sync::Arc::new(StringArray::from(vec![self.literal.as_str()]));
        let options = CastOptions {
            safe: false,
            ..Default::default()
        };
        let value = cast_with_options(&text, data_type, &options).map_err(|e| {
            invalid(format!(
                "'{}' is not a valid {data_type} for column '{}': {e}",
                self.literal, self.column
            ))
        })?;
        Ok(BoundPredicate {
            column: index,
            op: self.op,
            value: Scalar::new(sql_floats::canonical(&value)),
        })
    }
}

/// A predicate bound to a column of a schema.
#[derive(Debug)]
pub(crate) struct BoundPredicate {
    /// The column's index in the dataset schema.
    pub column: usize,
    op: CompareOp,
    value: Scalar<ArrayRef>,
}

impl BoundPredicate {
    /// Which rows of `batch` (holding only the predicate's column) match; null is no match.
    pub(crate) fn evaluate(&self, batch: &RecordBatch) -> Result<BooleanArray> {
        let column = batch.column(0);
        let canonical;
        let column: &dyn Datum = if sql_floats::needs_canonical(column.data_type()) {
            canonical = sql_floats::canonical(column);
            &canonical
        } else {
            column
        };
        let result = match self.op {
            CompareOp::Eq => arrow_ord::cmp::eq(column, &self.value),
            CompareOp::NotEq => arrow_ord::cmp::neq(column, &self.value),
            CompareOp::Lt => arrow_ord::cmp::lt(column, &self.value),
            CompareOp::LtEq => arrow_ord::cmp::lt_eq(column, &self.value),
            CompareOp::Gt => arrow_ord::cmp::gt(column, &self.value),
            CompareOp::GtEq => arrow_ord::cmp::gt_eq(column, &self.value),
        }?;
        // Null (no comparison) counts as no match.
        Ok(match result.nulls() {
            Some(_) => arrow_select::filter::prep_null_mask_filter(&result),
            None => result,
        })
    }
}

fn comparable(data_type: &DataType) -> bool {
    data_type.is_primitive()
        || matches!(
            data_type,
            DataType::Boolean
                | DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Binary
                | DataType::LargeBinary
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, StringArray};
    use arrow_schema::Field;
    use std::sync::Arc;

    #[test]
    fn parses_the_simple_forms() {
        let p = Predicate::parse("  id >= 42 ").unwrap();
        assert_eq!(
            (p.column.as_str(), p.op, p.literal.as_str()),
            ("id", CompareOp::GtEq, "42")
        );
        let p = Predicate::parse("\"my col\" = 'it''s'").unwrap();
        assert_eq!((p.column.as_str(), p.literal.as_str()), ("my col", "it's"));
        assert_eq!(Predicate::parse("a<>b").unwrap().op, CompareOp::NotEq);
        for bad in [
            "",
            "= 3",
            "id",
            "id ~ 3",
            "id = ",
            "id = 'x",
            "id = 3 and b = 4",
        ] {
            assert!(
                matches!(Predicate::parse(bad), Err(Error::InvalidPredicate { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn binds_and_evaluates_with_nulls_as_no_match() {
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("name", DataType::Utf8, true),
            Field::new("tags", DataType::new_list(DataType::Utf8, true), true),
        ]);
        let bound = Predicate::parse("id < 3")
            .unwrap()
            .bind(&schema, "ds")
            .unwrap();
        let ids = Arc::new(Int64Array::from(vec![Some(1), None, Some(5), Some(2)]));
        let batch = RecordBatch::try_from_iter([("id", ids as ArrayRef)]).unwrap();
        let mask = bound.evaluate(&batch).unwrap();
        assert_eq!(mask, BooleanArray::from(vec![true, false, false, true]));

        let bound = Predicate::parse("name = 'b'")
            .unwrap()
            .bind(&schema, "ds")
            .unwrap();
        let names = Arc::new(StringArray::from(vec!["a", "b"]));
        let batch = RecordBatch::try_from_iter([("name", names as ArrayRef)]).unwrap();
        assert_eq!(
            bound.evaluate(&batch).unwrap(),
            BooleanArray::from(vec![false, true])
        );

        let err = |text: &str| {
            Predicate::parse(text)
                .unwrap()
                .bind(&schema, "ds")
                .unwrap_err()
        };
        assert!(matches!(err("nope = 1"), Error::ColumnNotFound { .. }));
        assert!(err("id = abc").to_string().contains("not a valid Int64"));
        assert!(err("tags = 'x'").to_string().contains("cannot be compared"));
    }
}
