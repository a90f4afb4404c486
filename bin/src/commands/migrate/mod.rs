//! `confiture migrate up|down|status|current|...`: ship db/migrations/ files to the extension,
//! which plans and runs them; this module only cuts its plan where a script must run outside a
//! transaction. Layers, one way: this module -> `files` (reading the project), `segments` (pure),
//! `session` (the connection, the session lock, scripts run outside a transaction), `history`
//! (what was applied when), `report` (printing).

mod adopt;
mod assess;
mod down;
mod files;
mod generate;
mod history;
mod report;
mod s2s;
mod segments;
mod session;
mod verify;

use crate::cli::{LockOptions, MigrateAction, RiskOptions};
use crate::config;
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use crate::output::Format;
use confiture_core::migration::{State, StepStatus};
use confiture_core::schema_hash::text_checksum;
use confiture_core::wire::{columns, StatusRow, Step};
use down::{down, rollback_code, DownTo};
pub use files::{discover, new, MigrationFile};
use indicatif::ProgressBar;
use postgres::Client;
use postgres::Transaction;
use segments::{segments, Segment};
use session::{connect, failure_of, lock_session, run_outside, show_progress, LockWait};
use std::path::Path;

fn db_error(target: &Target) -> impl Fn(postgres::Error) -> Failure + '_ {
    move |e| {
        let mut failure = Failure::from_postgres(e, &target.description);
        // confiture raises checksum drift as 27000 (docs/errors.md).
        if failure.sqlstate.as_deref() == Some("27000") {
            failure.kind = Kind::Drift;
        }
        failure
    }
}

fn status_in(tx: &mut Transaction, files: &[MigrationFile], target: &Target) -> Result<Vec<StatusRow>> {
    let versions: Vec<&str> = files.iter().map(|f| f.version.as_str()).collect();
    let checksums: Vec<String> = files.iter().map(|f| text_checksum(&f.up)).collect();
    let query = format!(
        "SELECT {} FROM confiture.migration_status($1::text[], $2::text[])",
        columns::STATUS.join(", ")
    );
    let rows = tx.query(&query, &[&versions, &checksums]).map_err(db_error(target))?;
    // A file not registered yet has no name in the database: take it from the file.
    let name_of = |version: &str, name: String| match files.iter().find(|f| f.version == version) {
        Some(file) if name.is_empty() => file.name.clone(),
        _ => name,
    };
    rows.iter()
        .map(|r| {
            let version: String = r.get("version");
            let state: String = r.get("state");
            let state = State::parse(&state).ok_or_else(|| {
                Failure::new(Kind::Database, format!("unknown migration state \"{state}\""))
            })?;
            Ok(StatusRow { name: name_of(&version, r.get("name")), version, state })
        })
        .collect()
}

/// Refuse to go on when an applied migration's file changed or disappeared.
fn refuse_drift(statuses: &[StatusRow]) -> Result<()> {
    let bad: Vec<String> = statuses
        .iter()
        .filter(|s| s.state.blocks())
        .map(|s| format!("{}_{} ({})", s.version, s.name, s.state.as_str()))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(Failure::new(Kind::Drift, format!("applied migrations differ from db/migrations/: {}", bad.join(", ")))
        .with_hint("A drifted file was edited after it was applied: restore it, or accept it on purpose with confiture migrate accept VERSION; a missing one was applied but its file is gone."))
}

fn connect_and_register<'c>(
    client: &'c mut postgres::Client,
    files: &[MigrationFile],
    target: &Target,
) -> Result<(Transaction<'c>, Vec<StatusRow>)> {
    let mut tx = client.transaction().map_err(db_error(target))?;
    tx.batch_execute("CREATE EXTENSION IF NOT EXISTS confiture").map_err(db_error(target))?;
    let statuses = status_in(&mut tx, files, target)?;
    refuse_drift(&statuses)?;
    for file in files {
        tx.query_one(
            "SELECT confiture.register_migration($1, $2, $3, $4)",
            &[&file.version, &file.name, &file.up, &file.down],
        )
        .map_err(|e| {
            let mut failure = db_error(target)(e);
            failure.message = format!("{}: {}", file.up_path, failure.message);
            failure
        })?;
    }
    Ok((tx, statuses))
}

