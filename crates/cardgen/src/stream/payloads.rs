//! Encoded messages side by side in one buffer, as a batch carries them,
//! and the pool those buffers are reused from.

use std::ptr::NonNull;
use std::sync::{Arc, Mutex, Weak};

use arrow_buffer::Buffer;

/// Rows encoded one payload each: payload `i` is
/// `data[offsets[i]..offsets[i + 1]]`.
pub(crate) struct Payloads {
    pub data: Vec<u8>,
    pub offsets: Vec<usize>,
}

impl Payloads {
    /// Room for about `rows` payloads of `bytes_each`.
    #[cfg(test)]
    pub fn with_capacity(rows: usize, bytes_each: usize) -> Self {
        Self::new(rows, Vec::with_capacity(rows * bytes_each))
    }

    /// Payloads written into `data` (empty), about `rows` of them.
    pub fn new(rows: usize, data: Vec<u8>) -> Self {
        debug_assert!(data.is_empty());
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self { data, offsets }
    }

    /// How many payloads there are.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// The payload buffers of batches the sender is done with, for the next
/// batches to write into. A stream writes hundreds of bytes an event; into
/// fresh memory each batch, that was a page fault every 4 KiB (perf: about
/// 5% of a stream's time in the kernel, clearing and unmapping pages).
/// Keeps no more buffers than batches can be in flight.
#[derive(Debug)]
pub(crate) struct BufferPool {
    free: Mutex<Vec<Vec<u8>>>,
    keep: usize,
}

impl BufferPool {
    /// A pool that keeps up to `keep` buffers (the batches in flight).
    pub fn new(keep: usize) -> Arc<Self> {
        Arc::new(Self {
            free: Mutex::new(Vec::new()),
            keep,
        })
    }

    /// An empty buffer with room for at least `bytes`.
    pub fn take(&self, bytes: usize) -> Vec<u8> {
        let reused = self.free.lock().ok().and_then(|mut free| free.pop());
        let mut buffer = reused.unwrap_or_default();
        buffer.clear();
        buffer.reserve(bytes);
        buffer
    }

    /// `data` as an Arrow buffer that comes back to this pool when the
    /// last array over it is dropped.
    pub fn share(self: &Arc<Self>, data: Vec<u8>) -> Buffer {
        let ptr = NonNull::new(data.as_ptr().cast_mut()).expect("a Vec's pointer is never null");
        let len = data.len();
        let owner = Arc::new(Returned {
            data,
            pool: Arc::downgrade(self),
        });
        // SAFETY: `ptr` points at `len` initialised bytes of `data`'s heap
        // block, which `owner` keeps alive and unmoved (moving a Vec does
        // not move its block) until the buffer's last reference is gone.
        unsafe { Buffer::from_custom_allocation(ptr, len, owner) }
    }

    fn give_back(&self, data: Vec<u8>) {
        if let Ok(mut free) = self.free.lock()
            && free.len() < self.keep
        {
            free.push(data);
        }
    }
}

/// A pooled buffer's owner while Arrow arrays use it.
struct Returned {
    data: Vec<u8>,
    pool: Weak<BufferPool>,
}

impl Drop for Returned {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.give_back(std::mem::take(&mut self.data));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_comes_back_when_its_last_array_is_dropped() {
        let pool = BufferPool::new(1);
        let mut data = pool.take(100);
        data.extend_from_slice(b"events");
        let address = data.as_ptr();
        let buffer = pool.share(data);
        let copy = buffer.clone();
        drop(buffer);
        assert_eq!(copy.as_slice(), b"events");
        assert_eq!(pool.free.lock().unwrap().len(), 0, "still in use");
        drop(copy);
        let again = pool.take(10);
        assert_eq!(again.as_ptr(), address, "the same memory, reused");
        assert!(again.is_empty() && again.capacity() >= 100);
    }

    #[test]
    fn the_pool_keeps_no_more_than_it_was_told() {
        let pool = BufferPool::new(1);
        let first = pool.share(pool.take(10));
        let second = pool.share(pool.take(10));
        drop((first, second));
        assert_eq!(pool.free.lock().unwrap().len(), 1);
    }
}
