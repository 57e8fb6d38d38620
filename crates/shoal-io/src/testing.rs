//! Helpers for the tests of Shoal's crates that run against the S3-protocol server.
//!
//! `scripts/test.sh` starts a server on loopback (`scripts/s3-server.sh`) and exports
//! `SHOAL_TEST_S3_BUCKET` with the `AWS_*` variables. Without them, S3 tests are skipped
//! with a note, unless `CI` is set: then they fail, so CI can never skip them silently.

use std::time::{SystemTime, UNIX_EPOCH};

/// The bucket of the test server, or `None` (with a note) when none is configured outside CI.
///
/// # Panics
/// When `CI` is set and no server is configured.
pub fn s3_bucket() -> Option<String> {
    match std::env::var("SHOAL_TEST_S3_BUCKET") {
        Ok(bucket) if !bucket.is_empty() => Some(bucket),
        _ if std::env::var_os("CI").is_some() => panic!(
            "CI is set but SHOAL_TEST_S3_BUCKET is not: the S3 tests must run in CI \
             (scripts/test.sh starts the server with scripts/s3-server.sh)"
        ),
        _ => {
            eprintln!(
                "note: skipping S3 tests: SHOAL_TEST_S3_BUCKET is not set \
                 (run scripts/s3-server.sh start and export target/s3-test.env)"
            );
            None
        }
    }
}

/// A fresh `s3://` prefix for one test, or `None` as [`s3_bucket`] decides.
pub fn s3_prefix(test: &str) -> Option<String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    s3_bucket().map(|bucket| format!("s3://{bucket}/{test}-{nanos}-{}", std::process::id()))
}
