//! Little-endian primitives for Shoal's binary encodings (the file footer, the dataset
//! manifest): a byte sink and a bounds-checked reader.
//!
//! Integers are either fixed-width little-endian or unsigned LEB128 varints. Strings and byte
//! strings are a varint length followed by the bytes. [`WireReader`] never reads past its
//! slice and never allocates more than the bytes it has left, so a corrupt length cannot
//! trigger a large allocation.

use crate::error::{FormatError, Result};

/// Appends encoded primitives to a byte vector.
#[derive(Default)]
pub struct WireWriter {
    buf: Vec<u8>,
}

impl WireWriter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Appends bytes as they are (no length prefix).
    pub fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub fn len(&mut self, v: usize) {
        self.varint(v as u64);
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.buf.extend_from_slice(b);
    }

    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
}

/// Reads encoded primitives from a slice, failing with [`FormatError::Corrupt`] on overrun.
pub struct WireReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> WireReader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(FormatError::corrupt(format!(
                "truncated while reading {what} at byte {}",
                self.pos
            )));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// The next `n` bytes as they are.
    pub fn raw(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        self.take(n, what)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u32(&mut self, what: &str) -> Result<u32> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4, what)?);
        Ok(u32::from_le_bytes(b))
    }

    pub fn varint(&mut self, what: &str) -> Result<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.u8(what)?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(FormatError::corrupt(format!(
            "varint overflow while reading {what}"
        )))
    }

    /// A varint that must fit in `usize` and be at most `max`.
    pub fn bounded(&mut self, max: u64, what: &str) -> Result<usize> {
        let v = self.varint(what)?;
        if v > max {
            return Err(FormatError::corrupt(format!(
                "{what} is {v}, more than the limit {max}"
            )));
        }
        usize::try_from(v)
            .map_err(|_| FormatError::corrupt(format!("{what} does not fit in memory")))
    }

    /// A count of items that each take at least one byte: bounded by the bytes left.
    pub fn count(&mut self, what: &str) -> Result<usize> {
        let left = self.remaining() as u64;
        self.bounded(left, what)
    }

    pub fn bytes(&mut self, what: &str) -> Result<&'a [u8]> {
        let n = self.count(what)?;
        self.take(n, what)
    }

    pub fn str(&mut self, what: &str) -> Result<&'a str> {
        std::str::from_utf8(self.bytes(what)?)
            .map_err(|_| FormatError::corrupt(format!("{what} is not valid UTF-8")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_round_trip() {
        let mut w = WireWriter::new();
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            w.varint(v);
        }
        w.u32(0xfeed_f00d);
        w.str("héllo");
        let bytes = w.into_inner();
        let mut r = WireReader::new(&bytes);
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            assert_eq!(r.varint("v").unwrap(), v);
        }
        assert_eq!(r.u32("u").unwrap(), 0xfeed_f00d);
        assert_eq!(r.str("s").unwrap(), "héllo");
        assert_eq!(r.remaining(), 0);
        assert!(r.u8("past end").is_err());
    }

    #[test]
    fn overlong_varint_and_huge_lengths_are_errors() {
        let mut r = WireReader::new(&[0xff; 11]);
        assert!(r.varint("v").is_err());
        let mut w = WireWriter::new();
        w.varint(u64::MAX);
        let bytes = w.into_inner();
        assert!(WireReader::new(&bytes).bytes("b").is_err());
    }
}
