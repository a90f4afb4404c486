//! `confiture migrate up|down|status|new`: ship db/migrations/ files to the extension.

use crate::config;
use crate::db::Target;
use crate::discover;
use crate::failure::{Failure, Kind, Result};
use crate::migrate_run::{connect, failure_of, lock_session, run_outside, segments, show_progress, Segment};
use crate::migration_version::{is_version, same_number, version_order};
use crate::schema_hash::text_checksum;
use indicatif::ProgressBar;
use postgres::Client;
use postgres::Transaction;
use serde::Serialize;
use std::path::Path;

/// A migration as found on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationFile {
    pub version: String,
    pub name: String,
    pub up: String,
    pub down: Option<String>,
    pub up_path: String,
}

/// `{version}_{name}.up.sql` -> (version, name, "up").
fn parse_file_name(file: &str) -> Option<(&str, &str, &str)> {
    let (stem, direction) = if let Some(stem) = file.strip_suffix(".up.sql") {
        (stem, "up")
    } else {
        (file.strip_suffix(".down.sql")?, "down")
    };
    let (version, name) = stem.split_once('_')?;
    let valid = is_version(version) && !name.is_empty();
    valid.then_some((version, name, direction))
}

/// Read db/migrations/: every `*.up.sql` with its optional `*.down.sql`, in version order.
pub fn discover(project: &Path) -> Result<Vec<MigrationFile>> {
    let dir = project.join("db/migrations");
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| Failure::new(Kind::Config, format!("cannot read {}: {e}", dir.display())))?;
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    names.sort();
    let mut found: Vec<MigrationFile> = Vec::new();
    let mut downs: Vec<(String, String, String)> = Vec::new();
    for file in names.iter().filter(|n| n.ends_with(".sql")) {
        let Some((version, name, direction)) = parse_file_name(file) else {
            return Err(Failure::new(
                Kind::Source,
                format!("db/migrations/{file}: not a migration file name"),
            )
            .with_hint(
                "Name migrations {version}_{name}.up.sql and .down.sql (confiture migrate new NAME).",
            ));
        };
        let relative = format!("db/migrations/{file}");
        let text = discover::read_source(project, &relative)?.text;
        if direction == "up" {
            if let Some(other) = found.iter().find(|m| same_number(&m.version, version)) {
                return Err(Failure::new(
                    Kind::Source,
                    format!("{relative}: version {version} is also used by {}", other.up_path),
                )
                .with_hint(
                    "Versions are compared as numbers (2, 02 and 002 are one version): renumber one of them.",
                ));
            }
            found.push(MigrationFile {
                version: version.into(),
                name: name.into(),
                up: text,
                down: None,
                up_path: relative,
            });
        } else {
            downs.push((version.into(), name.into(), text));
        }
    }
    for (version, name, text) in downs {
        match found.iter_mut().find(|m| m.version == version && m.name == name) {
            Some(migration) => migration.down = Some(text),
            None => {
                return Err(Failure::new(
                    Kind::Source,
                    format!(
                        "db/migrations/{version}_{name}.down.sql has no matching {version}_{name}.up.sql"
                    ),
                ))
            }
        }
    }
    found.sort_by(|a, b| version_order(&a.version, &b.version));
    Ok(found)
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub version: String,
    pub name: String,
    pub status: String,
    pub duration_ms: f64,
    pub statements: i32,
    pub rows_affected: i64,
    /// Dry runs: locks taken ("schema.table: Mode") and tables rewritten.
    pub locks: Vec<String>,
    pub rewritten: Vec<String>,
    /// Why the migration failed, or would fail: message, sqlstate, detail, hint.
    pub error: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct StatusRow {
    pub version: String,
    pub name: String,
    pub state: String,
}

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
    let rows = tx
        .query(
            "SELECT version, name, state FROM confiture.migration_status($1::text[], $2::text[])",
            &[&versions, &checksums],
        )
        .map_err(db_error(target))?;
    // A file not registered yet has no name in the database: take it from the file.
    let name_of = |version: &str, name: String| match files.iter().find(|f| f.version == version) {
        Some(file) if name.is_empty() => file.name.clone(),
        _ => name,
    };
    Ok(rows
        .iter()
        .map(|r| {
            let version: String = r.get(0);
            StatusRow { name: name_of(&version, r.get(1)), version, state: r.get(2) }
        })
        .collect())
}

