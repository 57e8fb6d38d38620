//! S3 and S3-compatible stores: a bucket's client from the usual AWS environment variables,
//! overridden by explicit [`StorageOptions`], with conditional put (put-if-not-exists) on;
//! and what to tell a user whose credentials or endpoint do not work.

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
    check_credentials(uri, options, has_endpoint)?;
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

/// Environment variables through which object_store finds credentials other than a key
/// pair (web identity, a container's credentials endpoint), or is told to sign nothing.
const OTHER_CREDENTIAL_VARS: [&str; 4] = [
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_SKIP_SIGNATURE",
];

/// What to set, said before any request: half a key pair, or no credentials at all for an
/// S3-compatible endpoint (which has no instance metadata service to ask; on AWS itself,
/// without an endpoint, that service is asked and its refusal explained by [`hint`]).
fn check_credentials(uri: &str, options: &StorageOptions, has_endpoint: bool) -> Result<()> {
    let key = options.access_key_id.is_some() || env("AWS_ACCESS_KEY_ID").is_some();
    let secret = options.secret_access_key.is_some() || env("AWS_SECRET_ACCESS_KEY").is_some();
    let reason = match (key, secret) {
        (true, true) => return Ok(()),
        (true, false) => "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
        (false, true) => "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
        (false, false)
            if has_endpoint && !OTHER_CREDENTIAL_VARS.iter().any(|v| env(v).is_some()) =>
        {
            "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the \
             storage options access_key_id and secret_access_key), or AWS_SKIP_SIGNATURE=true \
             to read a public bucket"
        }
        (false, false) => return Ok(()),
    };
    Err(IoError::MissingCredentials {
        uri: uri.to_string(),
        reason: reason.to_string(),
    })
}

/// What to check after a failed S3 request, from what the failure says (empty when it says
/// nothing a setting would fix, or the URI is not on S3).
pub(crate) fn hint(uri: &str, error: &object_store::Error) -> &'static str {
    if !uri.starts_with("s3://") {
        return "";
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    let says = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if says(&["169.254.169.254", "/latest/api/token", "/latest/meta-data"]) {
        " (no AWS credentials were found, and the instance metadata service gave none: set \
         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_SKIP_SIGNATURE=true for a public \
         bucket)"
    } else if says(&[
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "403",
    ]) {
        " (the store refused the credentials: check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY \
         and AWS_REGION)"
    } else if says(&["scheme is not allowed", "URL scheme"]) {
        " (the endpoint is http://: set AWS_ALLOW_HTTP=true to allow it)"
    } else if says(&[
        "error sending request",
        "onnection refused",
        "dns error",
        "timed out",
    ]) {
        " (the S3 endpoint could not be reached: check AWS_ENDPOINT_URL, and set \
         AWS_ALLOW_HTTP=true for an http:// endpoint)"
    } else {
        ""
    }
}
