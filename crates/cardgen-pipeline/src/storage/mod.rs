//! Where files go: a local directory or an object-store prefix, behind one
//! interface.
//!
//! A [`Storage`] is a root (a directory, or `s3://bucket/prefix/`) under
//! which objects are named by relative, `/`-separated keys such as
//! `transactions/part-00003-0000.parquet`. Every large file is written
//! through an [`Upload`]: bytes stream in, and the object appears under its
//! final name only on [`Upload::commit`]. Dropping an upload without
//! committing it aborts it, so a failed, interrupted or killed run leaves no
//! object under a final name: locally the bytes go to `NAME.inprogress` and
//! are renamed at the end; on an object store they go to a multipart upload,
//! completed at the end or aborted.
//!
//! Small files (manifests, the `_SUCCESS` marker) are written whole with
//! [`Storage::put`], optionally only if absent.

use std::fmt::Debug;
use std::io::Write;

pub mod local;
#[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
mod object;

pub use local::{LocalStorage, TEMP_SUFFIX};
#[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
pub use object::PART_BYTES;

/// What can go wrong with storage. Messages name the location; the cause,
/// if any, is the error's `source()`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    #[error("{location}")]
    Io {
        location: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{location} already exists")]
    AlreadyExists { location: String },
    /// The store answered with an error, or could not be reached.
    #[error("{location}: {message}")]
    Remote { location: String, message: String },
    /// The store is not set up to be used: no credentials, no bucket, a bad URL.
    #[error("{location}: {message}")]
    Config { location: String, message: String },
    #[error(
        "{url}: {scheme}:// is not compiled into this build; rebuild with `--features {feature}`"
    )]
    SchemeNotCompiled {
        url: String,
        scheme: String,
        feature: &'static str,
    },
    #[error(
        "{url}: unknown URL scheme `{scheme}://`; accepted: s3://, gs://, az:// or a local path"
    )]
    UnknownScheme { url: String, scheme: String },
}

/// A file being written; see the module docs. Dropping it without
/// [`commit`](Upload::commit) aborts it.
pub trait Upload: Write + Send {
    /// Finishes the file: after this returns, it is complete under its final
    /// name. Returns its size in bytes.
    fn commit(self: Box<Self>) -> Result<u64, StorageError>;
}

/// A root under which objects are named by relative keys; see the module docs.
pub trait Storage: Send + Sync + Debug {
    /// The full location of `name`, for messages: a path or a URL.
    fn location(&self, name: &str) -> String;

    /// Checks, quickly, that the root can be used: the bucket exists and
    /// the credentials are accepted. Fails within seconds, never hangs.
    fn check(&self) -> Result<(), StorageError>;

    /// Starts writing `name`; it appears only on commit, replacing any
    /// object of that name.
    fn create(&self, name: &str) -> Result<Box<dyn Upload>, StorageError>;

    /// Writes a small object whole. With `only_if_absent`, fails with
    /// [`StorageError::AlreadyExists`] when `name` exists.
    fn put(&self, name: &str, bytes: &[u8], only_if_absent: bool) -> Result<(), StorageError>;

    /// Reads a small object whole; `None` if absent.
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StorageError>;

    /// The size of `name` and its last `len` bytes (all of it when
    /// shorter), as a Parquet footer is read; `None` if absent.
    fn get_tail(&self, name: &str, len: u64) -> Result<Option<(u64, Vec<u8>)>, StorageError>;

    /// The size of `name` in bytes; `None` if absent.
    fn size(&self, name: &str) -> Result<Option<u64>, StorageError>;

    /// Reads `name` as a stream and returns its size and CRC-32; `None` if absent.
    fn checksum(&self, name: &str) -> Result<Option<(u64, u32)>, StorageError>;

    /// Every object under `prefix` (a key prefix such as `transactions/`),
    /// recursively, as keys relative to the root, sorted. Temporary files of
    /// uploads in progress are not listed.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError>;

    /// Deletes `name`; deleting an absent object is not an error.
    fn delete(&self, name: &str) -> Result<(), StorageError>;
}

