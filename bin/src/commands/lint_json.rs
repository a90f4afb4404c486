//! `lint --format json`: the Python confiture's report keys (`violations.items[]` with `rule_id`,
//! `severity`, `location`, `file`, `line`, `suggested_fix`; `gate`; `ok`...), so that its users'
//! scripts read ours, and confiture's own rows beside them (`findings`: every column of
//! lint_schema(), cache keys and metadata included).
//!
//! Serialized straight from these structs, which borrow the findings: building a
//! `serde_json::Value` tree first cost more than the rest of the command's client side on a
//! 1,000-table report. Fields are declared in alphabetical order, the order of the report's keys.

use crate::discover::Creations;
use confiture_core::lint::{Finding, Level};
use serde::Serialize;

/// What was linted: user tables, their columns, tables with a comment, and how long it took.
pub struct Scope {
    pub tables: i64,
    pub columns: i64,
    pub documented: i64,
    pub milliseconds: u64,
}

#[derive(Serialize)]
pub struct Report<'a> {
    columns_checked: i64,
    command: &'static str,
    degraded: [(); 0],
    documentation: Documentation,
    execution_time_ms: u64,
    findings: Vec<FindingRow<'a>>,
    gate: Gate<'a>,
    ok: bool,
    /// The server's catalog is linted: there is no client-side parser to report.
    parser: Option<()>,
    schema_name: &'a str,
    skipped: [(); 0],
    tables_checked: i64,
    violations: Violations<'a>,
}

#[derive(Serialize)]
struct Documentation {
    comment_length: Option<()>,
    documented: i64,
    rules: [(); 0],
    undocumented: i64,
}

#[derive(Serialize)]
struct Gate<'a> {
    max_selectable_severity: &'static str,
    reachable: bool,
    reason: Option<()>,
    threshold: &'a str,
}

#[derive(Serialize)]
struct Violations<'a> {
    errors: usize,
    info: usize,
    items: Vec<Item<'a>>,
    total: usize,
    warnings: usize,
}

/// A finding in the Python tool's shape.
#[derive(Serialize)]
struct Item<'a> {
    file: Option<String>,
    line: Option<usize>,
    location: String,
    message: &'a str,
    rule: String,
    rule_id: &'a str,
    severity: &'static str,
    suggested_fix: Option<&'a str>,
}

/// A row of lint_schema(), every column.
#[derive(Serialize)]
struct FindingRow<'a> {
    cache_key: &'a str,
    categories: &'a [String],
    category: &'a str,
    description: &'a str,
    facing: &'a str,
    level: Level,
    message: &'a str,
    metadata: &'a serde_json::Value,
    object_name: &'a str,
    object_type: &'a str,
    remediation: &'a str,
    rule: &'a str,
    schema_name: Option<&'a str>,
    title: &'a str,
    waived: bool,
}

impl<'a> From<&'a Finding> for FindingRow<'a> {
    fn from(f: &'a Finding) -> Self {
        FindingRow {
            cache_key: &f.cache_key,
            categories: &f.about.categories,
            category: &f.category,
            description: &f.about.description,
            facing: &f.about.facing,
            level: f.level,
            message: &f.message,
            metadata: &f.metadata,
            object_name: &f.object_name,
            object_type: &f.object_type,
            remediation: &f.remediation,
            rule: &f.rule,
            schema_name: f.schema_name.as_deref(),
            title: &f.about.title,
            waived: f.waived,
        }
    }
}

/// `creations` (from the schema files) place each finding at the first CREATE naming its object.
pub fn report<'a>(
    schema_name: &'a str,
    findings: &'a [Finding],
    scope: &Scope,
    creations: &Creations,
    threshold: &'a str,
    failed: bool,
) -> Report<'a> {
    let shown: Vec<&Finding> = findings.iter().filter(|f| !f.waived).collect();
    let count = |level: Level| shown.iter().filter(|f| f.level == level).count();
    let items = shown
        .iter()
        .map(|finding| {
            let (file, line) = creations.first_create(&finding.object_name).unzip();
            Item {
                file,
                line,
                location: finding.object(),
                message: &finding.message,
                rule: finding.rule.replace('_', " "),
                rule_id: &finding.rule,
                severity: finding.level.as_str(),
                suggested_fix: (!finding.remediation.is_empty()).then_some(finding.remediation.as_str()),
            }
        })
        .collect();
    Report {
        columns_checked: scope.columns,
        command: "lint",
        degraded: [],
        documentation: Documentation {
            comment_length: None,
            documented: scope.documented,
            rules: [],
            undocumented: scope.tables - scope.documented,
        },
        execution_time_ms: scope.milliseconds,
        findings: findings.iter().map(FindingRow::from).collect(),
        gate: Gate { max_selectable_severity: "error", reachable: true, reason: None, threshold },
        ok: !failed,
        parser: None,
        schema_name,
        skipped: [],
        tables_checked: scope.tables,
        violations: Violations {
            errors: count(Level::Error),
            info: count(Level::Info),
            items,
            total: shown.len(),
            warnings: count(Level::Warning),
        },
    }
}
