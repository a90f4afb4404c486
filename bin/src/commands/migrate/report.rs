//! What `migrate` commands print. JSON has the Python confiture's top-level keys (its
//! docs/reference/json-schemas), so scripts written for it read ours, with confiture's own
//! detail beside them (`steps`, `state`); tables for people; CSV for lists.

use super::adopt::Marked;
use crate::output::{csv, Format};
use comfy_table::{presets::UTF8_BORDERS_ONLY, Table};
use confiture_core::migration::State;
use confiture_core::wire::{StatusRow, Step};
use serde_json::{json, Value};

/// An applied migration as migration_history records it (`migrate current`, `status`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct AppliedRow {
    pub version: String,
    pub name: String,
    /// ISO 8601.
    pub applied_at: String,
    pub checksum: String,
}

fn table(header: Vec<&str>, rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(header);
    for row in rows {
        table.add_row(row);
    }
    table.to_string()
}

/// JSON with the Python confiture's envelope keys: `ok`, `command`, and `parser` (null: the
/// server's own parser reads the statements; there is no client-side one to report).
fn print_json(command: &str, ok: bool, mut value: Value) {
    value["ok"] = json!(ok);
    value["command"] = json!(command);
    value["parser"] = Value::Null;
    out!("{}", serde_json::to_string_pretty(&value).expect("serializable"));
}

fn step_rows(steps: &[Step], dry: bool) -> Vec<Vec<String>> {
    steps
        .iter()
        .map(|step| {
            let mut row = vec![
                step.version.clone(),
                step.name.clone(),
                step.status.as_str().to_string(),
                format!("{:.1}", step.duration_ms),
                step.statements.to_string(),
                step.rows_affected.to_string(),
            ];
            if dry {
                let error = step.error.as_ref().and_then(|e| e["message"].as_str()).unwrap_or_default();
                row.extend([step.locks.join("\n"), step.rewritten.join("\n"), error.to_string()]);
            }
            row
        })
        .collect()
}

fn print_step_table(steps: &[Step], format: Format, dry: bool) {
    let mut header = vec!["version", "name", "status", "ms", "statements", "rows"];
    if dry {
        header.extend(["locks taken", "rewritten", "error"]);
    }
    match format {
        Format::Csv => out!("{}", csv(&header, step_rows(steps, dry)).trim_end()),
        _ => out!("{}", table(header, step_rows(steps, dry))),
    }
}

fn error_messages(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| {
            s.error.as_ref().map(|e| format!("{}: {}", s.version, e["message"].as_str().unwrap_or("failed")))
        })
        .collect()
}

/// `migrate up`: what ran, and (JSON) what was already applied and what is left.
pub fn up(steps: &[Step], before: &[StatusRow], format: Format, dry_run: bool) {
    if matches!(format, Format::Json | Format::Sarif) {
        let ran: Vec<&str> = steps.iter().map(|s| s.version.as_str()).collect();
        let errors = error_messages(steps);
        let applied: Vec<Value> = if dry_run {
            vec![]
        } else {
            steps
                .iter()
                .map(|s| json!({"version": s.version, "name": s.name, "duration_ms": s.duration_ms.round() as i64, "rows_affected": s.rows_affected}))
                .collect()
        };
        let skipped: Vec<&str> =
            before.iter().filter(|r| r.state == State::Applied).map(|r| r.version.as_str()).collect();
        let pending: Vec<&str> = before
            .iter()
            .filter(|r| r.state == State::Pending && (dry_run || !ran.contains(&r.version.as_str())))
            .map(|r| r.version.as_str())
            .collect();
        let ok = errors.is_empty();
        return print_json(
            "migrate up",
            ok,
            json!({
                "success": ok,
                "applied": applied,
                "skipped": skipped,
                "skipped_superuser": [],
                "pending": pending,
                "errors": errors,
                "total_duration_ms": steps.iter().map(|s| s.duration_ms).sum::<f64>().round() as i64,
                "checksums_verified": true,
                // confiture's dry run executes the migrations and rolls them back: the Python
                // confiture's --dry-run-execute.
                "dry_run": dry_run,
                "dry_run_execute": dry_run,
                "warnings": [],
                "steps": steps,
            }),
        );
    }
    if steps.is_empty() && format == Format::Table {
        return out!("nothing to apply: up to date");
    }
    print_step_table(steps, format, dry_run);
    if format == Format::Table {
        let done = if dry_run { "dry-run, then rolled back: nothing was changed" } else { "applied" };
        out!("{} migrations {done}", steps.len());
    }
}

