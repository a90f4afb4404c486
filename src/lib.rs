//! confiture: schema as code inside PostgreSQL.
//!
//! Layers, in one direction: `api` (thin SQL-facing wrappers) -> capability modules (`build`)
//! -> pure helpers (`schema_hash`, `sql_text`, `sources`) and `server` (the few modules that
//! touch PostgreSQL internals).

use pgrx::prelude::*;

mod api;
mod build;
mod catalog;
mod diff;
mod errors;
mod lint;
mod mask;
mod migrate;
mod risk;
mod s2s;
use confiture_core::schema_hash;
mod script;
mod seeds;
mod server;
mod sources;
use confiture_core::sql_text;

::pgrx::pg_module_magic!();

extension_sql_file!("../sql/build_history.sql", name = "build_history", bootstrap);
extension_sql_file!("../sql/lint_tables.sql", name = "lint_tables", requires = ["build_history"]);
extension_sql_file!("../sql/migrations.sql", name = "migrations", requires = ["build_history"]);
extension_sql_file!("../sql/seeds.sql", name = "seeds", requires = ["build_history"]);
extension_sql_file!(
    "../sql/lint_functions.sql",
    name = "lint_functions",
    requires = [api::lint_schema, api::register_lint_rule_by_oid]
);

extension_sql_file!("../sql/s2s.sql", name = "s2s", requires = ["build_history"]);
extension_sql_file!("../sql/risk.sql", name = "risk", requires = ["build_history"]);
extension_sql_file!(
    "../sql/s2s_procedures.sql",
    name = "s2s_procedures",
    requires = ["s2s", api::s2s_copy_by_oid, api::s2s_verify_by_oid]
);

extension_sql_file!(
    "../sql/migration_functions.sql",
    name = "migration_functions",
    requires = ["migrations", api::register_hook_by_oid]
);

/// Runs when a backend loads the library.
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    migrate::events::define_settings();
    mask::define_settings();
    s2s::attach::define_settings();
}

#[cfg(any(test, feature = "pg_test"))]
mod pg_tests;

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}

extension_sql_file!("../sql/privileges.sql", name = "privileges", finalize);
