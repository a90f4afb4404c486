//! SQL wrappers of migration risk assessment (src/risk): thin, as the rest of `api`.

use super::{json_argument, required};
use crate::risk;
use crate::server::json_arg::JsonText;
use confiture_core::risk::AssessedStatement;
use pgrx::prelude::*;
use pgrx::JsonB;

// The row type is spelled out in each #[pg_extern] signature: pgrx reads it before type aliases
// resolve. `rows` returns the same tuple.
#[allow(clippy::type_complexity)]
fn rows(
    assessed: Vec<AssessedStatement>,
) -> TableIterator<
    'static,
    (
        name!(version, Option<String>),
        name!(statement_no, i32),
        name!(line, i32),
        name!(statement, String),
        name!(lock_mode, Option<String>),
        name!(locked_relations, Vec<String>),
        name!(rewrites, Option<bool>),
        name!(scans, bool),
        name!(table_bytes, i64),
        name!(table_rows, i64),
        name!(est_seconds, f64),
        name!(blocked_by, JsonB),
        name!(hazards, Vec<String>),
        name!(risk, i32),
        name!(level, String),
        name!(advice, String),
        name!(observed, bool),
    ),
> {
    TableIterator::new(assessed.into_iter().map(|a| {
        (
            a.version,
            a.statement_no,
            a.line,
            a.statement,
            a.lock_mode,
            a.locked_relations,
            a.rewrites,
            a.scans,
            a.table_bytes,
            a.table_rows,
            a.est_seconds,
            JsonB(a.blocked_by),
            a.hazards,
            a.risk,
            a.level,
            a.advice,
            a.observed,
        )
    }))
}

/// What each statement of `sql` would lock, rewrite and cost on this database, scored.
#[pg_extern(volatile, parallel_unsafe)]
fn assess_migration(
    sql: Option<String>,
    name: default!(Option<String>, "NULL"),
    options: default!(Option<JsonText>, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(version, Option<String>),
        name!(statement_no, i32),
        name!(line, i32),
        name!(statement, String),
        name!(lock_mode, Option<String>),
        name!(locked_relations, Vec<String>),
        name!(rewrites, Option<bool>),
        name!(scans, bool),
        name!(table_bytes, i64),
        name!(table_rows, i64),
        name!(est_seconds, f64),
        name!(blocked_by, JsonB),
        name!(hazards, Vec<String>),
        name!(risk, i32),
        name!(level, String),
        name!(advice, String),
        name!(observed, bool),
    ),
> {
    let sql = required(sql, "sql");
    let name = name.unwrap_or_else(|| "migration".into());
    rows(risk::assess_text(&sql, &name, &json_argument(options, "options")))
}

/// The same for the registered migrations not applied yet, up to `target`, in run order.
#[pg_extern(volatile, parallel_unsafe)]
fn assess_migrations(
    target: default!(Option<String>, "NULL"),
    options: default!(Option<JsonText>, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(version, Option<String>),
        name!(statement_no, i32),
        name!(line, i32),
        name!(statement, String),
        name!(lock_mode, Option<String>),
        name!(locked_relations, Vec<String>),
        name!(rewrites, Option<bool>),
        name!(scans, bool),
        name!(table_bytes, i64),
        name!(table_rows, i64),
        name!(est_seconds, f64),
        name!(blocked_by, JsonB),
        name!(hazards, Vec<String>),
        name!(risk, i32),
        name!(level, String),
        name!(advice, String),
        name!(observed, bool),
    ),
> {
    rows(risk::assess_pending(target.as_deref(), &json_argument(options, "options")))
}

/// Measure this server's rewrite, scan, index build and foreign key validation throughput on a
/// scratch table (rolled back) and keep them for the estimates.
#[pg_extern(volatile, parallel_unsafe)]
fn calibrate(
    rows: default!(Option<i64>, "500000"),
) -> TableIterator<
    'static,
    (
        name!(rows, i64),
        name!(table_bytes, i64),
        name!(rewrite_bytes_per_second, f64),
        name!(scan_bytes_per_second, f64),
        name!(index_bytes_per_second, f64),
        name!(foreign_key_bytes_per_second, f64),
    ),
> {
    let measured = risk::calibrate::calibrate(rows.unwrap_or(500_000));
    let rates = measured.rates;
    TableIterator::once((
        measured.rows,
        measured.table_bytes,
        rates.rewrite.round(),
        rates.scan.round(),
        rates.index.round(),
        rates.foreign_key.round(),
    ))
}

/// Record the answer given for a pending migration by `migrate up --interactive` (an event
/// migration_answered, in the caller's transaction).
#[pg_extern(volatile, parallel_unsafe)]
fn record_migration_answer(
    version: Option<&str>,
    answer: Option<&str>,
    detail: default!(Option<JsonText>, "'{}'"),
) {
    let (version, answer) = (required(version, "version"), required(answer, "answer"));
    if confiture_core::risk::Answer::from_name(answer).is_none() {
        crate::errors::invalid(format!("answer must be yes, no, all or quit, not \"{answer}\""), None);
    }
    let mut detail = json_argument(detail, "detail");
    if !detail.is_object() {
        crate::errors::invalid("detail must be a JSON object".into(), None);
    }
    detail["answer"] = serde_json::json!(answer);
    crate::migrate::events::record(crate::migrate::events::Event::MigrationAnswered, Some(version), detail);
}
