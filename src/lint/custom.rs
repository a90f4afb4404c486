//! Custom rules: SQL functions that return rows of the lint shape. Pure part: what a valid
//! function looks like, and how its rows become findings.

use super::{Finding, Level, RuleInfo};
use serde::Deserialize;

/// The columns a custom rule function may return: (name, type, required).
pub const COLUMNS: &[(&str, &str, bool)] = &[
    ("object_name", "text", true),
    ("message", "text", true),
    ("level", "text", false),
    ("schema_name", "text", false),
    ("object_type", "text", false),
    ("remediation", "text", false),
    ("cache_key", "text", false),
    ("metadata", "jsonb", false),
];

/// A registered custom rule, as stored in confiture.lint_custom_rules.
#[derive(Clone, Debug)]
pub struct CustomRule {
    pub name: String,
    /// The function's signature, resolved when the rule runs.
    pub function: String,
    pub level: Level,
    pub category: String,
    /// What register_lint_rule() was told the rule checks.
    pub description: Option<String>,
}

/// What a function's catalog entry says about its shape.
pub struct FunctionShape {
    pub signature: String,
    pub returns_set: bool,
    pub argument_count: i32,
    /// Output columns (name, type as format_type writes it); None for a bare `SETOF record`.
    pub columns: Option<Vec<(String, String)>>,
}

pub fn check_name(name: &str, built_in: bool) -> Result<(), String> {
    if built_in {
        return Err(format!("\"{name}\" is a built-in rule; choose another name"));
    }
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!("rule name \"{name}\" must be lower snake_case (a-z, 0-9, _), starting with a letter"))
    }
}

pub fn check_shape(shape: &FunctionShape) -> Result<(), String> {
    let expected = "RETURNS TABLE (object_name text, message text[, level text, schema_name text, object_type text, remediation text, cache_key text, metadata jsonb])";
    let wrong = |why: String| {
        Err(format!(
            "{} cannot be a lint rule: {why}; it must take no argument and {expected}",
            shape.signature
        ))
    };
    if shape.argument_count != 0 {
        return wrong(format!("it takes {} argument(s)", shape.argument_count));
    }
    if !shape.returns_set {
        return wrong("it does not return a set".into());
    }
    let Some(columns) = &shape.columns else {
        return wrong("it returns SETOF record without named columns".into());
    };
    for (name, data_type) in columns {
        match COLUMNS.iter().find(|(known, _, _)| known == name) {
            None => return wrong(format!("it returns an unknown column \"{name}\"")),
            Some((_, known_type, _)) if known_type != data_type => {
                return wrong(format!("column \"{name}\" is {data_type}, not {known_type}"))
            }
            _ => {}
        }
    }
    for (required, _, _) in COLUMNS.iter().filter(|(_, _, required)| *required) {
        if !columns.iter().any(|(name, _)| name == required) {
            return wrong(format!("it does not return column \"{required}\""));
        }
    }
    Ok(())
}

/// One row returned by a custom rule function (to_jsonb of the row).
#[derive(Debug, Deserialize)]
pub struct CustomRow {
    pub object_name: Option<String>,
    pub message: Option<String>,
    pub level: Option<String>,
    pub schema_name: Option<String>,
    pub object_type: Option<String>,
    pub remediation: Option<String>,
    pub cache_key: Option<String>,
    pub metadata: Option<serde_json::Value>,
}

impl CustomRule {
    pub fn finding(&self, row: CustomRow, level_override: Option<Level>) -> Finding {
        let object_name = row.object_name.unwrap_or_default();
        let default_key = match &row.schema_name {
            Some(schema) => format!("{}:{schema}.{object_name}", self.name),
            None => format!("{}:{object_name}", self.name),
        };
        Finding {
            rule: self.name.clone(),
            level: level_override
                .or_else(|| row.level.as_deref().and_then(Level::parse))
                .unwrap_or(self.level),
            category: self.category.clone(),
            schema_name: row.schema_name,
            object_type: row.object_type.unwrap_or_else(|| "object".into()),
            message: row.message.unwrap_or_default(),
            remediation: row.remediation.unwrap_or_default(),
            cache_key: row.cache_key.unwrap_or(default_key),
            metadata: row.metadata.unwrap_or(serde_json::json!({})),
            object_name,
            waived: false,
            about: self.about(),
        }
    }