/// Refuse to go on when an applied migration's file changed or disappeared.
fn refuse_drift(statuses: &[StatusRow]) -> Result<()> {
    let bad: Vec<String> = statuses
        .iter()
        .filter(|s| s.state == "drifted" || s.state == "missing")
        .map(|s| format!("{}_{} ({})", s.version, s.name, s.state))
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

fn steps_of(rows: Vec<postgres::Row>) -> Vec<Step> {
    rows.iter()
        .map(|r| Step {
            version: r.get(0),
            name: r.get(1),
            status: r.get(2),
            duration_ms: r.get(3),
            statements: r.get(4),
            rows_affected: r.get(5),
            locks: r.get(6),
            rewritten: r.get(7),
            error: r.get(8),
        })
        .collect()
}

fn target_of(project: &Path, env: &str, url: Option<&str>) -> Result<Target> {
    let environment = config::load(project, env)?;
    Target::parse(&config::database_url(&environment, url)?)
}

/// Register every file and apply the pending migrations (up to `target_version`). Ordinary
/// migrations run in one transaction, all or nothing; a script that cannot run in a
/// transaction runs on its own between them (see migrate_run). A dry run reports what they would
/// do and rolls everything back, the registrations included. A failure is reported after its
/// rollback, with its event and what the on_error hooks did committed.
pub fn up(
    project: &Path,
    env: &str,
    url: Option<&str>,
    target_version: Option<&str>,
    dry_run: bool,
) -> Result<Vec<Step>> {
    let (files, target, bar, mut client) = open_locked(project, env, url)?;
    let (mut tx, statuses) = connect_and_register(&mut client, &files, &target)?;
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
        return Ok(steps_of(rows));
    }
    let (plan, outside) = plan_in(&mut tx, "up", target_version, 0, &target)?;
    tx.commit().map_err(db_error(&target))?;
    run_segments(&mut client, &target, &bar, &segments(&plan, &outside), "up")
}

/// How `up` and `down` start: the files, the target, and a connection holding the migration
/// lock for the session, with the (hidden) progress bar its notices move.
fn open_locked(
    project: &Path,
    env: &str,
    url: Option<&str>,
) -> Result<(Vec<MigrationFile>, Target, ProgressBar, Client)> {
    let files = discover(project)?;
    let target = target_of(project, env, url)?;
    let bar = ProgressBar::hidden();
    let mut client = connect(&target, &bar)?;
    lock_session(&mut client, &target)?;
    Ok((files, target, bar, client))
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
            "SELECT version, outside_transaction IS NOT NULL FROM confiture.migration_plan($1, $2, $3)",
            &[&direction, &target_version, &steps],
        )
        .map_err(db_error(target))?;
    let plan = rows.iter().map(|r| r.get::<_, String>(0)).collect();
    let outside = rows.iter().filter(|r| r.get::<_, bool>(1)).map(|r| r.get(0)).collect();
    Ok((plan, outside))
}

