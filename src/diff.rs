//! Schema diff in the server: the catalog snapshot (core/sql/catalog_snapshot.sql, the query the
//! CLI also sends to databases without the extension) and the plan between two snapshots
//! (`confiture_core::diff`, pure).

use crate::server::scope::{Scope, Setting};
use confiture_core::diff::{self, Options, Snapshot, Statement};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::Json;

const SNAPSHOT_SQL: &str = include_str!("../core/sql/catalog_snapshot.sql");
/// Every name the server prints comes out schema-qualified, whatever the caller's search_path.
const CATALOG_ONLY: &[Setting] = &[(c"search_path", c"pg_catalog")];

pub fn snapshot(schemas: Option<Vec<String>>) -> serde_json::Value {
    Scope::kept_on_success()
        .with_settings(CATALOG_ONLY)
        .run(|_| {
            Spi::get_one_with_args::<Json>(SNAPSHOT_SQL, &[DatumWithOid::from(schemas)])
                .unwrap_or_else(|e| pgrx::error!("confiture: reading the catalog snapshot: {e}"))
                .map(|json| json.0)
                .unwrap_or_default()
        })
        .unwrap_or_else(|failure| failure.error.rethrow())
}

/// A snapshot argument; one that is not a snapshot is an error naming the argument.
pub fn parse_snapshot(value: serde_json::Value, argument: &str) -> Result<Snapshot, String> {
    if !value.is_object() {
        return Err(format!(
            "argument {argument} is not a catalog snapshot (confiture.catalog_snapshot()): not an object"
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        format!("argument {argument} is not a catalog snapshot (confiture.catalog_snapshot()): {e}")
    })
}

pub fn parse_options(value: serde_json::Value) -> Result<Options, String> {
    serde_json::from_value(value).map_err(|e| format!("argument options: {e}"))
}

pub fn plan(
    current: &Snapshot,
    desired: &Snapshot,
    options: &Options,
) -> Result<Vec<Statement>, diff::DiffError> {
    diff::plan(current, desired, options)
}
