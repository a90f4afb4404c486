//! validate_seeds(): gathers what the levels need from the server (parsed files, tables,
//! resolvers) and runs the levels in order.

use super::config::SeedConfig;
use super::resolvers::{body_line, check_resolver, declared_variables, sql_statements, Resolver};
use super::schema::{Table, Tables};
use super::statements::{ParseFailure, SeedFile};
use super::{execution, files, schema, Code, Finding};
use crate::errors::raise;
use crate::script::parts_of;
use crate::server::error_position::ErrorPositionProbe;
use crate::server::seed_parse::{analyze, parse_seed};
use crate::sources::Source;
use crate::sql_text::{byte_of_char_position, line_of_byte, skip_blanks_and_comments};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use std::collections::BTreeSet;

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
    resolve_targets(&mut files);
    let pattern = schema_exists(&config.staging_schema);
    let mut findings = files::check_files(&files, &config, pattern);
    let tables = if level >= 2 { load_tables(&files, &config) } else { Tables::new() };
    if level >= 2 {
        findings.extend(schema::check_schema(&files, &tables, &config, pattern));
    }
    let mut resolvers = Vec::new();
    if level >= 3 && pattern {
        let finals = staging_tables(&tables, &config)
            .into_iter()
            .filter(|(table, _)| tables.contains_key(&(config.final_schema.clone(), table.clone())));
        for (table, columns) in finals {
            let resolver = load_resolver(&config, &table);
            findings.extend(check_resolver(&table, &columns, resolver.as_ref(), &tables, &config));
            if let Some(resolver) = resolver {
                findings.extend(drift(&resolver));
                resolvers.push((table, resolver));
            }
        }
    }
    if level >= 4 {
        let runtime = execution::execute(level, &files, &tables, &resolvers, &config, &findings);
        findings.extend(runtime);
    }
    findings.sort_by(|a, b| (a.level, &a.file, a.line).cmp(&(b.level, &b.file, b.line)));
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
fn resolve_targets(files: &mut [SeedFile]) {
    // Seed files often repeat one table thousands of times: ask once per name.
    let mut known: std::collections::HashMap<String, Option<String>> = Default::default();
    for file in files {
        let Ok(statements) = &mut file.parsed else { continue };
        for target in statements.iter_mut().filter_map(|s| s.target.as_mut()) {
            let name = match &target.schema {
                Some(schema) => pgrx::spi::quote_qualified_identifier(schema, &target.table),
                None => pgrx::spi::quote_identifier(&target.table),
            };
            if let Some(schema) = known.get(&name) {
                target.resolved_schema = schema.clone();
                continue;
            }
            target.resolved_schema = spi(
                "finding a seed's table",
                Spi::get_one_with_args::<String>(
                    "SELECT n.nspname::text FROM pg_catalog.pg_class c \
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                     WHERE c.oid = pg_catalog.to_regclass($1)",
                    &[DatumWithOid::from(name.as_str())],
                )
                .or_else(none_if_no_row),
            );
            known.insert(name, target.resolved_schema.clone());
        }
    }
}

fn none_if_no_row<T>(error: pgrx::spi::Error) -> Result<Option<T>, pgrx::spi::Error> {
    match error {
        pgrx::spi::Error::InvalidPosition => Ok(None),
        other => Err(other),
    }
}

fn schema_exists(schema: &str) -> bool {
    spi(
        "looking for the staging schema",
        Spi::get_one_with_args::<bool>(
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)",
            &[DatumWithOid::from(schema)],
        ),
    )
    .unwrap_or(false)
}

/// The tables (with columns and single-column foreign keys) of the staging and final schemas
/// and of every schema a seed writes.
fn load_tables(files: &[SeedFile], config: &SeedConfig) -> Tables {
    let mut schemas: BTreeSet<String> = [config.staging_schema.clone(), config.final_schema.clone()].into();
    for statement in files.iter().flat_map(SeedFile::statements) {
        if let Some(schema) = statement.target.as_ref().and_then(|t| t.schema()) {
            schemas.insert(schema.to_string());
        }
    }
    let schemas: Vec<String> = schemas.into_iter().collect();
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

/// The staging schema's tables with their columns.
pub fn staging_tables(tables: &Tables, config: &SeedConfig) -> Vec<(String, Vec<String>)> {
    tables
        .iter()
        .filter(|((schema, _), _)| *schema == config.staging_schema)
        .map(|((_, name), table)| (name.clone(), table.columns.clone()))
        .collect()
}

/// A staging table's resolver: `<resolver schema>.<prefix><table>()`, without arguments.
fn load_resolver(config: &SeedConfig, table: &str) -> Option<Resolver> {
    let schema = config.resolver_schema();
    let name = config.resolver_name(table);
    let found = spi(
        "reading a resolver",
        Spi::connect(|client| -> Result<Option<(String, String, Vec<String>)>, pgrx::spi::Error> {
            let rows = client.select(
                "SELECT l.lanname::text, p.prosrc, coalesce(p.proargnames, '{}')::text[] \
                 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
                 JOIN pg_catalog.pg_language l ON l.oid = p.prolang \
                 WHERE n.nspname = $1 AND p.proname = $2 AND p.pronargs = 0",
                None,
                &[DatumWithOid::from(schema), DatumWithOid::from(name.as_str())],
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
    )?;
    let (language, body, mut variables) = found;
    variables.extend(declared_variables(&body));
    Some(Resolver { signature: format!("{schema}.{name}()"), language, body, variables })
}

/// Names in the resolver's statements that the catalog does not have any more: each statement
/// goes through PostgreSQL's parse analysis (nothing runs).
fn drift(resolver: &Resolver) -> Vec<Finding> {
    const DRIFT: &[&str] = &["42P01", "42703", "42883", "3F000", "42704"];
    let mut findings = Vec::new();
    for (offset, sql) in sql_statements(&resolver.language, &resolver.body) {
        let Err((error, at)) = analyze(&sql) else { continue };
        let (code, message, _, _) = parts_of(error);
        let sqlstate = crate::errors::sqlstate(code);
        let line = body_line(&resolver.body, offset + at.unwrap_or(0));
        let names_variable = super::located::quoted_column(&message)
            .is_some_and(|column| resolver.variables.iter().any(|v| v.eq_ignore_ascii_case(&column)));
        let finding = if DRIFT.contains(&sqlstate.as_str()) && !names_variable {
            Finding::new(
                Code::SchemaDriftInResolver,
                Some((&resolver.signature, line)),
                resolver.signature.clone(),
                format!("{}: {message}", resolver.signature),
            )
        } else if names_variable {
            continue;
        } else {
            Finding::new(
                Code::ResolverNotRead,
                Some((&resolver.signature, line)),
                resolver.signature.clone(),
                format!("{}: a statement could not be checked ({sqlstate}: {message})", resolver.signature),
            )
        };
        findings.push(finding);
    }
    findings
}
