//! Adopting a database confiture did not migrate: `migrate baseline --through V` (the schema is
//! already there), `migrate import` (the Python confiture's history, `tb_confiture`), and the
//! status of a database without the extension. Nothing here runs a migration script.

use super::{connect_and_register, db_error, open_locked, plan_in, Locked, MigrationFile};
use crate::cli::LockOptions;
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use confiture_core::migration::version::same_number;
use confiture_core::migration::State;
use confiture_core::wire::StatusRow;
use postgres::GenericClient;
use sha2::{Digest, Sha256};
use std::path::Path;

/// One row of mark_applied: a migration now recorded as applied, or one that already was.
#[derive(Debug, serde::Serialize)]
pub struct Marked {
    pub version: String,
    pub name: String,
    pub status: String,
}

/// Register the files and mark every pending migration up to `through` applied.
pub fn baseline(
    project: &Path,
    env: Option<&str>,
    url: Option<&str>,
    through: &str,
    lock: &LockOptions,
) -> Result<Vec<Marked>> {
    let Locked { files, target, mut client, .. } = open_locked(project, env, url, lock)?;
    let Some(last) = files.iter().find(|f| same_number(&f.version, through)) else {
        return Err(Failure::new(
            Kind::Config,
            format!("--through {through}: no db/migrations/{through}_*.up.sql"),
        ));
    };
    let through = last.version.clone();
    let (mut tx, _) = connect_and_register(&mut client, &files, &target)?;
    let (plan, _) = plan_in(&mut tx, "up", Some(&through), 0, &target)?;
    let marked = mark(&mut tx, &plan, &format!("baseline through {through}"), &target)?;
    tx.commit().map_err(db_error(&target))?;
    Ok(marked)
}

/// Record the migrations the Python confiture applied (its tracking table) as applied here,
/// after checking each one's file is the one it ran (its checksum is SHA-256 of the file's
/// bytes). All or nothing: a mismatch imports nothing.
pub fn import(
    project: &Path,
    env: Option<&str>,
    url: Option<&str>,
    lock: &LockOptions,
) -> Result<(String, Vec<Marked>)> {
    let Locked { files, tracking_table: table, target, mut client, .. } =
        open_locked(project, env, url, lock)?;
    let (mut tx, _) = connect_and_register(&mut client, &files, &target)?;
    let Some(ledger) = read_ledger(&mut tx, &table, &target)? else {
        return Err(Failure::new(
            Kind::Config,
            format!("no tracking table {table} in {}", target.description),
        )
        .with_hint("Name the Python confiture's table in the environment's migration.tracking_table."));
    };
    let versions = matched_versions(project, &files, &ledger, &table)?;
    let marked = mark(&mut tx, &versions, &format!("imported from {table}"), &target)?;
    tx.commit().map_err(db_error(&target))?;
    Ok((table, marked))
}

/// A row of the Python confiture's tracking table.
pub struct LedgerRow {
    pub version: String,
    pub name: String,
    pub checksum: Option<String>,
}

/// The tracking table's rows, oldest first, or None when there is no such table. Rows squashed
/// into a baseline (`archived_into`) are history, not applied migrations.
pub fn read_ledger(
    client: &mut impl GenericClient,
    table: &str,
    target: &Target,
) -> Result<Option<Vec<LedgerRow>>> {
    let found: Option<String> = client
        .query_one("SELECT pg_catalog.to_regclass($1)::text", &[&table])
        .map_err(db_error(target))?
        .get(0);
    let Some(relation) = found else { return Ok(None) };
    let has_archive: bool = client
        .query_one(
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = $1::text::regclass \
             AND attname = 'archived_into' AND NOT attisdropped)",
            &[&relation],
        )
        .map_err(db_error(target))?
        .get(0);
    // `relation` is to_regclass's own text: a quoted, schema-qualified-as-needed name.
    let filter = if has_archive { " WHERE archived_into IS NULL" } else { "" };
    let rows = client
        .query(
            &format!("SELECT version::text, name::text, checksum::text FROM {relation}{filter} ORDER BY applied_at, version"),
            &[],
        )
        .map_err(db_error(target))?;
    Ok(Some(
        rows.iter()
            .map(|row| LedgerRow { version: row.get(0), name: row.get(1), checksum: row.get(2) })
            .collect(),
    ))
}

