//! The mapping file: which source table and which expression fill each target table and column.
//!
//! Two shapes are read. The Python confiture's, a map of entries keyed by table:
//!
//! ```yaml
//! users:
//!   source_table: old_users      # default: the key
//!   target_table: users          # default: the key
//!   columns: {full_name: display_name}   # source column: target column
//! ```
//!
//! (the columns it does not list are not carried across, so an entry accepts dropping the
//! others), and ours, under `tables:`, keyed by target table (`schema.table` or `table`):
//!
//! ```yaml
//! tables:
//!   billing.invoices:
//!     from: public.old_invoices            # default: the same schema and name; `null`: left empty
//!     columns:
//!       total_cents: amount                # renamed: filled from source column `amount`
//!       id: {from: id, cast: bigint}       # an explicit cast
//!       first_name: {expr: "split_part(full_name, ' ', 1)"}
//!       created_at: {default: true}        # the target's default
//!     drop: [legacy_flag]                  # source columns left behind on purpose (or `true`)
//! drop_tables: [public.audit_2019]         # source tables left behind on purpose
//! ```

use crate::sql_text::split_qualified;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A table name as written: the schema when given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    pub schema: Option<String>,
    pub name: String,
}

impl Name {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (schema, name) = split_qualified(text)?;
        Ok(Name { schema, name })
    }

    pub fn matches(&self, schema: &str, name: &str) -> bool {
        self.name == name && self.schema.as_deref().is_none_or(|s| s == schema)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => write!(f, "{}", self.name),
        }
    }
}

/// What fills one target column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fill {
    /// A source column (of another name), optionally cast to a type.
    From { column: String, cast: Option<String> },
    /// The source column of the same name, cast to a type.
    Cast { to: String },
    /// An SQL expression over the source row's columns.
    Expr { sql: String },
    /// The target column's default (NULL when it has none).
    Default,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub column: String,
    pub fill: Fill,
}

/// Which source columns may be left behind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dropped {
    #[default]
    None,
    All,
    Columns(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableMapping {
    pub target: Name,
    /// None: the table is left empty (a new table).
    pub source: Option<Name>,
    pub columns: Vec<ColumnMapping>,
    pub dropped: Dropped,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub tables: Vec<TableMapping>,
    pub dropped_tables: Vec<Name>,
}

impl Mapping {
    /// Either shape, from its JSON form (the CLI reads YAML into the same value). `{}` and null
    /// map nothing: every target table is filled from the source table of its name.
    pub fn parse(document: &Value) -> Result<Self, String> {
        match document {
            Value::Null => Ok(Mapping::default()),
            Value::Object(map) if map.contains_key("tables") || map.contains_key("drop_tables") => ours(map),
            Value::Object(map) => python(map),
            _ => Err("the mapping must be a map of tables".into()),
        }
    }

    pub fn for_target(&self, schema: &str, name: &str) -> Option<&TableMapping> {
        self.tables.iter().find(|t| t.target.matches(schema, name))
    }
}

fn text<'a>(value: &'a Value, what: &str) -> Result<&'a str, String> {
    value.as_str().ok_or_else(|| format!("{what} must be text"))
}

fn python(map: &Map<String, Value>) -> Result<Mapping, String> {
    let mut tables = Vec::new();
    for (key, entry) in map {
        let Value::Object(entry) = entry else {
            return Err(format!("table {key}: expected a map with source_table, target_table and columns"));
        };
        for field in entry.keys() {
            if !["source_table", "target_table", "columns"].contains(&field.as_str()) {
                return Err(format!(
                    "table {key}: unknown key {field:?} (source_table, target_table, columns)"
                ));
            }
        }
        let name_of = |field: &str| -> Result<Name, String> {
            match entry.get(field) {
                Some(value) => Name::parse(text(value, &format!("table {key}: {field}"))?),
                None => Name::parse(key),
            }
        };
        let mut columns = Vec::new();
        match entry.get("columns") {
            None | Some(Value::Null) => {}
            Some(Value::Object(pairs)) => {
                for (old, new) in pairs {
                    let new = text(new, &format!("table {key}: column {old}"))?;
                    columns.push(ColumnMapping {
                        column: new.to_string(),
                        fill: Fill::From { column: old.clone(), cast: None },
                    });
                }
            }
            Some(_) => return Err(format!("table {key}: columns must map source columns to target columns")),
        }
        tables.push(TableMapping {
            target: name_of("target_table")?,
            source: Some(name_of("source_table")?),
            columns,
            dropped: Dropped::All,
        });
    }
    Ok(Mapping { tables, dropped_tables: Vec::new() })
}

