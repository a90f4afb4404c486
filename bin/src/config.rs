//! The environment: where its database is and which files build it. Read from
//! `db/environments/<env>.yaml` (or `--config FILE`), in our format or the Python confiture's
//! (docs/migrating-from-python-confiture.md maps every key); with no file at all, a URL from
//! the command line or the process environment is enough.

use crate::failure::{Failure, Kind, Result};
use serde_yaml_ng::{Mapping, Value};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The variable that overrides any environment's database URL (below --database-url).
pub const DATABASE_URL_VARIABLE: &str = "CONFITURE_DATABASE_URL";
/// The ambient variable most platforms set: used only when no environment file gives a URL.
pub const AMBIENT_URL_VARIABLE: &str = "DATABASE_URL";

/// `-c/--config FILE` and `--no-config`, set once by main for every command.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub config_file: Option<PathBuf>,
    pub no_config: bool,
}

static SELECTION: OnceLock<Selection> = OnceLock::new();

pub fn select(selection: Selection) {
    let _ = SELECTION.set(selection);
}

fn selection() -> Selection {
    SELECTION.get().cloned().unwrap_or_default()
}

/// How the build orders its files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOrder {
    /// One order over every selected file (the Python confiture's): paths compared component
    /// by component; `include_dirs` entries grouped by their `order` first.
    Global,
    /// Numeric prefixes read on every path component (`build.sort_mode: hex`).
    Numbered,
    /// Each include dir in the order listed, its files sorted inside it (confiture 0.1-0.2).
    PerDirectory,
}

/// One `include_dirs` entry: a bare path, or the object form with its selection rules.
#[derive(Clone, Debug, PartialEq)]
pub struct IncludeDir {
    pub path: String,
    pub recursive: bool,
    /// gitignore-style globs, relative to `path`.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// A missing directory is skipped (true) or an error (false).
    pub skip_if_missing: bool,
    pub order: i64,
}

impl IncludeDir {
    pub fn bare(path: &str) -> Self {
        Self {
            path: path.to_string(),
            recursive: true,
            include: vec!["**/*.sql".into()],
            exclude: Vec::new(),
            skip_if_missing: false,
            order: 0,
        }
    }
}

#[derive(Debug)]
pub struct Environment {
    pub name: String,
    /// The URL (or libpq key=value string) the file gives: `database_url`, or the `database:` block.
    pub database_url: Option<String>,
    pub include_dirs: Vec<IncludeDir>,
    pub exclude_dirs: Vec<String>,
    pub file_order: FileOrder,
    /// Whether `build --fresh` may drop and recreate this environment's database.
    pub allow_reset: bool,
    /// Configuration for `confiture lint`, passed to confiture.lint_schema() (docs/lint.md).
    pub lint: Option<serde_json::Value>,
    /// Configuration for `confiture seed validate`, passed to confiture.validate_seeds() (docs/seeds.md).
    pub seeds: Option<serde_json::Value>,
    /// `seed.continue_on_error` of the Python confiture: the default of `seed apply --continue-on-error`.
    pub seed_continue_on_error: bool,
    /// The Python confiture's tracking table (`migration.tracking_table`), read by `migrate import`.
    pub tracking_table: String,
    /// `migration.locking.timeout_ms`: how long a migrate run waits for the migration lock.
    pub lock_timeout_ms: Option<u64>,
    /// `migration.locking.enabled` (default true): false is `--no-lock`.
    pub locking: bool,
    /// Declared renames for `diff` (`renames:` of {kind, from, to}).
    pub renames: Vec<confiture_core::diff::Rename>,
    /// The file it was read from, for messages; `None` when no file was read.
    pub file: Option<PathBuf>,
}

impl Environment {
    /// The environment when no file describes it: everything by default.
    pub fn default_named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            database_url: None,
            include_dirs: vec![IncludeDir::bare("db/schema")],
            exclude_dirs: Vec::new(),
            file_order: FileOrder::Global,
            allow_reset: false,
            lint: None,
            seeds: None,
            seed_continue_on_error: false,
            tracking_table: "tb_confiture".into(),
            lock_timeout_ms: None,
            locking: true,
            renames: Vec::new(),
            file: None,
        }
    }

    /// The file for messages, or what stood in for it.
    pub fn source(&self) -> String {
        match &self.file {
            Some(file) => file.display().to_string(),
            None => format!("environment {} (no file)", self.name),
        }
    }
}

pub fn environment_file(project: &Path, env: &str) -> PathBuf {
    project.join("db").join("environments").join(format!("{env}.yaml"))
}

