//! The server side of migrations: the tracking tables, the advisory lock, running the texts.

use super::observe;
use super::{check_version, down_plan, pending, statuses, Applied, Registered, State};
use crate::errors::raise;
use crate::schema_hash::text_checksum;
use crate::script::parts_of;
use crate::script::run_source;
use crate::server::error_position::ErrorPositionProbe;
use crate::server::guc_scope::GucScope;
use crate::server::subtransaction::rolled_back;
use crate::sources::Source;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;
use std::time::Instant;

/// The advisory lock every migration call takes first (transaction level: released at commit or
/// rollback), so two concurrent runs never apply a migration twice. "confitur" in ASCII.
const LOCK_KEY: i64 = 0x636f_6e66_6974_7572;

const EMPTY_MIGRATION_HINT: &str = "Give the migration at least one statement, or remove its file.";

/// One migration run by migrate_up or migrate_down.
pub struct Outcome {
    pub version: String,
    pub name: String,
    pub status: &'static str,
    pub duration_ms: f64,
    pub statements: i32,
    pub rows_affected: i64,
    /// Dry runs: "schema.table: Mode" for every lock taken, and the tables rewritten.
    pub locks: Vec<String>,
    pub rewritten: Vec<String>,
    /// Dry runs: why the migration would fail.
    pub error: Option<String>,
}

impl Outcome {
    /// A script that ran: what it did; no dry-run observations yet.
    fn ran(
        version: &str,
        name: &str,
        status: &'static str,
        (duration_ms, statements, rows_affected): (f64, i32, i64),
    ) -> Self {
        Self {
            version: version.to_string(),
            name: name.to_string(),
            status,
            duration_ms,
            statements,
            rows_affected,
            locks: Vec::new(),
            rewritten: Vec::new(),
            error: None,
        }
    }

    /// A dry run that stopped on an error.
    fn would_fail(version: String, name: String, error: Option<String>) -> Self {
        Self {
            version,
            name,
            status: "would fail",
            duration_ms: 0.0,
            statements: 0,
            rows_affected: 0,
            locks: Vec::new(),
            rewritten: Vec::new(),
            error,
        }
    }
}

fn fail(message: String, hint: Option<String>) -> ! {
    raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, message, None, hint)
}

fn spi<T>(what: &str, result: Result<T, pgrx::spi::Error>) -> T {
    result.unwrap_or_else(|e| {
        raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("confiture migrate: {what}: {e}"), None, None)
    })
}

fn lock() {
    spi(
        "taking the migration lock",
        Spi::run(&format!("SELECT pg_catalog.pg_advisory_xact_lock({LOCK_KEY})")),
    );
}

fn registered() -> Vec<Registered> {
    spi(
        "reading confiture.migrations",
        Spi::connect(|client| {
            client
                .select(
                    "SELECT version, name, checksum, down_sql IS NOT NULL FROM confiture.migrations",
                    None,
                    &[],
                )?
                .map(|row| {
                    Ok(Registered {
                        version: row.get::<String>(1)?.unwrap_or_default(),
                        name: row.get::<String>(2)?.unwrap_or_default(),
                        checksum: row.get::<String>(3)?.unwrap_or_default(),
                        has_down: row.get::<bool>(4)?.unwrap_or(false),
                    })
                })
                .collect::<Result<Vec<_>, pgrx::spi::Error>>()
        }),
    )
}

fn applied() -> Vec<Applied> {
    spi(
        "reading confiture.migration_history",
        Spi::connect(|client| {
            client
                .select("SELECT version, name, checksum FROM confiture.migration_history", None, &[])?
                .map(|row| {
                    Ok(Applied {
                        version: row.get::<String>(1)?.unwrap_or_default(),
                        name: row.get::<String>(2)?.unwrap_or_default(),
                        checksum: row.get::<String>(3)?.unwrap_or_default(),
                    })
                })
                .collect::<Result<Vec<_>, pgrx::spi::Error>>()
        }),
    )
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}

fn drift_error(version: &str, name: &str, applied: &str, now: &str) -> ! {
    fail(
        format!(
            "checksum drift: migration {version}_{name} was applied with checksum {} but its text now has {}: refused",
            short(applied),
            short(now)
        ),
        Some(format!(
            "Restore the applied text, or accept the new one on purpose: confiture migrate accept {version} \
             (SQL: SELECT confiture.accept_checksum('{version}', <new text>))."
        )),
    )
}

