//! Level 2: the seeds against the schema. Every table and column a seed writes exists; every
//! staging table has its final table, each staging key its final key column and parent table.

use super::config::{final_key_column, staging_key_role, SeedConfig};
use super::statements::SeedFile;
use super::{Code, Finding};
use std::collections::BTreeMap;

/// A table of the database, as far as the seed checks need it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    /// Foreign keys of one column: column -> (schema, table) it references.
    pub references: BTreeMap<String, (String, String)>,
}

impl Table {
    pub fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }
}

/// The tables of the schemas involved, by (schema, name).
pub type Tables = BTreeMap<(String, String), Table>;

/// Where a staging table or one of its columns first appears in the seeds: the finding's place.
pub fn first_mention<'a>(
    files: &'a [SeedFile],
    schema: &str,
    table: &str,
    column: Option<&str>,
) -> Option<(&'a str, usize)> {
    let mut statement_line = None;
    for file in files {
        for statement in file.statements_writing(schema, table) {
            if let Some(column) = column {
                if let Some((_, line)) = statement.columns.iter().find(|(name, _)| name == column) {
                    return Some((&file.name, *line));
                }
            }
            statement_line.get_or_insert((file.name.as_str(), statement.line));
        }
    }
    statement_line
}

/// The parent a final key column points to: its REFERENCES target, else the table its name
/// says (`fk_region` -> `<final schema>.tb_region`).
pub fn parent_of(config: &SeedConfig, final_table: &Table, key: &str, role: &str) -> (String, String) {
    final_table
        .references
        .get(key)
        .cloned()
        .unwrap_or_else(|| (config.final_schema.clone(), config.table_of(role)))
}

/// A staging key column (`fk_<role>_id`), the final column it maps to and the parent table.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub column: String,
    pub final_column: String,
    pub parent: (String, String),
}

impl Key {
    /// The key a staging column is, if its name makes it one.
    pub fn of(config: &SeedConfig, column: &str, final_table: &Table) -> Option<Key> {
        let role = staging_key_role(column)?;
        let final_column = final_key_column(role);
        let parent = parent_of(config, final_table, &final_column, role);
        Some(Key { column: column.to_string(), final_column, parent })
    }

    /// Whether the final column and the parent table exist. Level 2 reports a key that is not;
    /// the later levels leave it alone.
    pub fn resolvable(&self, final_table: &Table, tables: &Tables) -> bool {
        final_table.has(&self.final_column) && tables.contains_key(&self.parent)
    }
}

/// The keys of a staging table, through its final table.
pub fn keys(config: &SeedConfig, staging: &Table, final_table: &Table) -> Vec<Key> {
    staging.columns.iter().filter_map(|column| Key::of(config, column, final_table)).collect()
}

/// Level 2 findings. `pattern` is false for plain seeds: only the targets are checked.
pub fn check_schema(files: &[SeedFile], tables: &Tables, config: &SeedConfig, pattern: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    for file in files {
        for statement in file.statements() {
            let Some(target) = statement.target.as_ref().filter(|_| statement.action.writes()) else {
                continue;
            };
            let table =
                target.schema().and_then(|schema| tables.get(&(schema.to_string(), target.table.clone())));
            let Some(table) = table else {
                findings.push(Finding::new(
                    Code::MissingTargetTable,
                    Some((&file.name, statement.line)),
                    target.display(),
                    format!(
                        "{} writes {}, which does not exist",
                        statement.action.as_sql(),
                        target.display()
                    ),
                ));
                continue;
            };
            for (column, line) in statement.columns.iter().filter(|(column, _)| !table.has(column)) {
                findings.push(Finding::new(
                    Code::MissingTargetColumn,
                    Some((&file.name, *line)),
                    format!("{}.{column}", target.display()),
                    format!("{} has no column {column}", target.display()),
                ));
            }
        }
    }
    if pattern {
        check_staging_tables(files, tables, config, &mut findings);
    }
    findings
}

fn check_staging_tables(files: &[SeedFile], tables: &Tables, config: &SeedConfig, out: &mut Vec<Finding>) {
    let staging = &config.staging_schema;
    for ((_, name), table) in
        tables.range((staging.clone(), String::new())..).take_while(|((s, _), _)| s == staging)
    {
        let at = |column: Option<&str>| first_mention(files, staging, name, column);
        let final_name = format!("{}.{name}", config.final_schema);
        let Some(final_table) = tables.get(&(config.final_schema.clone(), name.clone())) else {
            out.push(Finding::new(
                Code::MissingFinalTable,
                at(None),
                format!("{staging}.{name}"),
                format!("staging table {staging}.{name} has no final table {final_name}"),
            ));
            continue;
        };
        for column in &table.columns {
            let object = format!("{staging}.{name}.{column}");
            if let Some(Key { final_column: key, parent: (parent_schema, parent), .. }) =
                Key::of(config, column, final_table)
            {
                if !final_table.has(&key) {
                    out.push(Finding::new(
                        Code::MissingFkMapping,
                        at(Some(column)),
                        object,
                        format!("{column} has no key column {key} in {final_name}"),
                    ));
                    continue;
                }
                if !tables.contains_key(&(parent_schema.clone(), parent.clone())) {
                    out.push(Finding::new(
                        Code::MissingParentTable,
                        at(Some(column)),
                        object,
                        format!("{final_name}.{key} has no REFERENCES and no table {parent_schema}.{parent} exists"),
                    ));
                }
            } else if column != "id" && !column.starts_with("fk_") && !final_table.has(column) {
                out.push(Finding::new(
                    Code::MissingFinalColumn,
                    at(Some(column)),
                    object,
                    format!("{final_name} has no column {column}: the value cannot reach the final table"),
                ));
            }
        }
    }
}
