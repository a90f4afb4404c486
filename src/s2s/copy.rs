//! s2s_copy: one batch of a target table, recorded with its last source key in the same
//! transaction as its rows, so a copy killed at any point resumes after the last committed batch
//! and never copies a row twice. The caller commits between batches (the CLI, or the procedure
//! confiture.s2s_copy_table).
//!
//! When a table's copy starts, its foreign keys are set aside (dropped, their definitions kept in
//! confiture.s2s_set_aside_constraints) so rows need no per-row check; s2s_validate adds them back
//! and validates them. Its enabled user triggers are disabled around each batch and enabled again
//! in their exact mode before the batch returns: one transaction, so an error undoes both.

use super::plan::{progress, Progress};
use super::{execute, execute_with, json_query, report_of, run_single, value_query};
use crate::errors::{invalid, raise};
use crate::server::scope::{Scope, Setting};
use confiture_core::s2s::statements::copy_batch;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::spi::quote_identifier;
use serde_json::Value;

const DEFAULT_BATCH_ROWS: i64 = 50_000;

pub struct Copied {
    pub target_table: String,
    pub rows_copied: i64,
    pub batch_rows: i64,
    pub done: bool,
}

struct CopyOptions {
    batch_rows: i64,
    fire_triggers: bool,
}

fn copy_options(options: &Value) -> CopyOptions {
    let Value::Object(map) = options else { invalid("options must be a json object".into(), None) };
    let mut parsed = CopyOptions { batch_rows: DEFAULT_BATCH_ROWS, fire_triggers: false };
    for (key, value) in map {
        match (key.as_str(), value) {
            ("batch_rows", Value::Number(n)) if n.as_i64().is_some_and(|n| (1..=10_000_000).contains(&n)) => {
                parsed.batch_rows = n.as_i64().unwrap_or(DEFAULT_BATCH_ROWS)
            }
            ("batch_rows", _) => {
                invalid("option batch_rows must be a number from 1 to 10000000".into(), None)
            }
            ("triggers", Value::Bool(fire)) => parsed.fire_triggers = *fire,
            ("triggers", _) => invalid("option triggers must be true or false".into(), None),
            _ => invalid(format!("unknown option {key:?}"), Some("Accepted: batch_rows, triggers".into())),
        }
    }
    parsed
}

pub fn copy(target: pg_sys::Oid, options: &Value) -> Copied {
    let options = copy_options(options);
    let progress = progress(target, true);
    if !progress.plan.errors.is_empty() {
        invalid(
            format!("the plan of {} has errors: {}", progress.name, progress.plan.errors.join("; ")),
            Some("Correct the mapping and run confiture.s2s_plan again.".into()),
        );
    }
    let done = |rows: i64, batch: i64| Copied {
        target_table: progress.name.clone(),
        rows_copied: rows,
        batch_rows: batch,
        done: true,
    };
    if progress.state == "copied" {
        return done(progress.rows_copied, 0);
    }
    if progress.state == "pending" {
        start(target, &progress);
    }
    let Some(statement) = copy_batch(&progress.plan, options.batch_rows, progress.last_key.as_deref()) else {
        record(&progress.name, &Batch::default(), None, true);
        return done(0, 0);
    };
    let triggers = if options.fire_triggers { Vec::new() } else { disable_triggers(target, &progress.name) };
    let batch = run_batch(&statement, &progress);
    enable_triggers(&progress.name, &triggers);
    let rows = batch.rows;
    let finished = progress.plan.batch_key.is_empty() || rows < options.batch_rows;
    record(&progress.name, &batch, progress.last_key.clone(), finished);
    Copied {
        target_table: progress.name.clone(),
        rows_copied: progress.rows_copied + rows,
        batch_rows: rows,
        done: finished,
    }
}

/// The first batch: the table must be empty (a copy never mixes with rows it did not write),
/// and its foreign keys are set aside.
fn start(target: pg_sys::Oid, progress: &Progress) {
    let has_rows = value_query::<bool>(
        "checking the target is empty",
        &format!("SELECT EXISTS (SELECT 1 FROM {})", progress.name),
        &[],
    )
    .unwrap_or(false);
    if has_rows {
        invalid(
            format!("{} already has rows: a copy fills empty tables only", progress.name),
            Some(
                "Build the target afresh (a killed copy resumes from its recorded progress by itself)."
                    .into(),
            ),
        );
    }
    let keys: Vec<(String, String)> = json_query(
        "reading the foreign keys",
        "SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_array(conname, \
         pg_catalog.pg_get_constraintdef(oid)) ORDER BY conname), '[]')::text \
         FROM pg_catalog.pg_constraint WHERE conrelid = $1 AND contype = 'f' AND conparentid = 0",
        &[DatumWithOid::from(target)],
    );
    for (name, definition) in keys {
        execute_with(
            "setting a foreign key aside",
                "INSERT INTO confiture.s2s_set_aside_constraints (target_table, constraint_name, definition) VALUES ($1, $2, $3)",
                &[
                    DatumWithOid::from(progress.name.as_str()),
                    DatumWithOid::from(name.as_str()),
                    DatumWithOid::from(definition.as_str()),
                ],
        );
        execute(
            "setting a foreign key aside",
            &format!("ALTER TABLE {} DROP CONSTRAINT {}", progress.name, quote_identifier(&name)),
        );
    }
    execute_with(
        "recording the start",
            "UPDATE confiture.s2s_tables SET state = 'copying', started_at = pg_catalog.clock_timestamp() WHERE target_table = $1",
            &[DatumWithOid::from(progress.name.as_str())],
    );
}

