//! s2s_verify: the target table against its mapped source rows. `count` compares row counts;
//! `checksum` (the default) also an order-independent checksum (sum and xor of a 64-bit hash
//! of each row's compared values, cast to the target's types), and on a mismatch names up to
//! `MAX_NAMED` differing keys from one hashed join of both sides.
//!
//! Why one join and not a bisection of key ranges: the mapped values (casts, expressions) are
//! computed here, not in the source, so every range checksum would bring its rows across again;
//! bisecting reads the table about log2(rows / range) times, the join once.

use super::plan::progress;
use super::{spi_checked, text_query};
use crate::errors::invalid;
use confiture_core::s2s::statements::{checksums, differing_keys, row_counts};
use pgrx::prelude::*;
use serde_json::{json, Value};

const MAX_NAMED: i64 = 20;

pub struct Verified {
    pub target_table: String,
    pub source_table: Option<String>,
    pub source_rows: i64,
    pub target_rows: i64,
    pub matches: bool,
    pub differing: Value,
}

fn sums(statement: &str) -> (i64, String, String) {
    spi_checked(
        "computing a checksum",
        Spi::connect_mut(|client| -> Result<(i64, String, String), pgrx::spi::Error> {
            let row = client.update(statement, None, &[])?.first();
            Ok((
                row.get::<i64>(1)?.unwrap_or(0),
                row.get::<String>(2)?.unwrap_or_default(),
                row.get::<String>(3)?.unwrap_or_default(),
            ))
        }),
    )
}

pub fn verify(target: pg_sys::Oid, mode: &str) -> Verified {
    if !["count", "checksum"].contains(&mode) {
        invalid(format!("unknown mode {mode:?}"), Some("Accepted: checksum, count".into()));
    }
    let progress = progress(target, false);
    let plan = &progress.plan;
    let name = progress.name.clone();
    let Some(source) = plan.source.as_ref() else {
        let rows =
            text_query::<i64>("counting rows", &format!("SELECT count(*) FROM {name}"), &[]).unwrap_or(0);
        return Verified {
            target_table: name,
            source_table: None,
            source_rows: 0,
            target_rows: rows,
            matches: rows == 0,
            differing: json!([]),
        };
    };
    let source_table = format!("{}.{}", source.schema, source.name);
    let statements = if mode == "count" { row_counts(plan) } else { checksums(plan) };
    let (target_sql, source_sql) = statements.unwrap_or_default();
    let (target_sums, source_sums) = (sums(&target_sql), sums(&source_sql));
    let matches = target_sums == source_sums;
    let differing = if matches || mode == "count" { json!([]) } else { named_differences(plan) };
    Verified {
        target_table: name,
        source_table: Some(source_table),
        source_rows: source_sums.0,
        target_rows: target_sums.0,
        matches,
        differing,
    }
}

/// `[{"key": {"id": "42"}, "difference": "differs" | "missing in target" | "not in source"}]`.
fn named_differences(plan: &confiture_core::s2s::plan::TablePlan) -> Value {
    let Some(query) = differing_keys(plan, MAX_NAMED) else {
        return json!([{"key": null, "difference": "the target has no key filled from the source: rows cannot be named"}]);
    };
    let rows = spi_checked(
        "naming the differing rows",
        Spi::connect_mut(|client| -> Result<Vec<(Vec<Option<String>>, bool, bool)>, pgrx::spi::Error> {
            client
                .update(
                    &format!("SELECT k, in_target, in_source FROM ({query}) AS d(k, in_target, in_source)"),
                    None,
                    &[],
                )?
                .map(|row| {
                    let key: Vec<Option<String>> = row.get(1)?.unwrap_or_default();
                    Ok((key, row.get(2)?.unwrap_or(false), row.get(3)?.unwrap_or(false)))
                })
                .collect()
        }),
    );
    let differences: Vec<Value> = rows
        .into_iter()
        .map(|(values, in_target, in_source)| {
            let key: serde_json::Map<String, Value> = plan
                .verify_key
                .iter()
                .zip(values)
                .map(|(column, value)| (column.clone(), value.map_or(Value::Null, Value::String)))
                .collect();
            let difference = match (in_target, in_source) {
                (true, true) => "differs",
                (false, _) => "missing in target",
                (_, false) => "not in source",
            };
            json!({"key": key, "difference": difference})
        })
        .collect();
    Value::Array(differences)
}
