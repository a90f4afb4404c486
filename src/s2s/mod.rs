//! Schema-to-schema migration in the target server (docs/schema-to-schema.md): attach the
//! source over postgres_fdw (attach.rs), plan every target table from the mapping
//! (confiture_core::s2s, stored by plan.rs), copy in committed key-range batches that resume
//! (copy.rs), put the foreign keys back and move sequences (finish.rs), compare checksums and
//! name differing rows (verify.rs), detach.

pub mod attach;
pub mod copy;
pub mod finish;
pub mod plan;
pub mod verify;

use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use serde::de::DeserializeOwned;

const CAPABILITY: &str = "confiture s2s";

fn spi_checked<T>(what: &str, result: Result<T, pgrx::spi::Error>) -> T {
    crate::errors::spi_checked(CAPABILITY, what, result)
}

/// Run a statement of ours; its own errors (a refused privilege...) reach the caller as they are.
fn execute(what: &str, statement: &str) {
    spi_checked(what, Spi::run(statement));
}

/// Run a statement of ours with parameters.
fn execute_with(what: &str, statement: &str, args: &[DatumWithOid]) {
    spi_checked(what, Spi::run_with_args(statement, args));
}

fn value_query<T: pgrx::datum::FromDatum + pgrx::datum::IntoDatum>(
    what: &str,
    query: &str,
    args: &[DatumWithOid],
) -> Option<T> {
    crate::server::query::value(CAPABILITY, what, query, args)
}

fn json_query<T: DeserializeOwned>(what: &str, query: &str, args: &[DatumWithOid]) -> T {
    crate::server::query::json(CAPABILITY, what, query, args)
}

/// `schema.name`, each part quoted as quote_ident does.
fn quoted(schema: &str, name: &str) -> String {
    pgrx::spi::quote_qualified_identifier(schema, name)
}

/// What a caught error says, whatever raised it.
fn report_of(error: &pgrx::pg_sys::panic::CaughtError) -> &pgrx::pg_sys::panic::ErrorReportWithLevel {
    use pgrx::pg_sys::panic::CaughtError;
    match error {
        CaughtError::PostgresError(report) | CaughtError::ErrorReport(report) => report,
        CaughtError::RustPanic { ereport, .. } => ereport,
    }
}

/// Reads of SQL holding the mapping's expressions, in the one execution scope, always rolled
/// back: whatever an expression does (set_config, a write in a function it calls) is undone, and a
/// cancel is raised again.
fn rolled_back<T>(read: impl FnOnce() -> T) -> T {
    crate::server::scope::Scope::rolled_back()
        .run(|_| read())
        .unwrap_or_else(|failure| failure.error.rethrow())
}

/// Run SQL that holds the mapping's expressions and casts as exactly one statement: prepared
/// first, which PostgreSQL refuses for text holding several (`1); DROP TABLE t; --` would
/// otherwise run its second statement).
fn run_single<'conn>(
    client: &mut pgrx::spi::SpiClient<'conn>,
    statement: &str,
) -> Result<pgrx::spi::SpiTupleTable<'conn>, pgrx::spi::Error> {
    let prepared = client.prepare_mut(statement, &[])?;
    client.update(&prepared, None, &[])
}