/// The environment `env` (None: `local` if its file exists), honouring `--config`/`--no-config`.
pub fn load(project: &Path, env: Option<&str>) -> Result<Environment> {
    let selection = selection();
    if let Some(env) = env {
        if env.is_empty() || env.contains(['/', '\\']) || env.starts_with('.') {
            return Err(Failure::new(Kind::Config, format!("invalid environment name {env:?}")));
        }
    }
    if selection.no_config {
        return Ok(Environment::default_named(env.unwrap_or("local")));
    }
    if let Some(file) = &selection.config_file {
        if env.is_some() {
            return Err(Failure::new(Kind::Config, "--config and --env name the same thing: give one"));
        }
        return read(file, None);
    }
    let file = environment_file(project, env.unwrap_or("local"));
    if env.is_none() && !file.exists() {
        // The Python confiture's default configuration file, then nothing at all.
        let python_default = project.join("confiture.yaml");
        if python_default.exists() {
            return read(&python_default, None);
        }
        return Ok(Environment::default_named("local"));
    }
    read(&file, env)
}

fn read(file: &Path, env: Option<&str>) -> Result<Environment> {
    let text = std::fs::read_to_string(file).map_err(|error| {
        let failure = Failure::new(Kind::Config, format!("cannot read {}: {error}", file.display()));
        match (error.kind(), file.parent().and_then(Path::parent).and_then(Path::parent)) {
            (std::io::ErrorKind::NotFound, Some(project)) if env.is_some() => failure.with_hint(format!(
                "Create it (confiture init writes db/environments/local.yaml) or pick another --env; available: {}",
                available_environments(project).join(", ")
            )),
            _ => failure,
        }
    })?;
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("local");
    let (environment, warnings) = parse(&text, env.unwrap_or(stem), file)?;
    // A command may load its environment more than once: say each warning once.
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for warning in warnings.into_iter().map(|w| format!("warning: {}: {w}", file.display())) {
        if !said.contains(&warning) {
            eprintln!("{warning}");
            said.push(warning);
        }
    }
    Ok(environment)
}

/// Parse an environment file: (the environment, what to warn about).
pub fn parse(text: &str, default_name: &str, file: &Path) -> Result<(Environment, Vec<String>)> {
    let failure = |message: String| {
        Failure::new(Kind::Config, format!("{}: {message}", file.display()))
            .with_hint("See docs/configuration.md (and docs/migrating-from-python-confiture.md for the Python confiture's keys).")
    };
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| failure(e.to_string()))?;
    let root = match value {
        Value::Mapping(root) => root,
        // An empty file, or one of comments only: nothing declared.
        Value::Null => Mapping::new(),
        _ => {
            return Err(failure(
                "expected a mapping of keys (name:, database_url:, include_dirs: ...)".into(),
            ))
        }
    };
    let mut warnings = Vec::new();
    let mut environment = Environment::default_named(default_name);
    environment.file = Some(file.to_path_buf());
    for (key, value) in &root {
        let key = key.as_str().ok_or_else(|| failure(format!("key {key:?} is not a string")))?;
        let at = |what: &str| format!("{key}{what}");
        match key {
            "name" => environment.name = string(value).ok_or_else(|| failure(at(": expected a string")))?,
            "database_url" => environment.database_url = Some(string(value).ok_or_else(|| failure(at(": expected a string")))?),
            // database_url wins over the block wherever each is written, as in the Python confiture.
            "database" => {
                let block = database_block(value, &mut warnings).map_err(|e| failure(at(&e)))?;
                if !root.contains_key("database_url") {
                    environment.database_url = Some(block);
                }
            }
            "include_dirs" => environment.include_dirs = include_dirs(value).map_err(|e| failure(at(&e)))?,
            "exclude_dirs" => environment.exclude_dirs = strings(value).ok_or_else(|| failure(at(": expected a list of paths")))?,
            "allow_reset" => environment.allow_reset = value.as_bool().ok_or_else(|| failure(at(": expected true or false")))?,
            "lint" => environment.lint = Some(lint_block(value, &mut warnings).map_err(|e| failure(at(&e)))?),
            "seeds" => environment.seeds = Some(to_json(value).map_err(|e| failure(at(&e)))?),
            "renames" => {
                environment.renames = serde_yaml_ng::from_value(value.clone())
                    .map_err(|e| failure(at(&format!(": expected a list of {{kind, from, to}}: {e}"))))?
            }
            "build" => environment.file_order = build_block(value, &mut warnings).map_err(|e| failure(at(&e)))?,
            "migration" => {
                if let Some(table) = value.get("tracking_table") {
                    environment.tracking_table = string(table).ok_or_else(|| failure(at(".tracking_table: expected a string")))?;
                }
                let locking = value.get("locking");
                if let Some(timeout) = locking.and_then(|l| l.get("timeout_ms")) {
                    let ms = timeout.as_u64().ok_or_else(|| failure(at(".locking.timeout_ms: expected milliseconds")))?;
                    environment.lock_timeout_ms = Some(ms);
                }
                if let Some(enabled) = locking.and_then(|l| l.get("enabled")) {
                    environment.locking = enabled.as_bool().ok_or_else(|| failure(at(".locking.enabled: expected true or false")))?;
                }
            }
            "seed" => {
                if let Some(flag) = value.get("continue_on_error") {
                    environment.seed_continue_on_error =
                        flag.as_bool().ok_or_else(|| failure(at(".continue_on_error: expected true or false")))?;
                }
            }
            "ssh_tunnel" if !value.is_null() => warnings.push(
                "ssh_tunnel is not supported: open the tunnel yourself (ssh -L) and give the local port in database_url"
                    .into(),
            ),
            // The Python confiture's keys for features confiture has no counterpart of.
            "ssh_tunnel" | "superuser_dirs" | "superuser_post_dirs" | "infrastructure" | "drift" | "acls"
            | "ownership" | "function_coverage" | "security_lint" | "rebuild" | "locking" => {}
            other => warnings.push(format!(
                "unknown key `{other}` ignored (keys: name, database_url, database, include_dirs, exclude_dirs, \
                 allow_reset, build, migration, seed, seeds, lint, renames)"
            )),
        }
    }
    if environment.include_dirs.is_empty() {
        return Err(failure("include_dirs is empty".into()));
    }
    Ok((environment, warnings))
}