/// What a batch copied: its rows, its last key, and the checksum of its mapped source values.
#[derive(Default)]
struct Batch {
    rows: i64,
    last_key: Option<Vec<String>>,
    sum: String,
    xor: i64,
}

/// Run the batch. A failure is raised again naming the tables and where the batch started, with
/// PostgreSQL's own code, detail and hint.
fn run_batch(statement: &str, progress: &Progress) -> Batch {
    // The batch is held in a tuplestore; in memory it is much faster than spilled to disk.
    let outcome = Scope::kept_on_success().with_settings(batch_settings()).run(|_| {
        Spi::connect_mut(|client| -> Result<Batch, pgrx::spi::Error> {
            let row = run_single(client, statement)?.first();
            let key: Option<Vec<Option<String>>> = row.get(2)?;
            Ok(Batch {
                rows: row.get::<i64>(1)?.unwrap_or(0),
                last_key: key.map(|k| k.into_iter().map(Option::unwrap_or_default).collect()),
                sum: row.get::<String>(3)?.unwrap_or_else(|| "0".into()),
                xor: row.get::<i64>(4)?.unwrap_or(0),
            })
        })
    });
    match outcome {
        Ok(Ok(batch)) => batch,
        Ok(Err(error)) => pgrx::error!("confiture s2s: copying into {}: {error}", progress.name),
        Err(failure) => {
            let report = report_of(&failure.error);
            let source =
                progress.plan.source.as_ref().map(|s| format!("{}.{}", s.schema, s.name)).unwrap_or_default();
            let place = match &progress.last_key {
                Some(key) => format!(" (the rows after key ({}))", key.join(", ")),
                None => String::new(),
            };
            raise(
                report.sql_error_code(),
                format!("copying {source} into {}{place}: {}", progress.name, report.message()),
                report.detail().map(str::to_string),
                report.hint().map(str::to_string),
            )
        }
    }
}

/// work_mem for a batch: at least 64MB (a 50,000-row batch of ordinary rows fits), never lowered.
fn batch_settings() -> &'static [Setting] {
    const RAISED: &[Setting] = &[(c"work_mem", c"64MB")];
    // SAFETY: work_mem is the backend's own setting (kB), read on the backend's thread.
    if unsafe { pg_sys::work_mem } < 64 * 1024 {
        RAISED
    } else {
        &[]
    }
}

/// The batch's progress, in its own transaction: rows, last key (the previous one when the batch
/// was empty), checksum, state.
fn record(name: &str, batch: &Batch, previous_key: Option<Vec<String>>, finished: bool) {
    execute_with(
        "recording the batch",
            "UPDATE confiture.s2s_tables SET rows_copied = rows_copied + $2, last_key = $3, batches = batches + 1, \
             copied_sum = copied_sum + $5::numeric, copied_xor = copied_xor # $6, \
             state = CASE WHEN $4 THEN 'copied' ELSE 'copying' END, \
             copied_at = CASE WHEN $4 THEN pg_catalog.clock_timestamp() END, \
             started_at = coalesce(started_at, pg_catalog.clock_timestamp()) \
             WHERE target_table = $1",
            &[
                DatumWithOid::from(name),
                DatumWithOid::from(batch.rows),
                DatumWithOid::from(batch.last_key.clone().or(previous_key)),
                DatumWithOid::from(finished),
                DatumWithOid::from(if batch.sum.is_empty() { "0" } else { batch.sum.as_str() }),
                DatumWithOid::from(batch.xor),
            ],
    );
}

/// The table's enabled user triggers and their modes, each disabled.
fn disable_triggers(target: pg_sys::Oid, name: &str) -> Vec<(String, String)> {
    let triggers: Vec<(String, String)> = json_query(
        "reading the triggers",
        "SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_array(tgname, tgenabled::text)), '[]')::text \
         FROM pg_catalog.pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal AND tgenabled <> 'D'",
        &[DatumWithOid::from(target)],
    );
    for (trigger, _) in &triggers {
        execute(
            "disabling a trigger",
            &format!("ALTER TABLE {name} DISABLE TRIGGER {}", quote_identifier(trigger)),
        );
    }
    triggers
}

fn enable_triggers(name: &str, triggers: &[(String, String)]) {
    for (trigger, mode) in triggers {
        let how = match mode.as_str() {
            "A" => "ENABLE ALWAYS",
            "R" => "ENABLE REPLICA",
            _ => "ENABLE",
        };
        execute(
            "enabling a trigger again",
            &format!("ALTER TABLE {name} {how} TRIGGER {}", quote_identifier(trigger)),
        );
    }
}
