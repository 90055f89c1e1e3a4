//! Object stores — S3 and S3-compatible servers, Google Cloud Storage, Azure
//! Blob Storage — as a [`Storage`], through the object_store crate.
//!
//! A root is a URL: `s3://bucket/prefix`. Keys under it become object
//! names `prefix/KEY` in the bucket; [`Storage::location`] gives back the
//! full URL. object_store parses the URL and speaks each service's protocol;
//! settings and credentials come from the usual environment variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, `GOOGLE_SERVICE_ACCOUNT`, `AZURE_STORAGE_ACCOUNT_NAME`,
//! …), or from explicit options ([`open_with_options`]).
//!
//! object_store is async; this interface is sync, for writer threads. Each
//! storage owns a small tokio runtime and blocks on it, so callers need no
//! runtime of their own — and must not call in from inside one (tokio
//! refuses to block a thread that drives async tasks).
//!
//! Large files go through multipart uploads ([`upload`]); small ones are one
//! PUT. Failures come back within seconds, not minutes: see the limits in
//! [`config`] and the messages of [`errors`].

mod config;
mod errors;
mod upload;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode, PutOptions};
use tokio::runtime::Runtime;

use super::{Storage, StorageError, Upload, join};

/// The size of each part of a multipart upload but the last. S3 wants at
/// least 5 MiB; larger parts mean fewer requests, and S3's 10,000-part limit
/// then still allows files of 80 GB.
pub const PART_BYTES: usize = 8 << 20;
/// Parts of one upload sent at once. With the part being filled, an upload
/// holds at most `(MAX_PARTS_IN_FLIGHT + 1) * PART_BYTES` in memory.
const MAX_PARTS_IN_FLIGHT: usize = 4;
/// `checksum` reads in ranges of this size, so that no single request has to
/// carry a whole large object within the request timeout.
const READ_RANGE_BYTES: u64 = 16 << 20;
/// How long `check` waits for its one request, retries included.
const CHECK_TIMEOUT: Duration = Duration::from_secs(15);
/// Network waits, not computation: two threads keep several requests going.
const RUNTIME_THREADS: usize = 2;

/// Opens `location` with settings from the environment.
pub(super) fn open(location: &str) -> Result<Box<dyn Storage>, StorageError> {
    let settings = config::from_environment(location);
    Ok(Box::new(ObjectStorage::new(location, &settings)?))
}

/// Opens `location` with `options` as its only settings; see
/// [`super::open_with_options`].
pub(super) fn open_with_options(
    location: &str,
    options: &[(&str, &str)],
) -> Result<Box<dyn Storage>, StorageError> {
    let settings: Vec<(String, String)> = options
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ok(Box::new(ObjectStorage::new(location, &settings)?))
}

/// A bucket prefix as a [`Storage`].
struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    runtime: Arc<Runtime>,
    /// The root URL without a trailing `/`.
    url: String,
    prefix: Path,
    bucket: String,
    endpoint: String,
}

impl fmt::Debug for ObjectStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStorage")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ObjectStorage {
    fn new(location: &str, settings: &[(String, String)]) -> Result<Self, StorageError> {
        let configured = config::configure(location, settings)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(RUNTIME_THREADS)
            .thread_name("cardgen-object-store")
            .enable_all()
            .build()
            .map_err(|source| StorageError::Io {
                location: location.to_string(),
                source,
            })?;
        Ok(Self {
            store: configured.store,
            runtime: Arc::new(runtime),
            url: location.trim_end_matches('/').to_string(),
            prefix: configured.prefix,
            bucket: configured.bucket,
            endpoint: configured.endpoint,
        })
    }

    /// The object name of key `name`.
    fn path(&self, name: &str) -> Path {
        Path::from(join(self.prefix.as_ref(), name).as_str())
    }

    /// `name` relative to the root, or `None` if outside it.
    fn key<'a>(&self, path: &'a Path) -> Option<&'a str> {
        let path = path.as_ref();
        match self.prefix.as_ref() {
            "" => Some(path),
            prefix => path.strip_prefix(prefix)?.strip_prefix('/'),
        }
    }

    fn error(&self, name: &str) -> impl FnOnce(object_store::Error) -> StorageError + '_ {
        let location = self.location(name);
        move |e| errors::remote(&location, e)
    }

    /// `result`, with "not found" as `None`.
    fn found<T>(
        &self,
        name: &str,
        result: object_store::Result<T>,
    ) -> Result<Option<T>, StorageError> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(name)(e)),
        }
    }
}

