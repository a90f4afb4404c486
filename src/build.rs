//! Build from DDL: apply a project's sources in order, inside the caller's transaction, with
//! every failure attributed to its file, line and statement.

use crate::errors::raise;
use crate::schema_hash::schema_hash;
use crate::script::{parts_of, run_source, Purpose};
use crate::server::scope::{Failure, Scope, Setting};
use crate::sources::Source;
use pgrx::datum::{DatumWithOid, TimestampWithTimeZone};
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use pgrx::{PgSqlErrorCode, PgTryBuilder};
use std::panic::AssertUnwindSafe;
use std::time::Instant;

/// What a successful build returns, and records in `confiture.build_history`.
pub struct BuildRecord {
    pub build_id: i64,
    pub schema_hash: String,
    pub file_count: i32,
    pub statement_count: i32,
    pub duration_ms: f64,
    pub built_by: String,
    pub built_at: TimestampWithTimeZone,
}

/// Settings in force for the duration of a build only. Function bodies are not validated,
/// as pg_dump does, so files of functions may come in any order.
const BUILD_SETTINGS: &[Setting] = &[(c"check_function_bodies", c"off")];

pub fn build(sources: &[Source]) -> BuildRecord {
    let started = Instant::now();
    let hash = schema_hash(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())));
    // The files' errors are already attributed to their file and line by run_source.
    let in_order = || {
        Scope::kept_on_success().with_settings(BUILD_SETTINGS).run(|probe| {
            Spi::connect_mut(|client| {
                sources
                    .iter()
                    .map(|source| run_source(client, source, probe, Purpose::Build).statements)
                    .sum()
            })
        })
    };
    // Fast path: one subtransaction for the whole build. Only when a file names something
    // that does not exist yet is the build run again, file by file, putting off such files.
    let statement_count = in_order()
        .or_else(|failure| match names_what_is_not_created_yet(&failure) {
            true => Scope::kept_on_success()
                .with_settings(BUILD_SETTINGS)
                .run(|_| putting_off_early_files(sources)),
            false => Err(failure),
        })
        .unwrap_or_else(|failure| failure.error.rethrow());
    let duration_ms = (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    record_build(&hash, sources, statement_count, duration_ms)
}

/// A relation, schema, type or function that does not exist: the file may only come before the
/// one that creates it (the Python confiture's builds concatenate files in name order, and its
/// users order files by name, not by dependency).
fn names_what_is_not_created_yet(failure: &Failure) -> bool {
    let code = match &failure.error {
        CaughtError::PostgresError(report) | CaughtError::ErrorReport(report) => report.sql_error_code(),
        CaughtError::RustPanic { .. } => return false,
    };
    matches!(
        code,
        PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE
            | PgSqlErrorCode::ERRCODE_INVALID_SCHEMA_NAME
            | PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT
            | PgSqlErrorCode::ERRCODE_UNDEFINED_FUNCTION
    )
}

/// Each file in a subtransaction of its own, in order; a file that names what is not created
/// yet is rolled back and run again after the others, pass after pass, while a pass makes
/// progress. When one does not, the first such file's own error is the build's. The order is
/// as deterministic as the files'; the files put off are named in a NOTICE.
fn putting_off_early_files(sources: &[Source]) -> usize {
    Spi::connect_mut(|client| {
        let mut pending: Vec<&Source> = sources.iter().collect();
        let mut statements = 0;
        let mut first_put_off: Vec<&str> = Vec::new();
        loop {
            let mut put_off = Vec::new();
            let mut first_failure = None;
            for &source in &pending {
                let ran = Scope::kept_on_success()
                    .sharing_settings()
                    .run(|probe| run_source(client, source, probe, Purpose::Build));
                match ran {
                    Ok(run) => statements += run.statements,
                    Err(failure) if names_what_is_not_created_yet(&failure) => {
                        first_failure.get_or_insert(failure);
                        put_off.push(source);
                    }
                    Err(failure) => failure.error.rethrow(),
                }
            }
            match first_failure {
                None if first_put_off.is_empty() => return statements,
                None => {
                    pgrx::notice!(
                        "confiture: built after the files they need, which come later in the build order: {}",
                        first_put_off.join(", ")
                    );
                    return statements;
                }
                Some(failure) if put_off.len() == pending.len() => failure.error.rethrow(),
                Some(_) => {}
            }
            if first_put_off.is_empty() {
                first_put_off = put_off.iter().map(|s| s.name.as_str()).collect();
            }
            pending = put_off;
        }
    })
}

fn record_build(hash: &str, sources: &[Source], statements: usize, duration_ms: f64) -> BuildRecord {
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let file_count = sources.len() as i32;
    let statement_count = statements as i32;
    let insert = AssertUnwindSafe(|| {
        let args = [
            DatumWithOid::from(hash),
            DatumWithOid::from(file_count),
            DatumWithOid::from(statement_count),
            DatumWithOid::from(duration_ms),
            DatumWithOid::from(names.clone()),
        ];
        Spi::connect_mut(|client| {
            let row = client
                .update(
                    "INSERT INTO confiture.build_history \
                       (schema_hash, file_count, statement_count, duration_ms, source_names) \
                     VALUES ($1, $2, $3, $4, $5) \
                     RETURNING build_id, built_by::text, built_at",
                    Some(1),
                    &args,
                )?
                .first();
            Ok::<_, pgrx::spi::Error>((row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap_or_else(|error| pgrx::error!("{error}"))
    });
    let (build_id, built_by, built_at) = PgTryBuilder::new(insert)
        .catch_others(|error| {
            let (code, message, detail, hint) = parts_of(error);
            let hint = if code == PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE {
                Some("The role running the build needs: GRANT SELECT, INSERT ON confiture.build_history TO <role>".into())
            } else {
                hint
            };
            raise(
                code,
                format!("build rolled back: it could not be recorded in confiture.build_history: {message}"),
                detail,
                hint,
            )
        })
        .execute();
    BuildRecord {
        build_id: build_id.unwrap_or_default(),
        schema_hash: hash.to_string(),
        file_count,
        statement_count,
        duration_ms,
        built_by: built_by.unwrap_or_default(),
        built_at: built_at.unwrap_or_else(|| pgrx::error!("build_history.built_at is NULL")),
    }
}
