//! The rows the extension's SQL functions return and the CLI reads. Both sides take the column
//! names from here (the CLI reads rows by name, never by position), and an in-server test checks
//! that each SQL function returns exactly these columns.

use crate::migration::{State, StepStatus};
use serde::{Serialize, Serializer};

/// The columns of each function's rows, in order.
pub mod columns {
    /// migrate_up(), migrate_down(): one row per migration run.
    pub const STEP: [&str; 9] = [
        "version",
        "name",
        "status",
        "duration_ms",
        "statements",
        "rows_affected",
        "locks",
        "rewritten",
        "error",
    ];
    /// migration_status().
    pub const STATUS: [&str; 3] = ["version", "name", "state"];
    /// migration_plan().
    pub const PLAN: [&str; 3] = ["version", "name", "outside_transaction"];
    /// migration_statements().
    pub const STATEMENT: [&str; 2] = ["line", "statement"];
    /// validate_seeds().
    pub const SEED_FINDING: [&str; 8] =
        ["level", "severity", "code", "file", "line", "object", "message", "hint"];
    /// apply_seeds().
    pub const SEED_APPLIED: [&str; 6] =
        ["file", "applied", "statements", "rows_affected", "duration_ms", "error"];
    /// assess_migration(), assess_migrations().
    pub const ASSESSED: [&str; 17] = [
        "version",
        "statement_no",
        "line",
        "statement",
        "lock_mode",
        "locked_relations",
        "rewrites",
        "scans",
        "table_bytes",
        "table_rows",
        "est_seconds",
        "blocked_by",
        "hazards",
        "risk",
        "level",
        "advice",
        "observed",
    ];
    /// lint_schema().
    pub const LINT: [&str; 15] = [
        "rule",
        "level",
        "category",
        "schema_name",
        "object_name",
        "object_type",
        "message",
        "remediation",
        "cache_key",
        "metadata",
        "waived",
        "title",
        "description",
        "categories",
        "facing",
    ];
}

/// One migration run, or observed by a dry run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    pub version: String,
    pub name: String,
    pub status: StepStatus,
    pub duration_ms: f64,
    pub statements: i32,
    pub rows_affected: i64,
    /// Dry runs: "schema.table: Mode" for every lock taken, and the tables rewritten.
    pub locks: Vec<String>,
    pub rewritten: Vec<String>,
    /// Why it failed, or would fail: message, sqlstate, detail, hint.
    pub error: Option<serde_json::Value>,
}

impl Step {
    /// A script that ran: what it did; no dry-run observations.
    pub fn ran(
        version: &str,
        name: &str,
        status: StepStatus,
        (duration_ms, statements, rows_affected): (f64, i32, i64),
    ) -> Self {
        Self {
            version: version.to_string(),
            name: name.to_string(),
            status,
            duration_ms,
            statements,
            rows_affected,
            locks: Vec::new(),
            rewritten: Vec::new(),
            error: None,
        }
    }

    /// A migration that did not run to the end: `status` says how, `error` why.
    pub fn stopped(version: &str, name: &str, status: StepStatus, error: serde_json::Value) -> Self {
        Self { error: Some(error), ..Self::ran(version, name, status, (0.0, 0, 0)) }
    }
}

/// One row of migration_status().
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusRow {
    pub version: String,
    pub name: String,
    pub state: State,
}

impl Serialize for StepStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_serialize_and_parse_as_the_sql_functions_write_them() {
        for status in StepStatus::ALL {
            assert_eq!(StepStatus::parse(status.as_str()), Some(status));
        }
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
        let step = Step::stopped("3", "x", StepStatus::WouldFail, serde_json::json!({"message": "m"}));
        let json = serde_json::to_value(&step).unwrap();
        assert_eq!(json["status"], "would fail");
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = columns::STEP.to_vec();
        expected.sort();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, expected, "the JSON output has the SQL function's columns");
    }
}
