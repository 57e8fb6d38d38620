//! SQL over datasets: every query answers what DataFusion answers over an in-memory table of
//! the same live rows (projection, filter and limit pushed into the scan, aggregates, joins,
//! several partitions); deleted rows are never seen; the plan shows what was pushed down;
//! bad queries are one clear line, and a scan's storage error comes back as itself.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use shoal_dataset::{Dataset, DatasetWriter, Error, WriteMode, WriteParams};
use shoal_sql::{SqlFilter, SqlSession};

const ROWS: i64 = 1000;

fn items_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("category", DataType::Utf8, true),
        Field::new("score", DataType::Float64, true),
    ]))
}

/// Rows `ids` of the items table: five categories (null for every eleventh row) and
/// scores that repeat every 97 rows.
fn items(ids: impl Iterator<Item = i64> + Clone) -> RecordBatch {
    let category = |id: i64| (id % 11 != 0).then(|| ["a", "b", "c", "d", "e"][id as usize % 5]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(ids.clone())),
        Arc::new(StringArray::from_iter(ids.clone().map(category))),
        Arc::new(Float64Array::from_iter_values(
            ids.map(|id| (id % 97) as f64 * 1.5),
        )),
    ];
    RecordBatch::try_new(items_schema(), columns).unwrap()
}

fn categories() -> RecordBatch {
    RecordBatch::try_from_iter(vec![
        (
            "name",
            Arc::new(StringArray::from(vec!["a", "b", "c", "z"])) as ArrayRef,
        ),
        (
            "label",
            Arc::new(StringArray::from(vec![
                "apples", "bananas", "cherries", "zest",
            ])),
        ),
    ])
    .unwrap()
}

async fn write(uri: &str, batches: &[RecordBatch], rows_per_file: u64) -> Dataset {
    let params = WriteParams {
        max_rows_per_file: rows_per_file,
        ..WriteParams::default()
    };
    let mut writer = DatasetWriter::new(uri, batches[0].schema(), WriteMode::Create, params)
        .await
        .unwrap();
    for batch in batches {
        writer.write(batch).await.unwrap();
    }
    writer.commit().await.unwrap()
}

/// The datasets (items in 11 fragments, every seventh row deleted; categories), and the
/// same live rows as in-memory tables.
struct Fixture {
    _dir: tempfile::TempDir,
    items: Dataset,
    categories: Dataset,
    memory: SessionContext,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let uri = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let written = write(&uri("items"), &[items(0..ROWS)], 97).await;
    let deleted = SqlFilter::new("id % 7 = 0", &written.schema(), written.uri()).unwrap();
    let items_ds = written.delete(Arc::new(deleted)).await.unwrap();
    let categories_ds = write(&uri("categories"), &[categories()], 2).await;

    let memory = SessionContext::new();
    let live = items((0..ROWS).filter(|id| id % 7 != 0));
    let table = MemTable::try_new(items_schema(), vec![vec![live]]).unwrap();
    memory.register_table("items", Arc::new(table)).unwrap();
    let table = MemTable::try_new(categories().schema(), vec![vec![categories()]]).unwrap();
    memory
        .register_table("categories", Arc::new(table))
        .unwrap();
    Fixture {
        _dir: dir,
        items: items_ds,
        categories: categories_ds,
        memory,
    }
}

impl Fixture {
    fn session(&self, partitions: usize) -> SqlSession {
        let mut session = SqlSession::with_target_partitions(partitions);
        session.register("items", self.items.clone()).unwrap();
        session
            .register("categories", self.categories.clone())
            .unwrap();
        session
    }
}

async fn run(session: &SqlSession, query: &str) -> shoal_dataset::Result<Vec<RecordBatch>> {
    session.sql(query).await?.try_collect().await
}

/// The result's rows as text, sorted (row order is the query's business, not the test's).
fn sorted_rows(batches: &[RecordBatch]) -> Vec<String> {
    let text = pretty_format_batches(batches).unwrap().to_string();
    let mut rows: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(str::to_string)
        .collect();
    rows.sort();
    rows
}

