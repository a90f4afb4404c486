//! `db/environments/<env>.yaml`: where an environment's database is and which files build it.

use crate::failure::{Failure, Kind, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The variable that overrides any environment's database_url (below --database-url).
pub const DATABASE_URL_VARIABLE: &str = "CONFITURE_DATABASE_URL";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub name: String,
    #[serde(default)]
    pub database_url: Option<String>,
    #[serde(default = "default_include_dirs")]
    pub include_dirs: Vec<String>,
    #[serde(default)]
    pub exclude_dirs: Vec<String>,
    /// Whether `build --fresh` may drop and recreate this environment's database.
    #[serde(default)]
    pub allow_reset: bool,
    /// Configuration for `confiture lint`, passed to confiture.lint_schema() (docs/lint.md).
    #[serde(default)]
    pub lint: Option<serde_json::Value>,
    /// Configuration for `confiture seed validate`, passed to confiture.validate_seeds() (docs/seeds.md).
    #[serde(default)]
    pub seeds: Option<serde_json::Value>,
    /// The file it was read from, for messages.
    #[serde(skip)]
    pub file: PathBuf,
}

fn default_include_dirs() -> Vec<String> {
    vec!["db/schema".into()]
}

pub fn environment_file(project: &Path, env: &str) -> PathBuf {
    project.join("db").join("environments").join(format!("{env}.yaml"))
}

pub fn load(project: &Path, env: &str) -> Result<Environment> {
    if env.is_empty() || env.contains(['/', '\\']) || env.starts_with('.') {
        return Err(Failure::new(Kind::Config, format!("invalid environment name {env:?}")));
    }
    let file = environment_file(project, env);
    let text = std::fs::read_to_string(&file).map_err(|error| {
        let failure = Failure::new(Kind::Config, format!("cannot read {}: {error}", file.display()));
        if error.kind() == std::io::ErrorKind::NotFound {
            failure.with_hint(format!(
                "Create it (confiture init writes db/environments/local.yaml) or pick another --env; \
                 available: {}",
                available_environments(project).join(", ")
            ))
        } else {
            failure
        }
    })?;
    let mut environment: Environment = serde_yaml_ng::from_str(&text).map_err(|error| {
        Failure::new(Kind::Config, format!("{}: {error}", file.display())).with_hint(
            "Keys: name, database_url, include_dirs, exclude_dirs, allow_reset (docs/configuration.md).",
        )
    })?;
    if environment.include_dirs.is_empty() {
        return Err(Failure::new(Kind::Config, format!("{}: include_dirs is empty", file.display())));
    }
    environment.file = file;
    Ok(environment)
}

fn available_environments(project: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.join("db/environments"))
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok())
                .filter_map(|entry| entry.file_name().to_str()?.strip_suffix(".yaml").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    if names.is_empty() {
        names.push("none".into());
    }
    names
}

/// The database URL to use: `--database-url`, else `CONFITURE_DATABASE_URL`, else the
/// environment's `database_url` with `${VAR}` references expanded.
pub fn database_url(environment: &Environment, flag: Option<&str>) -> Result<String> {
    if let Some(url) = flag {
        return Ok(url.to_string());
    }
    if let Ok(url) = std::env::var(DATABASE_URL_VARIABLE) {
        if !url.is_empty() {
            return Ok(url);
        }
    }
    let configured = environment.database_url.as_deref().ok_or_else(|| {
        Failure::new(Kind::Config, format!("{}: no database_url", environment.file.display()))
            .with_hint(format!("Set database_url, or pass --database-url, or set {DATABASE_URL_VARIABLE}."))
    })?;
    expand_variables(configured, |name| std::env::var(name).ok()).map_err(|name| {
        Failure::new(
            Kind::Config,
            format!("{}: database_url uses ${{{name}}}, which is not set", environment.file.display()),
        )
        .with_hint(format!("export {name}=... or pass --database-url"))
    })
}

/// Expand `${NAME}` references; returns the first unset name as the error. Only the braced
/// form is expanded (not `$NAME`, unlike shellexpand), because a password in a URL may
/// legitimately contain `$`.
pub fn expand_variables(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("${") {
        let Some(close) = rest[open + 2..].find('}') else { break };
        let name = &rest[open + 2..open + 2 + close];
        out.push_str(&rest[..open]);
        out.push_str(&lookup(name).ok_or_else(|| name.to_string())?);
        rest = &rest[open + 3 + close..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "USER" => Some("app".into()),
            "PORT" => Some("5433".into()),
            _ => None,
        }
    }

    #[test]
    fn braced_variables_expand() {
        assert_eq!(
            expand_variables("postgresql://${USER}@localhost:${PORT}/db", vars).unwrap(),
            "postgresql://app@localhost:5433/db"
        );
    }

    #[test]
    fn unset_variables_are_named() {
        assert_eq!(expand_variables("postgresql://${NOPE}/db", vars).unwrap_err(), "NOPE");
    }

    #[test]
    fn bare_dollars_and_unclosed_braces_stay_literal() {
        assert_eq!(
            expand_variables("postgresql://u:pa$USER@h/db", vars).unwrap(),
            "postgresql://u:pa$USER@h/db"
        );
        assert_eq!(expand_variables("x${USER", vars).unwrap(), "x${USER");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = serde_yaml_ng::from_str::<Environment>("name: x\ndatabse_url: y\n").unwrap_err();
        assert!(error.to_string().contains("unknown field `databse_url`"), "{error}");
    }

    #[test]
    fn defaults_apply() {
        let env: Environment = serde_yaml_ng::from_str("name: local\n").unwrap();
        assert_eq!(env.include_dirs, ["db/schema"]);
        assert!(env.exclude_dirs.is_empty());
        assert!(!env.allow_reset);
    }
}
