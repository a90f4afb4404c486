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
    /// What the rule is, for tools built around other catalog linters' row shapes.
    #[serde(flatten)]
    pub about: RuleInfo,
}

/// A rule's title, description, categories and facing: the same for each of its findings, in
/// lint_schema()'s rows, lint_rules() and SARIF's rule metadata.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuleInfo {
    pub title: String,
    pub description: String,
    pub categories: Vec<String>,
    /// `external`: what the roles that read the database through an API are exposed to
    /// (security, privacy, exposure); `internal`: what the team that runs it maintains.
    pub facing: String,
}

impl RuleInfo {
    pub fn of(name: &str, category: &str, description: &str) -> Self {
        let mut categories = vec![category.to_string()];
        if matches!(category, "exposure" | "privacy") {
            categories.push("security".into());
        }
        let facing =
            if matches!(category, "security" | "exposure" | "privacy") { "external" } else { "internal" };
        RuleInfo {
            title: title_of(name),
            description: description.to_string(),
            categories,
            facing: facing.into(),
        }
    }
}

/// Where a rule is documented, relative to the repository (docs/lint.md has one heading per rule).
pub fn docs_url(rule: &str) -> String {
    format!("docs/lint.md#{rule}")
}

/// A rule's name as a title: `rls_without_policy` -> "RLS without policy".
pub fn title_of(name: &str) -> String {
    const UPPER: &[&str] = &["rls", "xid", "json", "pk", "sql", "api", "id"];
    let words: Vec<String> = name
        .split('_')
        .enumerate()
        .map(|(i, word)| {
            if UPPER.contains(&word) {
                word.to_uppercase()
            } else if i == 0 {
                let mut chars = word.chars();
                chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
            } else {
                word.to_string()
            }
        })
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_read_as_words() {
        assert_eq!(title_of("rls_without_policy"), "RLS without policy");
        assert_eq!(title_of("table_name_not_snake_case"), "Table name not snake case");
        assert_eq!(title_of("xid_wraparound_risk"), "XID wraparound risk");
        assert_eq!(title_of("int4_primary_key"), "Int4 primary key");
    }

    #[test]
    fn exposure_and_privacy_are_security_and_face_outward() {
        let info = RuleInfo::of("personal_data_readable_by_public", "privacy", "why");
        assert_eq!(info.categories, ["privacy", "security"]);
        assert_eq!(info.facing, "external");
        assert_eq!(RuleInfo::of("duplicate_index", "performance", "why").facing, "internal");
    }
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
