//! `confiture migrate up|down|status|accept|new`: ship db/migrations/ files to the extension,
//! which plans and runs them; this module only cuts its plan where a script must run outside a
//! transaction. Layers, one way: this module -> `files` (reading the project), `segments` (pure),
//! `session` (the connection, the session lock, scripts run outside a transaction).

mod adopt;
mod files;
mod segments;
mod session;
mod verify;

use crate::cli::MigrateAction;
use crate::config;
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use crate::output::Format;
use confiture_core::migration::{State, StepStatus};
use confiture_core::schema_hash::text_checksum;
use confiture_core::wire::{columns, StatusRow, Step};
pub use files::{discover, new, MigrationFile};
use indicatif::ProgressBar;
use postgres::Client;
use postgres::Transaction;
use segments::{segments, Segment};
use session::{connect, failure_of, lock_session, run_outside, show_progress};
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
pub fn up(
    project: &Path,
    env: Option<&str>,
    url: Option<&str>,
    target_version: Option<&str>,
    dry_run: bool,
    import_history: bool,
) -> Result<Vec<Step>> {
    if import_history && !dry_run {
        import_if_any(project, env, url)?;
    }
    let Locked { files, tracking_table, target, bar, mut client } = open_locked(project, env, url)?;
    let (mut tx, statuses) = connect_and_register(&mut client, &files, &target)?;
    adopt::refuse_unimported(&mut tx, &tracking_table, &statuses, &target)?;
    if let Some(version) = target_version.filter(|t| !statuses.iter().any(|s| s.version == *t)) {
        return Err(Failure::new(
            Kind::Config,
            format!("target version {version} is not a registered migration"),
        ));
    }
    if dry_run {
        let rows = tx
            .query("SELECT * FROM confiture.migrate_up($1, dry_run => true)", &[&target_version])
            .map_err(db_error(&target))?;
        tx.rollback().map_err(db_error(&target))?;
        return steps_of(rows);
    }
    let (plan, outside) = plan_in(&mut tx, "up", target_version, 0, &target)?;
    tx.commit().map_err(db_error(&target))?;
    run_segments(&mut client, &files, &target, &bar, &segments(&plan, &outside), "up")
}

