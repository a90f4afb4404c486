//! Which expression fills each target column, from the two catalogs and the mapping, with every
//! problem found before a row moves: errors (the copy cannot run) and hazards (it can, but data
//! would be left behind without the mapping saying so).

use super::mapping::{Dropped, Fill, Mapping, Name};
use serde::{Deserialize, Serialize};

/// A column as the server describes it. For a source table, `type_name` is the type of the
/// staging foreign table's column (a non-built-in source type is read as text) and `source_type`
/// the type the source database gives it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub type_name: String,
    #[serde(default)]
    pub not_null: bool,
    #[serde(default)]
    pub has_default: bool,
    /// GENERATED ALWAYS AS IDENTITY (BY DEFAULT needs nothing special).
    #[serde(default)]
    pub identity_always: bool,
    #[serde(default)]
    pub identity: bool,
    /// GENERATED ALWAYS AS (...) STORED: computed by the target, never inserted.
    #[serde(default)]
    pub generated: bool,
    /// Source tables only: the type's name in the source database.
    #[serde(default)]
    pub source_type: Option<String>,
    /// Source tables only: a type the target server does not have built in, read as text.
    #[serde(default)]
    pub read_as_text: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub columns: Vec<Column>,
    /// The primary key's columns, else those of a unique index over NOT NULL columns.
    #[serde(default)]
    pub key: Vec<String>,
    /// The source's own estimate (pg_class.reltuples), -1 when never analyzed.
    #[serde(default)]
    pub rows: i64,
    /// Source tables only: the staging schema holding its foreign table (same name).
    #[serde(default)]
    pub staging_schema: Option<String>,
}

impl Table {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// The source column of the same name.
    Same,
    /// A source column of another name.
    Renamed,
    /// A source column, cast.
    Cast,
    /// An expression of the mapping.
    Expr,
    /// The target's default (or NULL): not compared by verify.
    Default,
    /// A generated column, computed by the target: not compared by verify.
    Generated,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnPlan {
    pub column: String,
    pub type_name: String,
    pub how: How,
    /// The SQL over the source row (alias `src`) that fills it; None for Default and Generated.
    pub expression: Option<String>,
}

/// A source key column the copy pages through, with its staging type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyColumn {
    pub name: String,
    pub type_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub schema: String,
    pub name: String,
    pub staging_schema: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePlan {
    pub target_schema: String,
    pub target_name: String,
    /// None: the table is left empty.
    pub source: Option<SourceRef>,
    pub columns: Vec<ColumnPlan>,
    /// Empty: the table is copied in one batch (the source has no usable key).
    pub batch_key: Vec<KeyColumn>,
    /// The target's key columns, each filled from the source (empty: differing rows cannot be
    /// named, only counted).
    pub verify_key: Vec<String>,
    pub overriding_system_value: bool,
    pub source_rows: i64,
    pub hazards: Vec<String>,
    pub errors: Vec<String>,
}

impl TablePlan {
    pub fn target(&self) -> String {
        format!("{}.{}", self.target_schema, self.target_name)
    }