/// `migrate down` / `down-to`: the Python confiture's down-to keys (`from`, `to`, `rolled_back`).
pub fn down(steps: &[Step], from: Option<&str>, to: Option<&str>, format: Format, dry_run: bool) {
    if matches!(format, Format::Json | Format::Sarif) {
        let errors = error_messages(steps);
        return print_json(
            "migrate down",
            errors.is_empty(),
            json!({
                "from": from,
                "to": to,
                "rolled_back": steps.iter().map(|s| s.version.as_str()).collect::<Vec<_>>(),
                "skipped": [],
                "errors": errors,
                "dry_run": dry_run,
                "steps": steps,
            }),
        );
    }
    if steps.is_empty() && format == Format::Table {
        return out!("nothing to roll back");
    }
    print_step_table(steps, format, false);
    if format == Format::Table {
        let done = if dry_run { "would be rolled back (dry run: nothing was run)" } else { "rolled back" };
        out!("{} migrations {done}", steps.len());
    }
}

/// `migrate status`. `initialized` is false on a database confiture never migrated (no
/// extension): every state is then read from the files and the Python confiture's table.
pub fn status(
    rows: &[StatusRow],
    applied: &[AppliedRow],
    tracking_table: &str,
    initialized: bool,
    format: Format,
) {
    let applied_at =
        |version: &str| applied.iter().find(|a| a.version == version).map(|a| a.applied_at.clone());
    // The Python confiture's `status` is applied or pending; ours (drifted, missing) is `state`.
    let python_status = |state: State| if state == State::Pending { "pending" } else { "applied" };
    let count = |state: State| rows.iter().filter(|r| r.state == state).count();
    match format {
        Format::Json | Format::Sarif => {
            let versions = |pending: bool| -> Vec<&str> {
                rows.iter()
                    .filter(|r| (r.state == State::Pending) == pending)
                    .map(|r| r.version.as_str())
                    .collect()
            };
            let applied_versions = versions(false);
            let migrations: Vec<Value> = rows
                .iter()
                .map(|r| {
                    json!({"version": r.version, "name": r.name, "status": python_status(r.state),
                           "applied_at": applied_at(&r.version), "state": r.state.as_str()})
                })
                .collect();
            // confiture's history is confiture.migration_history; the Python confiture's table
            // (migration.tracking_table) is only read, by `migrate import`.
            let mut report = json!({
                "tracking_table": "confiture.migration_history",
                "resolved_table": "confiture.migration_history",
                "python_tracking_table": tracking_table,
                "applied": applied_versions,
                "pending": versions(true),
                "current": applied.last().map(|a| a.version.clone()),
                "total": rows.len(),
                "migrations": migrations,
                "summary": {"applied": applied_versions.len(), "pending": count(State::Pending), "total": rows.len(),
                            "drifted": count(State::Drifted), "missing": count(State::Missing)},
                "hints": [],
            });
            if !initialized {
                report["warning"] = json!("the confiture extension is not installed in this database");
            }
            print_json("migrate status", true, report);
        }
        Format::Csv => {
            let lines = rows.iter().map(|r| {
                vec![
                    r.version.clone(),
                    r.name.clone(),
                    python_status(r.state).into(),
                    r.state.as_str().into(),
                    applied_at(&r.version).unwrap_or_default(),
                ]
            });
            out!("{}", csv(&["version", "name", "status", "state", "applied_at"], lines).trim_end());
        }
        Format::Table | Format::Sql => {
            let lines = rows.iter().map(|r| {
                vec![
                    r.version.clone(),
                    r.name.clone(),
                    r.state.as_str().to_string(),
                    applied_at(&r.version).unwrap_or_default(),
                ]
            });
            out!("{}", table(vec!["version", "name", "state", "applied at"], lines));
            out!(
                "{} applied, {} pending, {} drifted, {} missing",
                count(State::Applied),
                count(State::Pending),
                count(State::Drifted),
                count(State::Missing)
            );
        }
    }
}

