//! s2s_verify: a copied table against its mapped source rows, three ways.
//!
//! - `checksum` (the default): the target's row count and an order-independent checksum (sum
//!   and xor of a 64-bit hash of each row's compared values, as text of the target's types)
//!   against the same of the mapped source rows, taken by each batch as it read them, and the
//!   source's row count now (counted by the source). Catches rows lost, doubled or changed in the
//!   target; reads the source only to count it.
//! - `source`: the same checksum of the mapped source rows read again now: also catches source
//!   rows changed after they were copied (writes that missed the freeze), at the cost of reading
//!   the whole table across again.
//! - `count`: row counts only.
//!
//! On a mismatch, up to `MAX_NAMED` differing keys are named from one hashed join of both
//! sides. Why one join and not a bisection of key ranges: the mapped values (casts, expressions)
//! are computed here, not in the source, so every range checksum would bring its rows across
//! again; bisecting reads the table about log2(rows / range) times, the join once.

use super::plan::progress;
use super::{rolled_back, run_single, spi_checked, value_query};
use crate::errors::invalid;
use confiture_core::s2s::statements::{differing_keys, source_checksum, source_count, target_checksum};
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

/// Row count, hash sum (as text) and hash xor.
type Checksum = (i64, String, i64);

fn checksum_of(statement: &str) -> Checksum {
    rolled_back(|| {
        spi_checked(
            "computing a checksum",
            Spi::connect_mut(|client| -> Result<Checksum, pgrx::spi::Error> {
                let row = run_single(client, statement)?.first();
                Ok((
                    row.get::<i64>(1)?.unwrap_or(0),
                    row.get::<String>(2)?.unwrap_or_default(),
                    row.get::<i64>(3)?.unwrap_or(0),
                ))
            }),
        )
    })
}

fn count_of(statement: &str) -> i64 {
    value_query::<i64>("counting rows", statement, &[]).unwrap_or(0)
}

pub fn verify(target: pg_sys::Oid, mode: &str) -> Verified {
    if !["checksum", "source", "count"].contains(&mode) {
        invalid(format!("unknown mode {mode:?}"), Some("Accepted: checksum, source, count".into()));
    }
    let progress = progress(target, false);
    let plan = &progress.plan;
    let name = progress.name.clone();
    let target_rows = || count_of(&format!("SELECT count(*) FROM {name}"));
    let (Some(source), Some(count_source)) = (plan.source.as_ref(), source_count(plan)) else {
        let rows = target_rows();
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
    let (source_rows, target_rows, matches) = match mode {
        "count" => {
            let (source_rows, target_rows) = (count_of(&count_source), target_rows());
            (source_rows, target_rows, source_rows == target_rows)
        }
        "source" => {
            let there = checksum_of(&source_checksum(plan).unwrap_or_default());
            let here = checksum_of(&target_checksum(plan));
            (there.0, here.0, there == here)
        }
        _ => {
            if progress.state != "copied" {
                invalid(
                    format!("{name} is not copied yet: its checksum is taken while it copies"),
                    Some("Finish the copy, or compare with the source as it is now: mode 'source'.".into()),
                );
            }
            let copied: Checksum = (progress.rows_copied, progress.copied_sum.clone(), progress.copied_xor);
            let here = checksum_of(&target_checksum(plan));
            let source_rows = count_of(&count_source);
            (source_rows, here.0, here == copied && source_rows == progress.rows_copied)
        }
    };
    let differing = if matches || mode == "count" { json!([]) } else { named_differences(plan) };
    Verified {
        target_table: name,
        source_table: Some(source_table),
        source_rows,
        target_rows,
        matches,
        differing,
    }
}

/// A differing row: its key values, whether the target has it, whether the source has it.
type Difference = (Vec<Option<String>>, bool, bool);

/// `[{"key": {"id": "42"}, "difference": "differs" | "missing in target" | "not in source"}]`.
fn named_differences(plan: &confiture_core::s2s::plan::TablePlan) -> Value {
    let Some(query) = differing_keys(plan, MAX_NAMED) else {
        return json!([{"key": null, "difference": "the target has no key filled from the source: rows cannot be named"}]);
    };
    let rows = rolled_back(|| {
        spi_checked(
            "naming the differing rows",
            Spi::connect_mut(|client| -> Result<Vec<Difference>, pgrx::spi::Error> {
                run_single(
                    client,
                    &format!("SELECT k, in_target, in_source FROM ({query}) AS d(k, in_target, in_source)"),
                )?
                .map(|row| {
                    let key: Vec<Option<String>> = row.get(1)?.unwrap_or_default();
                    Ok((key, row.get(2)?.unwrap_or(false), row.get(3)?.unwrap_or(false)))
                })
                .collect()
            }),
        )
    });
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
