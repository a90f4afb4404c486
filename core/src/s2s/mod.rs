//! Schema-to-schema migration (docs/schema-to-schema.md): a new database built from the DDL
//! files is filled from the old one over postgres_fdw, each target column by an expression of
//! the source row. Here: the mapping file, the plan (which expression fills what, and what would
//! be lost), and the SQL each step runs. The extension attaches the source, runs the plan and
//! records progress; the CLI drives it.

pub mod mapping;
pub mod plan;
pub mod statements;

#[cfg(test)]
mod tests;

/// A row of confiture.s2s_plan(): one target table's plan and progress, or (no target table) the
/// problems that belong to none. Built by the extension, read by the CLI.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanRow {
    pub position: i32,
    pub target_table: Option<String>,
    pub source_table: Option<String>,
    pub columns: serde_json::Value,
    pub batch_key: Vec<String>,
    pub source_rows: i64,
    pub hazards: Vec<String>,
    pub errors: Vec<String>,
    pub state: Option<String>,
    pub rows_copied: i64,
}