fn string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Null => Some(Vec::new()),
        Value::Sequence(items) => items.iter().map(string).collect(),
        _ => None,
    }
}

fn to_json(value: &Value) -> std::result::Result<serde_json::Value, String> {
    serde_json::to_value(value).map_err(|e| format!(": {e}"))
}

/// The Python confiture's `database:` block, as a libpq key=value string with its defaults
/// (localhost, 5432, postgres, postgres). `${VAR}` in a value is expanded when connecting.
/// The `database:` block as a libpq key=value string. Keys libpq knows pass through; others
/// (the Python confiture's pool settings: pool_size, max_overflow...) are named in `warnings`.
fn database_block(value: &Value, warnings: &mut Vec<String>) -> std::result::Result<String, String> {
    let Value::Mapping(block) = value else {
        return Err(": expected a mapping (host, port, database, user, password)".into());
    };
    let mut settings = vec![
        ("host", "localhost".to_string()),
        ("port", "5432".to_string()),
        ("dbname", "postgres".to_string()),
        ("user", "postgres".to_string()),
    ];
    for (key, value) in block {
        let key = key.as_str().unwrap_or_default();
        let keyword = match key {
            "database" | "name" | "dbname" => "dbname",
            "host" | "port" | "user" | "password" | "sslmode" | "sslrootcert" | "sslcert" | "sslkey"
            | "connect_timeout" | "application_name" | "options" => key,
            other => {
                warnings
                    .push(format!("database.{other} ignored (confiture opens one connection, not a pool)"));
                continue;
            }
        };
        let text = string(value).ok_or_else(|| format!(".{key}: expected a string or number"))?;
        settings.retain(|(k, _)| *k != keyword);
        settings.push((keyword, text));
    }
    Ok(settings
        .iter()
        .filter(|(keyword, value)| !(*keyword == "password" && value.is_empty()))
        .map(|(keyword, value)| format!("{keyword}='{}'", value.replace('\\', "\\\\").replace('\'', "\\'")))
        .collect::<Vec<_>>()
        .join(" "))
}