/// The rows of migrate_up / migrate_down, read by column name (`columns::STEP`).
fn steps_of(rows: Vec<postgres::Row>) -> Result<Vec<Step>> {
    rows.iter()
        .map(|r| {
            let status: String = r.get("status");
            Ok(Step {
                version: r.get("version"),
                name: r.get("name"),
                status: StepStatus::parse(&status).ok_or_else(|| {
                    Failure::new(Kind::Database, format!("unknown migration status \"{status}\""))
                })?,
                duration_ms: r.get("duration_ms"),
                statements: r.get("statements"),
                rows_affected: r.get("rows_affected"),
                locks: r.get("locks"),
                rewritten: r.get("rewritten"),
                error: r.get("error"),
            })
        })
        .collect()
}

/// The environment and the database it names (read once per command).
fn target_of(project: &Path, env: Option<&str>, url: Option<&str>) -> Result<(config::Environment, Target)> {
    let environment = config::load(project, env)?;
    let target = Target::parse(&config::database_url(&environment, url)?)?;
    Ok((environment, target))
}

/// Register every file and apply the pending migrations (up to `target_version`). Ordinary
/// migrations run in one transaction, all or nothing; a script that cannot run in a
/// transaction runs on its own between them (see `session`). A dry run reports what they would
/// do and rolls everything back, the registrations included. A failure is reported after its
/// rollback, with its event and what the on_error hooks did committed.
/// Returns what ran and, for the report, each migration's state before the run.
#[allow(clippy::too_many_arguments)]
pub fn up(
    project: &Path,
    env: Option<&str>,
    url: Option<&str>,
    target_version: Option<&str>,
    dry_run: bool,
    import_history: bool,
    lock: &LockOptions,
    risk: &RiskOptions,
) -> Result<(Vec<Step>, Vec<StatusRow>)> {
    if import_history && !dry_run {
        import_if_any(project, env, url, lock)?;
    }
    let Locked { files, tracking_table, target, bar, mut client } = open_locked(project, env, url, lock)?;
    let (mut tx, statuses) = connect_and_register(&mut client, &files, &target)?;
    adopt::refuse_unimported(&mut tx, &tracking_table, &statuses, &target)?;
    if let Some(version) = target_version.filter(|t| !statuses.iter().any(|s| s.version == *t)) {
        return Err(Failure::new(
            Kind::Config,
            format!("target version {version} is not a registered migration"),
        ));
    }
    let decided = assess::decide(&mut tx, &target, target_version, risk)?;
    let target_version = match decided {
        assess::Decision::Run(version) => version.or(target_version.map(String::from)),
        assess::Decision::Nothing => {
            // The answers were recorded: keep them (and the registrations).
            tx.commit().map_err(db_error(&target))?;
            return Ok((Vec::new(), statuses));
        }
    };
    let target_version = target_version.as_deref();
    if dry_run {
        let rows = tx
            .query("SELECT * FROM confiture.migrate_up($1, dry_run => true)", &[&target_version])
            .map_err(db_error(&target))?;
        tx.rollback().map_err(db_error(&target))?;
        return Ok((steps_of(rows)?, statuses));
    }
    let (plan, outside) = plan_in(&mut tx, "up", target_version, 0, &target)?;
    tx.commit().map_err(db_error(&target))?;
    let steps = run_segments(&mut client, &files, &target, &bar, &segments(&plan, &outside), "up")?;
    Ok((steps, statuses))
}

