//! One module per command. Each `command` function runs it and prints its result in the
//! requested format; it returns the exit code of a check that ran (0, or 1 when it failed).

pub mod build;
pub mod diff;
mod diff_renames;
mod diff_source;
pub mod fresh;
pub mod init;
pub mod lint;
mod lint_json;
mod lint_select;
pub mod migrate;
pub mod seed;
pub mod sync;
