//! Standard output and errors as Unix tools treat them: every write to stdout can fail, and
//! a reader that went away (`shoal info DS | head -1`) ends the command quietly with the
//! status a process killed by SIGPIPE has (141), not a panic; an error is one line with each
//! cause said once.

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// `writeln!` to standard output, returning the I/O error (for `?`) instead of panicking as
/// `println!` does when the reader has gone.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!($crate::output::Stdout, $($arg)*)
    }};
}
pub(crate) use outln;

/// Set once a write to standard output found the reader gone.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Standard output that remembers a closed pipe: some writers (Arrow's CSV writer) turn the
/// I/O error into text, so the error alone cannot always tell.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        noting_closed(std::io::stdout().lock().write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        noting_closed(std::io::stdout().lock().write_all(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        noting_closed(std::io::stdout().lock().flush())
    }
}

/// Standard output buffered for many small writes (rows as JSON lines); flush it at the end
/// to see the error of the last write.
pub fn buffered_stdout() -> std::io::BufWriter<Stdout> {
    std::io::BufWriter::with_capacity(1 << 16, Stdout)
}

fn noting_closed<T>(result: std::io::Result<T>) -> std::io::Result<T> {
    if let Err(e) = &result {
        if e.kind() == ErrorKind::BrokenPipe {
            CLOSED.store(true, Ordering::Relaxed);
        }
    }
    result
}

/// The exit status of a command whose standard output was closed early: 128 + SIGPIPE, as
/// the shell reports for `cat` or `yes` in the same place.
pub const BROKEN_PIPE_STATUS: i32 = 141;

/// Whether `err` comes from writing to a closed pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    CLOSED.load(Ordering::Relaxed)
        || err.chain().any(|cause| {
            cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
        })
}

/// `err` and its causes on one line, skipping a cause whose text an outer error already
/// includes (many errors print their source in their own message too).
pub fn error_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text);
    }
    line.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let io = std::io::Error::new(ErrorKind::IsADirectory, "Is a directory (os error 21)");
        let arrow = arrow::error::ArrowError::ExternalError(Box::new(io));
        let err = anyhow::Error::new(arrow).context("cannot read 'x'");
        let line = error_line(&err);
        assert_eq!(line.matches("os error 21").count(), 1, "{line}");
        assert!(line.starts_with("cannot read 'x': "), "{line}");
    }

    #[test]
    fn an_error_is_one_line() {
        let err = anyhow::anyhow!("first\n\n  second\n");
        assert_eq!(error_line(&err), "first; second");
    }

    #[test]
    fn a_closed_pipe_is_recognised_through_arrow() {
        let io = std::io::Error::from(ErrorKind::BrokenPipe);
        let arrow = arrow::error::ArrowError::from(io);
        assert!(is_broken_pipe(
            &anyhow::Error::new(arrow).context("writing")
        ));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }
}
