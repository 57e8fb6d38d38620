//! SQL queries over datasets: [`SqlSession`] registers each dataset as a table and plans a
//! query (`session.rs`); [`SqlStream`] runs it on the query runtime and hands its batches
//! over (`stream.rs`); `runtime.rs` is that runtime, `errors.rs` the query's errors as
//! Shoal's.

mod errors;
mod session;
mod stream;

pub use session::SqlSession;
pub use stream::SqlStream;
