//! Lint configuration: the `config` argument of lint_schema(), merged over the settings
//! table. Strict: unknown keys, unknown rule names and wrong types are errors.

use super::Level;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LintConfig {
    /// Per rule: `{"enabled": false}` and/or `{"level": "info"}`.
    pub rules: BTreeMap<String, RuleOverride>,
    /// Only these schemas are linted (empty: every schema).
    pub schemas: Vec<String>,
    /// Schemas whose objects are not linted.
    pub exclude_schemas: Vec<String>,
    /// Tables and views not linted: `schema.name` or `name`, `*` matches any characters.
    pub exclude_tables: Vec<String>,
    pub naming: NamingConfig,
    pub tenant: TenantConfig,
    pub secrets: SecretsConfig,
    pub personal_data: PersonalDataConfig,
    pub exposure: ExposureConfig,
    pub indexes: IndexConfig,
    pub bloat: BloatConfig,
    pub replication_slots: ReplicationSlotConfig,
    pub tables: TablesConfig,
    /// Return waived findings too, with waived = true.
    pub include_waived: bool,
    #[serde(skip)]
    excluded_table_patterns: Vec<regex::Regex>,
    #[serde(skip)]
    pub snake_case: Option<regex::Regex>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    pub enabled: Option<bool>,
    pub level: Option<Level>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NamingConfig {
    /// What a good table or column name looks like (a regular expression).
    pub pattern: String,
    /// Environment names a schema should not carry (schema_named_after_environment): a whole
    /// `_`-separated part of the name, case-insensitive.
    pub environment_words: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TenantConfig {
    /// The column every multi-tenant table must carry.
    pub column: String,
    /// A table whose name contains one of these (case-insensitive) is multi-tenant, unless its
    /// name is the word itself or its plural (that table is the tenant).
    pub table_patterns: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecretsConfig {
    /// A column whose name contains one of these (case-insensitive) holds a secret.
    pub column_patterns: Vec<String>,
}

/// What an API (PostgREST, pg_graphql, Hasura...) or any client role reaches: relations of
/// these schemas that one of these roles may SELECT directly (`public` is every role).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExposureConfig {
    pub schemas: Vec<String>,
    pub roles: Vec<String>,
}

impl Default for ExposureConfig {
    fn default() -> Self {
        Self { schemas: vec!["public".into()], roles: vec!["public".into()] }
    }
}

impl ExposureConfig {
    /// The exposure roles among `readers` (the roles granted SELECT), when `schema` is exposed.
    pub fn exposed_to<'r>(&self, schema: &str, readers: &'r [String]) -> Vec<&'r str> {
        if !self.schemas.iter().any(|s| s == schema) {
            return vec![];
        }
        readers.iter().filter(|r| self.roles.contains(r)).map(String::as_str).collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PersonalDataConfig {
    /// Names of personal or financial data, as whole `_`-separated parts of a column name
    /// (`email` matches `email` and `contact_email`, not `emailed`), case-insensitive.
    pub column_words: Vec<String>,
}

impl PersonalDataConfig {
    /// The vocabulary entry a column name contains, if any.
    pub fn personal_word(&self, column: &str) -> Option<&str> {
        let parts: Vec<String> = column.to_lowercase().split('_').map(str::to_string).collect();
        self.column_words.iter().map(String::as_str).find(|word| {
            let wanted: Vec<&str> = word.split('_').collect();
            parts.windows(wanted.len()).any(|window| window.iter().zip(&wanted).all(|(a, b)| a == b))
        })
    }
}

impl Default for PersonalDataConfig {
    fn default() -> Self {
        // English, then French, German, Spanish, Italian, Portuguese and Dutch names.
        let words = [
            "ssn",
            "social_security",
            "national_id",
            "passport",
            "iban",
            "credit_card",
            "card_number",
            "cc_number",
            "cvv",
            "cvc",
            "tax_id",
            "tin",
            "birth_date",
            "date_of_birth",
            "dob",
            "birthday",
            "phone",
            "mobile",
            "telephone",
            "email",
            "e_mail",
            "address",
            "street",
            "postcode",
            "zip_code",
            "nir",
            "numero_secu",
            "date_naissance",
            "adresse",
            "telephone_portable",
            "courriel",
            "geburtsdatum",
            "telefon",
            "anschrift",
            "steuernummer",
            "steuer_id",
            "dni",
            "nif",
            "fecha_nacimiento",
            "telefono",
            "direccion",
            "correo",
            "codice_fiscale",
            "data_nascita",
            "indirizzo",
            "cpf",
            "morada",
            "geboortedatum",
            "bsn",
            "adres",
        ];
        Self { column_words: words.iter().map(|w| w.to_string()).collect() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndexConfig {
    /// unused_index reports only on tables scanned at least this many times since statistics
    /// were reset: below that, "never used" says nothing.
    pub unused_min_table_scans: i64,
    /// unused_index does not report an index younger than this (days): its statistics cover
    /// too short a time (monthly jobs...). Applies where the index's age is known.
    pub unused_min_age_days: f64,
    /// seq_scans_on_large_table looks at tables the statistics say hold at least this many rows
    /// (a small table is best read whole) ...
    pub seq_scan_min_rows: i64,
    /// ... and that were scanned sequentially at least this many times since the statistics
    /// were reset.
    pub seq_scan_min_scans: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TablesConfig {
    /// primary_key_too_wide reports a primary key of more columns than this.
    pub primary_key_max_columns: usize,
    /// table_never_read reports only when the statistics were reset at least this many days
    /// ago, and not on a table younger than that (where its age is known): a shorter window
    /// says nothing about monthly jobs, and a fresh build's seeded tables are not read yet.
    pub never_read_min_days: f64,
}

impl Default for TablesConfig {
    fn default() -> Self {
        Self { primary_key_max_columns: 4, never_read_min_days: 7.0 }
    }
}

/// table_bloat and index_bloat report what wastes at least `min_bytes` and `min_ratio` of the
/// relation's size.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BloatConfig {
    pub min_bytes: i64,
    pub min_ratio: f64,
}

/// unused_replication_slot reports an inactive slot once it keeps at least
/// `max_retained_wal_bytes` of WAL (also when it is past max_slot_wal_keep_size, invalidated, or
/// holds back the cluster's vacuum horizon).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplicationSlotConfig {
    pub max_retained_wal_bytes: i64,
}

impl Default for ReplicationSlotConfig {
    fn default() -> Self {
        Self { max_retained_wal_bytes: 1024 * 1024 * 1024 }
    }
}

impl Default for BloatConfig {
    fn default() -> Self {
        Self { min_bytes: 50 * 1024 * 1024, min_ratio: 0.5 }
    }
}

impl Default for NamingConfig {
    fn default() -> Self {
        let environments = [
            "prod",
            "production",
            "preprod",
            "staging",
            "stg",
            "stage",
            "dev",
            "development",
            "test",
            "qa",
            "uat",
            "sandbox",
            "sbox",
        ];
        Self {
            pattern: "^[a-z_][a-z0-9_]*$".into(),
            environment_words: environments.iter().map(|w| w.to_string()).collect(),
        }
    }
}

impl Default for TenantConfig {
    fn default() -> Self {
        let words = ["tenant", "organization", "account", "workspace", "company", "customer"];
        Self { column: "tenant_id".into(), table_patterns: words.iter().map(|w| w.to_string()).collect() }
    }
}

impl SecretsConfig {
    /// The pattern a column's name matches, if it names a secret: not when the name says the
    /// value is already protected (password_hash, passwordsalt, token_digest).
    pub fn secret_word(&self, column: &str) -> Option<String> {
        const PROTECTED: &[&str] = &["hash", "digest", "salt", "hmac", "crypt", "bcrypt", "fingerprint"];
        let name = column.to_lowercase();
        if PROTECTED.iter().any(|word| name.contains(word)) {
            return None;
        }
        self.column_patterns.iter().find(|p| name.contains(&p.to_lowercase())).cloned()
    }
}

impl Default for SecretsConfig {
    fn default() -> Self {
        let words =
            ["password", "passwd", "secret", "token", "api_key", "apikey", "private_key", "access_key"];
        Self { column_patterns: words.iter().map(|w| w.to_string()).collect() }
    }
}

impl Default for IndexConfig {
    fn default() -> Self {
        Self {
            unused_min_table_scans: 1000,
            unused_min_age_days: 7.0,
            seq_scan_min_rows: 10_000,
            seq_scan_min_scans: 100,
        }
    }
}

impl LintConfig {
    /// Parse and check a configuration; `known_rules` are the built-in and custom rule names.
    pub fn parse(value: serde_json::Value, known_rules: &[&str]) -> Result<Self, String> {
        if !value.is_object() {
            return Err(format!("the lint configuration must be a JSON object, not {value}"));
        }
        let mut config: LintConfig =
            serde_json::from_value(value).map_err(|e| format!("invalid lint configuration: {e}"))?;
        if let Some(unknown) = config.rules.keys().find(|name| !known_rules.contains(&name.as_str())) {
            return Err(format!(
                "invalid lint configuration: unknown rule \"{unknown}\" in rules (see confiture.lint_rules())"
            ));
        }
        config.snake_case = Some(
            regex::Regex::new(&config.naming.pattern)
                .map_err(|e| format!("invalid lint configuration: naming.pattern: {e}"))?,
        );
        config.excluded_table_patterns =
            config.exclude_tables.iter().map(|p| glob(p)).collect::<Result<_, _>>()?;
        if config.tenant.column.is_empty() {
            return Err("invalid lint configuration: tenant.column is empty".into());
        }
        Ok(config)
    }

    pub fn enabled(&self, rule: &str) -> bool {
        self.rules.get(rule).and_then(|o| o.enabled).unwrap_or(true)
    }

    pub fn level(&self, rule: &str, default: Level) -> Level {
        self.rules.get(rule).and_then(|o| o.level).unwrap_or(default)
    }

    pub fn excludes(&self, schema: &str, name: &str) -> bool {
        if self.schema_excluded(schema) {
            return true;
        }
        // Asked per relation by every rule: no allocation unless there are patterns.
        if self.excluded_table_patterns.is_empty() {
            return false;
        }
        let qualified = format!("{schema}.{name}");
        self.excluded_table_patterns.iter().any(|p| p.is_match(&qualified) || p.is_match(name))
    }

    /// Outside `schemas` (when given) or in `exclude_schemas`.
    pub fn schema_excluded(&self, schema: &str) -> bool {
        (!self.schemas.is_empty() && !self.schemas.iter().any(|s| s == schema))
            || self.exclude_schemas.iter().any(|s| s == schema)
    }

    pub fn is_snake_case(&self, name: &str) -> bool {
        self.snake_case.as_ref().is_none_or(|re| re.is_match(name))
    }
}

/// `*` matches anything; everything else literally; the whole name must match. A pattern can
/// only fail by being too large for the regex engine's size limit.
fn glob(pattern: &str) -> Result<regex::Regex, String> {
    let escaped: Vec<String> = pattern.split('*').map(regex::escape).collect();
    regex::Regex::new(&format!("^{}$", escaped.join(".*"))).map_err(|e| {
        let start: String = pattern.chars().take(40).collect();
        format!(
            "invalid lint configuration: exclude_tables pattern \"{start}...\" ({} characters): {e}",
            pattern.chars().count()
        )
    })
}

/// Merge `overlay` into `base`: objects key by key (recursively), anything else replaced.
pub fn merge(base: serde_json::Value, overlay: serde_json::Value) -> serde_json::Value {
    match (base, overlay) {
        (serde_json::Value::Object(mut base), serde_json::Value::Object(overlay)) => {
            for (key, value) in overlay {
                let merged = match base.remove(&key) {
                    Some(existing) => merge(existing, value),
                    None => value,
                };
                base.insert(key, merged);
            }
            serde_json::Value::Object(base)
        }
        (_, overlay) => overlay,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn schemas_restrict_and_exclude_schemas_leave_out() {
        let config =
            LintConfig::parse(json!({"schemas": ["app", "audit"], "exclude_schemas": ["audit"]}), &[])
                .unwrap();
        assert!(!config.schema_excluded("app"));
        assert!(config.schema_excluded("audit"), "excluded wins");
        assert!(config.schema_excluded("public"), "not in schemas");
        assert!(config.excludes("public", "t"));
        let every = LintConfig::parse(json!({}), &[]).unwrap();
        assert!(!every.schema_excluded("public"));
    }

    use super::*;
    use serde_json::json;

    const RULES: &[&str] = &["table_without_comment", "my_rule"];

    #[test]
    fn defaults_need_no_configuration() {
        let config = LintConfig::parse(json!({}), RULES).unwrap();
        assert!(config.enabled("table_without_comment"));
        assert_eq!(config.level("table_without_comment", Level::Info), Level::Info);
        assert_eq!(config.tenant.column, "tenant_id");
        assert!(config.is_snake_case("order_line") && !config.is_snake_case("OrderLine"));
    }

    #[test]
    fn rules_can_be_disabled_and_relevelled() {
        let config = LintConfig::parse(
            json!({"rules": {"table_without_comment": {"enabled": false}, "my_rule": {"level": "error"}}}),
            RULES,
        )
        .unwrap();
        assert!(!config.enabled("table_without_comment"));
        assert_eq!(config.level("my_rule", Level::Info), Level::Error);
    }

    #[test]
    fn exclusions_match_schemas_and_globs() {
        let config = LintConfig::parse(
            json!({"exclude_schemas": ["audit"], "exclude_tables": ["app.tmp_*", "legacy"]}),
            RULES,
        )
        .unwrap();
        assert!(config.excludes("audit", "log"));
        assert!(config.excludes("app", "tmp_import"));
        assert!(config.excludes("other", "legacy"));
        assert!(!config.excludes("app", "orders"));
        assert!(!config.excludes("app", "legacy_orders"));
    }

    #[test]
    fn mistakes_are_named() {
        let unknown_key = LintConfig::parse(json!({"exclude_schema": ["x"]}), RULES).unwrap_err();
        assert!(unknown_key.contains("unknown field `exclude_schema`"), "{unknown_key}");
        let unknown_rule = LintConfig::parse(json!({"rules": {"no_such_rule": {}}}), RULES).unwrap_err();
        assert!(unknown_rule.contains("unknown rule \"no_such_rule\""), "{unknown_rule}");
        let wrong_type = LintConfig::parse(json!({"exclude_schemas": "audit"}), RULES).unwrap_err();
        assert!(wrong_type.contains("invalid type"), "{wrong_type}");
        let wrong_level =
            LintConfig::parse(json!({"rules": {"my_rule": {"level": "fatal"}}}), RULES).unwrap_err();
        assert!(wrong_level.contains("unknown variant `fatal`"), "{wrong_level}");
        let bad_regex = LintConfig::parse(json!({"naming": {"pattern": "("}}), RULES).unwrap_err();
        assert!(bad_regex.contains("naming.pattern"), "{bad_regex}");
        assert!(LintConfig::parse(json!([1]), RULES).unwrap_err().contains("JSON object"));
        let huge = LintConfig::parse(json!({"exclude_tables": ["a".repeat(800_000)]}), RULES).unwrap_err();
        assert!(huge.contains("exclude_tables pattern") && huge.contains("800000 characters"), "{huge}");
    }

    #[test]
    fn merging_is_deep_for_objects() {
        let merged = merge(
            json!({"rules": {"a": {"enabled": false}}, "tenant": {"column": "org_id"}}),
            json!({"rules": {"b": {"level": "info"}}, "tenant": {"column": "tenant_id"}}),
        );
        assert_eq!(
            merged,
            json!({"rules": {"a": {"enabled": false}, "b": {"level": "info"}}, "tenant": {"column": "tenant_id"}})
        );
    }
}
