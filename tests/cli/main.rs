//! CLI end to end: the `confiture` binary against a throwaway cluster.
//! scripts/test.sh starts the cluster and sets CONFITURE_TEST_URL (a superuser URL without a
//! database name); without it these tests fail rather than skip.

mod support;

mod adoption;
mod agreement;
mod bad_input;
mod build;
mod compat;
mod diff;
mod events;
mod fresh;
mod hardening;
mod lint;
mod migrate;
mod migrate_outside;
mod risk;
mod s2s;
mod seeds;
mod sync;