    /// Its title, description, categories and facing (custom rules face the team: internal).
    pub fn about(&self) -> RuleInfo {
        let description =
            self.description.clone().unwrap_or_else(|| format!("custom rule: {}", self.function));
        RuleInfo { facing: "internal".into(), ..RuleInfo::of(&self.name, &self.category, &description) }
    }

    /// A custom rule that failed becomes a finding about the rule; the lint goes on.
    pub fn failure(&self, message: &str, sqlstate: &str) -> Finding {
        Finding {
            rule: self.name.clone(),
            level: Level::Error,
            category: "custom".into(),
            schema_name: None,
            object_name: self.name.clone(),
            object_type: "lint rule".into(),
            message: format!("custom rule {} failed: {message}", self.name),
            remediation: "Fix the rule's function (run it alone to see the error), or disable the rule."
                .into(),
            cache_key: format!("{}:failed", self.name),
            metadata: serde_json::json!({"sqlstate": sqlstate}),
            waived: false,
            about: self.about(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(args: i32, set: bool, columns: Option<&[(&str, &str)]>) -> FunctionShape {
        FunctionShape {
            signature: "app.my_rule()".into(),
            returns_set: set,
            argument_count: args,
            columns: columns.map(|c| c.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()),
        }
    }

    #[test]
    fn valid_shapes_pass() {
        assert!(check_shape(&shape(0, true, Some(&[("object_name", "text"), ("message", "text")]))).is_ok());
        let full: Vec<(&str, &str)> = COLUMNS.iter().map(|(n, t, _)| (*n, *t)).collect();
        assert!(check_shape(&shape(0, true, Some(&full))).is_ok());
    }

    #[test]
    fn wrong_shapes_say_what_is_wrong() {
        let err = |s: FunctionShape| check_shape(&s).unwrap_err();
        assert!(err(shape(1, true, Some(&[]))).contains("takes 1 argument(s)"));
        assert!(err(shape(0, false, Some(&[]))).contains("does not return a set"));
        assert!(err(shape(0, true, None)).contains("SETOF record"));
        assert!(err(shape(0, true, Some(&[("object_name", "text")])))
            .contains("does not return column \"message\""));
        assert!(err(shape(0, true, Some(&[("object_name", "text"), ("message", "integer")])))
            .contains("is integer, not text"));
        assert!(err(shape(0, true, Some(&[("object_name", "text"), ("message", "text"), ("x", "text")])))
            .contains("unknown column \"x\""));
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("no_fk_to_audit", false).is_ok());
        assert!(check_name("table_without_comment", true).unwrap_err().contains("built-in"));
        assert!(check_name("Bad-Name", false).unwrap_err().contains("snake_case"));
        assert!(check_name("", false).is_err());
    }

    #[test]
    fn rows_become_findings_with_defaults() {
        let rule = CustomRule {
            name: "my_rule".into(),
            function: "app.my_rule()".into(),
            level: Level::Warning,
            category: "custom".into(),
            description: None,
        };
        let row: CustomRow = serde_json::from_value(
            serde_json::json!({"object_name": "t", "message": "m", "schema_name": "app"}),
        )
        .unwrap();
        let finding = rule.finding(row, None);
        assert_eq!((finding.level, finding.cache_key.as_str()), (Level::Warning, "my_rule:app.t"));
        let row: CustomRow =
            serde_json::from_value(serde_json::json!({"object_name": "t", "message": "m", "level": "error"}))
                .unwrap();
        assert_eq!(rule.finding(row, None).level, Level::Error);
        let row: CustomRow =
            serde_json::from_value(serde_json::json!({"object_name": "t", "message": "m", "level": "error"}))
                .unwrap();
        assert_eq!(rule.finding(row, Some(Level::Info)).level, Level::Info);
    }
}
