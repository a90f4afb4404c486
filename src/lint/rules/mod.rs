//! The built-in rules, one function each, grouped by category. `ALL` is the registry:
//! `confiture.lint_rules()` lists it and docs/lint.md documents every entry.

pub mod bloat;
mod design;
mod documentation;
mod exposure;
mod integrity;
pub mod maintenance;
mod naming;
pub mod performance;
mod policies;
mod privacy;
pub mod security;

use super::Rule;

pub static ALL: &[Rule] = &[
    naming::TABLE_NAME_NOT_SNAKE_CASE,
    naming::COLUMN_NAME_NOT_SNAKE_CASE,
    naming::OBJECT_NAME_NOT_SNAKE_CASE,
    naming::SCHEMA_NAMED_AFTER_ENVIRONMENT,
    naming::RESERVED_WORD_NAME,
    integrity::TABLE_WITHOUT_PRIMARY_KEY,
    integrity::FOREIGN_KEY_TYPE_MISMATCH,
    integrity::UNIQUE_NULLABLE_COLUMNS,
    integrity::TIMESTAMP_WITHOUT_TIME_ZONE,
    integrity::CHAR_N_COLUMN,
    integrity::SERIAL_INSTEAD_OF_IDENTITY,
    integrity::INT4_SEQUENCE_NEAR_EXHAUSTION,
    integrity::INT4_PRIMARY_KEY,
    integrity::REG_TYPE_COLUMN,
    integrity::MONEY_COLUMN,
    integrity::TIMETZ_COLUMN,
    integrity::TIMESTAMP_ZERO_PRECISION,
    integrity::DATABASE_ENCODING_SQL_ASCII,
    integrity::INVALID_INDEX,
    integrity::UNLOGGED_TABLE,
    integrity::CONSTRAINT_NOT_VALIDATED,
    integrity::JSON_COLUMN,
    documentation::TABLE_WITHOUT_COMMENT,
    security::TENANT_TABLE_WITHOUT_TENANT_COLUMN,
    security::SECRET_COLUMN_PLAIN_TEXT,
    security::POLICY_WITHOUT_RLS,
    security::RLS_WITHOUT_POLICY,
    security::POLICY_ALWAYS_TRUE,
    security::SECURITY_DEFINER_MUTABLE_SEARCH_PATH,
    security::SECURITY_DEFINER_EXECUTABLE_BY_PUBLIC,
    security::SECURITY_DEFINER_EXECUTABLE_BY_LOGIN_ROLE,
    security::FUNCTION_MUTABLE_SEARCH_PATH,
    security::PUBLIC_FUNCTION_WRITES_DATA,
    security::VIEW_BYPASSES_RLS,
    security::EXTENSION_IN_PUBLIC,
    security::SCHEMA_CREATE_BY_PUBLIC,
    performance::FOREIGN_KEY_WITHOUT_INDEX,
    performance::DUPLICATE_INDEX,
    performance::REDUNDANT_INDEX,
    performance::UNUSED_INDEX,
    performance::SEQ_SCANS_ON_LARGE_TABLE,
    policies::MULTIPLE_PERMISSIVE_POLICIES,
    policies::POLICY_FUNCTION_PER_ROW,
    security::EXTENSION_UPDATE_AVAILABLE,
    security::PASSWORD_ENCRYPTION_MD5,
    security::PG_HBA_INSECURE_METHOD,
    maintenance::TABLE_NEVER_ANALYZED,
    maintenance::XID_WRAPAROUND_RISK,
    maintenance::AUTOVACUUM_DISABLED,
    maintenance::UNUSED_REPLICATION_SLOT,
    maintenance::DEPRECATED_EXTENSION,
    maintenance::TABLE_NEVER_READ,
    bloat::TABLE_BLOAT,
    bloat::INDEX_BLOAT,
    bloat::TABLE_NEVER_VACUUMED,
    privacy::PERSONAL_DATA_READABLE_BY_PUBLIC,
    exposure::TABLE_EXPOSED_WITHOUT_RLS,
    exposure::MATERIALIZED_VIEW_EXPOSED,
    exposure::FOREIGN_TABLE_EXPOSED,
    exposure::SECURITY_DEFINER_VIEW_EXPOSED,
    design::PRIMARY_KEY_TOO_WIDE,
    design::FOREIGN_KEY_ACROSS_SCHEMAS,
    design::MIXED_OWNERS_IN_SCHEMA,
    design::DEFAULT_PRIVILEGES_MISSING,
    design::TABLE_INHERITANCE,
    design::RULE_INSTEAD_OF_TRIGGER,
];

#[cfg(test)]
pub mod testing {
    //! Small catalogs written as JSON, the shape snapshot.sql returns.
    use crate::catalog::Catalog;
    use crate::lint::config::LintConfig;
    use crate::lint::{lint, Finding};

    pub fn catalog(json: serde_json::Value) -> Catalog {
        serde_json::from_value::<Catalog>(json).expect("test catalog").indexed()
    }

    /// A table with `columns` given as (name, type_name, format_type, not_null).
    pub fn table(name: &str, columns: &[(&str, &str, &str, bool)]) -> serde_json::Value {
        let columns: Vec<serde_json::Value> = columns
            .iter()
            .enumerate()
            .map(|(i, (n, t, f, nn))| serde_json::json!([i + 1, n, f, t, nn, false]))
            .collect();
        serde_json::json!({"oid": 1, "schema": "app", "name": name, "kind": "r", "comment": "documented",
                           "columns": columns, "constraints": [], "indexes": [], "policies": []})
    }

    /// The findings of one rule on `catalog`, as "object[.detail]" cache-key tails.
    pub fn findings_of(rule: &str, catalog: &Catalog) -> Vec<String> {
        findings_with(rule, catalog, serde_json::json!({}))
    }

    /// Every finding on `catalog` under the default configuration.
    pub fn all_findings(catalog: &Catalog) -> Vec<Finding> {
        let names: Vec<&str> = super::ALL.iter().map(|r| r.name).collect();
        lint(catalog, &LintConfig::parse(serde_json::json!({}), &names).unwrap())
    }

    pub fn findings_with(rule: &str, catalog: &Catalog, config: serde_json::Value) -> Vec<String> {
        let names: Vec<&str> = super::ALL.iter().map(|r| r.name).collect();
        let config = LintConfig::parse(config, &names).unwrap();
        lint(catalog, &config)
            .into_iter()
            .filter(|f: &Finding| f.rule == rule)
            .map(|f| f.cache_key.trim_start_matches(&format!("{rule}:")).to_string())
            .collect()
    }
}

#[cfg(test)]
mod precision_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_unique_snake_case_and_documented() {
        let mut names: Vec<&str> = ALL.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "duplicate rule name");
        assert!(ALL.len() >= 25);
        let docs = include_str!("../../../docs/lint.md");
        for rule in ALL {
            assert!(rule.name.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit()));
            assert!(!rule.rationale.is_empty() && !rule.remediation.is_empty());
            assert!(
                docs.contains(&format!("### {}", rule.name)),
                "{} is not documented in docs/lint.md",
                rule.name
            );
        }
    }
}
