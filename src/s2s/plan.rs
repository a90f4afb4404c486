//! s2s_plan: every target table's plan (confiture_core::s2s::plan), checked by the server
//! (each copy statement prepared, so an unknown column, a missing cast or a bad expression is
//! reported before a row moves), ordered parents first, and stored with its copy progress. A
//! table whose plan did not change keeps its progress, which is how a killed copy resumes.

use super::attach::CATALOG_SCHEMA;
use super::{execute_with, json_query, quoted, run_single, spi_checked, value_query};
use crate::errors::invalid;
use crate::server::scope::Scope;
use confiture_core::s2s::mapping::Mapping;
use confiture_core::s2s::plan::{plan as plan_tables, Table, TablePlan};
use confiture_core::s2s::statements::copy_batch;
pub use confiture_core::s2s::PlanRow;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Staged {
    staging: String,
    tables: Vec<Table>,
}

/// The attached source's tables and the staging schemas, or an error saying to attach first.
pub fn attached_sources() -> (Vec<Table>, Vec<String>) {
    let staged: Option<Vec<Staged>> = json_query(
        "reading the attachment",
        "SELECT (SELECT staging FROM confiture.s2s_attachment)::text",
        &[],
    );
    let Some(staged) = staged else {
        invalid(
            "no source database is attached".into(),
            Some("Run confiture.s2s_attach(source, schemas) first.".into()),
        )
    };
    let schemas = staged.iter().map(|s| s.staging.clone()).collect();
    (staged.into_iter().flat_map(|s| s.tables).collect(), schemas)
}

pub fn plan(mapping: &Value) -> Vec<PlanRow> {
    let mapping = Mapping::parse(mapping).unwrap_or_else(|why| invalid(format!("mapping: {why}"), None));
    let (sources, staging) = attached_sources();
    let mut excluded = staging;
    excluded.extend(["confiture".to_string(), CATALOG_SCHEMA.to_string()]);
    // Type names come qualified when pg_catalog alone is on the search path.
    let targets: Vec<Table> = Scope::kept_on_success()
        .with_settings(&[(c"search_path", c"pg_catalog")])
        .run(|_| {
            json_query(
                "reading the target tables",
                include_str!("sql/target_tables.sql"),
                &[DatumWithOid::from(excluded)],
            )
        })
        .unwrap_or_else(|failure| failure.error.rethrow());
    let mut planned = plan_tables(&targets, &sources, &mapping);
    for table in planned.tables.iter_mut().filter(|t| t.errors.is_empty()) {
        check(table);
    }
    let edges: Vec<(String, String)> =
        json_query("reading the foreign keys", include_str!("sql/foreign_keys.sql"), &[]);
    let names: Vec<String> = planned.tables.iter().map(TablePlan::target).collect();
    let order = confiture_core::order::parents_first(&names, &edges);

    let stored: Vec<String> =
        planned.tables.iter().map(|t| quoted(&t.target_schema, &t.target_name)).collect();
    execute_with(
        "forgetting tables no longer planned",
        "DELETE FROM confiture.s2s_tables WHERE target_table <> ALL ($1)",
        &[DatumWithOid::from(stored.clone())],
    );
    let mut rows = Vec::new();
    if !planned.errors.is_empty() || !planned.hazards.is_empty() {
        rows.push(PlanRow {
            position: 0,
            target_table: None,
            source_table: None,
            columns: Value::Null,
            batch_key: Vec::new(),
            source_rows: 0,
            hazards: planned.hazards.clone(),
            errors: planned.errors.clone(),
            state: None,
            rows_copied: 0,
        });
    }
    for (position, &index) in order.iter().enumerate() {
        let table = &planned.tables[index];
        let name = &stored[index];
        let source = table.source.as_ref().map(|s| quoted(&s.schema, &s.name));
        let document = serde_json::to_value(table).unwrap_or(Value::Null);
        // What the progress belongs to: the plan without what may change between two runs of
        // the same copy (the staging schema's name follows the order the schemas were attached
        // in; the row estimate, the source's statistics).
        let mut identity = table.clone();
        identity.source_rows = 0;
        if let Some(source) = identity.source.as_mut() {
            source.staging_schema.clear();
        }
        let identity = serde_json::to_string(&identity).unwrap_or_default();
        execute_with(
            "resetting a changed plan",
            "DELETE FROM confiture.s2s_tables WHERE target_table = $1 AND plan_hash <> pg_catalog.md5($2)",
            &[DatumWithOid::from(name.as_str()), DatumWithOid::from(identity.as_str())],
        );
        execute_with(
            "recording the plan",
            "INSERT INTO confiture.s2s_tables (target_table, position, source_table, plan, plan_hash) \
             VALUES ($1, $2, $3, $4, pg_catalog.md5($5)) \
             ON CONFLICT (target_table) DO UPDATE SET position = excluded.position, plan = excluded.plan",
            &[
                DatumWithOid::from(name.as_str()),
                DatumWithOid::from(position as i32 + 1),
                DatumWithOid::from(source.clone()),
                DatumWithOid::from(pgrx::JsonB(document)),
                DatumWithOid::from(identity.as_str()),
            ],
        );
        let progress: Option<(Option<String>, Option<i64>)> = spi_checked(
            "reading the progress",
            Spi::get_two_with_args::<String, i64>(
                "SELECT state, rows_copied FROM confiture.s2s_tables WHERE target_table = $1",
                &[DatumWithOid::from(name.as_str())],
            )
            .map(Some),
        );
        let (state, rows_copied) = progress.unwrap_or((None, None));
        rows.push(PlanRow {
            position: position as i32 + 1,
            target_table: Some(name.clone()),
            source_table: source,
            columns: serde_json::to_value(&table.columns).unwrap_or(Value::Null),
            batch_key: table.batch_key.iter().map(|k| k.name.clone()).collect(),
            source_rows: table.source_rows,
            hazards: table.hazards.clone(),
            errors: table.errors.clone(),
            state,
            rows_copied: rows_copied.unwrap_or(0),
        });
    }
    rows
}

