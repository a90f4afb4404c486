//! Seed validation's findings: the stable codes (with level, severity and advice) and the rows of
//! confiture.validate_seeds(), as the extension reports them and the CLI reads them.

pub mod codes;
pub mod config;
pub mod files;
pub mod levels;
pub mod located;
pub mod resolvers;
pub mod schema;
pub mod statements;

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

    pub fn parse(text: &str) -> Option<Severity> {
        [Severity::Info, Severity::Warning, Severity::Error, Severity::Critical]
            .into_iter()
            .find(|s| s.as_str() == text)
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
    pub code: String,
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
            code: code.name().to_string(),
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

impl Finding {
    /// `file:line`, the file, or the object: where to look.
    pub fn place(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => file.clone(),
            _ => self.object.clone(),
        }
    }
}
