//! object_store errors as [`StorageError`]s: one line each, naming the URL.
//!
//! object_store's messages carry the whole chain (request, retries, the
//! server's XML body) and sometimes line breaks; a command-line tool shows
//! them on one line. `check` goes further and says what to fix: the bucket,
//! the endpoint or the credentials.

use std::error::Error as _;

use object_store::client::{HttpError, HttpErrorKind};

use crate::storage::StorageError;

/// `text` with every run of whitespace, line breaks included, as one space.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An error of an operation on `location`. "Already exists" and a failed
/// precondition (a conditional put that lost) become
/// [`StorageError::AlreadyExists`].
pub(super) fn remote(location: &str, error: object_store::Error) -> StorageError {
    match error {
        object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. } => {
            StorageError::AlreadyExists {
                location: location.to_string(),
            }
        }
        other => StorageError::Remote {
            location: location.to_string(),
            message: one_line(&describe(&other)),
        },
    }
}

/// What `check` says when listing the root failed.
pub(super) fn check(
    location: &str,
    bucket: &str,
    endpoint: &str,
    error: object_store::Error,
) -> StorageError {
    let config = |message: String| StorageError::Config {
        location: location.to_string(),
        message: one_line(&message),
    };
    if let Some(http) = unreachable(&error) {
        return StorageError::Remote {
            location: location.to_string(),
            message: one_line(&format!("cannot reach {endpoint}: {}", describe(http))),
        };
    }
    let text = describe(&error);
    // object_store names only some statuses by variant; a listing's 403
    // comes back as a generic error, so the status is read from the text.
    let denied = ["403 Forbidden", "401 Unauthorized"]
        .iter()
        .any(|s| text.contains(s));
    match error {
        // Listing a prefix of a bucket that exists succeeds even when
        // nothing is under it: only a missing bucket is "not found".
        object_store::Error::NotFound { .. } => config(format!("bucket `{bucket}` does not exist")),
        _ if text.contains("NoSuchBucket") || text.contains("ContainerNotFound") => {
            config(format!("bucket `{bucket}` does not exist"))
        }
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => {
            config(format!("access denied: {}", server_says(&text)))
        }
        _ if denied => config(format!("access denied: {}", server_says(&text))),
        other => remote(location, other),
    }
}

/// What `check` says when no answer came within `limit`.
pub(super) fn no_answer(
    location: &str,
    endpoint: &str,
    limit: std::time::Duration,
) -> StorageError {
    StorageError::Remote {
        location: location.to_string(),
        message: format!(
            "cannot reach {endpoint}: no answer within {} s",
            limit.as_secs()
        ),
    }
}

/// The S3 error code and message in `text` (`AccessDenied: …`), or all of
/// `text` if it carries no S3 error document.
fn server_says(text: &str) -> String {
    let element = |name: &str| {
        let start = text.find(&format!("<{name}>"))? + name.len() + 2;
        let end = start + text[start..].find(&format!("</{name}>"))?;
        Some(&text[start..end])
    };
    match (element("Code"), element("Message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        _ => text.to_string(),
    }
}

/// The transport error under `error`, if the request never got an answer:
/// refused, unresolvable, timed out.
fn unreachable(error: &object_store::Error) -> Option<&HttpError> {
    let mut source = error.source();
    while let Some(e) = source {
        if let Some(http) = e.downcast_ref::<HttpError>() {
            return matches!(http.kind(), HttpErrorKind::Connect | HttpErrorKind::Timeout)
                .then_some(http);
        }
        source = e.source();
    }
    None
}

/// `error` and those of its causes that its message does not already
/// include, `: `-separated: object_store's messages stop short of the
/// cause people need ("error sending request" — refused? DNS? TLS?).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let cause = e.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
        source = e.source();
    }
    text
}