/// Plan the table's copy statement (parse analysis finds unknown columns, types without an
/// assignment cast, bad expressions) and read the plan: the source must sort by the key itself
/// (postgres_fdw reads through a cursor, which the source plans for a fast start, and stops
/// fetching at the batch's LIMIT, sent along or not). When the ORDER BY would stay here (a key
/// type or collation postgres_fdw does not send), every batch would read and sort the rest of
/// the table, so the table is copied in one statement instead. Nothing runs; rolled back.
fn check(table: &mut TablePlan) {
    let Some(statement) = copy_batch(table, 1000, None) else { return };
    let explained = Scope::rolled_back().run(|_| {
        // EXPLAIN of an INSERT is refused in a read-only SPI call, though it runs nothing.
        Spi::connect_mut(|client| -> Result<Vec<String>, pgrx::spi::Error> {
            run_single(client, &format!("EXPLAIN (VERBOSE) {statement}"))?
                .map(|row| row.get::<String>(1).map(Option::unwrap_or_default))
                .collect()
        })
    });
    match explained {
        Ok(Ok(lines)) => {
            let text = lines.join("\n");
            let pushed = text
                .lines()
                .any(|line| line.trim_start().starts_with("Remote SQL:") && line.contains(" ORDER BY "));
            if !table.batch_key.is_empty() && !pushed {
                table.batch_key.clear();
            }
        }
        Ok(Err(error)) => table.errors.push(format!("{}: {error}", table.target())),
        Err(failure) => {
            table.errors.push(format!("{}: {}", table.target(), super::report_of(&failure.error).message()))
        }
    }
}

/// The stored plan and progress of a target table, locked until the caller's transaction ends.
pub struct Progress {
    pub name: String,
    pub plan: TablePlan,
    pub state: String,
    pub last_key: Option<Vec<String>>,
    pub rows_copied: i64,
    pub copied_sum: String,
    pub copied_xor: i64,
}

#[derive(Deserialize)]
struct StoredRow {
    plan: TablePlan,
    state: String,
    last_key: Option<Vec<String>>,
    rows_copied: i64,
    /// numeric, as text (beyond what a JSON number keeps exactly).
    copied_sum: String,
    copied_xor: i64,
}

/// `schema.table` quoted, as the plan stores it.
pub fn stored_name(target: pg_sys::Oid) -> String {
    value_query(
        "naming the target table",
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
        &[DatumWithOid::from(target)],
    )
    .unwrap_or_else(|| invalid(format!("no table with OID {}", target.to_u32()), None))
}

pub fn progress(target: pg_sys::Oid, lock: bool) -> Progress {
    let name = stored_name(target);
    let row: Option<StoredRow> = json_query(
        "reading the plan",
        &format!(
            "SELECT (SELECT pg_catalog.json_build_object('plan', plan, 'state', state, 'last_key', last_key, \
             'rows_copied', rows_copied, 'copied_sum', copied_sum::text, 'copied_xor', copied_xor) \
             FROM confiture.s2s_tables WHERE target_table = $1 {})::text",
            if lock { "FOR UPDATE" } else { "" }
        ),
        &[DatumWithOid::from(name.as_str())],
    );
    let Some(row) = row else {
        invalid(
            format!("{name} is not planned"),
            Some("Run confiture.s2s_plan(mapping) first (after confiture.s2s_attach).".into()),
        )
    };
    Progress {
        name,
        plan: row.plan,
        state: row.state,
        last_key: row.last_key,
        rows_copied: row.rows_copied,
        copied_sum: row.copied_sum,
        copied_xor: row.copied_xor,
    }
}
