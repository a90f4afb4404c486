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