/// The text of `EXPLAIN query`.
async fn explain(session: &SqlSession, query: &str) -> String {
    let batches = run(session, &format!("EXPLAIN {query}")).await.unwrap();
    pretty_format_batches(&batches).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_answer_as_over_an_in_memory_table() {
    let f = fixture().await;
    let queries = [
        "SELECT id, category FROM items",
        "SELECT * FROM items WHERE id BETWEEN 100 AND 200",
        "SELECT id FROM items WHERE category = 'b' AND score > 100",
        "SELECT id, score FROM items WHERE category IS NULL OR id < 30",
        "SELECT count(*) FROM items",
        "SELECT count(*) FROM items WHERE score >= 120",
        "SELECT category, count(*), sum(score), min(id), max(id) FROM items GROUP BY category",
        "SELECT upper(category) AS c, avg(score) FROM items WHERE id % 3 = 1 GROUP BY 1",
        "SELECT id, score FROM items ORDER BY score DESC, id LIMIT 7",
        "SELECT DISTINCT category FROM items WHERE category LIKE '%'",
        "SELECT i.id, c.label FROM items i JOIN categories c ON i.category = c.name \
         WHERE i.id < 300",
        "SELECT c.label, count(i.id) FROM categories c LEFT JOIN items i \
         ON i.category = c.name GROUP BY c.label",
        "WITH top AS (SELECT category, max(score) AS best FROM items GROUP BY category) \
         SELECT * FROM top WHERE best > 10",
    ];
    for partitions in [1, 4] {
        let session = f.session(partitions);
        for query in queries {
            let got = run(&session, query).await.unwrap();
            let expected = f.memory.sql(query).await.unwrap().collect().await.unwrap();
            assert_eq!(
                sorted_rows(&got),
                sorted_rows(&expected),
                "{query} ({partitions} partitions)"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_rows_are_never_seen() {
    let f = fixture().await;
    let session = f.session(4);
    let live = (0..ROWS).filter(|id| id % 7 != 0).count();
    assert_eq!(f.items.num_rows(), live as u64);
    for query in [
        "SELECT count(*) FROM items",
        "SELECT count(id) FROM items",
        "SELECT count(*) FROM items WHERE id >= 0",
    ] {
        let got = run(&session, query).await.unwrap();
        let count = got[0].column(0).as_any().downcast_ref::<Int64Array>();
        assert_eq!(count.unwrap().value(0), live as i64, "{query}");
    }
    let got = run(&session, "SELECT id FROM items WHERE id % 7 = 0")
        .await
        .unwrap();
    assert_eq!(got.iter().map(RecordBatch::num_rows).sum::<usize>(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_take_the_projection_filters_limit_and_partitions() {
    let f = fixture().await;
    let session = f.session(4);
    let plan = explain(&session, "SELECT score FROM items WHERE id > 10").await;
    assert!(plan.contains("partitions=4"), "{plan}");
    assert!(plan.contains("columns=[id, score]"), "{plan}");
    assert!(plan.contains("filter=id > "), "{plan}");
    // Inexact: DataFusion still filters above the scan, and no limit goes below it.
    assert!(plan.contains("FilterExec"), "{plan}");
    let plan = explain(&session, "SELECT id FROM items WHERE id > 10 LIMIT 3").await;
    assert!(!plan.contains("limit=3"), "{plan}");
    // Floats compare by SQL's rules in Shoal and by Arrow's total order in DataFusion, so
    // a filter on one stays with DataFusion.
    let plan = explain(&session, "SELECT id FROM items WHERE score > 10").await;
    assert!(!plan.contains("filter="), "{plan}");

    let plan = explain(&session, "SELECT category FROM items LIMIT 5").await;
    assert!(plan.contains("limit=5"), "{plan}");
    assert!(plan.contains("partitions=1"), "{plan}");
    let got = run(&session, "SELECT id FROM items LIMIT 5").await.unwrap();
    let ids: Vec<i64> = got
        .iter()
        .flat_map(|b| {
            let ids = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
            ids.values().to_vec()
        })
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]); // the first live rows: row 0 is deleted

    // A filter Shoal cannot evaluate the same way twice stays above the scan only.
    let plan = explain(&session, "SELECT id FROM items WHERE random() < 0.5").await;
    assert!(!plan.contains("filter="), "{plan}");
    // The exact row count answers count(*) without a scan.
    let plan = explain(&session, "SELECT count(*) FROM items").await;
    assert!(!plan.contains("ShoalScanExec"), "{plan}");

    let one = f.session(1);
    let plan = explain(&one, "SELECT id FROM items").await;
    assert!(plan.contains("partitions=1"), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_are_one_clear_line() {
    let f = fixture().await;
    let session = f.session(2);
    let cases = [
        ("SELEKT 1", "sql parser error"),
        (
            "SELECT * FROM itemz",
            "no table 'itemz' (tables: items, categories)",
        ),
        ("SELECT nme FROM items", "No field named nme"),
        ("SELECT nosuch(id) FROM items", "nosuch"),
        ("CREATE TABLE t (x INT)", "only queries run here"),
        ("INSERT INTO items VALUES (1, 'a', 1.0)", "not INSERT"),
        ("SELECT 1; SELECT 2", "single SQL statement"),
        ("SELECT id FROM items WHERE", "sql parser error"),
        ("", "No SQL statements"),
    ];
    for (query, expected) in cases {
        let err = run(&session, query).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidQuery { .. }),
            "{query}: {err:?}"
        );
        let line = err.to_string();
        assert!(line.contains(expected), "{query}: {line}");
        assert!(!line.contains('\n'), "{query}: {line}");
    }
    // Failing while running, for a reason of the query's own.
    let err = run(&session, "SELECT CAST(category AS INT) FROM items")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::QueryFailed { .. }), "{err:?}");
    assert!(!err.to_string().contains('\n'), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_error_comes_back_whole() {
    let f = fixture().await;
    let session = f.session(4);
    let data = f._dir.path().join("items").join("data");
    for file in std::fs::read_dir(data).unwrap() {
        std::fs::remove_file(file.unwrap().path()).unwrap();
    }
    let err = run(&session, "SELECT category, count(*) FROM items GROUP BY 1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io(_)), "{err:?}");
    assert!(err.to_string().contains(".shoal"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_names_are_checked() {
    let f = fixture().await;
    let mut session = f.session(1);
    let err = session.register("items", f.items.clone()).unwrap_err();
    assert!(
        err.to_string().contains("already a table named 'items'"),
        "{err}"
    );
    assert!(session.register("", f.items.clone()).is_err());
    assert_eq!(session.tables(), ["items", "categories"]);
}
