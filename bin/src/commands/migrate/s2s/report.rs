//! What schema-to-schema prints: the plan, the outcome, the cutover checklist.

use crate::output::Format;
use comfy_table::{presets::UTF8_BORDERS_ONLY, Table};
use postgres::Row;
use serde_json::{json, Value};

pub use confiture_core::s2s::PlanRow;

pub fn plan_rows(rows: Vec<Row>) -> Vec<PlanRow> {
    rows.iter()
        .map(|r| PlanRow {
            position: r.get("position"),
            target_table: r.get("target_table"),
            source_table: r.get("source_table"),
            columns: r.get::<_, Option<Value>>("columns").unwrap_or(Value::Null),
            batch_key: r.get("batch_key"),
            source_rows: r.get("source_rows"),
            hazards: r.get("hazards"),
            errors: r.get("errors"),
            state: r.get("state"),
            rows_copied: r.get("rows_copied"),
        })
        .collect()
}

/// Every error and hazard of the plan, one per line.
pub fn plan_problems(plan: &[PlanRow]) -> Vec<String> {
    plan.iter().flat_map(|r| r.errors.iter().chain(&r.hazards).cloned()).collect()
}

fn plan_json(row: &PlanRow) -> Value {
    json!({
        "position": row.position,
        "target_table": row.target_table,
        "source_table": row.source_table,
        "columns": row.columns,
        "batch_key": row.batch_key,
        "source_rows": row.source_rows,
        "hazards": row.hazards,
        "errors": row.errors,
        "state": row.state,
        "rows_copied": row.rows_copied,
    })
}

/// How a column is filled, for people: `id`, `name <- full_name`, `status <- CAST(...)`.
fn column_summary(columns: &Value) -> String {
    let described: Vec<String> = columns
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let name = c["column"].as_str()?;
            Some(match (c["how"].as_str(), c["expression"].as_str()) {
                (Some("same"), Some(e)) if e.starts_with("src.") => name.to_string(),
                (Some("generated"), _) => format!("{name} (generated)"),
                (_, None) => format!("{name} (default)"),
                (_, Some(expression)) => format!("{name} <- {}", expression.replace("src.", "")),
            })
        })
        .collect();
    described.join(", ")
}

pub fn print_plan(plan: &[PlanRow], format: Format) {
    if format != Format::Table {
        out!("{}", json!({"plan": plan.iter().map(plan_json).collect::<Vec<_>>()}));
        return;
    }
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY);
    table.set_header(vec!["#", "target", "source", "rows (est.)", "batches by", "columns"]);
    for row in plan.iter().filter(|r| r.target_table.is_some()) {
        table.add_row(vec![
            row.position.to_string(),
            row.target_table.clone().unwrap_or_default(),
            row.source_table.clone().unwrap_or_else(|| "(left empty)".into()),
            if row.source_rows < 0 { "?".into() } else { row.source_rows.to_string() },
            if row.batch_key.is_empty() { "one batch".into() } else { row.batch_key.join(", ") },
            column_summary(&row.columns),
        ]);
    }
    out!("{table}");
    for problem in plan_problems(plan) {
        out!("  ! {problem}");
    }
}

/// A row of confiture.s2s_verify().
pub struct Verified {
    pub target_table: String,
    pub source_rows: i64,
    pub target_rows: i64,
    pub matches: bool,
    pub differing: Value,
}

impl Verified {
    pub fn from_row(row: &Row) -> Self {
        Self {
            target_table: row.get("target_table"),
            source_rows: row.get("source_rows"),
            target_rows: row.get("target_rows"),
            matches: row.get("matches"),
            differing: row.get("differing"),
        }
    }

    /// `public.users: 1000 source rows, 1000 target rows; id=42 differs, ...`.
    pub fn describe(&self) -> String {
        let keys: Vec<String> = self
            .differing
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                let key = match &d["key"] {
                    Value::Object(map) => map
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("NULL")))
                        .collect::<Vec<_>>()
                        .join(", "),
                    _ => "(no key)".into(),
                };
                format!("{key} {}", d["difference"].as_str().unwrap_or("differs"))
            })
            .collect();
        format!(
            "{}: {} source rows, {} target rows; {}",
            self.target_table,
            self.source_rows,
            self.target_rows,
            if keys.is_empty() { "checksums differ".into() } else { keys.join("; ") }
        )
    }
}

const CUTOVER: &[&str] = &[
    "Stop writes to the old database (or re-copy the rows changed since: see docs/schema-to-schema.md).",
    "If writes continued during the copy, run this command again on a new target, or copy the delta by updated_at.",
    "Point the applications at the new database; keep the old one read-only until you are sure.",
    "Run confiture lint and your smoke tests against the new database.",
];

/// Seconds spent in each step after the plan (verification runs beside the copy; `verify_after`
/// is what it took once the rest was done).
pub struct Phases {
    pub copy: f64,
    pub keys_and_sequences: f64,
    pub verify_after: f64,
}

pub fn print_done(
    plan: &[PlanRow],
    copied: &[(String, i64, f64)],
    verified: &[Verified],
    sequences: usize,
    phases: &Phases,
    format: Format,
) {
    let rows: i64 = copied.iter().map(|(_, rows, _)| rows).sum();
    let seconds = phases.copy + phases.keys_and_sequences + phases.verify_after;
    if format != Format::Table {
        out!(
            "{}",
            json!({
                "success": verified.iter().all(|v| v.matches),
                "tables": copied.iter().map(|(table, rows, seconds)| {
                    let check = verified.iter().find(|v| v.target_table == *table);
                    json!({"table": table, "rows": rows, "seconds": seconds,
                           "verified": check.map(|v| v.matches), "differing": check.map(|v| v.differing.clone())})
                }).collect::<Vec<_>>(),
                "rows": rows,
                "sequences_moved": sequences,
                "seconds": seconds,
                "phases": {"copy": phases.copy, "foreign_keys_and_sequences": phases.keys_and_sequences, "verify_after": phases.verify_after},
                "plan": plan.iter().map(plan_json).collect::<Vec<_>>(),
                "cutover": CUTOVER,
            })
        );
        return;
    }
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY);
    table.set_header(vec!["table", "rows", "seconds", "verified"]);
    for (name, count, secs) in copied {
        let check = verified.iter().find(|v| v.target_table == *name);
        let verdict = match check {
            Some(v) if v.matches => "checksums equal".to_string(),
            Some(_) => "DIFFERS".to_string(),
            None => "-".to_string(),
        };
        table.add_row(vec![name.clone(), count.to_string(), format!("{secs:.2}"), verdict]);
    }
    out!("{table}");
    out!(
        "{rows} rows in {seconds:.1} s ({:.0} rows/s): copy {:.1} s, foreign keys and sequences {:.1} s, \
         then verification {:.1} s; sequences moved past the copied values: {sequences}",
        rows as f64 / seconds.max(0.001),
        phases.copy,
        phases.keys_and_sequences,
        phases.verify_after
    );
    out!("cutover checklist:");
    for (i, step) in CUTOVER.iter().enumerate() {
        out!("  {}. {step}", i + 1);
    }
}