/// Run each segment: ordinary ones through migrate_up/migrate_down in a transaction of their
/// own, the others statement by statement. The first failure stops the run.
fn run_segments(
    client: &mut Client,
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
                // A failed call left only its event and its on_error hooks' work: keep those.
                tx.commit().map_err(db_error(target))?;
                let ran = steps_of(rows);
                if let Some(failure) = ran.iter().find_map(failure_of) {
                    bar.finish_and_clear();
                    return Err(failure);
                }
                steps.extend(ran);
            }
            Segment::Outside(version) => {
                bar.set_message(format!("{version} (outside a transaction)"));
                let step = run_outside(client, target, version, direction);
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
pub fn down(project: &Path, env: &str, url: Option<&str>, steps: i32) -> Result<Vec<Step>> {
    let (files, target, bar, mut client) = open_locked(project, env, url)?;
    let (mut tx, _) = connect_and_register(&mut client, &files, &target)?;
    // The whole plan is checked before anything runs (a missing down script is refused): a
    // script run outside a transaction commits, so a later segment's refusal would come too late.
    let (plan, outside) = plan_in(&mut tx, "down", None, steps, &target)?;
    tx.commit().map_err(db_error(&target))?;
    run_segments(&mut client, &target, &bar, &segments(&plan, &outside), "down")
}

pub fn status(project: &Path, env: &str, url: Option<&str>) -> Result<Vec<StatusRow>> {
    let files = discover(project)?;
    let target = target_of(project, env, url)?;
    let mut client = target.connect()?;
    let mut tx = client.transaction().map_err(db_error(&target))?;
    let rows = status_in(&mut tx, &files, &target).map_err(Failure::with_extension_hint)?;
    Ok(rows)
}

/// Accept an applied migration's changed file on purpose.
pub fn accept(project: &Path, env: &str, url: Option<&str>, version: &str) -> Result<String> {
    let files = discover(project)?;
    let file = files
        .iter()
        .find(|f| f.version == version)
        .ok_or_else(|| Failure::new(Kind::Config, format!("no db/migrations/{version}_*.up.sql")))?;
    let target = target_of(project, env, url)?;
    let mut client = target.connect()?;
    let row = client
        .query_one("SELECT confiture.accept_checksum($1, $2)", &[&file.version, &file.up])
        .map_err(db_error(&target))?;
    Ok(row.get(0))
}

/// Create `{timestamp}_{name}.up.sql` and `.down.sql`.
pub fn new(project: &Path, name: &str) -> Result<Vec<String>> {
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    if !valid {
        return Err(Failure::new(
            Kind::Config,
            format!("migration name \"{name}\" must be lower snake_case"),
        ));
    }
    let version = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    let dir = project.join("db/migrations");
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::new(Kind::Config, format!("cannot create {}: {e}", dir.display())))?;
    let mut created = Vec::new();
    for (direction, body) in [
        ("up", "-- What this migration changes.\n"),
        ("down", "-- How to undo it (remove this file if it cannot be undone).\n"),
    ] {
        let relative = format!("db/migrations/{version}_{name}.{direction}.sql");
        let path = project.join(&relative);
        if path.exists() {
            return Err(Failure::new(Kind::Config, format!("{relative} already exists")));
        }
        std::fs::write(&path, body)
            .map_err(|e| Failure::new(Kind::Config, format!("cannot write {relative}: {e}")))?;
        created.push(relative);
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("db/migrations")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join("db/migrations").join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn files_pair_up_and_sort_by_version() {
        let dir = project(&[
            ("20260101000000_add_email.up.sql", "ALTER TABLE t ADD email text;"),
            ("20260101000000_add_email.down.sql", "ALTER TABLE t DROP email;"),
            ("2_seed.up.sql", "INSERT INTO t VALUES (1);"),
            ("10_index.up.sql", "CREATE INDEX ON t (id);"),
        ]);
        let found = discover(dir.path()).unwrap();
        let versions: Vec<&str> = found.iter().map(|m| m.version.as_str()).collect();
        assert_eq!(versions, ["2", "10", "20260101000000"]);
        assert_eq!(found[2].down.as_deref(), Some("ALTER TABLE t DROP email;"));
        assert_eq!(found[0].down, None);
    }

    #[test]
    fn bad_migration_files_are_named() {
        let orphan = project(&[("1_a.down.sql", "SELECT 1;")]);
        assert!(discover(orphan.path()).unwrap_err().message.contains("has no matching 1_a.up.sql"));
        let twice = project(&[("1_a.up.sql", "SELECT 1;"), ("1_b.up.sql", "SELECT 2;")]);
        assert!(discover(twice.path()).unwrap_err().message.contains("version 1 is also used by"));
        let badly_named = project(&[("add_email.sql", "SELECT 1;")]);
        assert!(discover(badly_named.path()).unwrap_err().message.contains("not a migration file name"));
        let empty = project(&[("1_a.up.sql", "  \n")]);
        assert_eq!(discover(empty.path()).unwrap_err().kind, Kind::Source);
    }

    #[test]
    fn new_writes_a_timestamped_pair() {
        let dir = project(&[]);
        let created = new(dir.path(), "add_email").unwrap();
        assert_eq!(created.len(), 2);
        assert!(created[0].ends_with("_add_email.up.sql"));
        let (version, _, _) = parse_file_name(created[0].trim_start_matches("db/migrations/")).unwrap();
        assert_eq!(version.len(), 14);
        assert!(new(dir.path(), "Add-Email").is_err());
    }
}