/// Store a migration's texts, or confirm them. Returns registered, unchanged or updated.
/// An applied migration whose text changed is refused (checksum drift).
pub fn register(version: &str, name: &str, up_sql: &str, down_sql: Option<&str>) -> &'static str {
    check_version(version).unwrap_or_else(|e| fail(e, None));
    if name.trim().is_empty() {
        fail(format!("migration {version}: the name is empty"), None);
    }
    if crate::sql_text::is_blank(up_sql) {
        fail(
            format!("migration {version}_{name}: the up script is empty"),
            Some(EMPTY_MIGRATION_HINT.into()),
        );
    }
    lock();
    let checksum = text_checksum(up_sql);
    if let Some(done) = applied().into_iter().find(|a| a.version == version) {
        if done.checksum != checksum {
            drift_error(version, name, &done.checksum, &checksum);
        }
    }
    let existing = registered().into_iter().find(|r| r.version == version);
    let unchanged = existing.as_ref().is_some_and(|r| r.checksum == checksum && r.name == name)
        && spi(
            "comparing the down script",
            Spi::get_one_with_args::<bool>(
                "SELECT down_sql IS NOT DISTINCT FROM $2 FROM confiture.migrations WHERE version = $1",
                &[DatumWithOid::from(version), DatumWithOid::from(down_sql)],
            ),
        )
        .unwrap_or(false);
    if unchanged {
        return "unchanged";
    }
    spi(
        "storing the migration",
        Spi::run_with_args(
            "INSERT INTO confiture.migrations (version, name, up_sql, down_sql, checksum) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, up_sql = EXCLUDED.up_sql, \
               down_sql = EXCLUDED.down_sql, checksum = EXCLUDED.checksum, \
               registered_at = clock_timestamp(), registered_by = current_user",
            &[
                DatumWithOid::from(version),
                DatumWithOid::from(name),
                DatumWithOid::from(up_sql),
                DatumWithOid::from(down_sql),
                DatumWithOid::from(checksum.as_str()),
            ],
        ),
    );
    if existing.is_some() {
        "updated"
    } else {
        "registered"
    }
}

fn script_of(version: &str, column: &str) -> String {
    let query = format!("SELECT {column} FROM confiture.migrations WHERE version = $1");
    spi(
        "reading the migration text",
        Spi::get_one_with_args::<String>(&query, &[DatumWithOid::from(version)]),
    )
    .unwrap_or_default()
}

/// Run one script and return what it did.
fn run_script(label: String, text: String, probe: &ErrorPositionProbe) -> (f64, i32, i64) {
    let started = Instant::now();
    let source = Source { name: label, text };
    let run = Spi::connect_mut(|client| run_source(client, &source, probe, EMPTY_MIGRATION_HINT));
    let duration_ms = (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0;
    (duration_ms, run.statements as i32, run.rows_affected as i64)
}

/// Apply every registered, unapplied migration in version order, up to `target`. A dry run
/// runs them in a subtransaction that is always rolled back and reports what they did.
pub fn up(target: Option<&str>, dry_run: bool) -> Vec<Outcome> {
    lock();
    let registered = registered();
    let applied = applied();
    if let Some((version, name, _)) =
        statuses(&registered, &applied, &[]).into_iter().find(|(_, _, s)| *s == State::Drifted)
    {
        let (was, now) = (
            applied.iter().find(|a| a.version == version).map(|a| a.checksum.clone()).unwrap_or_default(),
            registered.iter().find(|r| r.version == version).map(|r| r.checksum.clone()).unwrap_or_default(),
        );
        drift_error(&version, &name, &was, &now);
    }
    let plan = pending(&registered, &applied, target).unwrap_or_else(|e| fail(e, None));
    if dry_run {
        return dry_run_plan(&plan);
    }
    run_plan(&plan, Direction::Up, |migration, (duration_ms, statements, rows)| {
        spi(
            "recording the migration",
            Spi::run_with_args(
                "INSERT INTO confiture.migration_history (version, name, checksum, duration_ms, statement_count, rows_affected) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    DatumWithOid::from(migration.version.as_str()),
                    DatumWithOid::from(migration.name.as_str()),
                    DatumWithOid::from(migration.checksum.as_str()),
                    DatumWithOid::from(duration_ms),
                    DatumWithOid::from(statements),
                    DatumWithOid::from(rows),
                ],
            ),
        );
    })
}

/// Run the down scripts of the `steps` newest applied migrations, newest first.
pub fn down(steps: i32) -> Vec<Outcome> {
    lock();
    let registered = registered();
    let applied = applied();
    let plan = down_plan(&registered, &applied, steps).unwrap_or_else(|e| fail(e, None));
    run_plan(&plan, Direction::Down, |migration, _| {
        spi(
            "recording the rollback",
            Spi::run_with_args(
                "DELETE FROM confiture.migration_history WHERE version = $1",
                &[DatumWithOid::from(migration.version.as_str())],
            ),
        );
    })
}

#[derive(Clone, Copy)]
enum Direction {
    Up,
    Down,
}

