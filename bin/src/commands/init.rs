//! `confiture init`: scaffold a project's folders and its local environment.

use crate::failure::{Failure, Kind, Result};
use crate::output::Format;
use std::path::Path;

const FOLDERS: &[&str] =
    &["db/schema/00_common", "db/schema/10_tables", "db/migrations", "db/seeds", "db/environments"];

const LOCAL_ENVIRONMENT: &str = "\
# Environment `local`: see docs/configuration.md.
name: local
# ${VAR} is replaced by the environment variable VAR; --database-url and
# CONFITURE_DATABASE_URL override this value.
database_url: ${DATABASE_URL}
include_dirs:
  - db/schema
exclude_dirs: []
# Allow `confiture build --fresh` to drop and recreate this database.
allow_reset: true
";

/// Returns the paths created. Never overwrites an existing file.
pub fn run(project: &Path) -> Result<Vec<String>> {
    let fail = |what: &Path, error: std::io::Error| {
        Failure::new(Kind::Config, format!("cannot create {}: {error}", what.display()))
    };
    let mut created = Vec::new();
    for folder in FOLDERS {
        let path = project.join(folder);
        if !path.exists() {
            std::fs::create_dir_all(&path).map_err(|e| fail(&path, e))?;
            created.push(format!("{folder}/"));
        }
    }
    let local = project.join("db/environments/local.yaml");
    if !local.exists() {
        std::fs::write(&local, LOCAL_ENVIRONMENT).map_err(|e| fail(&local, e))?;
        created.push("db/environments/local.yaml".into());
    }
    Ok(created)
}

/// `confiture init`: scaffold, then say what was created.
pub fn command(dir: &Path, format: Format) -> Result<u8> {
    let created = run(dir)?;
    match format {
        Format::Json | Format::Sarif => out!("{}", serde_json::json!({ "project": dir, "created": created })),
        Format::Table | Format::Csv | Format::Sql if created.is_empty() => {
            out!("{}: already a confiture project", dir.display())
        }
        Format::Table | Format::Csv | Format::Sql => {
            created.iter().for_each(|path| out!("created {}", dir.join(path).display()))
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaffolds_once_and_keeps_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        let first = run(dir.path()).unwrap();
        assert!(first.contains(&"db/schema/10_tables/".to_string()));
        assert!(first.contains(&"db/environments/local.yaml".to_string()));
        std::fs::write(dir.path().join("db/environments/local.yaml"), "name: mine\n").unwrap();
        assert!(run(dir.path()).unwrap().is_empty());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("db/environments/local.yaml")).unwrap(),
            "name: mine\n"
        );
    }

    #[test]
    fn the_scaffolded_environment_loads() {
        let dir = tempfile::tempdir().unwrap();
        run(dir.path()).unwrap();
        let env = crate::config::load(dir.path(), Some("local")).unwrap();
        assert_eq!(env.name, "local");
        assert!(env.allow_reset);
    }
}
