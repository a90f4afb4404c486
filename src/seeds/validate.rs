//! validate_seeds(): gathers what the levels need from the server (parsed files, tables,
//! resolvers) and runs the levels in order.

use super::config::SeedConfig;
use super::resolvers::{body_line, drift_finding, sql_statements, Resolver};
use super::schema::{Table, Tables};
use super::statements::{ParseFailure, SeedFile};
use super::{execution, Finding};
use crate::errors::raise;
use crate::script::parts_of;
use crate::server::error_position::ErrorPositionProbe;
use crate::server::seed_parse::{analyze, parse_seed};
use crate::sources::Source;
use crate::sql_text::{byte_of_char_position, line_of_byte, skip_blanks_and_comments};
use confiture_core::seeds::levels::{self, Checked};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;

/// Every level up to `level`, in order; the findings sorted by level, file and line.
pub fn validate(level: i32, sources: Vec<Source>, config: SeedConfig) -> Vec<Finding> {
    if !(1..=5).contains(&level) {
        raise(
            crate::errors::codes::INVALID_ARGUMENT,
            format!("level must be 1 to 5, not {level}"),
            None,
            Some(
                "1 reads the files, 2 the schema, 3 the resolvers, 4 runs the seeds, 5 the resolvers too."
                    .into(),
            ),
        );
    }
    let probe = ErrorPositionProbe::install();
    let mut files: Vec<SeedFile> = sources.into_iter().map(|source| parse_file(source, &probe)).collect();
    let Checked { mut findings, tables, resolvers } =
        levels::check(level, &mut files, &config, &mut ServerCatalog);
    if level >= 4 {
        let runtime = execution::execute(level, &files, &tables, &resolvers, &config, &findings);
        findings.extend(runtime);
    }
    levels::sort(&mut findings);
    findings
}

fn parse_file(source: Source, probe: &ErrorPositionProbe) -> SeedFile {
    probe.clear();
    let text = source.text;
    let parsed =
        parse_seed(&text, || byte_of_char_position(&text, probe.position().cursor)).map_err(|syntax| {
            let at =
                syntax.error_at.unwrap_or_else(|| skip_blanks_and_comments(&text, syntax.statement_from));
            ParseFailure { line: line_of_byte(&text, at), message: parts_of(*syntax.error).1 }
        });
    SeedFile { name: source.name, text, parsed }
}

fn spi<T>(what: &str, result: Result<T, pgrx::spi::Error>) -> T {
    crate::errors::spi_checked("confiture validate_seeds", what, result)
}

/// Where each target table is: its written schema, or the search path's answer.
/// The database's own catalog, through SPI.
struct ServerCatalog;

impl levels::Catalog for ServerCatalog {
    fn schema_of(&mut self, schema: Option<&str>, table: &str) -> Option<String> {
        let name = match schema {
            Some(schema) => pgrx::spi::quote_qualified_identifier(schema, table),
            None => pgrx::spi::quote_identifier(table),
        };
        spi(
            "finding a seed's table",
            Spi::get_one_with_args::<String>(
                "SELECT n.nspname::text FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.oid = pg_catalog.to_regclass($1)",
                &[DatumWithOid::from(name.as_str())],
            )
            .or_else(none_if_no_row),
        )
    }

    fn schema_exists(&mut self, schema: &str) -> bool {
        spi(
            "looking for the staging schema",
            Spi::get_one_with_args::<bool>(
                "SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)",
                &[DatumWithOid::from(schema)],
            ),
        )
        .unwrap_or(false)
    }

    fn tables(&mut self, schemas: &[String]) -> Tables {
        load_tables(schemas)
    }

    fn function(&mut self, schema: &str, name: &str) -> Option<(String, String, Vec<String>)> {
        spi(
            "reading a resolver",
            Spi::connect(|client| -> Result<Option<(String, String, Vec<String>)>, pgrx::spi::Error> {
                let rows = client.select(
                    "SELECT l.lanname::text, p.prosrc, coalesce(p.proargnames, '{}')::text[] \
                     FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
                     JOIN pg_catalog.pg_language l ON l.oid = p.prolang \
                     WHERE n.nspname = $1 AND p.proname = $2 AND p.pronargs = 0",
                    None,
                    &[DatumWithOid::from(schema), DatumWithOid::from(name)],
                )?;
                match rows.into_iter().next() {
                    None => Ok(None),
                    Some(row) => Ok(Some((
                        row.get::<String>(1)?.unwrap_or_default(),
                        row.get::<String>(2)?.unwrap_or_default(),
                        row.get::<Vec<String>>(3)?.unwrap_or_default(),
                    ))),
                }
            }),
        )
    }

    fn drift(&mut self, resolver: &Resolver, _tables: &Tables) -> Vec<Finding> {
        drift(resolver)
    }
}

fn none_if_no_row<T>(error: pgrx::spi::Error) -> Result<Option<T>, pgrx::spi::Error> {
    match error {
        pgrx::spi::Error::InvalidPosition => Ok(None),
        other => Err(other),
    }
}

/// The tables (with columns and single-column foreign keys) of the given schemas.
fn load_tables(schemas: &[String]) -> Tables {
    let schemas = schemas.to_vec();
    let mut tables = Tables::new();
    spi(
        "reading the tables",
        Spi::connect(|client| -> Result<(), pgrx::spi::Error> {
            let rows = client.select(
                include_str!("sql/tables.sql"),
                None,
                &[DatumWithOid::from(schemas.clone())],
            )?;
            for row in rows {
                let key =
                    (row.get::<String>(1)?.unwrap_or_default(), row.get::<String>(2)?.unwrap_or_default());
                let columns: Vec<String> = row.get::<Vec<String>>(3)?.unwrap_or_default();
                tables.insert(key, Table { columns, references: Default::default() });
            }
            let rows =
                client.select(include_str!("sql/references.sql"), None, &[DatumWithOid::from(schemas)])?;
            for row in rows {
                let key =
                    (row.get::<String>(1)?.unwrap_or_default(), row.get::<String>(2)?.unwrap_or_default());
                let column = row.get::<String>(3)?.unwrap_or_default();
                let parent =
                    (row.get::<String>(4)?.unwrap_or_default(), row.get::<String>(5)?.unwrap_or_default());
                if let Some(table) = tables.get_mut(&key) {
                    table.references.insert(column, parent);
                }
            }
            Ok(())
        }),
    );
    tables
}

/// Names in the resolver's statements that the catalog does not have any more: each statement
/// goes through PostgreSQL's parse analysis (nothing runs).
fn drift(resolver: &Resolver) -> Vec<Finding> {
    sql_statements(&resolver.language, &resolver.body)
        .into_iter()
        .filter_map(|(offset, sql)| {
            let Err((error, at)) = analyze(&sql) else { return None };
            let (code, message, _, _) = parts_of(error);
            let line = body_line(&resolver.body, offset + at.unwrap_or(0));
            drift_finding(resolver, &crate::errors::sqlstate(code), &message, line)
        })
        .collect()
}
