//! A sync [`Upload`] over an object store: parts of a multipart upload sent
//! in the background, in bounded memory.
//!
//! Bytes collect in one part-sized buffer. A full part starts the multipart
//! upload if none is open yet and is handed to object_store's
//! `WriteMultipart`, which sends up to [`super::MAX_PARTS_IN_FLIGHT`] parts at
//! once on the storage's runtime; the writer waits only when that many are
//! still on their way. So memory stays within one buffer plus the parts in
//! flight, whatever the file's size. A file smaller than one part never
//! opens a multipart upload: it is one PUT at commit.
//!
//! Until commit nothing is visible under the name: S3, GCS and Azure show a
//! multipart upload only once it is completed. Dropping the upload aborts it,
//! so the server discards the parts (a crash leaves them until the bucket's
//! lifecycle rule for incomplete uploads removes them).

use std::io::{self, Write};
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::runtime::Runtime;

use super::errors;
use crate::storage::{StorageError, Upload};

pub(super) struct ObjectUpload {
    store: Arc<dyn ObjectStore>,
    runtime: Arc<Runtime>,
    path: Path,
    location: String,
    part_bytes: usize,
    /// The part being filled; never holds a full part between calls.
    buffer: Vec<u8>,
    /// Open once the first part is full.
    multipart: Option<WriteMultipart>,
    written: u64,
    /// A part failed to go: the upload lacks it, so it must never complete.
    failed: bool,
}

impl ObjectUpload {
    pub(super) fn new(
        store: Arc<dyn ObjectStore>,
        runtime: Arc<Runtime>,
        path: Path,
        location: String,
        part_bytes: usize,
    ) -> Self {
        Self {
            store,
            runtime,
            path,
            location,
            part_bytes,
            buffer: Vec::new(),
            multipart: None,
            written: 0,
            failed: false,
        }
    }

    /// Hands the full buffer to the multipart upload, opening it first if
    /// needed, after waiting for room among the parts in flight.
    fn send_part(&mut self) -> Result<(), object_store::Error> {
        let part = Bytes::from(std::mem::take(&mut self.buffer));
        let runtime = Arc::clone(&self.runtime);
        runtime.block_on(async {
            if self.multipart.is_none() {
                let upload = self.store.put_multipart(&self.path).await?;
                self.multipart = Some(WriteMultipart::new_with_chunk_size(upload, self.part_bytes));
            }
            let multipart = self.multipart.as_mut().expect("opened above");
            multipart
                .wait_for_capacity(super::MAX_PARTS_IN_FLIGHT)
                .await?;
            // Exactly one part: `put` starts sending it at once (it spawns
            // on this runtime, which is why it runs inside `block_on`).
            multipart.put(part);
            Ok(())
        })
    }
}

impl Write for ObjectUpload {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other(format!(
                "{}: an earlier part failed",
                self.location
            )));
        }
        if self.buffer.capacity() == 0 {
            self.buffer.reserve_exact(self.part_bytes);
        }
        let n = buf.len().min(self.part_bytes - self.buffer.len());
        self.buffer.extend_from_slice(&buf[..n]);
        self.written += n as u64;
        if self.buffer.len() == self.part_bytes {
            self.send_part().map_err(|e| {
                self.failed = true;
                io::Error::other(errors::remote(&self.location, e))
            })?;
        }
        Ok(n)
    }

    /// Nothing to do: a part shorter than the minimum cannot be sent before
    /// the last, and the object is durable only at commit anyway.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Upload for ObjectUpload {
    fn commit(mut self: Box<Self>) -> Result<u64, StorageError> {
        if self.failed {
            // Dropping `self` aborts the multipart upload.
            return Err(StorageError::Remote {
                location: self.location.clone(),
                message: "not committed: an earlier part failed".into(),
            });
        }
        let last = Bytes::from(std::mem::take(&mut self.buffer));
        let multipart = self.multipart.take();
        let store = Arc::clone(&self.store);
        let result = self.runtime.block_on(async {
            match multipart {
                None => store
                    .put(&self.path, PutPayload::from(last))
                    .await
                    .map(drop),
                // `finish` sends the last part, waits for all, completes the
                // upload, and aborts it itself if any of that fails.
                Some(mut multipart) => {
                    multipart.put(last);
                    multipart.finish().await.map(drop)
                }
            }
        });
        result.map_err(|e| errors::remote(&self.location, e))?;
        Ok(self.written)
    }
}

impl Drop for ObjectUpload {
    fn drop(&mut self) {
        if let Some(multipart) = self.multipart.take() {
            // Best effort: the abort is bounded by the client's timeouts, and
            // if it fails the parts are still invisible under the name.
            let _ = self.runtime.block_on(multipart.abort());
        }
    }
}
