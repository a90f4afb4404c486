//! Loading tables: each worker holds a source connection inside the run's exported snapshot
//! and a target connection, and loads whole tables, one transaction each (TRUNCATE, COPY FREEZE,
//! the table marked loaded): a kill loses at most the tables in flight, which a resume redoes.

use super::catalog::ident;
use super::plan::{source_expression, TablePlan};
use super::state;
use super::stream::{self, StreamError};
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use postgres::{Client, Transaction};
use std::io::{BufReader, BufWriter, Write};

/// Settings that make the text both sides print and read the same (text COPY, masked dates),
/// and no timeout cutting a long COPY or the snapshot's transaction, idle between tables.
const SESSION: &str = "SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3; \
                       SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0";

pub struct SourceSession {
    client: Client,
    description: String,
}

impl SourceSession {
    /// A read-only repeatable-read transaction that sees `snapshot` (pg_export_snapshot's id).
    pub fn open(source: &Target, snapshot: &str) -> Result<Self> {
        let mut client = source.connect()?;
        let db = |e| Failure::from_postgres(e, &source.description);
        client.batch_execute(SESSION).map_err(db)?;
        client
            .batch_execute(&format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '{}'",
                snapshot.replace('\'', "''")
            ))
            .map_err(db)?;
        Ok(SourceSession { client, description: source.description.clone() })
    }
}

/// The transaction on the source that exports the snapshot every worker reads.
pub struct Coordinator {
    pub client: Client,
    pub snapshot: String,
}

impl Coordinator {
    pub fn open(source: &Target) -> Result<Self> {
        let mut client = source.connect()?;
        let db = |e| Failure::from_postgres(e, &source.description);
        client.batch_execute(SESSION).map_err(db)?;
        // Left open until the run ends: the snapshot lives as long as this transaction.
        client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").map_err(db)?;
        let snapshot: String = client.query_one("SELECT pg_export_snapshot()", &[]).map_err(db)?.get(0);
        Ok(Coordinator { client, snapshot })
    }
}

pub fn open_target(target: &Target) -> Result<Client> {
    let mut client = target.connect()?;
    // The loaded marker commits with the rows: a lost commit loses both, consistently.
    client
        .batch_execute(&format!("{SESSION}; SET synchronous_commit = off"))
        .map_err(|e| Failure::from_postgres(e, &target.description))?;
    Ok(client)
}

fn source_copy(plan: &TablePlan) -> String {
    let computed = plan.columns.iter().any(|c| source_expression(c).is_some());
    let list = |with_exprs: bool| {
        plan.columns
            .iter()
            .map(|c| match source_expression(c) {
                Some(expr) if with_exprs => {
                    format!("CAST(({expr}) AS {}) AS {}", c.type_name, ident(&c.name))
                }
                _ => ident(&c.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (&plan.filter, computed) {
        (None, false) => {
            format!("COPY {} ({}) TO STDOUT ({})", plan.name(), list(false), plan.wire.copy_option())
        }
        (filter, _) => format!(
            "COPY (SELECT {} FROM ONLY {}{}) TO STDOUT ({})",
            list(true),
            plan.name(),
            filter.as_ref().map(|f| format!(" WHERE {f}")).unwrap_or_default(),
            plan.wire.copy_option()
        ),
    }
}

fn target_copy(plan: &TablePlan) -> String {
    let columns: Vec<String> = plan.columns.iter().map(|c| ident(&c.name)).collect();
    format!("COPY {} ({}) FROM STDIN ({}, FREEZE)", plan.name(), columns.join(", "), plan.wire.copy_option())
}

/// Loads one table: the rows it copied.
pub fn load_table(
    source: &mut SourceSession,
    target: &mut Client,
    target_description: &str,
    plan: &TablePlan,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let table = plan.name();
    let on_target = |e: postgres::Error| {
        let mut failure = Failure::from_postgres(e, target_description);
        failure.message = format!("loading {}: {}", plan.source.shown_name(), failure.message);
        failure
    };
    let mut transaction: Transaction = target.transaction().map_err(on_target)?;
    transaction.batch_execute(&format!("TRUNCATE ONLY {table}")).map_err(on_target)?;
    for trigger in &plan.target_triggers {
        transaction
            .batch_execute(&format!("ALTER TABLE {table} DISABLE TRIGGER {}", ident(&trigger.name)))
            .map_err(on_target)?;
    }
    // Indexes are built once after the COPY rather than updated row by row (as pg_restore does);
    // all in this transaction, so a kill leaves the table as it was.
    let schema = ident(&plan.source.schema);
    for index in &plan.target_indexes {
        let drop = match &index.constraint_name {
            Some(constraint) => format!("ALTER TABLE {table} DROP CONSTRAINT {}", ident(constraint)),
            None => format!("DROP INDEX {schema}.{}", ident(&index.name)),
        };
        transaction.batch_execute(&drop).map_err(on_target)?;
    }
    let reader = source.client.copy_out(source_copy(plan).as_str()).map_err(|e| {
        let mut failure = Failure::from_postgres(e, &source.description);
        failure.message = format!("reading {}: {}", plan.source.shown_name(), failure.message);
        failure
    })?;
    let writer = transaction.copy_in(target_copy(plan).as_str()).map_err(on_target)?;
    let mut input = BufReader::with_capacity(1 << 16, reader);
    let mut output = BufWriter::with_capacity(1 << 16, writer);
    let masks = plan.stream_masks();
    let copied = stream::copy(plan.wire, &mut input, &mut output, &masks, progress);
    let rows = match copied {
        Ok(rows) => rows,
        Err(error) => return Err(stream_failure(plan, error)),
    };
    output.flush().map_err(|e| stream_failure(plan, StreamError::Io(e)))?;
    let writer = output.into_inner().map_err(|e| stream_failure(plan, StreamError::Io(e.into_error())))?;
    writer.finish().map_err(on_target)?;
    drop(input);
    for index in &plan.target_indexes {
        let create = match (&index.constraint_name, &index.constraint_definition) {
            (Some(constraint), Some(definition)) => {
                format!("ALTER TABLE {table} ADD CONSTRAINT {} {definition}", ident(constraint))
            }
            _ => index.definition.clone(),
        };
        transaction.batch_execute(&create).map_err(on_target)?;
    }
    for trigger in &plan.target_triggers {
        transaction
            .batch_execute(&format!(
                "ALTER TABLE {table} {} {}",
                trigger.enable_clause(),
                ident(&trigger.name)
            ))
            .map_err(on_target)?;
    }
    state::mark_loaded(&mut transaction, &table, rows as i64).map_err(on_target)?;
    transaction.commit().map_err(on_target)?;
    Ok(rows)
}

fn stream_failure(plan: &TablePlan, error: StreamError) -> Failure {
    let table = plan.source.shown_name();
    match error {
        StreamError::Mask(position, error) => Failure::new(
            Kind::Database,
            format!(
                "masking {table}.{}: {error}",
                plan.columns.get(position).map_or("?", |c| c.name.as_str())
            ),
        ),
        StreamError::Io(error) => {
            // A database error inside the stream arrives as an io::Error wrapping it.
            Failure::new(Kind::Database, format!("copying {table}: {error}"))
        }
        StreamError::Malformed(message) => {
            Failure::new(Kind::Database, format!("copying {table}: {message}"))
        }
    }
}