    /// The columns verify compares: those filled from the source.
    pub fn compared(&self) -> impl Iterator<Item = &ColumnPlan> {
        self.columns.iter().filter(|c| c.expression.is_some())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub tables: Vec<TablePlan>,
    /// Problems that belong to no target table (a mapping entry naming nothing).
    pub errors: Vec<String>,
    /// Source tables no target table is filled from.
    pub hazards: Vec<String>,
}

/// Plan every target table. `sources` are the tables of the attached source schemas.
pub fn plan(targets: &[Table], sources: &[Table], mapping: &Mapping) -> Plan {
    let mut plan = Plan::default();
    for entry in &mapping.tables {
        if !targets.iter().any(|t| entry.target.matches(&t.schema, &t.name)) {
            plan.errors.push(format!(
                "the mapping names target table {}, which the target does not have",
                entry.target
            ));
        }
    }
    let mut used_sources: Vec<String> = Vec::new();
    for target in targets {
        let table = plan_table(target, sources, mapping);
        if let Some(source) = &table.source {
            used_sources.push(format!("{}.{}", source.schema, source.name));
        }
        plan.tables.push(table);
    }
    for source in sources {
        let qualified = source.qualified();
        let dropped = mapping.dropped_tables.iter().any(|n| n.matches(&source.schema, &source.name));
        if !used_sources.contains(&qualified) && !dropped {
            plan.hazards.push(format!(
                "deletes_data: source table {qualified} is not copied into any target table \
                 (list it under drop_tables if that is intended)"
            ));
        }
    }
    plan
}

fn plan_table(target: &Table, sources: &[Table], mapping: &Mapping) -> TablePlan {
    let entry = mapping.for_target(&target.schema, &target.name);
    let mut plan = TablePlan {
        target_schema: target.schema.clone(),
        target_name: target.name.clone(),
        source: None,
        columns: Vec::new(),
        batch_key: Vec::new(),
        verify_key: Vec::new(),
        overriding_system_value: false,
        source_rows: 0,
        hazards: Vec::new(),
        errors: Vec::new(),
    };
    let wanted = match entry {
        Some(entry) => match &entry.source {
            Some(name) => name.clone(),
            None => {
                plan.columns = target.columns.iter().map(|c| unfilled(c, How::Default)).collect();
                return plan;
            }
        },
        None => Name { schema: Some(target.schema.clone()), name: target.name.clone() },
    };
    let wanted_schema = wanted.schema.clone().unwrap_or_else(|| target.schema.clone());
    let Some(source) = sources.iter().find(|s| s.schema == wanted_schema && s.name == wanted.name) else {
        plan.errors.push(format!(
            "no source table {wanted_schema}.{} to fill {} from (map it with from: schema.table, or \
             from: null to leave it empty)",
            wanted.name,
            target.qualified()
        ));
        return plan;
    };
    plan.source = Some(SourceRef {
        schema: source.schema.clone(),
        name: source.name.clone(),
        staging_schema: source.staging_schema.clone().unwrap_or_default(),
    });
    plan.source_rows = source.rows;

    let column_entries = entry.map(|e| e.columns.as_slice()).unwrap_or_default();
    for named in column_entries {
        if target.column(&named.column).is_none() {
            plan.errors.push(format!(
                "{}: the mapping names column {}, which it does not have",
                target.qualified(),
                named.column
            ));
        }
    }
    let mut used: Vec<String> = Vec::new();
    for column in &target.columns {
        if column.generated {
            plan.columns.push(unfilled(column, How::Generated));
            continue;
        }
        let fill = column_entries.iter().find(|c| c.column == column.name).map(|c| &c.fill);
        let filled = match fill {
            Some(Fill::From { column: from, cast }) => {
                source_column(source, from, &mut used).map(|found| match cast {
                    Some(to) => (How::Cast, format!("CAST(src.{} AS {to})", ident(&found.name))),
                    None if *from == column.name => (How::Same, carried(found, column)),
                    None => (How::Renamed, carried(found, column)),
                })
            }
            Some(Fill::Cast { to }) => source_column(source, &column.name, &mut used)
                .map(|found| (How::Cast, format!("CAST(src.{} AS {to})", ident(&found.name)))),
            Some(Fill::Expr { sql }) => {
                used.extend(source.columns.iter().filter(|c| mentions(sql, &c.name)).map(|c| c.name.clone()));
                Ok((How::Expr, format!("({sql})")))
            }
            Some(Fill::Default) => Err(None),
            None => match source.column(&column.name) {
                Some(found) => {
                    used.push(found.name.clone());
                    Ok((How::Same, carried(found, column)))
                }
                None => Err(None),
            },
        };
        match filled {
            Ok((how, expression)) => {
                plan.overriding_system_value |= column.identity_always;
                plan.columns.push(ColumnPlan {
                    column: column.name.clone(),
                    type_name: column.type_name.clone(),
                    how,
                    expression: Some(expression),
                });
            }
            Err(Some(problem)) => {
                plan.errors.push(format!("{}.{}: {problem}", target.qualified(), column.name));
                plan.columns.push(unfilled(column, How::Default));
            }
            Err(None) => {
                if column.not_null && !column.has_default && !column.identity {
                    plan.errors.push(format!(
                        "{}.{} is NOT NULL and has no default, and no source column fills it \
                         (map it with from, expr or cast)",
                        target.qualified(),
                        column.name
                    ));
                }
                plan.columns.push(unfilled(column, How::Default));
            }
        }
    }

    let dropped = entry.map(|e| &e.dropped).cloned().unwrap_or_default();
    for column in &source.columns {
        let allowed = match &dropped {
            Dropped::All => true,
            Dropped::Columns(names) => names.contains(&column.name),
            Dropped::None => false,
        };
        if !used.contains(&column.name) && !allowed {
            plan.hazards.push(format!(
                "deletes_data: source column {}.{} is not copied into {} (add it to the table's drop: \
                 list if that is intended)",
                source.qualified(),
                column.name,
                target.qualified()
            ));
        }
    }
    if let Dropped::Columns(names) = &dropped {
        for name in names.iter().filter(|n| source.column(n).is_none()) {
            plan.errors.push(format!(
                "{}: drop names column {name}, which {} does not have",
                target.qualified(),
                source.qualified()
            ));
        }
    }

    // Paging needs a key the source server compares itself: its own types, read as such.
    let key: Option<Vec<KeyColumn>> = source
        .key
        .iter()
        .map(|name| {
            source
                .column(name)
                .filter(|c| !c.read_as_text)
                .map(|c| KeyColumn { name: c.name.clone(), type_name: c.type_name.clone() })
        })
        .collect();
    plan.batch_key = key.unwrap_or_default();
    let key_filled = !target.key.is_empty()
        && target.key.iter().all(|k| plan.columns.iter().any(|c| c.column == *k && c.expression.is_some()));
    if key_filled {
        plan.verify_key = target.key.clone();
    }
    plan
}

fn unfilled(column: &Column, how: How) -> ColumnPlan {
    ColumnPlan { column: column.name.clone(), type_name: column.type_name.clone(), how, expression: None }
}

fn source_column<'a>(
    source: &'a Table,
    name: &str,
    used: &mut Vec<String>,
) -> Result<&'a Column, Option<String>> {
    match source.column(name) {
        Some(column) => {
            used.push(column.name.clone());
            Ok(column)
        }
        None => {
            Err(Some(format!("the mapping fills it from {name}, which {} does not have", source.qualified())))
        }
    }
}

