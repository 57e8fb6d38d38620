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
use uuid::Uuid;

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
/// Every folder of a dataset.
pub(crate) const FOLDERS: [&str; 5] =
    [VERSIONS_DIR, DATA_DIR, DELETIONS_DIR, INDICES_DIR, TAGS_DIR];
const MANIFEST_SUFFIX: &str = ".manifest";
const DATA_SUFFIX: &str = ".shoal";
const DELETION_SUFFIX: &str = ".del";
const IVF_PQ_SUFFIX: &str = ".ivfpq";
/// The longest tag name.
const MAX_NAME: usize = 100;

/// A file the dataset's own naming made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OwnFile {
    LatestHint,
    Manifest(u64),
    Data,
    Deletion,
    Index,
    Tag,
}

/// The manifest of `version`.
pub(crate) fn manifest(root: &ObjectLocation, version: u64) -> ObjectLocation {
    root.child(&manifest_path(version))
}

fn manifest_path(version: u64) -> String {
    format!("{VERSIONS_DIR}/{}", manifest_name(version))
}

fn manifest_name(version: u64) -> String {
    format!("{version:020}{MANIFEST_SUFFIX}")
}

/// The version a manifest file name (relative to `_versions/`) stands for: exactly the name
/// [`manifest`] makes (20 digits), nothing else.
pub(crate) fn version_of(name: &str) -> Option<u64> {
    let version = name.strip_suffix(MANIFEST_SUFFIX)?.parse().ok()?;
    (manifest_name(version) == name).then_some(version)
}

/// A new, unique data file path (relative to the root).
pub(crate) fn new_data_file() -> String {
    format!("{DATA_DIR}/{}{DATA_SUFFIX}", Uuid::new_v4())
}

/// A new, unique deletion file path for fragment `fragment_id` (relative to the root).
pub(crate) fn new_deletion_file(fragment_id: u64) -> String {
    format!(
        "{DELETIONS_DIR}/{}{DELETION_SUFFIX}",
        deletion_stem(fragment_id, Uuid::new_v4())
    )
}

fn deletion_stem(fragment_id: u64, uuid: Uuid) -> String {
    format!("{fragment_id}-{uuid}")
}

/// The tag named `name`.
pub(crate) fn tag(root: &ObjectLocation, name: &str) -> ObjectLocation {
    root.child(&format!("{TAGS_DIR}/{name}"))
}

/// Why `name` cannot name a tag or an index, if it cannot: such names are 1 to 100
/// characters of letters, digits, `.`, `_` and `-`, and do not start with `.` (safe as object
/// names on every store, and as words on a command line).
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > MAX_NAME {
        Some("a name has 1 to 100 characters")
    } else if name.starts_with('.') {
        Some("a name cannot start with '.'")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Some("use letters, digits, '.', '_' and '-'")
    } else {
        None
    }
}

/// A new, unique IVF-PQ index file path (relative to the root).
pub(crate) fn new_ivf_pq_file() -> String {
    format!("{INDICES_DIR}/{}{IVF_PQ_SUFFIX}", Uuid::new_v4())
}

/// What `path` (relative to the root, segments joined with `/`) is, when it is exactly a
/// name the functions above make, directly in its folder; `None` for anything else
/// (another name, a subfolder, a near miss such as `data/x.shoal` or `<uuid>.shoal.bak`).
pub(crate) fn own_file(path: &str) -> Option<OwnFile> {
    if path == LATEST_HINT {
        return Some(OwnFile::LatestHint);
    }
    let (dir, name) = path.split_once('/')?;
    if name.contains('/') {
        return None;
    }
    let uuid_named = |suffix: &str| name.strip_suffix(suffix).is_some_and(is_uuid);
    match dir {
        VERSIONS_DIR => version_of(name).map(OwnFile::Manifest),
        DATA_DIR => uuid_named(DATA_SUFFIX).then_some(OwnFile::Data),
        DELETIONS_DIR => is_deletion_name(name).then_some(OwnFile::Deletion),
        INDICES_DIR => uuid_named(IVF_PQ_SUFFIX).then_some(OwnFile::Index),
        TAGS_DIR => name_problem(name).is_none().then_some(OwnFile::Tag),
        _ => None,
    }
}

/// Whether `text` is a UUID as [`Uuid`] prints one (lowercase, hyphenated).
fn is_uuid(text: &str) -> bool {
    Uuid::try_parse(text).is_ok_and(|uuid| uuid.hyphenated().to_string() == text)
}

/// Whether `name` is `<fragment id>-<uuid>.del` as [`new_deletion_file`] makes it.
fn is_deletion_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(DELETION_SUFFIX) else {
        return false;
    };
    let Some((id, uuid)) = stem.split_once('-') else {
        return false;
    };
    match (id.parse(), Uuid::try_parse(uuid)) {
        (Ok(id), Ok(uuid)) => deletion_stem(id, uuid) == stem,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_made_here_is_recognised() {
        assert_eq!(own_file(LATEST_HINT), Some(OwnFile::LatestHint));
        for version in [1, 42, u64::MAX] {
            let path = manifest_path(version);
            assert_eq!(own_file(&path), Some(OwnFile::Manifest(version)));
        }
        assert_eq!(own_file(&new_data_file()), Some(OwnFile::Data));
        assert_eq!(own_file(&new_deletion_file(7)), Some(OwnFile::Deletion));
        assert_eq!(own_file(&new_ivf_pq_file()), Some(OwnFile::Index));
        assert_eq!(own_file("_tags/release-1.0"), Some(OwnFile::Tag));
    }

    #[test]
    fn near_misses_are_not_the_datasets() {
        let data = new_data_file();
        let uuid = data
            .strip_prefix("data/")
            .and_then(|n| n.strip_suffix(".shoal"))
            .unwrap();
        let upper = uuid.to_uppercase();
        let simple = uuid.replace('-', "");
        for path in [
            "data/x.shoal".to_string(),
            format!("{data}.bak"),
            format!("data/sub/{uuid}.shoal"),
            format!("data/{upper}.shoal"),
            format!("data/{simple}.shoal"),
            format!("{uuid}.shoal"),
            format!("_indices/{uuid}.shoal"),
            format!("_deletions/{uuid}.del"),
            format!("_deletions/07-{uuid}.del"),
            format!("_deletions/+7-{uuid}.del"),
            format!("_deletions/x/7-{uuid}.del"),
            "_versions/1.manifest".to_string(),
            "_versions/+0000000000000000001.manifest".to_string(),
            "_versions/sub/00000000000000000001.manifest".to_string(),
            "_versions/00000000000000000001.manifest.tmp".to_string(),
            "_latest.bak".to_string(),
            "_tags/.hidden".to_string(),
            "_tags/a/b".to_string(),
            "train.csv".to_string(),
            "data/train.csv".to_string(),
        ] {
            assert_eq!(own_file(&path), None, "{path}");
        }
    }
}
