//! The envelope shared by the dataset's small binary objects (manifests, deletion files):
//! eight bytes of magic, the encoding's major and minor version (u16 little-endian each),
//! the body, and a crc32c of the body (u32 little-endian). See `docs/format.md`.

use shoal_format::codec::{WireReader, WireWriter};
use shoal_format::FormatError;

/// What kind of object an envelope holds and the newest encoding of it this build reads.
pub(crate) struct Kind {
    /// The eight bytes the object starts with.
    pub magic: [u8; 8],
    /// Named in errors, e.g. "manifest".
    pub name: &'static str,
    pub major: u16,
    pub minor: u16,
}

impl Kind {
    /// Wraps `body` in the envelope, at this build's version.
    pub(crate) fn frame(&self, body: &[u8]) -> Vec<u8> {
        let mut out = WireWriter::new();
        out.raw(&self.magic);
        out.raw(&self.major.to_le_bytes());
        out.raw(&self.minor.to_le_bytes());
        out.raw(body);
        out.u32(crc32c::crc32c(body));
        out.into_inner()
    }

    /// The body inside an envelope, after checking magic, version and checksum.
    pub(crate) fn unframe<'a>(&self, bytes: &'a [u8]) -> Result<&'a [u8], FormatError> {
        Ok(self.unframe_versioned(bytes)?.0)
    }

    /// [`Kind::unframe`], with the minor version the object was written at (bodies of
    /// older minors lack what later ones added).
    pub(crate) fn unframe_versioned<'a>(
        &self,
        bytes: &'a [u8],
    ) -> Result<(&'a [u8], u16), FormatError> {
        let name = self.name;
        let corrupt = |m: &str| FormatError::Corrupt(format!("{name}: {m}"));
        let mut r = WireReader::new(bytes);
        if r.raw(8, "magic")? != self.magic {
            return Err(corrupt(&format!("bad magic: not a Shoal {name}")));
        }
        let major = u16::from_le_bytes([r.u8("major")?, r.u8("major")?]);
        let minor = u16::from_le_bytes([r.u8("minor")?, r.u8("minor")?]);
        if major != self.major || minor > self.minor {
            return Err(FormatError::UnsupportedVersion {
                major,
                minor,
                max_major: self.major,
                max_minor: self.minor,
            });
        }
        let body_len = r
            .remaining()
            .checked_sub(4)
            .ok_or_else(|| corrupt("truncated before its checksum"))?;
        let body = r.raw(body_len, "body")?;
        let stored = r.u32("checksum")?;
        let computed = crc32c::crc32c(body);
        if stored != computed {
            return Err(FormatError::Checksum {
                what: name.into(),
                stored,
                computed,
            });
        }
        Ok((body, minor))
    }
}
