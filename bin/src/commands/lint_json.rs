//! `lint --format json`: the Python confiture's report keys (`violations.items[]` with `rule_id`,
//! `severity`, `location`, `file`, `line`, `suggested_fix`; `gate`; `ok`...), so that its users'
//! scripts read ours, and confiture's own rows beside them (`findings`: every column of
//! lint_schema(), cache keys and metadata included).

use super::lint::{locate, FailOn, LintReport};
use crate::discover;
use confiture_core::lint::Level;
use serde_json::{json, Value};
use std::path::Path;

pub fn report(project: &Path, report: &LintReport, fail_on: FailOn, failed: bool) -> Value {
    // Where each object is created, best effort (as SARIF): the first CREATE naming it.
    let sources = discover::discover(project, &report.environment)
        .and_then(|names| discover::read_sources(project, &names))
        .unwrap_or_default();
    let shown: Vec<_> = report.findings.iter().filter(|f| !f.waived).collect();
    let count = |level: Level| shown.iter().filter(|f| f.level == level).count();
    let items: Vec<Value> = shown
        .iter()
        .map(|finding| {
            let (file, line) = locate(&sources, &finding.object_name).unzip();
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
    let threshold = match fail_on {
        FailOn::Error => "error",
        FailOn::Warning => "warning",
        FailOn::Info => "info",
        FailOn::Never => "never",
    };
    json!({
        "schema_name": report.environment.name,
        "tables_checked": report.tables,
        "columns_checked": report.columns,
        "execution_time_ms": report.milliseconds,
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
            "documented": report.documented,
            "undocumented": report.tables - report.documented,
            "comment_length": null,
            "rules": [],
        },
        "gate": {"threshold": threshold, "reachable": true, "reason": null, "max_selectable_severity": "error"},
        "ok": !failed,
        "command": "lint",
        // The server's catalog is linted: there is no client-side parser to report.
        "parser": null,
        "findings": report.findings,
    })
}
