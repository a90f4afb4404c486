//! Levels 4 and 5: the seeds run, then the resolvers, inside a scope that is always rolled
//! back; the sequences of the tables they write are put back afterwards (see `sequences`), so
//! the database is as before.

use super::config::SeedConfig;
use super::located::{key_of, line_of_value, quoted_column, uuids_in};
use super::resolvers::Resolver;
use super::schema::{keys, Key, Tables};
use super::sequences;
use super::statements::{SeedFile, SeedStatement};
use super::{Code, Finding};
use crate::errors::{raise, sqlstate};
use crate::script::{error_line, parts_of, ErrorParts};
use crate::server::scope::Scope;
use crate::sql_text::LineIndex;
use pgrx::prelude::*;
use pgrx::spi::quote_identifier;
use std::collections::{BTreeMap, BTreeSet};

pub fn execute(
    level: i32,
    files: &[SeedFile],
    tables: &Tables,
    resolvers: &[(String, Resolver)],
    config: &SeedConfig,
    earlier: &[Finding],
) -> Vec<Finding> {
    let written = written_tables(files, tables, resolvers, config);
    lock_tables(&written);
    let guarded = sequences::guard(&written);
    let mut draws = sequences::Draws::start();
    let mut findings = Vec::new();
    let outcome = Scope::rolled_back().run_then(
        |_| {
            let failed_tables = load(files, earlier, &guarded, &mut draws, &mut findings);
            if level >= 5 {
                resolve(files, tables, resolvers, config, earlier, failed_tables, &mut findings);
                unguarded_draws(&guarded, &mut draws, None, &mut findings);
            }
        },
        // Also after a cancel: setval() is not transactional.
        || guarded.put_back(),
    );
    if let Err(failure) = outcome {
        let (code, message, detail, hint) = parts_of(failure.error);
        raise(code, format!("seed validation stopped: {message}"), detail, hint);
    }
    findings
}

/// A finding for each sequence drawn from since the last look that is not guarded (it will not
/// be put back), at the first line of `file` naming it when the file is known.
fn unguarded_draws(
    guarded: &sequences::Guarded,
    draws: &mut sequences::Draws,
    file: Option<&SeedFile>,
    out: &mut Vec<Finding>,
) {
    for sequence in draws.new_since().into_iter().filter(|s| !guarded.covers(s)) {
        let short = sequence.rsplit('.').next().unwrap_or(&sequence).trim_matches('"').to_lowercase();
        let at = file.map(|file| {
            let line = file.text.lines().position(|l| l.to_lowercase().contains(&short)).map_or(1, |i| i + 1);
            (file.name.as_str(), line)
        });
        let by = file.map_or("the resolvers".to_string(), |f| f.name.clone());
        out.push(Finding::new(
            Code::SequenceNotRestored,
            at,
            sequence.clone(),
            format!("{by} drew from sequence {sequence}, which no table the seeds write owns: it was not put back"),
        ));
    }
}

/// Level 4: each file in a scope of its own (a SET in one file does not reach the next), each
/// statement in its own subtransaction, in file order. A failure is a finding (unless levels
/// 1-2 already reported an error in that statement) and the next one runs. Returns the tables
/// whose loading was incomplete.
fn load(
    files: &[SeedFile],
    earlier: &[Finding],
    guarded: &sequences::Guarded,
    draws: &mut sequences::Draws,
    out: &mut Vec<Finding>,
) -> BTreeSet<String> {
    let mut incomplete = BTreeSet::new();
    for file in files {
        let lines = LineIndex::new(&file.text);
        let loaded = Scope::kept_on_success().run(|_| {
            for statement in file.statements() {
                let flagged = already_flagged(earlier, &file.name, &lines, statement);
                let failure = match &statement.refused {
                    Some(reason) => Some((statement.line, format!("not run: {reason}"))),
                    None => run_statement(file, statement),
                };
                let Some((line, message)) = failure else { continue };
                if let Some(target) = &statement.target {
                    incomplete.insert(target.table.clone());
                }
                if !flagged {
                    let object = statement.target.as_ref().map_or_else(|| file.name.clone(), |t| t.display());
                    out.push(Finding::new(
                        Code::SeedStatementFailed,
                        Some((&file.name, line)),
                        object,
                        message,
                    ));
                }
            }
        });
        // Every statement's error is caught in its own scope: what reaches here is ours.
        if let Err(failure) = loaded {
            failure.error.rethrow();
        }
        unguarded_draws(guarded, draws, Some(file), out);
    }
    incomplete
}

