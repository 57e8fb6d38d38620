//! Retries of one embedding call: a timeout per try, exponential backoff with full jitter
//! after a transient failure, a cap on tries; a permanent failure ends the call at once.

use std::future::Future;
use std::time::Duration;

use super::definition::EmbeddingOptions;
use super::function::{EmbedError, Vectors};
use crate::error::{Error, ErrorKind, Result};

/// The longest backoff between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Runs `attempt` until it succeeds, fails permanently, or has been tried
/// `options.max_attempts` times. A try longer than the timeout counts as a transient failure.
pub(super) async fn with_retries<F, Fut>(
    function: &str,
    options: &EmbeddingOptions,
    mut attempt: F,
) -> Result<Vectors>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Vectors, EmbedError>>,
{
    let max_attempts = options.max_attempts.max(1);
    let mut tries = 0;
    loop {
        tries += 1;
        let error = match attempt().await {
            Ok(vectors) => return Ok(vectors),
            Err(error) => error,
        };
        if !error.is_transient() || tries >= max_attempts {
            let transient = if error.is_transient() {
                " (transient)"
            } else {
                ""
            };
            return Err(Error::new(
                ErrorKind::Execution,
                format!(
                    "embedding function '{function}' failed after {tries} attempt(s){transient}: \
                     {error}"
                ),
            ));
        }
        tokio::time::sleep(backoff(options.backoff_ms, tries)).await;
    }
}

/// The wait after failed try number `tries`: uniform in `[0, base * 2^(tries-1)]`, capped.
fn backoff(base_ms: u64, tries: u32) -> Duration {
    let ceiling = Duration::from_millis(base_ms)
        .saturating_mul(1u32 << (tries - 1).min(20))
        .min(MAX_BACKOFF);
    ceiling.mul_f64(rand::random::<f64>())
}

/// The transient error of a try that outlived its timeout.
pub(super) fn timed_out(timeout: Duration) -> EmbedError {
    EmbedError::transient(format!("no answer within {} ms", timeout.as_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        for tries in 1..30 {
            let ceiling = Duration::from_millis(100 << (tries - 1).min(20)).min(MAX_BACKOFF);
            assert!(backoff(100, tries) <= ceiling);
        }
    }
}