impl Storage for ObjectStorage {
    fn location(&self, name: &str) -> String {
        join(&self.url, name)
    }

    fn check(&self) -> Result<(), StorageError> {
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        // One page of a listing is the cheapest request that proves the
        // bucket exists and the credentials may read it; we look at one key.
        // A server that accepts connections but never answers would hold
        // a request for the whole request timeout: `check` waits less.
        let first = self.runtime.block_on(async {
            tokio::time::timeout(CHECK_TIMEOUT, self.store.list(prefix).next()).await
        });
        match first {
            Err(_) => Err(errors::no_answer(&self.url, &self.endpoint, CHECK_TIMEOUT)),
            Ok(None | Some(Ok(_))) => Ok(()),
            Ok(Some(Err(e))) => Err(errors::check(&self.url, &self.bucket, &self.endpoint, e)),
        }
    }

    fn create(&self, name: &str) -> Result<Box<dyn Upload>, StorageError> {
        Ok(Box::new(upload::ObjectUpload::new(
            Arc::clone(&self.store),
            Arc::clone(&self.runtime),
            self.path(name),
            self.location(name),
            PART_BYTES,
        )))
    }

    fn put(&self, name: &str, bytes: &[u8], only_if_absent: bool) -> Result<(), StorageError> {
        // `PutMode::Create` sends `If-None-Match: *`, which S3 (since 2024),
        // GCS, Azure and SeaweedFS all honour, answering 412 when the name
        // exists: two writers racing for a name cannot both succeed. No
        // HEAD-then-PUT fallback, which would reopen that race.
        let mode = if only_if_absent {
            PutMode::Create
        } else {
            PutMode::Overwrite
        };
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        let payload = bytes.to_vec().into();
        self.runtime
            .block_on(self.store.put_opts(&self.path(name), payload, options))
            .map(drop)
            .map_err(self.error(name))
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let result = self.runtime.block_on(async {
            let found = self.store.get(&self.path(name)).await?;
            found.bytes().await
        });
        Ok(self.found(name, result)?.map(|bytes| bytes.to_vec()))
    }

    fn get_tail(&self, name: &str, len: u64) -> Result<Option<(u64, Vec<u8>)>, StorageError> {
        let path = self.path(name);
        let result = self.runtime.block_on(async {
            let options = GetOptions {
                range: Some(GetRange::Suffix(len)),
                ..GetOptions::default()
            };
            let found = self.store.get_opts(&path, options).await?;
            let size = found.meta.size;
            Ok((size, found.bytes().await?.to_vec()))
        });
        self.found(name, result)
    }

    fn size(&self, name: &str) -> Result<Option<u64>, StorageError> {
        let result = self.runtime.block_on(self.store.head(&self.path(name)));
        Ok(self.found(name, result)?.map(|meta| meta.size))
    }

    fn checksum(&self, name: &str) -> Result<Option<(u64, u32)>, StorageError> {
        let path = self.path(name);
        let result = self.runtime.block_on(async {
            let meta = self.store.head(&path).await?;
            let mut hasher = crc32fast::Hasher::new();
            let mut start = 0;
            while start < meta.size {
                let end = meta.size.min(start + READ_RANGE_BYTES);
                let options = GetOptions {
                    range: Some(GetRange::Bounded(start..end)),
                    // The ranges must all come from the object we measured.
                    if_match: meta.e_tag.clone(),
                    ..GetOptions::default()
                };
                let mut chunks = self.store.get_opts(&path, options).await?.into_stream();
                while let Some(chunk) = chunks.try_next().await? {
                    hasher.update(&chunk);
                }
                start = end;
            }
            Ok((meta.size, hasher.finalize()))
        });
        self.found(name, result)
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let trimmed = prefix.trim_matches('/');
        let under = self.path(trimmed);
        let under = (!under.as_ref().is_empty()).then_some(&under);
        let listed: Vec<_> = self
            .runtime
            .block_on(self.store.list(under).try_collect())
            .map_err(self.error(prefix))?;
        let mut names: Vec<String> = listed
            .iter()
            .filter_map(|meta| self.key(&meta.location))
            .map(str::to_string)
            .collect();
        // Like a local path, a prefix may also name one object.
        if names.is_empty() && !trimmed.is_empty() && self.size(trimmed)?.is_some() {
            names.push(trimmed.to_string());
        }
        names.sort();
        Ok(names)
    }

    fn delete(&self, name: &str) -> Result<(), StorageError> {
        let result = self.runtime.block_on(self.store.delete(&self.path(name)));
        self.found(name, result).map(drop)
    }
}
