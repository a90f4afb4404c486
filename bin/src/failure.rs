//! Every way a command can fail, each with its documented exit code (docs/exit-codes.md).

use std::fmt;

/// The exit codes are the Python confiture's (its `--exit-codes` table), so that scripts written
/// for it read ours unchanged; `code` is its symbolic code for the same situation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 5: the project or environment configuration is missing or wrong.
    Config,
    /// 4: a schema or seed file cannot be used (unreadable, not UTF-8).
    Source,
    /// 3: the database cannot be reached.
    Connection,
    /// 2: the confiture extension is not installed in the database.
    NotInitialized,
    /// 1: the database refused the work, in a command with no more precise kind (seeds, lint).
    Database,
    /// 4: the database refused the schema build.
    Build,
    /// 3: a migration (its script, its file, its .verify.sql check) failed or was refused.
    Migration,
    /// 1: an applied migration's file changed (checksum drift), or an applied one is missing.
    Drift,
    /// 6: another session holds the migration lock past --lock-timeout.
    Lock,
    /// 3: a schema diff's plan was refused (a hazard not allowed, a change it cannot make) or
    /// failed its --verify.
    Plan,
}

/// What a command works on: a database refusal or an unreadable file means something else in a
/// build than in a migration run. `main` applies it to every failure, so no path can forget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Build,
    Migrate,
    Other,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Database | Kind::Drift => 1,
            Kind::NotInitialized => 2,
            Kind::Connection | Kind::Migration | Kind::Plan => 3,
            Kind::Source | Kind::Build => 4,
            Kind::Config => 5,
            Kind::Lock => 6,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Config => "config",
            Kind::Source => "source",
            Kind::Connection => "connection",
            Kind::NotInitialized => "not_initialized",
            Kind::Database => "database",
            Kind::Build => "build",
            Kind::Migration => "migration",
            Kind::Drift => "drift",
            Kind::Lock => "lock",
            Kind::Plan => "plan",
        }
    }

    /// The Python confiture's symbolic code for the situation (`error.code` in JSON).
    pub fn code(self) -> &'static str {
        match self {
            Kind::Config => "CONFIG_001",
            Kind::Source => "SCHEMA_001",
            Kind::Connection => "CONFIG_006",
            Kind::NotInitialized => "PRECON_1001",
            Kind::Database => "SQL_001",
            Kind::Build => "DDL_001",
            Kind::Migration => "MIGR_001",
            Kind::Drift => "CHECKSUM_001",
            Kind::Lock => "LOCK_1300",
            Kind::Plan => "MIGR_PLAN",
        }
    }
}

#[derive(Debug)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    pub sqlstate: Option<String>,
}

impl Failure {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), detail: None, hint: None, sqlstate: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A failure reported by PostgreSQL: keep its message, detail, hint and SQLSTATE.
    /// `Kind::Connection` when the server could not be reached or went away.
    pub fn from_postgres(error: postgres::Error, target: &str) -> Self {
        match error.as_db_error() {
            Some(db) => Self {
                kind: Kind::Database,
                message: db.message().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
                sqlstate: Some(db.code().code().to_string()),
            },
            None => Self::new(Kind::Connection, format!("cannot reach {target}: {}", with_causes(&error)))
                .with_hint(
                    "Check that the server is running and that database_url (or --database-url) is right.",
                ),
        }
    }

    /// The failure as the command's area means it: the database's refusal of a build is a build
    /// error, of a migration a migration error; a missing `confiture` schema or function means
    /// the extension is not installed, whatever the command.
    pub fn in_area(mut self, area: Area) -> Self {
        let names_confiture = self.message.contains("confiture");
        if self.kind == Kind::Database
            && matches!(self.sqlstate.as_deref(), Some("3F000" | "42883"))
            && names_confiture
        {
            self.kind = Kind::NotInitialized;
            self.hint = Some("Install the extension in this database: CREATE EXTENSION confiture;".into());
        }
        self.kind = match (self.kind, area) {
            (Kind::Database, Area::Build) => Kind::Build,
            (Kind::Database | Kind::Source, Area::Migrate) => Kind::Migration,
            (kind, _) => kind,
        };
        self
    }

    /// The Python confiture's error envelope (`ok`, `error.{severity, code, message, actionable,
    /// details, migration, file, line}`) with ours beside it (`kind`, `exit_code`, `detail`,
    /// `hint`, `sqlstate`).
    pub fn to_json(&self) -> serde_json::Value {
        let (file, line) = self.location().unzip();
        // The server names a migration by its file name; its place in the project is fixed.
        let file =
            file.map(|f| match f.contains('/') || !(f.ends_with(".up.sql") || f.ends_with(".down.sql")) {
                true => f.to_string(),
                false => format!("db/migrations/{f}"),
            });
        // db/migrations/{version}_{name}.up.sql -> version
        let migration = file
            .as_deref()
            .filter(|f| f.contains("migrations/") || f.ends_with(".up.sql") || f.ends_with(".down.sql"))
            .and_then(|f| f.rsplit('/').next()?.split_once('_').map(|(version, _)| version))
            .filter(|v| v.bytes().all(|b| b.is_ascii_digit()));
        serde_json::json!({
            "ok": false,
            "error": {
                "severity": "error",
                "code": self.kind.code(),
                "actionable": self.hint,
                "details": {},
                "migration": migration,
                "file": file,
                "line": line,
                "kind": self.kind.name(),
                "exit_code": self.kind.exit_code(),
                "message": self.message,
                "detail": self.detail,
                "hint": self.hint,
                "sqlstate": self.sqlstate,
            }
        })
    }
}

