//! Every way a command can fail, each with its documented exit code (docs/exit-codes.md).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 3: the project or environment configuration is missing or wrong.
    Config,
    /// 4: a source file cannot be used (unreadable, not UTF-8, empty).
    Source,
    /// 5: the database cannot be reached.
    Connection,
    /// 6: the database refused the work (SQL error in the build, missing extension, privileges).
    Database,
    /// 7: an applied migration's file changed (checksum drift), or an applied one is missing.
    Drift,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Config => 3,
            Kind::Source => 4,
            Kind::Connection => 5,
            Kind::Database => 6,
            Kind::Drift => 7,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Config => "config",
            Kind::Source => "source",
            Kind::Connection => "connection",
            Kind::Database => "database",
            Kind::Drift => "drift",
        }
    }
}

#[derive(Debug)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    pub sqlstate: Option<String>,
}

impl Failure {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), detail: None, hint: None, sqlstate: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A failure reported by PostgreSQL: keep its message, detail, hint and SQLSTATE.
    /// `Kind::Connection` when the server could not be reached or went away.
    pub fn from_postgres(error: postgres::Error, target: &str) -> Self {
        match error.as_db_error() {
            Some(db) => Self {
                kind: Kind::Database,
                message: db.message().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
                sqlstate: Some(db.code().code().to_string()),
            },
            None => Self::new(Kind::Connection, format!("cannot reach {target}: {}", with_causes(&error)))
                .with_hint(
                    "Check that the server is running and that database_url (or --database-url) is right.",
                ),
        }
    }

    /// A missing `confiture` schema or function means the extension is not installed: say so.
    pub fn with_extension_hint(mut self) -> Self {
        if matches!(self.sqlstate.as_deref(), Some("3F000" | "42883")) {
            self.hint = Some("Install the extension in this database: CREATE EXTENSION confiture;".into());
        }
        self
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "kind": self.kind.name(),
                "exit_code": self.kind.exit_code(),
                "message": self.message,
                "detail": self.detail,
                "hint": self.hint,
                "sqlstate": self.sqlstate,
            }
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(sqlstate) = &self.sqlstate {
            write!(f, " (SQLSTATE {sqlstate})")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n  detail: {}", detail.replace('\n', "\n          "))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// "error connecting to server: Connection refused (os error 111)": the message and its causes.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub type Result<T> = std::result::Result<T, Failure>;
