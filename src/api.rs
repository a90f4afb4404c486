//! The SQL face: thin wrappers that convert arguments and call the core. No logic here.
//! Every function lands in schema `confiture` (the control file's schema); privileges are set
//! in sql/privileges.sql.

use crate::errors::raise;
use crate::{build, schema_hash, sources};
use pgrx::datum::TimestampWithTimeZone;
use pgrx::prelude::*;

type TextArray = Vec<Option<String>>;

fn named_sources(sources: Option<TextArray>, names: Option<TextArray>) -> Vec<sources::Source> {
    sources::named_sources(sources, names)
        .unwrap_or_else(|reason| raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, reason, None, None))
}

/// Apply DDL texts in order inside the caller's transaction; one row describing the build.
#[pg_extern(volatile, parallel_unsafe)]
fn build_from(
    sources: Option<TextArray>,
    names: default!(Option<TextArray>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(build_id, i64),
        name!(schema_hash, String),
        name!(file_count, i32),
        name!(statement_count, i32),
        name!(duration_ms, f64),
        name!(built_by, String),
        name!(built_at, TimestampWithTimeZone),
    ),
> {
    let record = build::build(&named_sources(sources, names));
    TableIterator::once((
        record.build_id,
        record.schema_hash,
        record.file_count,
        record.statement_count,
        record.duration_ms,
        record.built_by,
        record.built_at,
    ))
}

/// The schema hash `build_from` would record for these sources, without applying anything.
#[pg_extern(immutable, parallel_safe)]
fn schema_hash(sources: Option<TextArray>, names: default!(Option<TextArray>, "NULL")) -> String {
    let sources = named_sources(sources, names);
    schema_hash::schema_hash(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())))
}
