//! The migration files of a project: `db/migrations/{version}_{name}.up.sql`, its optional
//! `.down.sql`, and its optional `.verify.sql` check (the Python confiture's sidecar: a query
//! whose first column of its first row must be true). A Python migration (`.py`) is refused by
//! name: the server cannot run it, and skipping it would apply the rest out of order.

use crate::discover;
use crate::failure::{Failure, Kind, Result};
use confiture_core::migration::version::{is_version, same_number, version_order};
use std::path::Path;

/// A migration as found on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationFile {
    pub version: String,
    pub name: String,
    pub up: String,
    pub down: Option<String>,
    /// The `.verify.sql` check, when there is one with a statement in it.
    pub verify: Option<String>,
    pub up_path: String,
}

/// `{version}_{name}.up.sql` -> (version, name, "up"); also "down" and "verify".
fn parse_file_name(file: &str) -> Option<(&str, &str, &str)> {
    let (stem, direction) = ["up", "down", "verify"]
        .into_iter()
        .find_map(|kind| Some((file.strip_suffix(&format!(".{kind}.sql"))?, kind)))?;
    let (version, name) = stem.split_once('_')?;
    let valid = is_version(version) && !name.is_empty();
    valid.then_some((version, name, direction))
}

/// `migrate validate`: the files read (or the first problem was the error); what is worth
/// knowing before a deploy: migrations that cannot be rolled back.
pub fn validate(files: &[MigrationFile], format: crate::output::Format) {
    let without_down: Vec<&str> =
        files.iter().filter(|f| f.down.is_none()).map(|f| f.up_path.as_str()).collect();
    let with_check = files.iter().filter(|f| f.verify.is_some()).count();
    match format {
        crate::output::Format::Table => {
            out!("{} migrations, {with_check} with a .verify.sql check: every file can run", files.len());
            without_down
                .iter()
                .for_each(|path| out!("note: {path} has no .down.sql: it cannot be rolled back"));
        }
        _ => out!(
            "{}",
            serde_json::json!({"ok": true, "migrations": files.len(), "with_verify": with_check, "without_down": without_down})
        ),
    }
}

/// Read db/migrations/: every `*.up.sql` with its optional `*.down.sql`, in version order.
pub fn discover(project: &Path) -> Result<Vec<MigrationFile>> {
    let dir = project.join("db/migrations");
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| Failure::new(Kind::Config, format!("cannot read {}: {e}", dir.display())))?;
    let mut names: Vec<String> = entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    names.sort();
    let mut found: Vec<MigrationFile> = Vec::new();
    let mut sidecars: Vec<(String, String, &str, String)> = Vec::new();
    if let Some(python) = names.iter().find(|n| n.ends_with(".py") && !n.starts_with('_')) {
        return Err(Failure::new(
            Kind::Source,
            format!("db/migrations/{python}: a Python migration cannot run in the server"),
        )
        .with_hint(
            "Write it as SQL: {version}_{name}.up.sql (and .down.sql) with the statements it runs; data changes \
             are UPDATE/INSERT ... SELECT, and DO blocks run PL/pgSQL. Nothing was applied.",
        ));
    }
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
        if direction == "verify" {
            sidecars.push((version.into(), name.into(), direction, text));
            continue;
        }
        if text.trim().is_empty() {
            return Err(Failure::new(Kind::Source, format!("{relative}: the file is empty"))
                .with_hint("A migration changes something: write it, or remove the file."));
        }
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
                verify: None,
                up_path: relative,
            });
        } else {
            sidecars.push((version.into(), name.into(), direction, text));
        }
    }
    for (version, name, kind, text) in sidecars {
        let Some(migration) = found.iter_mut().find(|m| m.version == version && m.name == name) else {
            return Err(Failure::new(
                Kind::Source,
                format!("db/migrations/{version}_{name}.{kind}.sql has no matching {version}_{name}.up.sql"),
            ));
        };
        if kind == "down" {
            migration.down = Some(text);
        } else if has_statement(&text) {
            migration.verify = Some(text);
        }
    }
    found.sort_by(|a, b| version_order(&a.version, &b.version));
    if let Some(warning) = text_order_warning(&found) {
        eprintln!("warning: {warning}");
    }
    Ok(found)
}

/// Whether a check holds something to run: a comment-only `.verify.sql` (what the Python
/// confiture's `migrate generate` writes) is skipped, as the original skips it.
fn has_statement(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, next)| next);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, next)| next);
        } else {
            return !rest.trim_start_matches(';').trim().is_empty();
        }
    }
}

/// Where the two orders disagree: the Python confiture sorts versions as text ("10" before
/// "9"), confiture as numbers (what their author meant, and confiture's order since 0.1). Said
/// once per run, so a project moving between the tools pads its versions to one width.
fn text_order_warning(found: &[MigrationFile]) -> Option<String> {
    let pair = found.windows(2).find(|pair| pair[0].version.as_str() > pair[1].version.as_str())?;
    Some(format!(
        "{} runs before {} (versions are numbers here; the Python confiture orders them as text, the other way \
         round): pad the versions to one width so both tools agree",
        pair[0].up_path, pair[1].up_path
    ))
}

/// Create `{timestamp}_{name}.up.sql` and `.down.sql`.
pub fn new(project: &Path, name: &str) -> Result<Vec<String>> {
    new_with(
        project,
        name,
        "-- What this migration changes.\n",
        "-- How to undo it (remove this file if it cannot be undone).\n",
    )
}

/// Write `<version>_<name>.up.sql` and `.down.sql` with these bodies.
pub fn new_with(project: &Path, name: &str, up: &str, down: &str) -> Result<Vec<String>> {
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
    for (direction, body) in [("up", up), ("down", down)] {
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
        assert!(text_order_warning(&found)
            .unwrap()
            .contains("db/migrations/2_seed.up.sql runs before db/migrations/10_index.up.sql"));
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
    fn verify_sidecars_attach_and_python_migrations_are_refused() {
        let dir = project(&[
            ("001_a.up.sql", "CREATE TABLE a (id int);"),
            ("001_a.verify.sql", "SELECT count(*) = 0 FROM a;"),
            ("002_b.up.sql", "CREATE TABLE b (id int);"),
            ("002_b.verify.sql", "-- TODO: write the check\n/* later */\n"),
        ]);
        let found = discover(dir.path()).unwrap();
        assert_eq!(found[0].verify.as_deref(), Some("SELECT count(*) = 0 FROM a;"));
        assert_eq!(found[1].verify, None);
        assert!(text_order_warning(&found).is_none());
        let python =
            project(&[("001_a.up.sql", "SELECT 1;"), ("002_data.py", "def up(): pass"), ("__init__.py", "")]);
        let failure = discover(python.path()).unwrap_err();
        assert_eq!(failure.message, "db/migrations/002_data.py: a Python migration cannot run in the server");
        let orphan = project(&[("003_c.verify.sql", "SELECT true;")]);
        assert!(discover(orphan.path())
            .unwrap_err()
            .message
            .contains("003_c.verify.sql has no matching 003_c.up.sql"));
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
