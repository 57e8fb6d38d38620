//! Single files on a store: a Shoal data file read ([`file_reader`]: one suffix read for its
//! metadata, then plan, fetch and decode kept apart) and written ([`file_writer`]: batches
//! streamed out), column names turned into indices ([`projection`]), the envelope of the
//! dataset's own small binary objects ([`framing`]: manifests, deletion files, index files),
//! and deletion files ([`deletion`]: a fragment's deleted rows as a roaring bitmap).

pub(crate) mod deletion;
pub(crate) mod file_reader;
pub(crate) mod file_writer;
pub(crate) mod framing;
pub(crate) mod projection;
