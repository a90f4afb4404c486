//! How an assessment prints: a table with each statement's advice under it, JSON rows, CSV,
//! or SARIF results located at the migration file's line.

use super::MigrationFile;
use crate::output::{csv, Format};
use comfy_table::{presets::UTF8_BORDERS_ONLY, Table};
use confiture_core::risk::{AssessedStatement, Level};
use serde_json::json;

/// "1.5 GB", "740 kB": the size a DBA reads at a glance.
pub fn bytes(n: i64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

pub fn seconds(s: f64) -> String {
    match s {
        s if s < 0.001 => "instant".into(),
        s if s < 1.0 => format!("{:.0} ms", s * 1000.0),
        s if s < 120.0 => format!("{s:.1} s"),
        s => format!("{:.1} min", s / 60.0),
    }
}

/// The statement on one line, shortened.
pub fn one_line(statement: &str, max: usize) -> String {
    let flat: String = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max - 1).collect::<String>())
    }
}

/// Whether it rewrites the table: yes, no, or maybe (the model cannot tell).
pub fn rewrites(row: &AssessedStatement) -> &'static str {
    match row.rewrites {
        Some(true) => "yes",
        Some(false) => "no",
        None => "maybe",
    }
}

/// The live table it weighs on: "49.8 MB (1000000 rows)", or "-".
pub fn table_size(row: &AssessedStatement) -> String {
    if row.table_bytes > 0 {
        format!("{} ({} rows)", bytes(row.table_bytes), row.table_rows)
    } else {
        "-".into()
    }
}

fn file_of<'f>(files: &'f [MigrationFile], version: Option<&str>) -> Option<&'f MigrationFile> {
    files.iter().find(|f| Some(f.version.as_str()) == version)
}

pub fn table(rows: &[AssessedStatement]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(vec![
        "version",
        "#",
        "line",
        "statement",
        "lock",
        "rewrite",
        "table",
        "est.",
        "risk",
    ]);
    for row in rows {
        table.add_row(vec![
            row.version.clone().unwrap_or_default(),
            row.statement_no.to_string(),
            row.line.to_string(),
            one_line(&row.statement, 48),
            row.lock_mode.clone().unwrap_or_else(|| "-".into()),
            rewrites(row).into(),
            table_size(row),
            seconds(row.est_seconds),
            format!("{} {}", row.level, row.risk),
        ]);
    }
    let mut out = table.to_string();
    for row in rows.iter().filter(|r| !r.advice.is_empty()) {
        out.push_str(&format!(
            "\n{} #{} ({}{}): {}",
            row.version.as_deref().unwrap_or("-"),
            row.statement_no,
            row.hazards.join(", "),
            if row.observed { "" } else { "; from the model" },
            row.advice
        ));
    }
    out
}

fn sarif(rows: &[AssessedStatement], files: &[MigrationFile]) -> serde_json::Value {
    let results: Vec<serde_json::Value> = rows
        .iter()
        .filter(|r| r.level() > Level::Low)
        .map(|row| {
            let uri = file_of(files, row.version.as_deref()).map_or("db/migrations".into(), |f| f.up_path.clone());
            json!({
                "ruleId": row.hazards.first().map_or("migration_risk", String::as_str),
                "level": if row.level() >= Level::High { "error" } else { "warning" },
                "message": {"text": format!("{} risk {}: {} ({})", row.level, row.risk, one_line(&row.statement, 80), row.advice)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": row.line}}}],
                "properties": {"hazards": row.hazards, "lock_mode": row.lock_mode, "est_seconds": row.est_seconds},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "confiture", "version": env!("CARGO_PKG_VERSION")}}, "results": results}],
    })
}

pub fn print(rows: &[AssessedStatement], files: &[MigrationFile], format: Format) {
    match format {
        Format::Json => {
            out!("{}", serde_json::to_string_pretty(&json!({ "statements": rows })).expect("serializable"))
        }
        Format::Sarif => out!("{}", serde_json::to_string_pretty(&sarif(rows, files)).expect("serializable")),
        Format::Csv => out!(
            "{}",
            csv(
                &[
                    "version",
                    "statement_no",
                    "line",
                    "lock_mode",
                    "rewrites",
                    "table_bytes",
                    "est_seconds",
                    "risk",
                    "level",
                    "hazards",
                    "statement"
                ],
                rows.iter().map(|r| {
                    vec![
                        r.version.clone().unwrap_or_default(),
                        r.statement_no.to_string(),
                        r.line.to_string(),
                        r.lock_mode.clone().unwrap_or_default(),
                        rewrites(r).into(),
                        r.table_bytes.to_string(),
                        r.est_seconds.to_string(),
                        r.risk.to_string(),
                        r.level.clone(),
                        r.hazards.join(" "),
                        r.statement.clone(),
                    ]
                })
            )
        ),
        _ if rows.is_empty() => out!("nothing to assess: no pending migration"),
        _ => out!("{}", table(rows)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_at_a_glance() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(52_166_656), "49.8 MB");
        assert_eq!(seconds(0.0), "instant");
        assert_eq!(seconds(0.586), "586 ms");
        assert_eq!(seconds(12.34), "12.3 s");
        assert_eq!(seconds(600.0), "10.0 min");
    }

    #[test]
    fn statements_are_shown_on_one_shortened_line() {
        assert_eq!(one_line("ALTER TABLE t\n    ADD COLUMN a int", 80), "ALTER TABLE t ADD COLUMN a int");
        assert_eq!(one_line("ALTER TABLE t ADD COLUMN a int", 10), "ALTER TAB…");
    }
}