fn already_flagged(earlier: &[Finding], file: &str, lines: &LineIndex, statement: &SeedStatement) -> bool {
    let last_line = lines.line_of(statement.end) as i32;
    earlier.iter().any(|f| {
        f.severity.fails()
            && f.file.as_deref() == Some(file)
            && f.line.is_some_and(|line| (statement.line as i32..=last_line).contains(&line))
    })
}

/// Run one statement in a subtransaction; on failure, the line it points at and the message.
/// Its settings stay in force for the rest of its file (the file's scope puts them back).
fn run_statement(file: &SeedFile, statement: &SeedStatement) -> Option<(usize, String)> {
    let sql = &file.text[statement.start..statement.end];
    let failure = Scope::kept_on_success()
        .sharing_settings()
        .run(|_| Spi::run(sql).unwrap_or_else(|e| pgrx::error!("{e}")))
        .err()?;
    let line = error_line(&file.text, statement.start, statement.end, failure.position);
    let (code, message, detail, _) = parts_of(failure.error);
    let detail = detail.map(|d| format!(" ({d})")).unwrap_or_default();
    Some((line, format!("{} {message}{detail}", sqlstate(code))))
}

/// Level 5: the resolvers in dependency order, each in a subtransaction; then the keys they left
/// NULL, the deferred constraints, and the row counts.
fn resolve(
    files: &[SeedFile],
    tables: &Tables,
    resolvers: &[(String, Resolver)],
    config: &SeedConfig,
    earlier: &[Finding],
    mut failed: BTreeSet<String>,
    out: &mut Vec<Finding>,
) {
    let drifted = |signature: &str| {
        earlier
            .iter()
            .any(|f| f.code == Code::SchemaDriftInResolver.name() && f.file.as_deref() == Some(signature))
    };
    for (table, resolver) in dependency_order(resolvers, tables, config) {
        let call = format!("SELECT {}()", qualified(config.resolver_schema(), &config.resolver_name(table)));
        let Err(failure) =
            Scope::kept_on_success().run(|_| Spi::run(&call).unwrap_or_else(|e| pgrx::error!("{e}")))
        else {
            continue;
        };
        let parent_failed =
            parents_of(table, tables, config).iter().any(|parent| parent != table && failed.contains(parent));
        failed.insert(table.clone());
        let error = parts_of(failure.error);
        // A missing parent row shows as a NULL key (23502 on fk_...) or a bad one (23503).
        let key_error = match sqlstate(error.0).as_str() {
            "23502" => quoted_column(&error.1).is_some_and(|column| column.starts_with("fk_")),
            "23503" => true,
            _ => false,
        };
        if (parent_failed && key_error) || drifted(&resolver.signature) {
            continue;
        }
        let finding = resolver_failure(files, tables, config, table, resolver, error);
        if !earlier.iter().any(|f| f.severity.fails() && f.object == finding.object) {
            out.push(finding);
        }
    }
    null_keys(files, tables, resolvers, config, earlier, &failed, out);
    if let Err(failure) = Scope::kept_on_success()
        .run(|_| Spi::run("SET CONSTRAINTS ALL IMMEDIATE").unwrap_or_else(|e| pgrx::error!("{e}")))
    {
        out.push(constraint_failure(files, parts_of(failure.error)));
    }
    row_counts(files, tables, resolvers, config, out);
}

/// Parents before children (a final table's keys name its parents); a cycle's tables in name
/// order after the rest; a self-reference does not count.
fn dependency_order<'a>(
    resolvers: &'a [(String, Resolver)],
    tables: &Tables,
    config: &SeedConfig,
) -> Vec<&'a (String, Resolver)> {
    let names: BTreeSet<&str> = resolvers.iter().map(|(t, _)| t.as_str()).collect();
    let parents: BTreeMap<&str, BTreeSet<String>> = resolvers
        .iter()
        .map(|(table, _)| {
            (
                table.as_str(),
                parents_of(table, tables, config)
                    .into_iter()
                    .filter(|p| p != table && names.contains(p.as_str()))
                    .collect(),
            )
        })
        .collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < resolvers.len() {
        let ready: Vec<&(String, Resolver)> = resolvers
            .iter()
            .filter(|(t, _)| {
                !done.contains(t.as_str()) && parents[t.as_str()].iter().all(|p| done.contains(p.as_str()))
            })
            .collect();
        let batch = if ready.is_empty() {
            resolvers.iter().filter(|(t, _)| !done.contains(t.as_str())).take(1).collect()
        } else {
            ready
        };
        for entry in batch {
            done.insert(&entry.0);
            order.push(entry);
        }
    }
    order
}