/// A source column as the target column receives it. A type the target server does not have
/// built in arrives as text, whose text is the value: cast to the target column's type.
fn carried(source: &Column, target: &Column) -> String {
    let expr = format!("src.{}", ident(&source.name));
    if source.read_as_text && target.type_name != "text" {
        format!("CAST({expr} AS {})", target.type_name)
    } else {
        expr
    }
}

/// An identifier, always double-quoted (valid whatever the keyword list).
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Whether an expression names a column: among its identifiers (bare ones folded to lower case,
/// quoted ones as written), string literals skipped. Only used to tell which source columns an
/// expression carries across; a column it misses is reported as left behind, never lost silently.
pub fn mentions(sql: &str, column: &str) -> bool {
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                while let Some(c) = chars.next() {
                    if c == '\'' && chars.peek() != Some(&'\'') {
                        break;
                    }
                    if c == '\'' {
                        chars.next();
                    }
                }
            }
            '"' => {
                let mut name = String::new();
                while let Some(c) = chars.next() {
                    if c == '"' && chars.peek() == Some(&'"') {
                        chars.next();
                        name.push('"');
                    } else if c == '"' {
                        break;
                    } else {
                        name.push(c);
                    }
                }
                if name == column {
                    return true;
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut word = c.to_lowercase().to_string();
                while let Some(&next) = chars.peek() {
                    if next.is_alphanumeric() || next == '_' || next == '$' {
                        word.extend(next.to_lowercase());
                        chars.next();
                    } else {
                        break;
                    }
                }
                if word == column {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}