/// `migrate up --import-history`: the Python confiture's history first, when its table exists.
fn import_if_any(project: &Path, env: Option<&str>, url: Option<&str>, lock: &LockOptions) -> Result<()> {
    match adopt::import(project, env, url, lock) {
        Ok((table, marked)) => {
            let new = marked.iter().filter(|m| m.status == "marked").count();
            if new > 0 {
                eprintln!("imported {new} migrations applied by the Python confiture ({table})");
            }
            Ok(())
        }
        Err(failure) if failure.kind == Kind::Config && failure.message.starts_with("no tracking table") => {
            Ok(())
        }
        Err(failure) => Err(failure),
    }
}

/// What `up`, `down`, `baseline` and `import` start from: the files, the environment's
/// tracking table, the target, and a connection holding the migration lock for the session,
/// with the (hidden) progress bar its notices move.
struct Locked {
    files: Vec<MigrationFile>,
    tracking_table: String,
    target: Target,
    bar: ProgressBar,
    client: Client,
}

fn open_locked(project: &Path, env: Option<&str>, url: Option<&str>, lock: &LockOptions) -> Result<Locked> {
    let files = discover(project)?;
    let (environment, target) = target_of(project, env, url)?;
    let bar = ProgressBar::hidden();
    let mut client = connect(&target, &bar)?;
    lock_session(&mut client, &target, LockWait::of(lock, &environment))?;
    Ok(Locked { files, tracking_table: environment.tracking_table, target, bar, client })
}

/// The extension's plan (confiture.migration_plan, the one planner): the versions to run in
/// order, and those among them whose script must run outside a transaction.
fn plan_in(
    tx: &mut Transaction,
    direction: &str,
    target_version: Option<&str>,
    steps: i32,
    target: &Target,
) -> Result<(Vec<String>, Vec<String>)> {
    let rows = tx
        .query(
            "SELECT version, outside_transaction FROM confiture.migration_plan($1, $2, $3)",
            &[&direction, &target_version, &steps],
        )
        .map_err(db_error(target))?;
    let plan = rows.iter().map(|r| r.get::<_, String>("version")).collect();
    let outside = rows
        .iter()
        .filter(|r| r.get::<_, Option<String>>("outside_transaction").is_some())
        .map(|r| r.get("version"))
        .collect();
    Ok((plan, outside))
}

/// Run each segment: ordinary ones through migrate_up/migrate_down in a transaction of their
/// own, the others statement by statement. The first failure stops the run.
fn run_segments(
    client: &mut Client,
    files: &[MigrationFile],
    target: &Target,
    bar: &ProgressBar,
    plan: &[Segment],
    direction: &str,
) -> Result<Vec<Step>> {
    let total = plan
        .iter()
        .map(|s| match s {
            Segment::InTransaction { count, .. } => *count,
            Segment::Outside(_) => 1,
        })
        .sum();
    show_progress(client, target, bar, total)?;
    let mut steps = Vec::new();
    for segment in plan {
        match segment {
            Segment::InTransaction { last, count } => {
                let mut tx = client.transaction().map_err(db_error(target))?;
                let rows = if direction == "up" {
                    let query = "SELECT * FROM confiture.migrate_up($1, raise_on_failure => false)";
                    tx.query(query, &[last])
                } else {
                    let query = "SELECT * FROM confiture.migrate_down($1, raise_on_failure => false)";
                    tx.query(query, &[&(*count as i32)])
                }
                .map_err(db_error(target))?;
                let ran = steps_of(rows)?;
                if let Some(failure) = ran.iter().find_map(failure_of) {
                    // A failed call left only its event and its on_error hooks' work: keep those.
                    tx.commit().map_err(db_error(target))?;
                    bar.finish_and_clear();
                    return Err(failure);
                }
                // Each applied migration's .verify.sql check, before anything is committed: a
                // check that fails rolls this whole run of migrations back.
                if let Err(failure) =
                    ran.iter().try_for_each(|step| verify::check(&mut tx, files, &step.version, target))
                {
                    tx.rollback().map_err(db_error(target))?;
                    bar.finish_and_clear();
                    return Err(failure);
                }
                tx.commit().map_err(db_error(target))?;
                steps.extend(ran);
            }
            Segment::Outside(version) => {
                bar.set_message(format!("{version} (outside a transaction)"));
                let step = run_outside(client, target, version, direction).and_then(|step| {
                    let mut tx = client.transaction().map_err(db_error(target))?;
                    verify::check(&mut tx, files, version, target).map_err(|mut failure| {
                        failure.hint = Some(
                            "This migration ran outside a transaction and stays applied: fix what the check found with \
                             a new migration."
                                .into(),
                        );
                        failure
                    })?;
                    tx.rollback().map_err(db_error(target))?;
                    Ok(step)
                });
                bar.inc(1);
                if step.is_err() {
                    bar.finish_and_clear();
                }
                steps.push(step?);
            }
        }
    }
    bar.finish_and_clear();
    Ok(steps)
}

