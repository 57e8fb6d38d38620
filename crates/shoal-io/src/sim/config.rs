//! The settings of a simulated store, and their text form for command-line flags:
//! `latency=20ms,bandwidth=100MB/s,concurrency=64`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::{IoError, Result};

/// How a [`SimulatedStore`](crate::SimulatedStore) behaves. The default adds nothing: no
/// latency, unlimited bandwidth and concurrency, no failures.
///
/// Each request costs `latency` plus a uniform random `0..=jitter` (a get's read of the
/// wrapped store runs within that time, as a remote store's own read is part of its
/// latency; other requests reach the wrapped store after it), then its body's size divided
/// by `bandwidth` (per request, as one connection's throughput). `concurrency` caps the requests in flight at once; a read holds its slot
/// until its body has been consumed or dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub latency: Duration,
    pub jitter: Duration,
    /// Bytes per second of each request's body; `None` is unlimited.
    pub bandwidth: Option<u64>,
    /// The most requests in flight at once; `None` is unlimited. At least 1.
    pub concurrency: Option<usize>,
    /// The probability that a request fails with a transient error.
    pub failure_rate: f64,
    /// Requests for paths starting with any of these (store paths, as in
    /// `ObjectLocation::path`) fail with a permanent error.
    pub fail_prefixes: Vec<String>,
    /// Seed of the random jitter and failures, so a run can be repeated.
    pub seed: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            bandwidth: None,
            concurrency: None,
            failure_rate: 0.0,
            fail_prefixes: Vec::new(),
            seed: 0,
        }
    }
}

impl SimConfig {
    /// Sets one setting from text, as given on a command line:
    ///
    /// | key | value |
    /// | --- | --- |
    /// | `latency`, `jitter` | a duration: `20ms`, `1.5s`, `250us`; a bare number is milliseconds |
    /// | `bandwidth` | `100MB/s`, `1.5GB/s`, `500KiB/s` (the `/s` optional); a bare number is MB/s; `unlimited` |
    /// | `concurrency` | a positive integer, or `unlimited` |
    /// | `failure_rate` (`fail_rate`) | a probability in `0..=1` |
    /// | `fail_prefix` | a path prefix (repeatable) |
    /// | `seed` | an integer |
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let key = key.trim().to_ascii_lowercase().replace('-', "_");
        let value = value.trim();
        match key.as_str() {
            "latency" => self.latency = parse_duration(&key, value)?,
            "jitter" => self.jitter = parse_duration(&key, value)?,
            "bandwidth" => self.bandwidth = parse_bandwidth(&key, value)?,
            "concurrency" => self.concurrency = parse_concurrency(&key, value)?,
            "failure_rate" | "fail_rate" => {
                self.failure_rate = value
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or_else(|| {
                        IoError::invalid_option(&key, format!("'{value}' is not in 0..=1"))
                    })?
            }
            "fail_prefix" => self.fail_prefixes.push(value.to_string()),
            "seed" => {
                self.seed = value.parse().map_err(|_| {
                    IoError::invalid_option(&key, format!("'{value}' is not an integer"))
                })?
            }
            _ => {
                return Err(IoError::invalid_option(
                    &key,
                    "unknown simulation setting (known: latency, jitter, bandwidth, \
                     concurrency, failure_rate, fail_prefix, seed)",
                ))
            }
        }
        Ok(())
    }
}

/// Parses `key=value` settings separated by commas (see [`SimConfig::set`]); an empty
/// string is the default.
impl FromStr for SimConfig {
    type Err = IoError;

    fn from_str(s: &str) -> Result<Self> {
        let mut config = SimConfig::default();
        for setting in s.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = setting.split_once('=').ok_or_else(|| {
                IoError::invalid_option(setting, "expected key=value (e.g. latency=20ms)")
            })?;
            config.set(key, value)?;
        }
        Ok(config)
    }
}

/// The text form [`FromStr`] reads back, listing only what differs from the default.
impl fmt::Display for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = SimConfig::default();
        let mut parts = Vec::new();
        if self.latency != default.latency {
            parts.push(format!("latency={}", format_duration(self.latency)));
        }
        if self.jitter != default.jitter {
            parts.push(format!("jitter={}", format_duration(self.jitter)));
        }
        if let Some(bandwidth) = self.bandwidth {
            parts.push(format!("bandwidth={}", format_bandwidth(bandwidth)));
        }
        if let Some(concurrency) = self.concurrency {
            parts.push(format!("concurrency={concurrency}"));
        }
        if self.failure_rate != default.failure_rate {
            parts.push(format!("failure_rate={}", self.failure_rate));
        }
        for prefix in &self.fail_prefixes {
            parts.push(format!("fail_prefix={prefix}"));
        }
        if self.seed != default.seed {
            parts.push(format!("seed={}", self.seed));
        }
        f.write_str(&parts.join(","))
    }
}

/// A number and the rest of the text, e.g. `1.5` and `ms` from `1.5ms`.
fn split_number(value: &str) -> (&str, &str) {
    let end = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    (&value[..end], value[end..].trim())
}

