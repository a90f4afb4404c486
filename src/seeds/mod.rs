//! Seed validation: five levels, from reading the seed files to running them and the resolvers
//! in a transaction that is rolled back. The levels are pure functions over plain structs
//! (`files`, `schema`, `resolvers`, `located`); `validate` gathers what they need from the server
//! and runs them, `execution` runs levels 4-5, `sequences` guards the sequences meanwhile.

pub mod apply;
pub mod codes;
pub mod config;
pub mod execution;
pub mod files;
pub mod located;
pub mod resolvers;
pub mod schema;
pub mod sequences;
pub mod statements;
pub mod validate;

pub use codes::Code;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }

    /// Error and critical findings fail a validation; warnings and info do not.
    pub fn fails(self) -> bool {
        self >= Severity::Error
    }
}

/// One row of `confiture.validate_seeds()`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub level: i32,
    pub severity: Severity,
    pub code: &'static str,
    /// The seed file (or `schema.function()` for a resolver); None for a table-wide finding.
    pub file: Option<String>,
    pub line: Option<i32>,
    /// The table, `table.column` or function concerned.
    pub object: String,
    pub message: String,
    pub hint: String,
}

impl Finding {
    pub fn new(code: Code, at: Option<(&str, usize)>, object: impl Into<String>, message: String) -> Self {
        Finding {
            level: code.level(),
            severity: code.severity(),
            code: code.name(),
            file: at.map(|(file, _)| file.to_string()),
            line: at.map(|(_, line)| line as i32),
            object: object.into(),
            message,
            hint: code.hint().to_string(),
        }
    }

    pub fn with_hint(mut self, hint: String) -> Self {
        self.hint = hint;
        self
    }
}
