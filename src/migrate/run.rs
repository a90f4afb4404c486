//! The server side of migrations: the tracking tables, the advisory lock, running the texts.

use super::events::{self, Event};
use super::hook_calls::{self, HookFailure};
use super::hooks::{Context, Hook, Phase};
use super::version::LOCK_KEY;
use super::{check_version, down_plan, pending, refuse_outside_transaction, statuses, Applied, Direction};
use super::{Registered, State};
use crate::errors::{raise, sqlstate};
use crate::schema_hash::text_checksum;
use crate::script::{first_outside_transaction, parts_of, run_source, ErrorParts, Purpose};
use crate::server::error_position::ErrorPositionProbe;
use crate::server::scope::Scope;
use crate::sources::Source;
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode;
use serde_json::{json, Value};
use std::time::Instant;

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
    /// Why the migration failed (or would fail): message, sqlstate, detail, hint.
    pub error: Option<Value>,
}

impl Outcome {
    /// A script that ran: what it did; no dry-run observations yet.
    pub(super) fn ran(
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

    /// A migration that did not run to the end: `status` says how.
    pub(super) fn stopped(version: &str, name: &str, status: &'static str, error: Value) -> Self {
        Self {
            version: version.to_string(),
            name: name.to_string(),
            status,
            duration_ms: 0.0,
            statements: 0,
            rows_affected: 0,
            locks: Vec::new(),
            rewritten: Vec::new(),
            error: Some(error),
        }
    }
}

/// An error as the rows and events report it.
pub(super) fn error_json((code, message, detail, hint): &ErrorParts) -> Value {
    json!({ "sqlstate": sqlstate(*code), "message": message, "detail": detail, "hint": hint })
}

pub(super) fn fail(message: String, hint: Option<String>) -> ! {
    raise(crate::errors::codes::INVALID_ARGUMENT, message, None, hint)
}

pub(super) fn spi<T>(what: &str, result: Result<T, pgrx::spi::Error>) -> T {
    result.unwrap_or_else(|e| {
        raise(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("confiture migrate: {what}: {e}"), None, None)
    })
}

/// Take the migration lock. Only under READ COMMITTED: at REPEATABLE READ or SERIALIZABLE the
/// transaction's snapshot was taken before the lock, so it could miss what the session that held
/// the lock just committed, and apply (or register over) a migration a second time.
pub(super) fn lock() {
    let isolation = spi(
        "reading the isolation level",
        Spi::get_one::<String>("SELECT pg_catalog.current_setting('transaction_isolation')"),
    )
    .unwrap_or_default();
    // PostgreSQL runs READ UNCOMMITTED as READ COMMITTED.
    if isolation != "read committed" && isolation != "read uncommitted" {
        raise(
            crate::errors::codes::NOT_READ_COMMITTED,
            format!(
                "confiture migrations need a READ COMMITTED transaction, not {}",
                isolation.to_uppercase()
            ),
            Some(
                "The transaction's snapshot predates the migration lock: it could miss a migration another \
                 session has just applied, and apply it again."
                    .into(),
            ),
            Some(
                "Run it in a transaction started with BEGIN ISOLATION LEVEL READ COMMITTED (the CLI does)."
                    .into(),
            ),
        );
    }
    spi(
        "taking the migration lock",
        Spi::run(&format!("SELECT pg_catalog.pg_advisory_xact_lock({LOCK_KEY})")),
    );
}

pub(super) fn registered() -> Vec<Registered> {
    read_registered(
        "SELECT version, name, checksum, down_sql IS NOT NULL, up_outside_transaction, \
         down_outside_transaction FROM confiture.migrations",
    )
}

/// What migration_status needs, from the columns every role may read (not the scripts).
fn registered_for_status() -> Vec<Registered> {
    read_registered(
        "SELECT version, name, checksum, false, up_outside_transaction, down_outside_transaction \
         FROM confiture.migrations",
    )
}

fn read_registered(query: &str) -> Vec<Registered> {
    spi(
        "reading confiture.migrations",
        Spi::connect(|client| {
            client
                .select(query, None, &[])?
                .map(|row| {
                    Ok(Registered {
                        version: row.get::<String>(1)?.unwrap_or_default(),
                        name: row.get::<String>(2)?.unwrap_or_default(),
                        checksum: row.get::<String>(3)?.unwrap_or_default(),
                        has_down: row.get::<bool>(4)?.unwrap_or(false),
                        up_outside_transaction: row.get(5)?,
                        down_outside_transaction: row.get(6)?,
                    })
                })
                .collect::<Result<Vec<_>, pgrx::spi::Error>>()
        }),
    )
}

pub(super) fn applied() -> Vec<Applied> {
    spi(
        "reading confiture.migration_history",
        Spi::connect(|client| {
            client
                .select(
                    "SELECT version, name, checksum FROM confiture.migration_history \
                     ORDER BY applied_at, version COLLATE \"C\"",
                    None,
                    &[],
                )?
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
    raise(
        crate::errors::codes::CHECKSUM_DRIFT,
        format!(
            "checksum drift: migration {version}_{name} was applied with checksum {} but its text now has {}: refused",
            short(applied),
            short(now)
        ),
        None,
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
            Some(Purpose::Migration.empty_hint().into()),
        );
    }
    lock();
    let (known, history) = (registered(), applied());
    let versions = known.iter().map(|r| r.version.as_str()).chain(history.iter().map(|a| a.version.as_str()));
    if let Some(other) = super::same_number_as(version, versions) {
        fail(
            format!("migration version {version} is the number of migration {other}, written differently"),
            Some(format!("Versions are compared as numbers: rename {version}_{name} to another version.")),
        );
    }
    let checksum = text_checksum(up_sql);
    if let Some(done) = history.into_iter().find(|a| a.version == version) {
        if done.checksum != checksum {
            drift_error(version, name, &done.checksum, &checksum);
        }
    }
    let existing = known.into_iter().find(|r| r.version == version);
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
            "INSERT INTO confiture.migrations (version, name, up_sql, down_sql, checksum, \
               up_outside_transaction, down_outside_transaction) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, up_sql = EXCLUDED.up_sql, \
               down_sql = EXCLUDED.down_sql, checksum = EXCLUDED.checksum, \
               up_outside_transaction = EXCLUDED.up_outside_transaction, \
               down_outside_transaction = EXCLUDED.down_outside_transaction, \
               registered_at = clock_timestamp(), registered_by = current_user",
            &[
                DatumWithOid::from(version),
                DatumWithOid::from(name),
                DatumWithOid::from(up_sql),
                DatumWithOid::from(down_sql),
                DatumWithOid::from(checksum.as_str()),
                DatumWithOid::from(first_outside_transaction(up_sql)),
                DatumWithOid::from(down_sql.and_then(first_outside_transaction)),
            ],
        ),
    );
    if existing.is_some() {
        "updated"
    } else {
        "registered"
    }
}

/// The registered script of `version`; an error naming the cause when its row is gone (a hook
/// or another statement of the run deleted it).
pub(super) fn script_of(version: &str, column: &str) -> String {
    let query = format!("SELECT {column} FROM confiture.migrations WHERE version = $1");
    let found = spi(
        "reading the migration text",
        Spi::connect(|client| {
            let rows = client.select(&query, Some(1), &[DatumWithOid::from(version)])?;
            match rows.into_iter().next() {
                Some(row) => row.get::<String>(1),
                None => Ok(None),
            }
        }),
    );
    found.unwrap_or_else(|| {
        raise(
            crate::errors::codes::WRONG_STATE,
            format!("migration {version} is no longer registered: its row in confiture.migrations was deleted during the run"),
            None,
            Some("A hook or a migration must not delete from confiture.migrations; register the migration again.".into()),
        )
    })
}

/// Run one script and return what it did.
pub(super) fn run_script(label: String, text: String, probe: &ErrorPositionProbe) -> (f64, i32, i64) {
    let started = Instant::now();
    let source = Source { name: label, text };
    let run = Spi::connect_mut(|client| run_source(client, &source, probe, Purpose::Migration));
    let duration_ms = (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0;
    (duration_ms, run.statements as i32, run.rows_affected as i64)
}

/// Apply every registered, unapplied migration in version order, up to `target`. A dry run
/// runs them in a subtransaction that is always rolled back and reports what they did.
/// `raise_on_failure` false: a failure is returned as a row instead of raised, so that the
/// caller's transaction keeps its event and what the on_error hooks did (the migrations of the
/// call are rolled back all the same).
pub fn up(target: Option<&str>, dry_run: bool, raise_on_failure: bool) -> Vec<Outcome> {
    lock();
    let registered = registered();
    let applied = applied();
    if let Some((version, name, _)) =
        statuses(&registered, &applied, None).into_iter().find(|(_, _, s)| *s == State::Drifted)
    {
        let (was, now) = (
            applied.iter().find(|a| a.version == version).map(|a| a.checksum.clone()).unwrap_or_default(),
            registered.iter().find(|r| r.version == version).map(|r| r.checksum.clone()).unwrap_or_default(),
        );
        drift_error(&version, &name, &was, &now);
    }
    let plan = pending(&registered, &applied, target).unwrap_or_else(|e| fail(e, None));
    if dry_run {
        return super::dry::dry_run_plan(&plan);
    }
    refuse_outside_transaction(&plan, Direction::Up).unwrap_or_else(|(message, hint)| {
        raise(crate::errors::codes::NEEDS_OUTSIDE_TRANSACTION, message, None, Some(hint))
    });
    run_plan(&plan, Direction::Up, raise_on_failure)
}

/// Run the down scripts of the `steps` newest applied migrations, newest first.
pub fn down(steps: i32, raise_on_failure: bool) -> Vec<Outcome> {
    lock();
    let registered = registered();
    let applied = applied();
    let plan = down_plan(&registered, &applied, steps).unwrap_or_else(|e| fail(e, None));
    refuse_outside_transaction(&plan, Direction::Down).unwrap_or_else(|(message, hint)| {
        raise(crate::errors::codes::NEEDS_OUTSIDE_TRANSACTION, message, None, Some(hint))
    });
    run_plan(&plan, Direction::Down, raise_on_failure)
}

/// What migrate_up (to `target`) or migrate_down (`steps`) would run now, in order, with the
/// statement of each that cannot run in a transaction: the one planner, which the CLI follows.
pub fn plan(direction: &str, target: Option<&str>, steps: i32) -> Vec<(String, String, Option<String>)> {
    let Some(direction) = Direction::parse(direction) else {
        fail(format!("direction must be up or down, not \"{direction}\""), None);
    };
    let (registered, applied) = (registered(), applied());
    let plan = match direction {
        Direction::Up => pending(&registered, &applied, target),
        Direction::Down => down_plan(&registered, &applied, steps),
    }
    .unwrap_or_else(|e| fail(e, None));
    plan.into_iter()
        .map(|m| (m.version.clone(), m.name.clone(), direction.outside_transaction(m).map(str::to_string)))
        .collect()
}

/// Record in migration_history that `migration` ran in `direction`.
pub(super) fn record_history(
    migration: &Registered,
    direction: Direction,
    (duration_ms, statements, rows): (f64, i32, i64),
) {
    let done = match direction {
        Direction::Up => Spi::run_with_args(
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
        Direction::Down => Spi::run_with_args(
            "DELETE FROM confiture.migration_history WHERE version = $1",
            &[DatumWithOid::from(migration.version.as_str())],
        ),
    };
    spi("recording the migration", done);
}

/// The detail of a migration event.
pub(super) fn event_detail(migration: &Registered, direction: Direction, extra: Value) -> Value {
    let mut detail = json!({ "name": migration.name, "direction": direction.as_str() });
    if let (Some(detail), Value::Object(extra)) = (detail.as_object_mut(), extra) {
        detail.extend(extra);
    }
    detail
}

/// Run each migration's script with its hooks, then record it, all in one subtransaction: on a
/// failure nothing of the call remains, the on_error hooks run, the failure is recorded, and
/// then raised (or returned). The settings a script changes last for the call only.
fn run_plan(plan: &[&Registered], direction: Direction, raise_on_failure: bool) -> Vec<Outcome> {
    let hooks = hook_calls::load();
    let mut outcomes = Vec::new();
    let mut current: Option<(&Registered, Context)> = None;
    let failed = Scope::kept_on_success().run(|probe| {
        for (done, migration) in plan.iter().enumerate() {
            let context = Context::new(&migration.version, &migration.name, direction.as_str(), false);
            let (_, context) = current.insert((migration, context));
            events::record(
                Event::MigrationStarted,
                Some(&migration.version),
                event_detail(migration, direction, json!({})),
            );
            let ran = run_with_hooks(&hooks, migration, direction, context, probe);
            record_history(migration, direction, ran);
            let outcome = Outcome::ran(&migration.version, &migration.name, direction.done(), ran);
            let counts = json!({ "duration_ms": ran.0, "statements": ran.1, "rows_affected": ran.2 });
            events::record(
                Event::MigrationCompleted,
                Some(&migration.version),
                event_detail(migration, direction, counts),
            );
            // Progress for clients that ask for it (the CLI's bar: client_min_messages = debug1).
            pgrx::debug1!("confiture progress: {} {}/{}", direction.label(migration), done + 1, plan.len());
            outcomes.push(outcome);
        }
    });
    let Err(caught) = failed else {
        return outcomes;
    };
    let parts = parts_of(caught.error);
    let error = error_json(&parts);
    if let Some((migration, mut context)) = current {
        hook_calls::run_on_error(&hooks, &migration.version, &mut context, &error);
        let detail = event_detail(migration, direction, json!({ "error": error }));
        events::record(Event::MigrationFailed, Some(&migration.version), detail);
        if !raise_on_failure {
            return vec![Outcome::stopped(&migration.version, &migration.name, "failed", error)];
        }
    }
    raise(parts.0, parts.1, parts.2, parts.3)
}

/// Run one migration's script between its hooks: before_validation, before_ddl, the script,
/// after_ddl, after_validation, cleanup. A failing hook fails the migration, named.
pub(super) fn run_with_hooks(
    hooks: &[Hook],
    migration: &Registered,
    direction: Direction,
    context: &mut Context,
    probe: &ErrorPositionProbe,
) -> (f64, i32, i64) {
    let label = direction.label(migration);
    let run_phases = |phases: &[Phase], context: &mut Context| {
        for phase in phases {
            hook_calls::run_phase(hooks, *phase, &migration.version, context)
                .unwrap_or_else(|failure| raise_hook_failure(&label, *failure));
        }
    };
    run_phases(&Phase::BEFORE, context);
    let ran = run_script(label.clone(), script_of(&migration.version, direction.column()), probe);
    run_phases(&Phase::AFTER, context);
    ran
}

fn raise_hook_failure(label: &str, failure: HookFailure) -> ! {
    let (code, message, detail, hint) = failure.error;
    raise(
        code,
        format!("{label}: hook {} failed in {}: {message}", failure.hook, failure.phase.as_str()),
        detail,
        hint,
    )
}

/// Every known migration and its state; `offered` (version, checksum) pairs, from the CLI's
/// files, reveal drift before anything is registered.
pub fn status(
    versions: Option<Vec<String>>,
    checksums: Option<Vec<String>>,
) -> Vec<(String, String, &'static str)> {
    let (versions, checksums) = match (versions, checksums) {
        (None, None) => {
            let rows = statuses(&registered_for_status(), &applied(), None);
            return rows.into_iter().map(|(v, n, s)| (v, n, s.as_str())).collect();
        }
        (versions, checksums) => (versions.unwrap_or_default(), checksums.unwrap_or_default()),
    };
    if versions.len() != checksums.len() {
        let message = format!(
            "versions has {} elements but checksums has {}: give one checksum per version",
            versions.len(),
            checksums.len()
        );
        fail(message, None);
    }
    let offered: Vec<(String, String)> = versions.into_iter().zip(checksums).collect();
    statuses(&registered_for_status(), &applied(), Some(&offered))
        .into_iter()
        .map(|(v, n, s)| (v, n, s.as_str()))
        .collect()
}

/// Accept a changed text for an applied migration, on purpose: it becomes the registered text
/// and the history's checksum, and the history records who accepted it and when.
pub fn accept(version: &str, up_sql: &str) -> String {
    lock();
    if !applied().iter().any(|a| a.version == version) {
        raise(
            crate::errors::codes::WRONG_STATE,
            format!("migration {version} is not applied: nothing to accept (register it instead)"),
            None,
            None,
        );
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