/// `migrate up --import-history`: the Python confiture's history first, when its table exists.
fn import_if_any(project: &Path, env: Option<&str>, url: Option<&str>) -> Result<()> {
    match adopt::import(project, env, url) {
        Ok((table, marked)) => {
            let new = marked.iter().filter(|m| m.status == "marked").count();
            if new > 0 {
                eprintln!("imported {new} migrations applied by the Python confiture ({table})");
            }
            Ok(())
        }
        Err(failure) if failure.kind == Kind::Config && failure.message.starts_with("no tracking table") => Ok(()),
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

fn open_locked(project: &Path, env: Option<&str>, url: Option<&str>) -> Result<Locked> {
    let files = discover(project)?;
    let (environment, target) = target_of(project, env, url)?;
    let bar = ProgressBar::hidden();
    let mut client = connect(&target, &bar)?;
    lock_session(&mut client, &target)?;
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
                if let Err(failure) = ran.iter().try_for_each(|step| verify::check(&mut tx, files, &step.version, target)) {
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

/// Run the down scripts of the `steps` last applied migrations, the last applied first.
pub fn down(project: &Path, env: Option<&str>, url: Option<&str>, steps: i32) -> Result<Vec<Step>> {
    let Locked { files, target, bar, mut client, .. } = open_locked(project, env, url)?;
    let (mut tx, _) = connect_and_register(&mut client, &files, &target)?;
    // The whole plan is checked before anything runs (a missing down script is refused): a
    // script run outside a transaction commits, so a later segment's refusal would come too late.
    let (plan, outside) = plan_in(&mut tx, "down", None, steps, &target)?;
    tx.commit().map_err(db_error(&target))?;
    run_segments(&mut client, &[], &target, &bar, &segments(&plan, &outside), "down")
}

pub fn status(project: &Path, env: Option<&str>, url: Option<&str>) -> Result<Vec<StatusRow>> {
    let files = discover(project)?;
    let (environment, target) = target_of(project, env, url)?;
    let mut client = target.connect()?;
    let installed: bool = client
        .query_one("SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'confiture')", &[])
        .map_err(db_error(&target))?
        .get(0);
    if !installed {
        return adopt::status_without_extension(&mut client, &files, &environment.tracking_table, &target);
    }
    let mut tx = client.transaction().map_err(db_error(&target))?;
    let rows = status_in(&mut tx, &files, &target).map_err(Failure::with_extension_hint)?;
    Ok(rows)
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

fn print_steps(steps: &[Step], format: Format, what: &str) {
    match format {
        Format::Json | Format::Sarif => {
            out!("{}", serde_json::to_string_pretty(steps).expect("serializable"))
        }
        Format::Table if steps.is_empty() => out!("nothing to {what}: up to date"),
        Format::Table => {
            let dry = what == "dry run";
            let mut header = vec!["version", "name", "status", "ms", "statements", "rows"];
            if dry {
                header.extend(["locks taken", "rewritten", "error"]);
            }
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY).set_header(header);
            for step in steps {
                let mut row = vec![
                    step.version.clone(),
                    step.name.clone(),
                    step.status.as_str().to_string(),
                    format!("{:.1}", step.duration_ms),
                    step.statements.to_string(),
                    step.rows_affected.to_string(),
                ];
                if dry {
                    row.extend([
                        step.locks.join("\n"),
                        step.rewritten.join("\n"),
                        step.error
                            .as_ref()
                            .and_then(|e| e["message"].as_str())
                            .unwrap_or_default()
                            .to_string(),
                    ]);
                }
                table.add_row(row);
            }
            out!("{table}");
            let done = match what {
                "apply" => "applied",
                "dry run" => "dry-run, then rolled back: nothing was changed",
                _ => "rolled back",
            };
            out!("{} migrations {done}", steps.len());
        }
    }
}

fn print_marked(marked: &[adopt::Marked], format: Format, what: &str) {
    match format {
        Format::Json | Format::Sarif => out!("{}", serde_json::to_string_pretty(marked).expect("serializable")),
        Format::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY).set_header(vec!["version", "name", "status"]);
            for row in marked {
                table.add_row(vec![row.version.clone(), row.name.clone(), row.status.clone()]);
            }
            out!("{table}");
            let new = marked.iter().filter(|m| m.status == "marked").count();
            out!("{new} migrations marked applied without running them ({what})");
        }
    }
}

/// `confiture migrate ...`: run the action, print its result, return the exit code.
pub fn command(project: &Path, format: Format, action: MigrateAction) -> Result<u8> {
    match action {
        MigrateAction::Up { target, target_version, dry_run, import_history } => {
            let url = target.database_url.as_deref();
            let env = target.env.as_deref();
            let steps = up(project, env, url, target_version.as_deref(), dry_run, import_history)?;
            print_steps(&steps, format, if dry_run { "dry run" } else { "apply" });
            if steps.iter().any(|s| s.error.is_some()) {
                return Ok(crate::CHECK_FAILED);
            }
        }
        MigrateAction::Down { target, steps } => {
            let steps = down(project, target.env.as_deref(), target.database_url.as_deref(), steps)?;
            print_steps(&steps, format, "roll back");
        }
        MigrateAction::Status { target } => {
            let rows = status(project, target.env.as_deref(), target.database_url.as_deref())?;
            match format {
                Format::Json | Format::Sarif => {
                    out!("{}", serde_json::to_string_pretty(&rows).expect("serializable"))
                }
                Format::Table => {
                    let mut table = comfy_table::Table::new();
                    table
                        .load_preset(comfy_table::presets::UTF8_BORDERS_ONLY)
                        .set_header(vec!["version", "name", "state"]);
                    for row in &rows {
                        table.add_row(vec![
                            row.version.clone(),
                            row.name.clone(),
                            row.state.as_str().to_string(),
                        ]);
                    }
                    out!("{table}");
                    let count = |state: State| rows.iter().filter(|r| r.state == state).count();
                    out!(
                        "{} applied, {} pending, {} drifted, {} missing",
                        count(State::Applied),
                        count(State::Pending),
                        count(State::Drifted),
                        count(State::Missing)
                    );
                }
            }
            if rows.iter().any(|r| r.state.blocks()) {
                return Ok(Kind::Drift.exit_code());
            }
            if rows.iter().any(|r| r.state == State::Pending) {
                return Ok(crate::CHECK_FAILED);
            }
        }
        MigrateAction::Accept { target, version } => {
            let checksum = accept(project, target.env.as_deref(), target.database_url.as_deref(), &version)?;
            match format {
                Format::Table => out!("accepted migration {version}: checksum {checksum}"),
                _ => out!("{}", serde_json::json!({"version": version, "checksum": checksum})),
            }
        }
        MigrateAction::Baseline { target, through } => {
            let marked = adopt::baseline(project, target.env.as_deref(), target.database_url.as_deref(), &through)?;
            print_marked(&marked, format, &format!("baseline through {through}"));
        }
        MigrateAction::Import { target } => {
            let (table, marked) = adopt::import(project, target.env.as_deref(), target.database_url.as_deref())?;
            print_marked(&marked, format, &format!("imported from {table}"));
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