/// The states of `status` and `verify-checksums`, with when each was applied; `initialized`
/// is false where confiture never migrated (no extension).
pub struct StatusReport {
    pub rows: Vec<StatusRow>,
    pub applied: Vec<report::AppliedRow>,
    pub tracking_table: String,
    pub initialized: bool,
}

pub fn status(project: &Path, env: Option<&str>, url: Option<&str>) -> Result<StatusReport> {
    let files = discover(project)?;
    let (environment, target) = target_of(project, env, url)?;
    let mut client = target.connect()?;
    let tracking_table = environment.tracking_table;
    let Some(applied) = history::applied(&mut client, &target)? else {
        let (rows, python_history) =
            adopt::status_without_extension(&mut client, &files, &tracking_table, &target)?;
        return Ok(StatusReport { rows, applied: vec![], tracking_table, initialized: python_history });
    };
    let mut tx = client.transaction().map_err(db_error(&target))?;
    let rows = status_in(&mut tx, &files, &target)?;
    Ok(StatusReport { rows, applied, tracking_table, initialized: true })
}

/// `migrate current`: the newest applied migration (by version), if any.
pub fn current(
    project: &Path,
    env: Option<&str>,
    url: Option<&str>,
) -> Result<(Option<report::AppliedRow>, bool)> {
    let (_, target) = target_of(project, env, url)?;
    let mut client = target.connect()?;
    let applied = history::applied(&mut client, &target)?;
    let installed = applied.is_some();
    Ok((applied.as_deref().and_then(history::newest).cloned(), installed))
}

/// Accept an applied migration's changed file on purpose.
pub fn accept(project: &Path, env: Option<&str>, url: Option<&str>, version: &str) -> Result<String> {
    let files = discover(project)?;
    let file = files
        .iter()
        .find(|f| f.version == version)
        .ok_or_else(|| Failure::new(Kind::Config, format!("no db/migrations/{version}_*.up.sql")))?;
    let (_, target) = target_of(project, env, url)?;
    let mut client = target.connect()?;
    let row = client
        .query_one("SELECT confiture.accept_checksum($1, $2)", &[&file.version, &file.up])
        .map_err(db_error(&target))?;
    Ok(row.get(0))
}