fn parse_number(key: &str, value: &str, number: &str) -> Result<f64> {
    number
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| IoError::invalid_option(key, format!("'{value}' is not a number")))
}

fn parse_duration(key: &str, value: &str) -> Result<Duration> {
    let (number, unit) = split_number(value);
    let n = parse_number(key, value, number)?;
    let seconds = match unit.to_ascii_lowercase().as_str() {
        "" | "ms" => n / 1e3,
        "s" => n,
        "us" | "µs" => n / 1e6,
        "ns" => n / 1e9,
        other => {
            return Err(IoError::invalid_option(
                key,
                format!("unknown time unit '{other}' (use ns, us, ms or s)"),
            ))
        }
    };
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| IoError::invalid_option(key, format!("'{value}' is out of range")))
}

fn parse_bandwidth(key: &str, value: &str) -> Result<Option<u64>> {
    if matches!(
        value.to_ascii_lowercase().as_str(),
        "unlimited" | "inf" | "none"
    ) {
        return Ok(None);
    }
    let (number, unit) = split_number(value);
    let n = parse_number(key, value, number)?;
    let unit = unit.strip_suffix("/s").unwrap_or(unit);
    let scale = match unit {
        "" | "MB" => 1e6,
        "B" => 1.0,
        "KB" | "kB" => 1e3,
        "GB" => 1e9,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(IoError::invalid_option(
                key,
                format!(
                "unknown bandwidth unit '{other}' (use B, KB, MB, GB, KiB, MiB or GiB per second)"
            ),
            ))
        }
    };
    let bytes_per_second = (n * scale).round();
    if bytes_per_second < 1.0 || bytes_per_second > u64::MAX as f64 {
        return Err(IoError::invalid_option(
            key,
            format!("'{value}' is out of range (at least 1 B/s, or 'unlimited')"),
        ));
    }
    Ok(Some(bytes_per_second as u64))
}

fn parse_concurrency(key: &str, value: &str) -> Result<Option<usize>> {
    if matches!(
        value.to_ascii_lowercase().as_str(),
        "unlimited" | "inf" | "none"
    ) {
        return Ok(None);
    }
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(IoError::invalid_option(
            key,
            format!("'{value}' is not a positive integer (or 'unlimited')"),
        )),
    }
}

fn format_duration(duration: Duration) -> String {
    format!("{}ms", duration.as_secs_f64() * 1e3)
}

fn format_bandwidth(bytes_per_second: u64) -> String {
    if bytes_per_second % 1_000_000 == 0 {
        format!("{}MB/s", bytes_per_second / 1_000_000)
    } else {
        format!("{bytes_per_second}B/s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_settings_parse() {
        let config: SimConfig =
            "latency=20ms, jitter=1.5, bandwidth=100MB/s, concurrency=64, fail_rate=0.25, \
             fail_prefix=ds/data, seed=7"
                .parse()
                .unwrap();
        assert_eq!(config.latency, Duration::from_millis(20));
        assert_eq!(config.jitter, Duration::from_micros(1500));
        assert_eq!(config.bandwidth, Some(100_000_000));
        assert_eq!(config.concurrency, Some(64));
        assert_eq!(config.failure_rate, 0.25);
        assert_eq!(config.fail_prefixes, vec!["ds/data".to_string()]);
        assert_eq!(config.seed, 7);
        assert_eq!(config.to_string().parse::<SimConfig>().unwrap(), config);
    }

    #[test]
    fn units_and_bare_numbers() {
        let mut config = SimConfig::default();
        config.set("latency", "2s").unwrap();
        assert_eq!(config.latency, Duration::from_secs(2));
        config.set("latency", "250us").unwrap();
        assert_eq!(config.latency, Duration::from_micros(250));
        config.set("bandwidth", "1.5GB").unwrap();
        assert_eq!(config.bandwidth, Some(1_500_000_000));
        config.set("bandwidth", "512KiB/s").unwrap();
        assert_eq!(config.bandwidth, Some(512 * 1024));
        config.set("bandwidth", "40").unwrap();
        assert_eq!(config.bandwidth, Some(40_000_000));
        config.set("bandwidth", "unlimited").unwrap();
        assert_eq!(config.bandwidth, None);
        assert_eq!("".parse::<SimConfig>().unwrap(), SimConfig::default());
    }

    #[test]
    fn bad_settings_are_named() {
        for (text, expected) in [
            ("latency=fast", "'fast' is not a number"),
            ("latency=3h", "unknown time unit 'h'"),
            ("bandwidth=10Mbit", "unknown bandwidth unit 'Mbit'"),
            ("bandwidth=0", "out of range"),
            ("concurrency=0", "not a positive integer"),
            ("fail_rate=2", "not in 0..=1"),
            ("colour=blue", "unknown simulation setting"),
            ("latency", "expected key=value"),
        ] {
            let err = text.parse::<SimConfig>().unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