/// The parent tables of a staging table, by name, from its key columns.
fn parents_of(table: &str, tables: &Tables, config: &SeedConfig) -> Vec<String> {
    let staging = tables.get(&(config.staging_schema.clone(), table.to_string()));
    let final_table = tables.get(&(config.final_schema.clone(), table.to_string()));
    let (Some(staging), Some(final_table)) = (staging, final_table) else { return Vec::new() };
    keys(config, staging, final_table).into_iter().map(|key| key.parent.1).collect()
}

/// A resolver's error, classified by SQLSTATE and pinned to the seed row it names.
fn resolver_failure(
    files: &[SeedFile],
    tables: &Tables,
    config: &SeedConfig,
    table: &str,
    resolver: &Resolver,
    error: ErrorParts,
) -> Finding {
    let (code, message, detail, _) = error;
    let detail = detail.unwrap_or_default();
    let staging = config.staging_schema.as_str();
    let object = format!("{}.{table}", config.final_schema);
    let row_at = || uuids_in(&detail).first().and_then(|id| line_of_value(files, staging, table, id, false));
    let text = format!(
        "{}: {message}{}",
        resolver.signature,
        if detail.is_empty() { String::new() } else { format!(" ({detail})") }
    );
    match sqlstate(code).as_str() {
        "23505" => {
            let at =
                key_of(&detail).and_then(|(_, value)| line_of_value(files, staging, table, &value, true));
            Finding::new(Code::UniqueConstraintViolation, at, object, text)
        }
        "23514" => Finding::new(Code::CheckConstraintViolation, row_at(), object, text),
        "23503" => {
            let key = key_of(&detail).map(|(columns, _)| columns).unwrap_or_default();
            let at = orphan_row(tables, config, table, &key)
                .and_then(|id| line_of_value(files, staging, table, &id, false));
            Finding::new(Code::FkConstraintViolation, at, format!("{object}.{key}"), text)
        }
        "23502" => match quoted_column(&message) {
            Some(column) if column.starts_with("fk_") => {
                Finding::new(Code::NullFkAfterResolution, row_at(), format!("{object}.{column}"), text)
            }
            column => Finding::new(
                Code::NotNullViolation,
                row_at(),
                column.map_or(object.clone(), |c| format!("{object}.{c}")),
                text,
            ),
        },
        _ => Finding::new(Code::ResolverFailed, None, object, text),
    }
}

/// The first staging row whose `key`'s parent UUID matches no row of the parent's final table.
fn orphan_row(tables: &Tables, config: &SeedConfig, table: &str, key: &str) -> Option<String> {
    let final_table = tables.get(&(config.final_schema.clone(), table.to_string()))?;
    let key = Key::of(config, &format!("{key}_id"), final_table)?;
    let query = format!(
        "SELECT s.id::text FROM {staging} s WHERE s.{column} IS NOT NULL \
         AND NOT EXISTS (SELECT FROM {parent} p WHERE p.id = s.{column}) ORDER BY s.id LIMIT 1",
        staging = qualified(&config.staging_schema, table),
        column = quote_identifier(&key.column),
        parent = qualified(&key.parent.0, &key.parent.1),
    );
    Spi::get_one::<String>(&query).ok().flatten()
}

