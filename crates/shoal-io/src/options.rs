//! Options for resolving a URI to a store: S3 connection settings, and an optional
//! simulation wrapped around whatever store the URI names.

use crate::error::{IoError, Result};
use crate::sim::Simulation;

/// How to reach a store, beyond what its URI says. Every field is optional: for `s3://`, an
/// unset field falls back to the usual AWS environment variable (see
/// [`resolve_with`](crate::resolve_with)); local and `memory://` URIs ignore the S3 fields.
#[derive(Debug, Clone, Default)]
pub struct StorageOptions {
    /// S3 endpoint URL, for S3-compatible servers (`http://127.0.0.1:8333`).
    pub endpoint: Option<String>,
    /// S3 region (`us-east-1` when neither this nor the environment gives one).
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Allow plain `http://` endpoints.
    pub allow_http: Option<bool>,
    /// Address buckets as `https://BUCKET.endpoint` rather than `https://endpoint/BUCKET`.
    /// Defaults to path-style when an endpoint is given, else to virtual-hosted style.
    pub virtual_hosted_style: Option<bool>,
    /// Wrap the resolved store in a [`SimulatedStore`](crate::SimulatedStore) sharing this
    /// simulation (its latency, concurrency cap, failures and counters).
    pub simulation: Option<Simulation>,
}

impl StorageOptions {
    /// Options from `key=value` pairs, as given on a command line. Keys (case-insensitive,
    /// an `aws_` prefix allowed): `endpoint` (or `endpoint_url`), `region`, `access_key_id`,
    /// `secret_access_key`, `session_token` (or `token`), `allow_http`,
    /// `virtual_hosted_style` (or `virtual_hosted_style_request`).
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut options = StorageOptions::default();
        for (key, value) in pairs {
            options.set(key.as_ref(), value.as_ref())?;
        }
        Ok(options)
    }

    /// Sets one option by name (see [`StorageOptions::from_pairs`]).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let normalized = key.trim().to_ascii_lowercase();
        let name = normalized.strip_prefix("aws_").unwrap_or(&normalized);
        let value = value.trim().to_string();
        match name {
            "endpoint" | "endpoint_url" => self.endpoint = Some(value),
            "region" | "default_region" => self.region = Some(value),
            "access_key_id" => self.access_key_id = Some(value),
            "secret_access_key" => self.secret_access_key = Some(value),
            "session_token" | "token" => self.session_token = Some(value),
            "allow_http" => self.allow_http = Some(parse_bool(key, &value)?),
            "virtual_hosted_style" | "virtual_hosted_style_request" => {
                self.virtual_hosted_style = Some(parse_bool(key, &value)?)
            }
            _ => {
                return Err(IoError::invalid_option(
                    key,
                    "unknown option (known: endpoint, region, access_key_id, secret_access_key, \
                     session_token, allow_http, virtual_hosted_style)",
                ))
            }
        }
        Ok(())
    }

    /// These options with `simulation` wrapped around the resolved store.
    pub fn with_simulation(mut self, simulation: Simulation) -> Self {
        self.simulation = Some(simulation);
        self
    }
}

/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, in any case.
pub(crate) fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => Err(IoError::invalid_option(
            key,
            format!("'{other}' is not a boolean (true or false)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_set_fields_by_any_common_spelling() {
        let options = StorageOptions::from_pairs([
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
            ("region", "eu-west-1"),
            ("aws_access_key_id", "ak"),
            ("secret_access_key", "sk"),
            ("allow_http", "TRUE"),
            ("virtual_hosted_style", "no"),
        ])
        .unwrap();
        assert_eq!(options.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(options.region.as_deref(), Some("eu-west-1"));
        assert_eq!(options.access_key_id.as_deref(), Some("ak"));
        assert_eq!(options.secret_access_key.as_deref(), Some("sk"));
        assert_eq!(options.allow_http, Some(true));
        assert_eq!(options.virtual_hosted_style, Some(false));
    }

    #[test]
    fn unknown_keys_and_bad_booleans_are_named() {
        let err = StorageOptions::from_pairs([("colour", "blue")]).unwrap_err();
        assert!(err.to_string().contains("'colour'"), "{err}");
        let err = StorageOptions::from_pairs([("allow_http", "maybe")]).unwrap_err();
        assert!(
            err.to_string().contains("'maybe' is not a boolean"),
            "{err}"
        );
    }
}
