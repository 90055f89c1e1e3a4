//! Encoded messages side by side in one buffer, as a batch carries them.

/// Rows encoded one payload each: payload `i` is
/// `data[offsets[i]..offsets[i + 1]]`.
pub(crate) struct Payloads {
    pub data: Vec<u8>,
    pub offsets: Vec<usize>,
}

impl Payloads {
    /// Room for about `rows` payloads of `bytes_each`.
    pub fn with_capacity(rows: usize, bytes_each: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self {
            data: Vec::with_capacity(rows * bytes_each),
            offsets,
        }
    }

    /// How many payloads there are.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }
}