/// `migrate current`: the newest applied migration, or nothing.
pub fn current(applied: Option<&AppliedRow>, format: Format) {
    match format {
        Format::Json | Format::Sarif => print_json(
            "migrate current",
            true,
            json!({
                "revision": applied.map(|a| &a.version),
                "name": applied.map(|a| &a.name),
                "applied_at": applied.map(|a| &a.applied_at),
                "checksum": applied.map(|a| &a.checksum),
            }),
        ),
        Format::Csv => {
            let rows = applied
                .map(|a| vec![a.version.clone(), a.name.clone(), a.applied_at.clone(), a.checksum.clone()]);
            out!("{}", csv(&["revision", "name", "applied_at", "checksum"], rows).trim_end());
        }
        Format::Table | Format::Sql => match applied {
            Some(a) => out!("{} {} (applied {})", a.version, a.name, a.applied_at),
            None => out!("no migration applied"),
        },
    }
}

/// `migrate verify-checksums`: every applied migration compared with its file.
pub fn checksums(rows: &[StatusRow], initialized: bool, format: Format) {
    let bad: Vec<&StatusRow> = rows.iter().filter(|r| r.state.blocks()).collect();
    let checked = rows.iter().filter(|r| r.state != State::Pending).count();
    match format {
        Format::Json | Format::Sarif => {
            let issues: Vec<Value> = bad
                .iter()
                .map(|r| {
                    let message = match r.state {
                        State::Missing => format!("migration {}_{} is applied but its file is gone", r.version, r.name),
                        _ => format!("migration {}_{} changed after it was applied", r.version, r.name),
                    };
                    json!({"severity": "error", "code": "CHECKSUM_001", "message": message,
                           "actionable": "Restore the file, or accept the change with confiture migrate accept VERSION.",
                           "details": {"state": r.state.as_str()}, "migration": r.version, "file": null, "line": null})
                })
                .collect();
            print_json(
                "migrate verify-checksums",
                bad.is_empty(),
                json!({
                    "ledger_present": initialized,
                    "summary": {"checked": checked, "mismatched": bad.len(),
                                "tracking_table": "confiture.migration_history", "resolved_table": "confiture.migration_history"},
                    "issues": issues,
                    "was_skipped": false,
                }),
            );
        }
        Format::Csv => {
            let lines =
                bad.iter().map(|r| vec![r.version.clone(), r.name.clone(), r.state.as_str().to_string()]);
            out!("{}", csv(&["version", "name", "state"], lines).trim_end());
        }
        Format::Table | Format::Sql if !initialized => {
            out!("confiture has not migrated this database: nothing to verify")
        }
        Format::Table | Format::Sql if bad.is_empty() => {
            out!("{checked} applied migrations match their files")
        }
        Format::Table | Format::Sql => {
            let lines =
                bad.iter().map(|r| vec![r.version.clone(), r.name.clone(), r.state.as_str().to_string()]);
            out!("{}", table(vec!["version", "name", "state"], lines));
            out!("{} of {checked} applied migrations differ from their files", bad.len());
        }
    }
}

pub fn marked(marked: &[Marked], format: Format, what: &str) {
    let lines = marked.iter().map(|m| vec![m.version.clone(), m.name.clone(), m.status.clone()]);
    match format {
        Format::Json | Format::Sarif => {
            out!("{}", serde_json::to_string_pretty(marked).expect("serializable"))
        }
        Format::Csv => out!("{}", csv(&["version", "name", "status"], lines).trim_end()),
        Format::Table | Format::Sql => {
            out!("{}", table(vec!["version", "name", "status"], lines));
            let new = marked.iter().filter(|m| m.status == "marked").count();
            out!("{new} migrations marked applied without running them ({what})");
        }
    }
}
