//! S3 and S3-compatible stores: a bucket's client from the usual AWS environment variables,
//! overridden by explicit [`StorageOptions`], with conditional put (put-if-not-exists) on.

use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey, S3ConditionalPut};
use object_store::ObjectStore;

use crate::error::{IoError, Result};
use crate::options::{parse_bool, StorageOptions};

/// Environment variables naming an S3 endpoint, most specific first.
const ENDPOINT_VARS: [&str; 3] = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"];

/// A client for `bucket`. Settings come from the `AWS_*` environment variables
/// (`AWS_ENDPOINT_URL` or `AWS_ENDPOINT`, `AWS_REGION` or `AWS_DEFAULT_REGION`,
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ALLOW_HTTP`,
/// `AWS_VIRTUAL_HOSTED_STYLE_REQUEST`, and the others object_store knows), each overridden by
/// the matching field of `options`. Requests are path-style when an endpoint is given, unless
/// asked otherwise. Conditional put is always on: commits depend on it.
pub(crate) fn bucket_store(
    uri: &str,
    bucket: &str,
    options: &StorageOptions,
) -> Result<Arc<dyn ObjectStore>> {
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let has_endpoint = options.endpoint.is_some() || ENDPOINT_VARS.iter().any(|v| env(v).is_some());
    if let Some(endpoint) = &options.endpoint {
        // An explicit endpoint beats every environment variable, the S3-specific one included.
        builder = builder
            .with_endpoint(endpoint)
            .with_config(AmazonS3ConfigKey::S3Endpoint, endpoint);
    }
    if let Some(region) = &options.region {
        builder = builder.with_region(region);
    }
    if let Some(key) = &options.access_key_id {
        builder = builder.with_access_key_id(key);
    }
    if let Some(secret) = &options.secret_access_key {
        builder = builder.with_secret_access_key(secret);
    }
    if let Some(token) = &options.session_token {
        builder = builder.with_token(token);
    }
    if let Some(allow_http) = options.allow_http {
        builder = builder.with_allow_http(allow_http);
    }
    let virtual_hosted = match (
        options.virtual_hosted_style,
        env("AWS_VIRTUAL_HOSTED_STYLE_REQUEST"),
    ) {
        (Some(explicit), _) => explicit,
        (None, Some(value)) => parse_bool("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", &value)?,
        (None, None) => !has_endpoint,
    };
    let store = builder
        .with_virtual_hosted_style_request(virtual_hosted)
        .with_conditional_put(S3ConditionalPut::ETagMatch)
        .build()
        .map_err(|e| IoError::from_store(uri, e))?;
    Ok(Arc::new(store))
}

/// A non-empty environment variable.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
