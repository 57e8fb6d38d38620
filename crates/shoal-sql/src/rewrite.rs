//! Gives a filter's float comparisons SQL's semantics: each float operand of a comparison,
//! `BETWEEN` or `IN` is wrapped in `shoal_sql_float`, a function that makes its values
//! canonical (see `floats`), so that Arrow's total-order kernels then agree with SQL.

use arrow_schema::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{internal_err, DFSchema, Result};
use datafusion::logical_expr::expr::{Between, InList};
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, Operator, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use crate::floats::canonical;

/// `expr` with every float operand of a comparison made canonical.
pub(crate) fn sql_float_comparisons(expr: Expr, schema: &DFSchema) -> Result<Expr> {
    let udf = ScalarUDF::new_from_impl(CanonicalFloat::new());
    let wrap = |e: Box<Expr>| -> Result<Box<Expr>> {
        Ok(match e.get_type(schema)? {
            DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                Box::new(udf.call(vec![*e]))
            }
            _ => e,
        })
    };
    expr.transform_up(|e| {
        Ok(match e {
            Expr::BinaryExpr(BinaryExpr { left, op, right }) if is_comparison(op) => {
                Transformed::yes(Expr::BinaryExpr(BinaryExpr {
                    left: wrap(left)?,
                    op,
                    right: wrap(right)?,
                }))
            }
            Expr::Between(Between {
                expr,
                negated,
                low,
                high,
            }) => Transformed::yes(Expr::Between(Between {
                expr: wrap(expr)?,
                negated,
                low: wrap(low)?,
                high: wrap(high)?,
            })),
            Expr::InList(InList {
                expr,
                list,
                negated,
            }) => Transformed::yes(Expr::InList(InList {
                expr: wrap(expr)?,
                list: list
                    .into_iter()
                    .map(|item| wrap(Box::new(item)).map(|b| *b))
                    .collect::<Result<_>>()?,
                negated,
            })),
            other => Transformed::no(other),
        })
    })
    .map(|t| t.data)
}

fn is_comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
            | Operator::IsDistinctFrom
            | Operator::IsNotDistinctFrom
    )
}

/// `shoal_sql_float(x)`: `x` with -0.0 as 0.0 and every NaN as one positive NaN.
#[derive(Debug, PartialEq, Eq, Hash)]
struct CanonicalFloat {
    signature: Signature,
}

impl CanonicalFloat {
    fn new() -> Self {
        let floats = [DataType::Float16, DataType::Float32, DataType::Float64];
        Self {
            signature: Signature::new(
                TypeSignature::Uniform(1, floats.to_vec()),
                Volatility::Immutable,
            ),
        }
    }
}

impl ScalarUDFImpl for CanonicalFloat {
    fn name(&self) -> &str {
        "shoal_sql_float"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types[0].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else {
            return internal_err!("shoal_sql_float takes one argument");
        };
        Ok(match arg {
            ColumnarValue::Array(array) => ColumnarValue::Array(canonical(array)),
            ColumnarValue::Scalar(scalar) => {
                let array = canonical(&scalar.to_array()?);
                ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&array, 0)?)
            }
        })
    }
}