/// A deferred constraint's violation at SET CONSTRAINTS ALL IMMEDIATE.
fn constraint_failure(files: &[SeedFile], error: ErrorParts) -> Finding {
    let (code, message, detail, _) = error;
    let detail = detail.unwrap_or_default();
    let table =
        message.split("on table \"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
    let schema = files
        .iter()
        .flat_map(SeedFile::statements)
        .filter_map(|s| s.target.as_ref())
        .find(|t| t.table == table);
    let at = match (key_of(&detail), schema.and_then(|t| t.schema())) {
        (Some((_, value)), Some(schema)) => line_of_value(files, schema, table, &value, false),
        _ => None,
    };
    let table = table.to_string();
    let finding_code = match sqlstate(code).as_str() {
        "23503" => Code::FkConstraintViolation,
        "23505" => Code::UniqueConstraintViolation,
        "23514" => Code::CheckConstraintViolation,
        _ => Code::ResolverFailed,
    };
    let text = if detail.is_empty() { message } else { format!("{message} ({detail})") };
    Finding::new(finding_code, at, table, format!("at the end of the seeds (deferred): {text}"))
}

/// Keys the resolvers left NULL where the staging row named a parent. Skipped where an earlier
/// finding explains them: the table or its parent failed to load or resolve, or level 3 found
/// the key unresolved.
fn null_keys(
    files: &[SeedFile],
    tables: &Tables,
    resolvers: &[(String, Resolver)],
    config: &SeedConfig,
    earlier: &[Finding],
    failed: &BTreeSet<String>,
    out: &mut Vec<Finding>,
) {
    for (table, _) in resolvers.iter().filter(|(t, _)| !failed.contains(t)) {
        let staging = tables.get(&(config.staging_schema.clone(), table.clone()));
        let final_table = tables.get(&(config.final_schema.clone(), table.clone()));
        let (Some(staging), Some(final_table)) = (staging, final_table) else { continue };
        if !staging.has("id") || !final_table.has("id") {
            continue;
        }
        for Key { column, final_column: key, parent: (_, parent) } in
            keys(config, staging, final_table).into_iter().filter(|k| k.resolvable(final_table, tables))
        {
            let object = format!("{}.{table}.{key}", config.final_schema);
            let explained =
                failed.contains(&parent) || earlier.iter().any(|f| f.severity.fails() && f.object == object);
            if explained {
                continue;
            }
            let Some((count, id, parent_id)) = first_null_key(config, table, &column, &key) else { continue };
            let at = line_of_value(files, &config.staging_schema, table, &id, false);
            out.push(Finding::new(
                Code::NullFkAfterResolution,
                at,
                object,
                format!("{count} row(s) of {}.{table} have {key} NULL after resolution, e.g. id {id}: no {parent} has id {parent_id}", config.final_schema),
            ));
        }
    }
}

fn first_null_key(
    config: &SeedConfig,
    table: &str,
    column: &str,
    key: &str,
) -> Option<(i64, String, String)> {
    let query = format!(
        "SELECT count(*) OVER (), s.id::text, s.{column}::text FROM {staging} s JOIN {final_table} f ON f.id = s.id \
         WHERE s.{column} IS NOT NULL AND f.{key} IS NULL ORDER BY s.id LIMIT 1",
        column = quote_identifier(column),
        key = quote_identifier(key),
        staging = qualified(&config.staging_schema, table),
        final_table = qualified(&config.final_schema, table),
    );
    let row = Spi::connect(|client| -> Result<Option<(i64, String, String)>, pgrx::spi::Error> {
        let rows = client.select(&query, None, &[])?;
        match rows.into_iter().next() {
            None => Ok(None),
            Some(row) => Ok(Some((
                row.get(1)?.unwrap_or(0),
                row.get(2)?.unwrap_or_default(),
                row.get(3)?.unwrap_or_default(),
            ))),
        }
    });
    row.unwrap_or_else(|e| pgrx::error!("checking {table}.{key} for NULL keys: {e}"))
}

/// One info finding per table the seeds or resolvers filled.
fn row_counts(
    files: &[SeedFile],
    tables: &Tables,
    resolvers: &[(String, Resolver)],
    config: &SeedConfig,
    out: &mut Vec<Finding>,
) {
    for (schema, table) in written_tables(files, tables, resolvers, config) {
        let query = format!("SELECT count(*) FROM {}", qualified(&schema, &table));
        let count =
            Spi::get_one::<i64>(&query).unwrap_or_else(|e| pgrx::error!("counting {schema}.{table}: {e}"));
        out.push(Finding::new(
            Code::RowCount,
            None,
            format!("{schema}.{table}"),
            format!("{} rows", count.unwrap_or(0)),
        ));
    }
}

/// The existing tables the seeds write, and the final tables of the resolvers.
fn written_tables(
    files: &[SeedFile],
    tables: &Tables,
    resolvers: &[(String, Resolver)],
    config: &SeedConfig,
) -> BTreeSet<(String, String)> {
    let mut written: BTreeSet<(String, String)> = files
        .iter()
        .flat_map(SeedFile::statements)
        .filter(|s| s.action.writes())
        .filter_map(|s| s.target.as_ref())
        .filter_map(|t| Some((t.resolved_schema.clone()?, t.table.clone())))
        .collect();
    let finals = resolvers.iter().map(|(t, _)| (config.final_schema.clone(), t.clone()));
    written.extend(finals.filter(|key| tables.contains_key(key)));
    written
}

/// SHARE locks on every table the seeds or resolvers write, held to the end of the caller's
/// transaction: other sessions cannot write them (nor draw from their sequences through them)
/// while the validation runs.
fn lock_tables(written: &BTreeSet<(String, String)>) {
    let names: Vec<String> = written.iter().map(|(schema, table)| qualified(schema, table)).collect();
    if names.is_empty() {
        return;
    }
    Spi::run(&format!("LOCK TABLE {} IN SHARE MODE", names.join(", ")))
        .unwrap_or_else(|e| pgrx::error!("locking the tables the seeds write: {e}"));
}

fn qualified(schema: &str, name: &str) -> String {
    pgrx::spi::quote_qualified_identifier(schema, name)
}