fn include_dirs(value: &Value) -> std::result::Result<Vec<IncludeDir>, String> {
    let Value::Sequence(items) = value else { return Err(": expected a list".into()) };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::String(path) => Ok(IncludeDir::bare(path)),
            Value::Mapping(entry) => {
                let mut dir = IncludeDir::bare("");
                // The object form skips a missing directory unless told otherwise (as the original).
                dir.skip_if_missing = true;
                for (key, value) in entry {
                    let key = key.as_str().unwrap_or_default();
                    let bad = |what: &str| format!("[{index}].{key}: expected {what}");
                    match key {
                        "path" => dir.path = string(value).ok_or_else(|| bad("a path"))?,
                        "recursive" => dir.recursive = value.as_bool().ok_or_else(|| bad("true or false"))?,
                        "include" => dir.include = strings(value).ok_or_else(|| bad("a list of globs"))?,
                        "exclude" => dir.exclude = strings(value).ok_or_else(|| bad("a list of globs"))?,
                        "auto_discover" => dir.skip_if_missing = value.as_bool().ok_or_else(|| bad("true or false"))?,
                        "order" => dir.order = value.as_i64().ok_or_else(|| bad("an integer"))?,
                        other => return Err(format!("[{index}].{other}: unknown key (path, recursive, include, exclude, auto_discover, order)")),
                    }
                }
                if dir.path.is_empty() {
                    return Err(format!("[{index}]: an entry needs a path"));
                }
                Ok(dir)
            }
            _ => Err(format!("[{index}]: expected a path or a mapping with path:")),
        })
        .collect()
}

fn build_block(value: &Value, warnings: &mut Vec<String>) -> std::result::Result<FileOrder, String> {
    let mut order = FileOrder::Global;
    let Value::Mapping(block) = value else { return Err(": expected a mapping".into()) };
    for (key, value) in block {
        match (key.as_str().unwrap_or_default(), value.as_str()) {
            ("sort_mode", Some("alphabetical")) => {}
            ("sort_mode", Some("hex")) => order = FileOrder::Numbered,
            ("file_order", Some("global")) => {}
            ("file_order", Some("per_directory")) => order = FileOrder::PerDirectory,
            ("sort_mode", _) => return Err(".sort_mode: expected alphabetical or hex".into()),
            ("file_order", _) => return Err(".file_order: expected global or per_directory".into()),
            ("two_pass" | "validate_comments" | "separators" | "lint", _) => {}
            (other, _) => {
                warnings.push(format!("unknown key `build.{other}` ignored (sort_mode, file_order)"))
            }
        }
    }
    Ok(order)
}

