//! Versions and commits: what a version is ([`manifest`]), where its objects live
//! ([`layout`]), what is at a location without a dataset ([`site`]), finding and loading
//! versions ([`versions`]), a writer's change and whether it still fits versions committed
//! meanwhile ([`change`]), the put-if-not-exists commit loop ([`commit`]), and what is done
//! with versions as a whole: tags ([`tags`]), restore ([`restore`]), cleanup of old versions
//! and unreferenced files ([`cleanup`]), copying and removing a dataset ([`relocate`]).

pub(crate) mod change;
pub(crate) mod cleanup;
pub(crate) mod commit;
pub(crate) mod layout;
pub(crate) mod manifest;
pub(crate) mod relocate;
pub(crate) mod restore;
pub(crate) mod site;
pub(crate) mod tags;
pub(crate) mod versions;
