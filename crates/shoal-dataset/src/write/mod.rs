//! Changes that write data, each prepared against the version it read and committed through
//! `version/commit.rs`: create, append and overwrite ([`dataset_writer`], rolling
//! batches into data files with [`data_files`]), deletes ([`delete`]: new deletion vectors),
//! updates ([`update`]: fragments rewritten in place by [`rewrite`]), compaction
//! ([`compact`]), upserts by key ([`merge`]) and schema evolution ([`schema`]).

pub(crate) mod compact;
pub(crate) mod data_files;
pub(crate) mod dataset_writer;
pub(crate) mod delete;
pub(crate) mod merge;
pub(crate) mod rewrite;
pub(crate) mod schema;
pub(crate) mod update;