impl Failure {
    /// The `file.sql:LINE: ` that starts the messages naming where a statement failed.
    fn location(&self) -> Option<(&str, u32)> {
        let (place, _) = self.message.split_once(": ")?;
        let (file, line) = place.rsplit_once(':')?;
        (file.ends_with(".sql") && !file.contains(' ')).then_some(())?;
        Some((file, line.parse().ok()?))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(sqlstate) = &self.sqlstate {
            write!(f, " (SQLSTATE {sqlstate})")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n  detail: {}", detail.replace('\n', "\n          "))?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// "error connecting to server: Connection refused (os error 111)": the message and its causes.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub type Result<T> = std::result::Result<T, Failure>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_python_confitures() {
        let codes: Vec<(Kind, u8)> = [
            Kind::Database,
            Kind::Drift,
            Kind::NotInitialized,
            Kind::Connection,
            Kind::Migration,
            Kind::Source,
            Kind::Build,
            Kind::Config,
            Kind::Lock,
        ]
        .into_iter()
        .map(|k| (k, k.exit_code()))
        .collect();
        assert_eq!(codes.iter().map(|(_, c)| *c).collect::<Vec<_>>(), [1, 1, 2, 3, 3, 4, 4, 5, 6]);
    }

    #[test]
    fn the_area_decides_what_a_database_refusal_means() {
        let refused = || Failure {
            sqlstate: Some("42P01".into()),
            ..Failure::new(Kind::Database, "relation \"t\" does not exist")
        };
        assert_eq!(refused().in_area(Area::Build).kind, Kind::Build);
        assert_eq!(refused().in_area(Area::Migrate).kind, Kind::Migration);
        assert_eq!(refused().in_area(Area::Other).kind, Kind::Database);
        assert_eq!(Failure::new(Kind::Source, "x").in_area(Area::Migrate).kind, Kind::Migration);
        assert_eq!(Failure::new(Kind::Config, "x").in_area(Area::Migrate).kind, Kind::Config);
        let missing = Failure {
            sqlstate: Some("3F000".into()),
            ..Failure::new(Kind::Database, "schema \"confiture\" does not exist")
        };
        let missing = missing.in_area(Area::Build);
        assert_eq!(missing.kind, Kind::NotInitialized);
        assert!(missing.hint.unwrap().contains("CREATE EXTENSION confiture"));
    }

    #[test]
    fn json_names_the_file_line_and_migration() {
        let failure =
            Failure::new(Kind::Migration, "db/migrations/003_c.up.sql:2: relation \"nope\" does not exist");
        let json = failure.to_json();
        assert_eq!(json["ok"], false);
        assert_eq!(json["error"]["code"], "MIGR_001");
        assert_eq!(json["error"]["exit_code"], 3);
        assert_eq!(
            (json["error"]["file"].as_str(), json["error"]["line"].as_u64()),
            (Some("db/migrations/003_c.up.sql"), Some(2))
        );
        assert_eq!(json["error"]["migration"], "003");
        let plain = Failure::new(Kind::Config, "no database URL: set one").to_json();
        assert!(
            plain["error"]["file"].is_null()
                && plain["error"]["line"].is_null()
                && plain["error"]["migration"].is_null()
        );
    }
}
