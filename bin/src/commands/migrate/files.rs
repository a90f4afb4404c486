//! The migration files of a project: `db/migrations/{version}_{name}.up.sql` and `.down.sql`.

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
