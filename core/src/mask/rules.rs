//! The rules file: which columns of which tables are masked, and how. Two shapes are read:
//!
//! The Python confiture's (`db/sync/anonymization.yaml`), unchanged: a map of table to a list of
//! `{column, strategy, seed}`.
//!
//! Ours, a superset: a `tables:` map whose keys may be schema-qualified, each a list as above or
//! `{where: <condition>, columns: {column: strategy | {strategy, unique, domain, <options>}}}`,
//! plus `key_env:` (the variable holding the key). List entries also take `unique`, `domain` and
//! options. The file is read as JSON values (the CLI parses the YAML).

use super::strategy::Strategy;
use super::MaskError;
use serde_json::{Map, Value};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleSet {
    /// The environment variable that holds the key (`key_env:`), when the file names one.
    pub key_variable: Option<String>,
    pub tables: Vec<TableRules>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableRules {
    /// As written: `table` or `schema.table` (quoted parts allowed: `"My Schema".t`).
    pub schema: Option<String>,
    pub table: String,
    /// Rows to copy: an SQL condition run by the source (`where:`).
    pub filter: Option<String>,
    pub columns: Vec<ColumnRule>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnRule {
    pub column: String,
    pub strategy: String,
    pub options: Map<String, Value>,
    /// `unique: true` asks for distinct outputs even where the target has no unique index.
    pub unique: bool,
    /// The masking domain: columns sharing one mask equal values equally.
    pub domain: Option<String>,
}

impl ColumnRule {
    /// The strategy, checked; `unique` when the column must keep distinct values.
    pub fn strategy(&self, unique: bool) -> Result<Strategy, MaskError> {
        Strategy::parse(&self.strategy, &self.options, unique || self.unique)
            .map_err(|e| MaskError::Rule(format!("column {}: {e}", self.column)))
    }

    /// The domain, or `schema.table.column` by default.
    pub fn domain_or(&self, schema: &str, table: &str) -> String {
        self.domain.clone().unwrap_or_else(|| format!("{schema}.{table}.{}", self.column))
    }
}

impl RuleSet {
    pub fn parse(document: &Value) -> Result<Self, MaskError> {
        let Some(top) = document.as_object() else {
            if document.is_null() {
                return Ok(RuleSet::default());
            }
            return Err(invalid("the rules file must map table names to their rules"));
        };
        let mut rules = RuleSet::default();
        let tables = match (top.get("tables"), top.get("key_env")) {
            (Some(Value::Object(tables)), _) => {
                if let Some(key) = top.keys().find(|k| !["tables", "key_env"].contains(&k.as_str())) {
                    return Err(invalid(&format!("unknown top-level key {key:?} (known: tables, key_env)")));
                }
                tables
            }
            (Some(_), _) => return Err(invalid("tables: must map table names to their rules")),
            (None, Some(_)) => return Err(invalid("key_env: goes with a tables: map")),
            (None, None) => top,
        };
        if let Some(variable) = top.get("key_env") {
            let name = variable.as_str().filter(|v| !v.is_empty());
            rules.key_variable =
                Some(name.ok_or_else(|| invalid("key_env must name a variable"))?.to_string());
        }
        for (name, body) in tables {
            let (schema, table) = split_qualified(name)?;
            let mut entry = TableRules { schema, table, filter: None, columns: Vec::new() };
            match body {
                Value::Array(list) => entry.columns = list_rules(name, list)?,
                Value::Object(map) => {
                    for (key, value) in map {
                        match key.as_str() {
                            "where" => {
                                let text = value.as_str().filter(|t| !t.trim().is_empty());
                                entry.filter = Some(
                                    text.ok_or_else(|| {
                                        invalid(&format!("{name}: where must be an SQL condition"))
                                    })?
                                    .to_string(),
                                );
                            }
                            "columns" => entry.columns = column_map(name, value)?,
                            other => {
                                return Err(invalid(&format!(
                                    "{name}: unknown key {other:?} (known: where, columns)"
                                )))
                            }
                        }
                    }
                }
                Value::Null => {}
                _ => return Err(invalid(&format!("{name}: expected a list of rules or {{where, columns}}"))),
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(twice) = entry.columns.iter().find(|c| !seen.insert(c.column.clone())) {
                return Err(invalid(&format!("{name}: column {} has two rules", twice.column)));
            }
            for column in &entry.columns {
                column.strategy(false).map_err(|e| invalid(&format!("{name}: {e}")))?;
            }
            rules.tables.push(entry);
        }
        Ok(rules)
    }
}

fn invalid(message: &str) -> MaskError {
    MaskError::Rule(message.to_string())
}

/// The Python shape: `[{column, strategy, seed}, ...]` (ours adds unique, domain, options).
fn list_rules(table: &str, list: &[Value]) -> Result<Vec<ColumnRule>, MaskError> {
    list.iter()
        .map(|item| {
            let Some(map) = item.as_object() else {
                return Err(invalid(&format!("{table}: each rule is a map with column and strategy")));
            };
            let column = map.get("column").and_then(Value::as_str);
            let column = column.ok_or_else(|| invalid(&format!("{table}: a rule has no column")))?;
            column_rule(table, column, map)
        })
        .collect()
}

/// Ours: `{column: strategy}` or `{column: {strategy, ...}}`.
fn column_map(table: &str, value: &Value) -> Result<Vec<ColumnRule>, MaskError> {
    let Some(map) = value.as_object() else {
        return Err(invalid(&format!("{table}: columns must map column names to strategies")));
    };
    map.iter()
        .map(|(column, rule)| match rule {
            Value::String(strategy) => {
                let mut only = Map::new();
                only.insert("strategy".into(), Value::String(strategy.clone()));
                column_rule(table, column, &only)
            }
            Value::Object(rule) => column_rule(table, column, rule),
            Value::Null => {
                let mut only = Map::new();
                only.insert("strategy".into(), Value::Null);
                column_rule(table, column, &only)
            }
            _ => Err(invalid(&format!("{table}.{column}: expected a strategy name or a map"))),
        })
        .collect()
}

fn column_rule(table: &str, column: &str, map: &Map<String, Value>) -> Result<ColumnRule, MaskError> {
    let where_ = format!("{table}.{column}");
    // YAML reads `strategy: null` as a null, not as the name "null": both mean the null strategy.
    let strategy = match map.get("strategy") {
        Some(Value::String(name)) => name.clone(),
        Some(Value::Null) => "null".to_string(),
        _ => return Err(invalid(&format!("{where_}: no strategy"))),
    };
    let mut options = match map.get("options") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(options)) => options.clone(),
        Some(_) => return Err(invalid(&format!("{where_}: options must be a map"))),
    };
    let unique = match map.get("unique") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(invalid(&format!("{where_}: unique must be true or false"))),
    };
    let mut domain = match map.get("domain") {
        None | Some(Value::Null) => None,
        Some(Value::String(domain)) if !domain.is_empty() => Some(domain.clone()),
        Some(_) => return Err(invalid(&format!("{where_}: domain must be a name"))),
    };
    // The Python confiture's seed separates pseudonym spaces, and columns given the same seed
    // share one: a domain of its own.
    match map.get("seed") {
        None | Some(Value::Null) => {}
        Some(seed @ (Value::Number(_) | Value::String(_))) if domain.is_none() => {
            domain = Some(format!("seed:{}", seed.as_str().map_or_else(|| seed.to_string(), str::to_string)));
        }
        Some(Value::Number(_) | Value::String(_)) => {}
        Some(_) => return Err(invalid(&format!("{where_}: seed must be a number or text"))),
    }
    for (key, value) in map {
        if !["column", "strategy", "options", "unique", "domain", "seed"].contains(&key.as_str()) {
            options.insert(key.clone(), value.clone());
        }
    }
    Ok(ColumnRule { column: column.to_string(), strategy, options, unique, domain })
}

/// `t`, `s.t`, `"S x".t`, `s."T.y"`: the schema (if any) and the table, unquoted.
pub fn split_qualified(name: &str) -> Result<(Option<String>, String), MaskError> {
    crate::sql_text::split_qualified(name).map_err(|why| invalid(&why))
}