/// `confiture migrate ...`: run the action, print its result, return the exit code.
pub fn command(project: &Path, format: Format, action: MigrateAction) -> Result<u8> {
    match action {
        MigrateAction::Up { target, target_version, dry_run, import_history, lock, risk } => {
            let url = target.database_url.as_deref();
            let env = target.env.as_deref();
            let (steps, before) =
                up(project, env, url, target_version.as_deref(), dry_run, import_history, &lock, &risk)?;
            report::up(&steps, &before, format, dry_run);
            if steps.iter().any(|s| s.error.is_some()) {
                return Ok(crate::CHECK_FAILED);
            }
        }
        MigrateAction::Down { target, steps, to, dry_run, lock } => {
            let how = match &to {
                Some(version) => DownTo::Keep(version),
                None => DownTo::Steps(steps),
            };
            let done =
                down(project, target.env.as_deref(), target.database_url.as_deref(), how, dry_run, &lock)?;
            report::down(&done.steps, done.from.as_deref(), done.to.as_deref(), format, dry_run);
            return Ok(rollback_code(&done));
        }
        MigrateAction::DownTo { revision, target, dry_run, lock } => {
            let how = DownTo::Keep(&revision);
            let done =
                down(project, target.env.as_deref(), target.database_url.as_deref(), how, dry_run, &lock)?;
            report::down(&done.steps, done.from.as_deref(), Some(&revision), format, dry_run);
            return Ok(rollback_code(&done));
        }
        MigrateAction::Assess { target, target_version, max_risk, model_only } => {
            let how = if model_only { assess::Observe::ModelOnly } else { assess::Observe::OnCopy };
            let env = target.env.as_deref();
            let url = target.database_url.as_deref();
            return assess::command(project, env, url, target_version.as_deref(), how, max_risk, format);
        }
        MigrateAction::Status { target } => {
            let found = status(project, target.env.as_deref(), target.database_url.as_deref())?;
            report::status(&found.rows, &found.applied, &found.tracking_table, found.initialized, format);
            return Ok(status_code(&found));
        }
        MigrateAction::VerifyChecksums { target } => {
            let found = status(project, target.env.as_deref(), target.database_url.as_deref())?;
            report::checksums(&found.rows, found.initialized, format);
            if !found.initialized {
                return Ok(Kind::NotInitialized.exit_code());
            }
            if found.rows.iter().any(|r| r.state.blocks()) {
                return Ok(Kind::Drift.exit_code());
            }
        }
        MigrateAction::Current { target } => {
            let (newest, installed) =
                current(project, target.env.as_deref(), target.database_url.as_deref())?;
            report::current(newest.as_ref(), format);
            if !installed {
                return Ok(Kind::NotInitialized.exit_code());
            }
        }
        MigrateAction::Validate => {
            let files = discover(project)?;
            files::validate(&files, format);
        }
        MigrateAction::Accept { target, version } => {
            let checksum = accept(project, target.env.as_deref(), target.database_url.as_deref(), &version)?;
            match format {
                Format::Table => out!("accepted migration {version}: checksum {checksum}"),
                _ => out!("{}", serde_json::json!({"version": version, "checksum": checksum})),
            }
        }
        MigrateAction::Baseline { target, through, lock } => {
            let marked = adopt::baseline(
                project,
                target.env.as_deref(),
                target.database_url.as_deref(),
                &through,
                &lock,
            )?;
            report::marked(&marked, format, &format!("baseline through {through}"));
        }
        MigrateAction::Import { target, lock } => {
            let (table, marked) =
                adopt::import(project, target.env.as_deref(), target.database_url.as_deref(), &lock)?;
            report::marked(&marked, format, &format!("imported from {table}"));
        }
        MigrateAction::SchemaToSchema {
            from,
            to,
            mapping,
            plan_only,
            resume,
            batch_rows,
            source_host,
            verify,
        } => {
            let options =
                s2s::Options { from, to, mapping, plan_only, resume, batch_rows, source_host, verify };
            return s2s::command(project, &options, format);
        }
        MigrateAction::Generate { name, args } => {
            let created = generate::generate(project, &super::diff::DiffOptions::from(&args), &name)?;
            match format {
                Format::Table => created.iter().for_each(|path| out!("created {path}")),
                _ => out!("{}", serde_json::json!({"created": created})),
            }
        }
        MigrateAction::New { name } => {
            let created = new(project, &name)?;
            match format {
                Format::Table => created.iter().for_each(|path| out!("created {path}")),
                _ => out!("{}", serde_json::json!({"created": created})),
            }
        }
    }
    Ok(0)
}

/// `migrate status`'s exit code, as the Python confiture's: 2 where nothing was ever migrated,
/// 1 when something is pending (or, ours, drifted or missing), else 0.
fn status_code(found: &StatusReport) -> u8 {
    if !found.initialized {
        return Kind::NotInitialized.exit_code();
    }
    if found.rows.iter().any(|r| r.state.blocks() || r.state == State::Pending) {
        return crate::CHECK_FAILED;
    }
    0
}