/// Whether `location` is a URL (`scheme://…`) rather than a local path.
pub fn is_url(location: &str) -> bool {
    url_scheme(location).is_some()
}

fn url_scheme(location: &str) -> Option<&str> {
    let (scheme, _) = location.split_once("://")?;
    let valid = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.');
    valid.then_some(scheme)
}

/// Opens the storage rooted at `location`: a local directory (created on
/// first write) or an object-store URL (`s3://bucket/prefix`, `gs://…`,
/// `az://…`, `file://…`). Object stores take credentials and endpoints from
/// the usual environment variables (`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT_URL`,
/// …). Nothing is contacted until [`Storage::check`] or a first request.
pub fn open(location: &str) -> Result<Box<dyn Storage>, StorageError> {
    open_from(location, None)
}

/// Like [`open`], but an object store takes its settings from `options`
/// alone, named like the environment variables (`AWS_ENDPOINT_URL`,
/// `AWS_ACCESS_KEY_ID`, …), and the environment is not read. The
/// environment is shared by every thread of a process; options are not, so
/// tests and embedders can open differently configured stores side by side.
pub fn open_with_options(
    location: &str,
    options: &[(&str, &str)],
) -> Result<Box<dyn Storage>, StorageError> {
    open_from(location, Some(options))
}

#[cfg_attr(
    not(any(feature = "s3", feature = "gcs", feature = "azure")),
    allow(unused_variables)
)]
fn open_from(
    location: &str,
    options: Option<&[(&str, &str)]>,
) -> Result<Box<dyn Storage>, StorageError> {
    let Some(scheme) = url_scheme(location) else {
        return Ok(Box::new(LocalStorage::new(location)));
    };
    #[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
    let open_object = || match options {
        Some(options) => object::open_with_options(location, options),
        None => object::open(location),
    };
    #[cfg(not(all(feature = "s3", feature = "gcs", feature = "azure")))]
    let not_compiled = |feature| StorageError::SchemeNotCompiled {
        url: location.to_string(),
        scheme: scheme.to_string(),
        feature,
    };
    match scheme {
        "file" => Ok(Box::new(LocalStorage::new(
            location.trim_start_matches("file://"),
        ))),
        "s3" | "s3a" => {
            #[cfg(feature = "s3")]
            return open_object();
            #[cfg(not(feature = "s3"))]
            Err(not_compiled("s3"))
        }
        "gs" => {
            #[cfg(feature = "gcs")]
            return open_object();
            #[cfg(not(feature = "gcs"))]
            Err(not_compiled("gcs"))
        }
        "az" | "abfs" | "abfss" => {
            #[cfg(feature = "azure")]
            return open_object();
            #[cfg(not(feature = "azure"))]
            Err(not_compiled("azure"))
        }
        other => Err(StorageError::UnknownScheme {
            url: location.to_string(),
            scheme: other.to_string(),
        }),
    }
}

/// Joins a prefix and a name with exactly one `/`.
pub fn join(prefix: &str, name: &str) -> String {
    match (prefix.trim_end_matches('/'), name.trim_start_matches('/')) {
        ("", name) => name.to_string(),
        (prefix, "") => prefix.to_string(),
        (prefix, name) => format!("{prefix}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("s3://bucket/prefix"));
        assert!(is_url("gs://b"));
        assert!(!is_url("data/out"));
        assert!(!is_url("/tmp/x.parquet"));
        assert!(!is_url("C:\\data"));
    }

    #[test]
    fn an_unknown_scheme_is_refused_by_name() {
        let err = open("ftp://host/x").unwrap_err().to_string();
        assert!(err.contains("unknown URL scheme `ftp://`"), "{err}");
        assert!(err.contains("s3://"), "{err}");
    }

    #[test]
    fn join_puts_one_slash_between() {
        assert_eq!(join("a/", "/b"), "a/b");
        assert_eq!(join("", "b"), "b");
        assert_eq!(join("a", ""), "a");
    }
}