/// Each ledger row's migration file, checked: the versions to mark.
fn matched_versions(
    project: &Path,
    files: &[MigrationFile],
    ledger: &[LedgerRow],
    table: &str,
) -> Result<Vec<String>> {
    let mut versions = Vec::new();
    let mut problems = Vec::new();
    for row in ledger {
        let Some(file) = files.iter().find(|f| same_number(&f.version, &row.version)) else {
            problems.push(format!("{} ({}) has no file in db/migrations/", row.version, row.name));
            continue;
        };
        if let Some(recorded) = &row.checksum {
            let bytes = std::fs::read(project.join(&file.up_path))
                .map_err(|e| Failure::new(Kind::Source, format!("cannot read {}: {e}", file.up_path)))?;
            let now: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            if !recorded.eq_ignore_ascii_case(&now) {
                problems.push(format!(
                    "{} changed since it was applied (checksum {} then, {} now)",
                    file.up_path,
                    short(recorded),
                    short(&now)
                ));
                continue;
            }
        }
        versions.push(file.version.clone());
    }
    if !problems.is_empty() {
        return Err(Failure::new(
            Kind::Drift,
            format!("{table} does not match db/migrations/: {}", problems.join("; ")),
        )
        .with_hint(
            "Nothing was imported. Restore the files the Python confiture applied, then import again.",
        ));
    }
    Ok(versions)
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}

fn mark(
    client: &mut impl GenericClient,
    versions: &[String],
    reason: &str,
    target: &Target,
) -> Result<Vec<Marked>> {
    if versions.is_empty() {
        return Ok(Vec::new());
    }
    let rows = client
        .query("SELECT version, name, status FROM confiture.mark_applied($1, $2)", &[&versions, &reason])
        .map_err(db_error(target))?;
    Ok(rows
        .iter()
        .map(|r| Marked { version: r.get("version"), name: r.get("name"), status: r.get("status") })
        .collect())
}

/// Status of a database without the extension: the Python confiture's applied migrations (its
/// tracking table, when there is one) as applied, every other file pending; and whether there
/// is such a table (else nothing ever migrated this database).
pub fn status_without_extension(
    client: &mut postgres::Client,
    files: &[MigrationFile],
    tracking_table: &str,
    target: &Target,
) -> Result<(Vec<StatusRow>, bool)> {
    let found = read_ledger(client, tracking_table, target)?;
    let has_ledger = found.is_some();
    let ledger = found.unwrap_or_default();
    if ledger.is_empty() {
        eprintln!(
            "note: the confiture extension is not installed in {}: every migration is pending",
            target.description
        );
    } else {
        eprintln!(
            "note: the confiture extension is not installed in {}; {} migrations applied by the Python confiture \
             ({tracking_table}): confiture migrate import records them",
            target.description,
            ledger.len()
        );
    }
    let rows = files
        .iter()
        .map(|file| {
            let applied = ledger.iter().any(|row| same_number(&row.version, &file.version));
            StatusRow {
                version: file.version.clone(),
                name: file.name.clone(),
                state: if applied { State::Applied } else { State::Pending },
            }
        })
        .collect();
    Ok((rows, has_ledger))
}

/// Refuse to run migrations over a history the Python confiture recorded and confiture has not
/// imported: they would run a second time.
pub fn refuse_unimported(
    client: &mut impl GenericClient,
    tracking_table: &str,
    statuses: &[StatusRow],
    target: &Target,
) -> Result<()> {
    let Some(ledger) = read_ledger(client, tracking_table, target)? else { return Ok(()) };
    let missing: Vec<&str> = ledger
        .iter()
        .filter(|row| {
            !statuses.iter().any(|s| s.state == State::Applied && same_number(&s.version, &row.version))
        })
        .map(|row| row.version.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        Kind::Config,
        format!(
            "the Python confiture applied migrations {} here ({tracking_table}), which confiture has not recorded",
            missing.join(", ")
        ),
    )
    .with_hint("Run confiture migrate import first (or migrate up --import-history): nothing was applied."))
}