/// The Python confiture's lint settings (`ignore_objects`, `search_path`, `status_words`) are
/// about its file linter; confiture lints the catalog, so they are set aside with a warning.
fn lint_block(value: &Value, warnings: &mut Vec<String>) -> std::result::Result<serde_json::Value, String> {
    let mut json = to_json(value)?;
    if let serde_json::Value::Object(map) = &mut json {
        let python_only: Vec<String> = ["ignore_objects", "search_path", "status_words"]
            .into_iter()
            .filter(|key| map.remove(*key).is_some())
            .map(str::to_string)
            .collect();
        if !python_only.is_empty() {
            warnings.push(format!(
                "lint.{} belong to the Python confiture's file linter and have no effect on confiture lint",
                python_only.join(", lint.")
            ));
        }
    }
    Ok(json)
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
/// environment file's `database_url` (or `database:` block) with `${VAR}` references
/// expanded, else `DATABASE_URL`.
pub fn database_url(environment: &Environment, flag: Option<&str>) -> Result<String> {
    find_database_url(environment, flag).map_err(|missing| match missing {
        NoUrl::NotGiven => Failure::new(Kind::Config, format!("{}: no database URL", environment.source())).with_hint(
            format!(
                "Pass --database-url, set {DATABASE_URL_VARIABLE} or {AMBIENT_URL_VARIABLE}, or give database_url \
                 in db/environments/<env>.yaml"
            ),
        ),
        NoUrl::UnsetVariable(name) => Failure::new(
            Kind::Config,
            format!("{}: the database URL uses ${{{name}}}, which is not set", environment.source()),
        )
        .with_hint(format!("export {name}=... or pass --database-url")),
    })
}

/// The database a `--from`/`--to` names: a URL (or `key=value` string) as given, or the named
/// environment's URL.
pub fn database_url_of(project: &Path, spec: &str) -> Result<String> {
    if spec.contains("://") || spec.contains('=') {
        return Ok(spec.to_string());
    }
    database_url(&load(project, Some(spec))?, None)
}

/// Why there is no database URL: none given anywhere, or the file's names an unset variable.
#[derive(Debug, PartialEq, Eq)]
pub enum NoUrl {
    NotGiven,
    UnsetVariable(String),
}

/// The database URL: the flag, CONFITURE_DATABASE_URL, the environment file's, DATABASE_URL.
pub fn find_database_url(
    environment: &Environment,
    flag: Option<&str>,
) -> std::result::Result<String, NoUrl> {
    if let Some(url) = flag {
        return Ok(url.to_string());
    }
    let variable = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    if let Some(url) = variable(DATABASE_URL_VARIABLE) {
        return Ok(url);
    }
    let Some(configured) = environment.database_url.as_deref() else {
        return variable(AMBIENT_URL_VARIABLE).ok_or(NoUrl::NotGiven);
    };
    expand_variables(configured, |name| std::env::var(name).ok()).map_err(NoUrl::UnsetVariable)
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

    fn parsed(text: &str) -> (Environment, Vec<String>) {
        parse(text, "local", Path::new("db/environments/local.yaml")).unwrap()
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
    fn unknown_keys_are_warned_about_not_refused() {
        let (env, warnings) = parsed("name: x\ndatabse_url: y\n");
        assert_eq!(env.name, "x");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("unknown key `databse_url`"), "{warnings:?}");
    }

    #[test]
    fn defaults_apply() {
        let (env, warnings) = parsed("name: local\n");
        assert_eq!(env.include_dirs, [IncludeDir::bare("db/schema")]);
        assert!(env.exclude_dirs.is_empty() && !env.allow_reset && warnings.is_empty());
        assert_eq!((env.file_order, env.tracking_table.as_str()), (FileOrder::Global, "tb_confiture"));
        let (empty, _) = parsed("# only comments\n");
        assert_eq!(empty.name, "local");
    }

    #[test]
    fn the_python_confitures_init_file_reads_unchanged() {
        let (env, warnings) = parsed(
            "name: local\ninclude_dirs:\n  - db/schema/00_common\n  - db/schema/10_tables\nexclude_dirs: []\n\n\
             database:\n  host: localhost\n  port: 5432\n  database: myapp_local\n  user: postgres\n  password: postgres\n\n\
             migration:\n  view_helpers: auto\n",
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            env.database_url.as_deref(),
            Some("host='localhost' port='5432' dbname='myapp_local' user='postgres' password='postgres'")
        );
        assert_eq!(env.include_dirs.len(), 2);
    }

    #[test]
    fn object_include_dirs_and_the_original_blocks_are_understood() {
        let (env, warnings) = parsed(
            "include_dirs:\n  - path: db/schema\n    order: 1\n    exclude: ['**/wip/**']\n  - {path: db/ext, recursive: false, auto_discover: false}\n\
             build:\n  sort_mode: hex\n  two_pass: true\nmigration:\n  tracking_table: app.tb_confiture\n\
             seed:\n  continue_on_error: true\nlint:\n  ignore_objects: ['public.gen_*']\n  exclude_schemas: [audit]\n",
        );
        assert_eq!(env.include_dirs[0].order, 1);
        assert_eq!(env.include_dirs[0].exclude, ["**/wip/**"]);
        assert!(env.include_dirs[0].skip_if_missing);
        assert!(!env.include_dirs[1].recursive && !env.include_dirs[1].skip_if_missing);
        assert_eq!(env.file_order, FileOrder::Numbered);
        assert_eq!(env.tracking_table, "app.tb_confiture");
        assert!(env.seed_continue_on_error);
        assert_eq!(env.lint, Some(serde_json::json!({"exclude_schemas": ["audit"]})));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("lint.ignore_objects"), "{warnings:?}");
    }

    #[test]
    fn pool_settings_are_ignored_with_a_warning_and_libpq_keys_kept() {
        let text = "database:\n  host: db\n  pool_size: 10\n  max_overflow: {a: 1}\n  connect_timeout: 5\n\
                    migration:\n  locking: {timeout_ms: 5000, enabled: false}\n";
        let (env, warnings) = parse(text, "local", Path::new("e.yaml")).unwrap();
        let url = env.database_url.unwrap();
        assert!(
            url.contains("host='db'") && url.contains("connect_timeout='5'") && !url.contains("pool"),
            "{url}"
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("database.pool_size ignored"), "{warnings:?}");
        assert_eq!((env.lock_timeout_ms, env.locking), (Some(5000), false));
    }

    #[test]
    fn wrong_values_are_refused_by_key() {
        let bad = |text: &str| parse(text, "local", Path::new("e.yaml")).unwrap_err().message;
        assert!(bad("include_dirs: db/schema\n").contains("include_dirs: expected a list"));
        assert!(bad("include_dirs:\n  - {recursive: true}\n").contains("an entry needs a path"));
        assert!(bad("build:\n  sort_mode: random\n").contains("sort_mode: expected alphabetical or hex"));
        assert!(bad("migration:\n  locking: {timeout_ms: soon}\n")
            .contains("locking.timeout_ms: expected milliseconds"));
        assert!(bad("allow_reset: yes please\n").contains("allow_reset: expected true or false"));
        assert!(bad("include_dirs: []\n").contains("include_dirs is empty"));
    }
}
