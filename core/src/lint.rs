//! Lint findings as the extension reports them and the CLI reads them.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(Level::Error),
            "warning" => Some(Level::Warning),
            "info" => Some(Level::Info),
            _ => None,
        }
    }
}

/// One finding, as `confiture.lint_schema()` returns it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub level: Level,
    pub category: String,
    pub schema_name: Option<String>,
    pub object_name: String,
    pub object_type: String,
    pub message: String,
    pub remediation: String,
    /// Stable across rebuilds (names, not OIDs): what a waiver refers to.
    pub cache_key: String,
    pub metadata: serde_json::Value,
    pub waived: bool,
}

impl Finding {
    /// `schema.object`, or the object alone when it has no schema.
    pub fn object(&self) -> String {
        match &self.schema_name {
            Some(schema) => format!("{schema}.{}", self.object_name),
            None => self.object_name.clone(),
        }
    }
}
