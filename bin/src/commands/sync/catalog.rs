//! What sync reads of both databases' catalogs, and the checks made before any row moves: every
//! table to copy exists in the target with the same columns of the same types.

use crate::failure::{Failure, Kind, Result};
use postgres::GenericClient;
use serde::Deserialize;

const TABLES_SQL: &str = include_str!("tables.sql");
const LINKS_SQL: &str = include_str!("links.sql");

#[derive(Clone, Debug, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub not_null: bool,
    pub has_default: bool,
    pub generated: bool,
    pub unique: bool,
    pub text_like: bool,
    pub portable_binary: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub estimated_rows: i64,
    /// For a partition: its topmost partitioned table.
    #[serde(default)]
    pub root_schema: Option<String>,
    #[serde(default)]
    pub root_name: Option<String>,
    pub triggers: Vec<Trigger>,
    #[serde(default)]
    pub indexes: Vec<Index>,
    pub columns: Vec<Column>,
}

/// An index the load drops and rebuilds: a plain one, or the one of a primary key, unique or
/// exclusion constraint (re-added as the constraint).
#[derive(Clone, Debug, Deserialize)]
pub struct Index {
    pub name: String,
    pub definition: String,
    pub constraint_name: Option<String>,
    pub constraint_definition: Option<String>,
}

/// An enabled user trigger: `enabled` is pg_trigger.tgenabled (O, A or R), restored as it was.
#[derive(Clone, Debug, Deserialize)]
pub struct Trigger {
    pub name: String,
    pub enabled: String,
}

impl Trigger {
    pub fn enable_clause(&self) -> &'static str {
        match self.enabled.as_str() {
            "A" => "ENABLE ALWAYS TRIGGER",
            "R" => "ENABLE REPLICA TRIGGER",
            _ => "ENABLE TRIGGER",
        }
    }
}

impl Table {
    /// `schema.table` for SQL.
    pub fn sql_name(&self) -> String {
        format!("{}.{}", ident(&self.schema), ident(&self.name))
    }

    /// `schema.table` for messages.
    pub fn shown_name(&self) -> String {
        format!("{}.{}", shown(&self.schema), shown(&self.name))
    }

    /// The columns COPY moves: all but generated ones (the target computes those).
    pub fn copied_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| !c.generated)
    }

    /// The table as rules, filters and masking domains name it: a partition's partitioned table,
    /// else itself.
    pub fn logical(&self) -> (&str, &str) {
        match (&self.root_schema, &self.root_name) {
            (Some(schema), Some(name)) => (schema, name),
            _ => (&self.schema, &self.name),
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// An identifier for SQL: always double-quoted, so that no keyword or case can break it.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A name for messages: bare when plain lower-case, quoted otherwise (keywords not considered).
pub fn shown(name: &str) -> String {
    confiture_core::sql_text::quote_ident(name, |_| false)
}

/// The tables of the database. The session's search_path is set to pg_catalog first, and stays
/// so: every name the server prints from then on (types, index and constraint definitions) is
/// schema-qualified.
pub fn tables(client: &mut impl GenericClient, description: &str) -> Result<Vec<Table>> {
    client
        .batch_execute("SET search_path = pg_catalog")
        .map_err(|e| Failure::from_postgres(e, description))?;
    let row = client.query_one(TABLES_SQL, &[]).map_err(|e| Failure::from_postgres(e, description))?;
    let text: Option<String> = row.get(0);
    match text {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            Failure::new(Kind::Database, format!("unreadable table list of {description}: {e}"))
        }),
    }
}

#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq)]
pub struct ForeignKey {
    pub name: String,
    pub table: String,
    pub referenced: String,
    pub definition: String,
    pub validated: bool,
    /// Whether the referencing and the referenced table are loaded (or partitioned tables whose
    /// partitions are).
    #[serde(default)]
    pub table_loaded: bool,
    #[serde(default)]
    pub referenced_loaded: bool,
}

#[derive(Clone, Debug, Deserialize)]
pub struct OwnedSequence {
    pub sequence: String,
    pub table: String,
    pub column: String,
}

#[derive(Debug, Deserialize)]
pub struct Links {
    pub foreign_keys: Vec<ForeignKey>,
    pub sequences: Vec<OwnedSequence>,
}

pub fn links(client: &mut impl GenericClient, tables: &[&Table], description: &str) -> Result<Links> {
    let schemas: Vec<&str> = tables.iter().map(|t| t.schema.as_str()).collect();
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let row = client
        .query_one(LINKS_SQL, &[&schemas, &names])
        .map_err(|e| Failure::from_postgres(e, description))?;
    let text: String = row.get(0);
    serde_json::from_str(&text)
        .map_err(|e| Failure::new(Kind::Database, format!("unreadable foreign keys of {description}: {e}")))
}

/// Every way `target` cannot take `source`'s rows, one line each (empty when it can).
pub fn differences(source: &Table, target: Option<&Table>) -> Vec<String> {
    let name = source.shown_name();
    let Some(target) = target else {
        return vec![format!("table {name} is missing in the target")];
    };
    let mut found = Vec::new();
    for column in source.copied_columns() {
        match target.column(&column.name) {
            None => found.push(format!("{name}.{} is missing in the target", shown(&column.name))),
            Some(other) if other.generated => found.push(format!(
                "{name}.{} is generated in the target, not in the source",
                shown(&column.name)
            )),
            Some(other) if other.type_name != column.type_name => found.push(format!(
                "{name}.{} is {} in the source and {} in the target",
                shown(&column.name),
                column.type_name,
                other.type_name
            )),
            Some(_) => {}
        }
    }
    for column in target.copied_columns() {
        let in_source = source.column(&column.name).is_some_and(|c| !c.generated);
        if !in_source && column.not_null && !column.has_default {
            found.push(format!(
                "{name}.{} exists only in the target, NOT NULL without a default",
                shown(&column.name)
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, type_name: &str) -> Column {
        Column {
            name: name.into(),
            type_name: type_name.into(),
            not_null: false,
            has_default: false,
            generated: false,
            unique: false,
            text_like: false,
            portable_binary: true,
        }
    }

    fn table(columns: Vec<Column>) -> Table {
        Table {
            schema: "Sales".into(),
            name: "t".into(),
            estimated_rows: 0,
            root_schema: None,
            root_name: None,
            triggers: Vec::new(),
            indexes: Vec::new(),
            columns,
        }
    }

    #[test]
    fn differences_name_table_column_and_types() {
        let source = table(vec![column("id", "integer"), column("Email", "text"), column("gone", "text")]);
        let mut target =
            table(vec![column("id", "bigint"), column("Email", "text"), column("extra", "text")]);
        target.columns[2].not_null = true;
        let found = differences(&source, Some(&target));
        assert_eq!(
            found,
            vec![
                "\"Sales\".t.id is integer in the source and bigint in the target",
                "\"Sales\".t.gone is missing in the target",
                "\"Sales\".t.extra exists only in the target, NOT NULL without a default",
            ]
        );
        assert_eq!(differences(&source, None), vec!["table \"Sales\".t is missing in the target"]);
        assert!(differences(&source, Some(&source.clone())).is_empty());
    }

    #[test]
    fn identifiers_are_always_quoted_for_sql() {
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(shown("users"), "users");
    }
}
