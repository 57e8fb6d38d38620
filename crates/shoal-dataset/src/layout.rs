//! Where things live inside a dataset (see `../shared/DESIGN.md`, "On disk").
//!
//! ```text
//! <dataset>/
//!   _latest                      the latest version number, as text (a hint, rewritten after
//!                                every commit; readers check for newer versions anyway)
//!   _versions/<version>.manifest one manifest per version, zero-padded to 20 digits so that
//!                                listings sort by version; written with put-if-not-exists
//!   data/<uuid>.shoal            data files, never modified after commit
//!   _deletions/<fragment>-<uuid>.del
//!                                deletion vectors, never modified after commit
//!   _tags/<name>                 a tag: the version number it names, as text
//!   _indices/<uuid>.ivfpq        vector index files, never modified after commit
//! ```

use shoal_io::ObjectLocation;

/// The hint holding the latest version number.
pub(crate) const LATEST_HINT: &str = "_latest";
/// The folder of manifests.
pub(crate) const VERSIONS_DIR: &str = "_versions";
/// The folder of data files.
pub(crate) const DATA_DIR: &str = "data";
/// The folder of deletion files.
pub(crate) const DELETIONS_DIR: &str = "_deletions";
/// The folder of index files.
pub(crate) const INDICES_DIR: &str = "_indices";
/// The folder of tags.
pub(crate) const TAGS_DIR: &str = "_tags";
const MANIFEST_SUFFIX: &str = ".manifest";

/// The manifest of `version`.
pub(crate) fn manifest(root: &ObjectLocation, version: u64) -> ObjectLocation {
    root.child(&format!("{VERSIONS_DIR}/{version:020}{MANIFEST_SUFFIX}"))
}

/// The version a manifest file name (relative to `_versions/`) stands for.
pub(crate) fn version_of(name: &str) -> Option<u64> {
    name.strip_suffix(MANIFEST_SUFFIX)?.parse().ok()
}

/// A new, unique data file path (relative to the root).
pub(crate) fn new_data_file() -> String {
    format!("{DATA_DIR}/{}.shoal", uuid::Uuid::new_v4())
}

/// A new, unique deletion file path for fragment `fragment_id` (relative to the root).
pub(crate) fn new_deletion_file(fragment_id: u64) -> String {
    format!("{DELETIONS_DIR}/{fragment_id}-{}.del", uuid::Uuid::new_v4())
}

/// The tag named `name`.
pub(crate) fn tag(root: &ObjectLocation, name: &str) -> ObjectLocation {
    root.child(&format!("{TAGS_DIR}/{name}"))
}

/// A new, unique IVF-PQ index file path (relative to the root).
pub(crate) fn new_ivf_pq_file() -> String {
    format!("{INDICES_DIR}/{}.ivfpq", uuid::Uuid::new_v4())
}
