//! The `config` argument of validate_seeds(): the names of the staging pattern. Strict: an
//! unknown key or a wrong type is an error, not a silently ignored setting.

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SeedConfig {
    /// Where seed files load their UUID-keyed rows.
    pub staging_schema: String,
    /// Where the resolvers copy them, with BIGINT keys.
    pub final_schema: String,
    /// Prefix of the tables of both schemas (`tb_` in `tb_customer`).
    pub table_prefix: String,
    /// Schema of the resolver functions; the staging schema when unset.
    pub resolver_schema: Option<String>,
    /// A table's resolver is `<resolver_prefix><table>()`.
    pub resolver_prefix: String,
}

impl Default for SeedConfig {
    fn default() -> Self {
        SeedConfig {
            staging_schema: "prep_seed".into(),
            final_schema: "catalog".into(),
            table_prefix: "tb_".into(),
            resolver_schema: None,
            resolver_prefix: "fn_resolve_".into(),
        }
    }
}

impl SeedConfig {
    pub fn parse(value: serde_json::Value) -> Result<Self, String> {
        serde_json::from_value(value).map_err(|error| format!("invalid seed validation config: {error}"))
    }

    pub fn resolver_schema(&self) -> &str {
        self.resolver_schema.as_deref().unwrap_or(&self.staging_schema)
    }

    /// The resolver function's name for a staging table.
    pub fn resolver_name(&self, table: &str) -> String {
        format!("{}{}", self.resolver_prefix, table)
    }

    /// The table of an entity: `tb_customer` for `customer`.
    pub fn table_of(&self, entity: &str) -> String {
        format!("{}{}", self.table_prefix, entity)
    }
}

/// The parent role a staging key column names: `customer` for `fk_customer_id`.
pub fn staging_key_role(column: &str) -> Option<&str> {
    column.strip_prefix("fk_")?.strip_suffix("_id").filter(|role| !role.is_empty())
}

/// The final column a staging key maps to: `fk_customer` for `fk_customer_id`.
pub fn final_key_column(role: &str) -> String {
    format!("fk_{role}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_follow_the_pattern() {
        let config = SeedConfig::parse(json!({})).unwrap();
        assert_eq!(config.resolver_schema(), "prep_seed");
        assert_eq!(config.resolver_name("tb_city"), "fn_resolve_tb_city");
        assert_eq!(config.table_of("city"), "tb_city");
    }

    #[test]
    fn settings_are_strict() {
        let config = SeedConfig::parse(json!({"staging_schema": "stage", "resolver_schema": "etl"})).unwrap();
        assert_eq!((config.staging_schema.as_str(), config.resolver_schema()), ("stage", "etl"));
        let unknown = SeedConfig::parse(json!({"stagin_schema": "x"})).unwrap_err();
        assert!(unknown.contains("unknown field `stagin_schema`"), "{unknown}");
        assert!(SeedConfig::parse(json!({"final_schema": 3})).is_err());
    }

    #[test]
    fn key_columns_name_their_parent() {
        assert_eq!(staging_key_role("fk_region_id"), Some("region"));
        assert_eq!(staging_key_role("fk_parent_category_id"), Some("parent_category"));
        assert_eq!(staging_key_role("fk__id"), None);
        assert_eq!(staging_key_role("fk_region"), None);
        assert_eq!(staging_key_role("region_id"), None);
        assert_eq!(final_key_column("region"), "fk_region");
    }
}