fn ours(map: &Map<String, Value>) -> Result<Mapping, String> {
    for key in map.keys() {
        if !["tables", "drop_tables"].contains(&key.as_str()) {
            return Err(format!("unknown key {key:?} (tables, drop_tables)"));
        }
    }
    let mut tables = Vec::new();
    match map.get("tables") {
        None | Some(Value::Null) => {}
        Some(Value::Object(entries)) => {
            for (key, entry) in entries {
                tables.push(table(key, entry)?);
            }
        }
        Some(_) => return Err("tables must be a map keyed by target table".into()),
    }
    let dropped_tables = match map.get("drop_tables") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(names)) => {
            names.iter().map(|n| Name::parse(text(n, "drop_tables entries")?)).collect::<Result<_, _>>()?
        }
        Some(_) => return Err("drop_tables must be a list of source tables".into()),
    };
    for (i, t) in tables.iter().enumerate() {
        if tables[..i].iter().any(|other| other.target == t.target) {
            return Err(format!("table {} is mapped twice", t.target));
        }
    }
    Ok(Mapping { tables, dropped_tables })
}

fn table(key: &str, entry: &Value) -> Result<TableMapping, String> {
    let target = Name::parse(key)?;
    let empty = Map::new();
    let entry = match entry {
        Value::Null => &empty,
        Value::Object(entry) => entry,
        _ => return Err(format!("table {key}: expected a map (from, columns, drop)")),
    };
    for field in entry.keys() {
        if !["from", "columns", "drop"].contains(&field.as_str()) {
            return Err(format!("table {key}: unknown key {field:?} (from, columns, drop)"));
        }
    }
    let source = match entry.get("from") {
        None => Some(Name { schema: target.schema.clone(), name: target.name.clone() }),
        Some(Value::Null) => None,
        Some(value) => Some(Name::parse(text(value, &format!("table {key}: from"))?)?),
    };
    let mut columns = Vec::new();
    match entry.get("columns") {
        None | Some(Value::Null) => {}
        Some(Value::Object(entries)) => {
            for (column, how) in entries {
                columns.push(ColumnMapping { column: column.clone(), fill: fill(key, column, how)? });
            }
        }
        Some(_) => return Err(format!("table {key}: columns must be a map keyed by target column")),
    }
    let dropped = match entry.get("drop") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Dropped::None,
        Some(Value::Bool(true)) => Dropped::All,
        Some(Value::Array(names)) => Dropped::Columns(
            names
                .iter()
                .map(|n| text(n, &format!("table {key}: drop entries")).map(str::to_string))
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => return Err(format!("table {key}: drop must be true or a list of source columns")),
    };
    Ok(TableMapping { target, source, columns, dropped })
}

fn fill(table: &str, column: &str, how: &Value) -> Result<Fill, String> {
    let at = format!("table {table}, column {column}");
    let map = match how {
        Value::String(source) => return Ok(Fill::From { column: source.clone(), cast: None }),
        Value::Object(map) => map,
        _ => return Err(format!("{at}: expected a source column name or a map (from, cast, expr, default)")),
    };
    for field in map.keys() {
        if !["from", "cast", "expr", "default"].contains(&field.as_str()) {
            return Err(format!("{at}: unknown key {field:?} (from, cast, expr, default)"));
        }
    }
    let get = |field: &str| -> Result<Option<String>, String> {
        map.get(field)
            .filter(|v| !v.is_null())
            .map(|v| text(v, &format!("{at}: {field}")).map(str::to_string))
            .transpose()
    };
    let (from, cast, expr) = (get("from")?, get("cast")?, get("expr")?);
    let default = match map.get("default") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return Err(format!("{at}: default must be true or false")),
    };
    let given = [from.is_some() || cast.is_some(), expr.is_some(), default].iter().filter(|g| **g).count();
    if given != 1 {
        return Err(format!("{at}: give one of from (with or without cast), cast, expr or default: true"));
    }
    if let Some(sql) = expr {
        if sql.trim().is_empty() {
            return Err(format!("{at}: expr is empty"));
        }
        return Ok(Fill::Expr { sql });
    }
    if default {
        return Ok(Fill::Default);
    }
    match (from, cast) {
        (Some(column), cast) => Ok(Fill::From { column, cast }),
        (None, Some(to)) => Ok(Fill::Cast { to }),
        (None, None) => Err(format!("{at}: give from or cast")),
    }
}