/// Run each migration's up or down script in order, then `record` it; the settings a script
/// changes last for the call only.
fn run_plan(
    plan: &[&Registered],
    direction: Direction,
    record: impl Fn(&Registered, (f64, i32, i64)),
) -> Vec<Outcome> {
    let (suffix, column, status) = match direction {
        Direction::Up => ("up", "up_sql", "applied"),
        Direction::Down => ("down", "down_sql", "rolled back"),
    };
    let settings = GucScope::enter(&[]);
    let probe = ErrorPositionProbe::install();
    let mut outcomes = Vec::new();
    for migration in plan {
        let label = format!("{}_{}.{suffix}.sql", migration.version, migration.name);
        let ran = run_script(label, script_of(&migration.version, column), &probe);
        record(migration, ran);
        outcomes.push(Outcome::ran(&migration.version, &migration.name, status, ran));
    }
    drop(probe);
    settings.leave();
    outcomes
}

/// Every known migration and its state; `offered` (version, checksum) pairs, from the CLI's
/// files, reveal drift before anything is registered.
pub fn status(versions: Vec<String>, checksums: Vec<String>) -> Vec<(String, String, &'static str)> {
    if versions.len() != checksums.len() {
        let message = format!(
            "versions has {} elements but checksums has {}: give one checksum per version",
            versions.len(),
            checksums.len()
        );
        fail(message, None);
    }
    let offered: Vec<(String, String)> = versions.into_iter().zip(checksums).collect();
    statuses(&registered(), &applied(), &offered).into_iter().map(|(v, n, s)| (v, n, s.as_str())).collect()
}

/// Accept a changed text for an applied migration, on purpose: it becomes the registered text
/// and the history's checksum, and the history records who accepted it and when.
pub fn accept(version: &str, up_sql: &str) -> String {
    lock();
    if !applied().iter().any(|a| a.version == version) {
        fail(format!("migration {version} is not applied: nothing to accept (register it instead)"), None);
    }
    let checksum = text_checksum(up_sql);
    spi(
        "accepting the checksum",
        Spi::run_with_args(
            "UPDATE confiture.migrations SET up_sql = $2, checksum = $3 WHERE version = $1; ",
            &[DatumWithOid::from(version), DatumWithOid::from(up_sql), DatumWithOid::from(checksum.as_str())],
        ),
    );
    spi(
        "accepting the checksum",
        Spi::run_with_args(
            "UPDATE confiture.migration_history SET checksum = $2, checksum_accepted_at = clock_timestamp(), \
             checksum_accepted_by = current_user WHERE version = $1",
            &[DatumWithOid::from(version), DatumWithOid::from(checksum.as_str())],
        ),
    );
    checksum
}

/// Run `plan` in one subtransaction that is always rolled back (later migrations see the
/// effects of earlier ones), observing each: duration, rows, locks taken, tables rewritten.
/// A failing migration is reported with its error and ends the dry run.
fn dry_run_plan(plan: &[&Registered]) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut current: Option<&Registered> = None;
    let settings = GucScope::enter(&[]);
    let probe = ErrorPositionProbe::install();
    let failed = rolled_back(|| {
        for migration in plan {
            current = Some(migration);
            let label = format!("{}_{}.up.sql", migration.version, migration.name);
            let observed = observed_run(label, script_of(&migration.version, "up_sql"), &probe);
            outcomes.push(observed.into_outcome(&migration.version, &migration.name));
        }
    })
    .err();
    drop(probe);
    settings.leave();
    if let (Some(error), Some(migration)) = (failed, current) {
        // The migration that failed has no outcome yet: report it with its error.
        if !outcomes.iter().any(|o| o.version == migration.version) {
            let message = parts_of(*error).1;
            outcomes.push(Outcome::would_fail(
                migration.version.clone(),
                migration.name.clone(),
                Some(message),
            ));
        }
    }
    outcomes
}

/// What one script did in a dry run, before the rollback.
struct Observed {
    ran: (f64, i32, i64),
    locks: Vec<String>,
    rewritten: Vec<String>,
}

impl Observed {
    fn into_outcome(self, version: &str, name: &str) -> Outcome {
        Outcome {
            locks: self.locks,
            rewritten: self.rewritten,
            ..Outcome::ran(version, name, "dry run", self.ran)
        }
    }
}

/// Run one script, noting the locks it took and the tables it rewrote.
fn observed_run(label: String, text: String, probe: &ErrorPositionProbe) -> Observed {
    let (files, locks) = (observe::table_files(), observe::held_locks());
    let ran = run_script(label, text, probe);
    let (locks, rewritten) = observe::changes(&files, &locks);
    Observed { ran, locks, rewritten }
}

/// Dry-run any SQL text: run it in a subtransaction that is always rolled back and report
/// what it did.
pub fn dry_run(sql: &str, name: &str) -> Outcome {
    let settings = GucScope::enter(&[]);
    let probe = ErrorPositionProbe::install();
    let mut observed = None;
    let failed =
        rolled_back(|| observed = Some(observed_run(name.to_string(), sql.to_string(), &probe))).err();
    drop(probe);
    settings.leave();
    match (observed, failed) {
        (Some(observed), None) => observed.into_outcome("", name),
        (_, failed) => Outcome::would_fail(String::new(), name.to_string(), failed.map(|e| parts_of(*e).1)),
    }
}
