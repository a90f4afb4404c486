//! `lint --format json`: the Python confiture's report keys (`violations.items[]` with `rule_id`,
//! `severity`, `location`, `file`, `line`, `suggested_fix`; `gate`; `ok`...), so that its users'
//! scripts read ours, and confiture's own rows beside them (`findings`: every column of
//! lint_schema(), cache keys and metadata included).

use crate::discover::Creations;
use confiture_core::lint::{Finding, Level};
use serde_json::{json, Value};

/// What was linted: user tables, their columns, tables with a comment, and how long it took.
pub struct Scope {
    pub tables: i64,
    pub columns: i64,
    pub documented: i64,
    pub milliseconds: u64,
}

/// `creations` (from the schema files) place each finding at the first CREATE naming its object.
pub fn report(
    schema_name: &str,
    findings: &[Finding],
    scope: &Scope,
    creations: &Creations,
    threshold: &str,
    failed: bool,
) -> Value {
    let shown: Vec<_> = findings.iter().filter(|f| !f.waived).collect();
    let count = |level: Level| shown.iter().filter(|f| f.level == level).count();
    let items: Vec<Value> = shown
        .iter()
        .map(|finding| {
            let (file, line) = creations.first_create(&finding.object_name).unzip();
            json!({
                "rule": finding.rule.replace('_', " "),
                "rule_id": finding.rule,
                "severity": finding.level.as_str(),
                "location": finding.object(),
                "file": file,
                "line": line,
                "message": finding.message,
                "suggested_fix": (!finding.remediation.is_empty()).then_some(&finding.remediation),
            })
        })
        .collect();
    json!({
        "schema_name": schema_name,
        "tables_checked": scope.tables,
        "columns_checked": scope.columns,
        "execution_time_ms": scope.milliseconds,
        "violations": {
            "total": shown.len(),
            "errors": count(Level::Error),
            "warnings": count(Level::Warning),
            "info": count(Level::Info),
            "items": items,
        },
        "skipped": [],
        "degraded": [],
        "documentation": {
            "documented": scope.documented,
            "undocumented": scope.tables - scope.documented,
            "comment_length": null,
            "rules": [],
        },
        "gate": {"threshold": threshold, "reachable": true, "reason": null, "max_selectable_severity": "error"},
        "ok": !failed,
        "command": "lint",
        // The server's catalog is linted: there is no client-side parser to report.
        "parser": null,
        "findings": findings,
    })
}
