//! Migration risk: what a statement will lock, rewrite and cost on a given database, scored.
//! The server observes the statement on a scratch copy (or takes the documented model of
//! `locks`) and reads the live facts (sizes, sessions holding locks now); everything here is
//! the pure judgement over those facts, identical for the SQL functions and the CLI.

pub mod locks;
#[cfg(test)]
mod tests;

pub use locks::LockMode;
use serde::{Deserialize, Serialize};

/// What the parser says a statement is: its command tag, and for ALTER TABLE (and a few
/// others) the actions it performs, named as `locks::action_lock` knows them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shape {
    /// PostgreSQL's command tag: "ALTER TABLE", "CREATE INDEX", "COMMENT"...
    pub command: String,
    pub actions: Vec<String>,
    pub concurrently: bool,
    /// UPDATE or DELETE with a WHERE clause.
    pub has_where: bool,
    /// `SET [LOCAL] lock_timeout`: Some(true) when it sets a limit, Some(false) when it sets 0.
    pub sets_lock_timeout: Option<bool>,
    /// The relations it names, quoted and qualified as written ("public.t" or "t").
    pub relations: Vec<String>,
    /// The column it drops, renames or retypes (the first one).
    pub column: Option<String>,
    /// The constraint VALIDATE CONSTRAINT names.
    pub constraint: Option<String>,
}

impl Shape {
    pub fn has_action(&self, prefix: &str) -> bool {
        self.actions.iter().any(|a| a.starts_with(prefix))
    }

    fn drops_data(&self) -> bool {
        matches!(self.command.as_str(), "DROP TABLE" | "TRUNCATE TABLE" | "DROP MATERIALIZED VIEW")
            || self.has_action("DROP COLUMN")
            || (self.command == "DELETE" && !self.has_where)
    }

    /// It changes what the whole server shares (roles, databases, tablespaces, settings,
    /// subscriptions) or reaches outside the database (COPY to or from a file or a program):
    /// never run on a scratch copy, which is only a database.
    pub fn outside_the_database(&self) -> bool {
        const COMMANDS: &[&str] = &[
            "CREATE ROLE",
            "ALTER ROLE",
            "DROP ROLE",
            "GRANT ROLE",
            "REVOKE ROLE",
            "CREATE DATABASE",
            "ALTER DATABASE",
            "DROP DATABASE",
            "ALTER SYSTEM",
            "CREATE TABLESPACE",
            "ALTER TABLESPACE",
            "DROP TABLESPACE",
            "CREATE SUBSCRIPTION",
            "ALTER SUBSCRIPTION",
            "DROP SUBSCRIPTION",
            "LOAD",
            "CHECKPOINT",
            "COPY",
            "SECURITY LABEL",
            "REASSIGN OWNED",
            "DROP OWNED",
        ];
        COMMANDS.contains(&self.command.as_str()) || self.has_action("ON A SHARED OBJECT")
    }

    /// UPDATE or DELETE of every row: each row is written (and locked) in one transaction.
    fn changes_every_row(&self) -> bool {
        matches!(self.command.as_str(), "UPDATE" | "DELETE") && !self.has_where
    }

    fn builds_index(&self) -> bool {
        let builds = |a: &String| {
            ["ADD CONSTRAINT PRIMARY KEY", "ADD CONSTRAINT UNIQUE", "ADD CONSTRAINT EXCLUDE"]
                .iter()
                .any(|kind| a.starts_with(kind))
                && !a.contains("USING INDEX")
        };
        matches!(self.command.as_str(), "CREATE INDEX" | "REINDEX") || self.actions.iter().any(builds)
    }
}

/// Throughputs measured by `confiture.calibrate()` on this server, in bytes per second.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// Table plus index bytes rewritten per second (ALTER COLUMN TYPE, VACUUM FULL).
    pub rewrite: f64,
    /// Table bytes read per second by a validation scan (CHECK, SET NOT NULL).
    pub scan: f64,
    /// Table bytes per second of an index build.
    pub index: f64,
    /// Referencing-table bytes per second of a foreign key validation.
    pub foreign_key: f64,
}

impl Rates {
    /// Until `calibrate()` runs: deliberately slow figures (a small cloud disk), so that an
    /// uncalibrated estimate errs long.
    pub const UNCALIBRATED: Rates = Rates { rewrite: 20e6, scan: 100e6, index: 30e6, foreign_key: 40e6 };
}

/// Everything known about one statement when it is judged.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub shape: Shape,
    /// The strongest lock on a relation that existed before the statement.
    pub lock: Option<LockMode>,
    /// None: unknown (the model could not tell and nothing was observed).
    pub rewrites: Option<bool>,
    pub scans: bool,
    /// Observed on a scratch copy, rather than taken from the model.
    pub observed: bool,
    /// Cannot run inside a transaction (CREATE INDEX CONCURRENTLY...).
    pub outside_transaction: bool,
    /// The most locked live table: its size from pg_class, its indexes' size, and writes per
    /// second since the statistics were reset.
    pub table_bytes: i64,
    pub table_rows: i64,
    pub index_bytes: i64,
    pub writes_per_second: f64,
    /// A lock_timeout is in force when the statement runs.
    pub lock_timeout: bool,
    /// Sessions holding, right now, a lock that conflicts with the statement's: (pid, seconds).
    pub blockers: Vec<(i32, f64)>,
    /// Views, functions and other objects that use what the statement drops or renames.
    pub dependents: Vec<String>,
    /// The error the statement raised on the scratch copy, if it failed there.
    pub failed_on_copy: Option<String>,
}

/// low < medium < high < critical.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Low, Level::Medium, Level::High, Level::Critical];

    pub fn name(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name().eq_ignore_ascii_case(text.trim()))
    }

    /// The level of a risk score (docs/risk.md).
    pub fn of(risk: i32) -> Level {
        match risk {
            ..=29 => Level::Low,
            30..=54 => Level::Medium,
            55..=79 => Level::High,
            _ => Level::Critical,
        }
    }
}

/// What the person at the terminal answers for a migration (`migrate up --interactive`), as the
/// migration_answered events record it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    All,
    Quit,
}

impl Answer {
    pub const ALL: [Answer; 4] = [Answer::Yes, Answer::No, Answer::All, Answer::Quit];

    pub fn name(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::All => "all",
            Answer::Quit => "quit",
        }
    }

    /// Its name exactly, as an event records it.
    pub fn from_name(name: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.name() == name)
    }

    /// What a person types: the name or its first letter, any case.
    pub fn parse(text: &str) -> Option<Answer> {
        let typed = text.trim().to_ascii_lowercase();
        Answer::ALL.into_iter().find(|a| a.name() == typed || a.name()[..1] == typed)
    }
}

/// The judgement of one statement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assessment {
    pub est_seconds: f64,
    pub hazards: Vec<&'static str>,
    pub risk: i32,
    pub level: Level,
    pub advice: String,
}

/// How long the statement's heavy part takes on this table at these rates.
pub fn estimate_seconds(facts: &Facts, rates: &Rates) -> f64 {
    let table = facts.table_bytes.max(0) as f64;
    let indexes = facts.index_bytes.max(0) as f64;
    let shape = &facts.shape;
    let mut seconds = 0.0;
    if facts.rewrites == Some(true) || shape.changes_every_row() {
        seconds += (table + indexes) / rates.rewrite;
    } else if shape.builds_index() {
        seconds += table / rates.index;
    } else if facts.scans {
        let foreign_key = shape.has_action("ADD CONSTRAINT FOREIGN KEY")
            || shape.has_action("VALIDATE CONSTRAINT FOREIGN KEY");
        seconds += table / if foreign_key { rates.foreign_key } else { rates.scan };
    }
    // Round to milliseconds: the figures are estimates, not measurements.
    (seconds * 1000.0).round() / 1000.0
}

/// Points of the score (docs/risk.md documents the same table).
const LOCK_POINTS: [(LockMode, i32); 4] = [
    (LockMode::AccessExclusive, 25),
    (LockMode::Exclusive, 20),
    (LockMode::Share, 15),
    (LockMode::ShareUpdateExclusive, 3),
];
const DATA_LOSS_POINTS: i32 = 30;
const NO_LOCK_TIMEOUT_POINTS: i32 = 15;
const BLOCKED_POINTS: i32 = 25;
const UNKNOWN_REWRITE_POINTS: i32 = 10;

fn lock_points(lock: Option<LockMode>) -> i32 {
    let Some(lock) = lock else { return 0 };
    LOCK_POINTS.iter().find(|(mode, _)| lock >= *mode).map_or(0, |(_, points)| *points)
}

/// Points for how long the lock is held: long holds of a lock that blocks writes weigh most.
fn duration_points(blocks_writes: bool, seconds: f64) -> i32 {
    let bucket = match seconds {
        s if s < 0.1 => 0,
        s if s < 1.0 => 1,
        s if s < 10.0 => 2,
        _ => 3,
    };
    if blocks_writes {
        [0, 15, 35, 50][bucket]
    } else {
        [0, 0, 5, 10][bucket]
    }
}

/// Judge one statement.
pub fn assess(facts: &Facts, rates: &Rates) -> Assessment {
    let est_seconds = estimate_seconds(facts, rates);
    let shape = &facts.shape;
    let lock_blocks_writes = facts.lock.is_some_and(LockMode::blocks_writes);
    // Changing every row locks every row: other writers wait as behind a table lock.
    let blocks_writes = lock_blocks_writes || facts.shape.changes_every_row();
    let populated = facts.table_rows > 0 || facts.table_bytes > 8192;
    let mut hazards = Vec::new();
    let mut advice = Vec::new();
    let mut risk = lock_points(facts.lock) + duration_points(blocks_writes, est_seconds);

    if facts.rewrites == Some(true) {
        hazards.push("rewrites_table");
        if shape.has_action("ADD COLUMN DEFAULT") {
            hazards.push("volatile_default");
            advice.push("Add the column without the default (or with a constant one), SET DEFAULT, then fill existing rows in batches.");
        } else if shape.has_action("ALTER COLUMN TYPE") {
            hazards.push("type_change_rewrites");
            advice.push("Add a column of the new type, fill it in batches (a trigger keeps it current), then swap the columns in a short migration.");
        } else {
            advice.push("It rewrites the whole table (and its indexes) while holding its lock: run it in a quiet window, or add a plain column and fill it in batches instead.");
        }
    } else if facts.rewrites.is_none() {
        hazards.push("may_rewrite");
        risk += UNKNOWN_REWRITE_POINTS;
        if facts.failed_on_copy.is_none() {
            advice.push("Whether it rewrites the table depends on the types involved: run confiture migrate assess (it observes the statement on a scratch copy).");
        }
    }
    if facts.scans && lock_blocks_writes && populated && facts.rewrites != Some(true) {
        hazards.push("scans_under_lock");
        if shape.has_action("SET NOT NULL") {
            hazards.push("set_not_null_scans");
            advice.push("First ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT (no write lock), then SET NOT NULL: PostgreSQL skips the scan.");
        }
        if shape.actions.iter().any(|a| {
            a.starts_with("ADD CONSTRAINT")
                && (a.contains("CHECK") || a.contains("FOREIGN KEY"))
                && !a.ends_with("NOT VALID")
        }) {
            hazards.push("constraint_validated_under_lock");
            advice.push("Add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later migration: validation then takes SHARE UPDATE EXCLUSIVE, which lets writes through.");
        }
        if shape.command == "CREATE INDEX" && !shape.concurrently {
            hazards.push("index_without_concurrently");
            advice.push(
                "CREATE INDEX CONCURRENTLY, in a migration of its own (it runs outside a transaction).",
            );
        }
        if shape.builds_index() && shape.command.starts_with("ALTER") {
            hazards.push("index_built_under_lock");
            advice.push("CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX.");
        }
    }
    if shape.changes_every_row() && facts.table_rows > 10_000 {
        hazards.push("unbatched_backfill");
        advice.push("Change rows in batches of a few thousand (by key range), each in its own transaction, outside the schema migration.");
    }
    if shape.drops_data() && (populated || shape.has_action("DROP COLUMN")) {
        hazards.push("deletes_data");
        risk += DATA_LOSS_POINTS;
        advice.push("Make sure nothing reads it any more and that a backup holds the data; keep the down migration able to restore the structure.");
    }
    if !facts.dependents.is_empty() {
        hazards.push("has_dependents");
        advice.push("Other objects use it: change or recreate them in the same migration.");
    }
    if facts.lock.is_some_and(|l| l >= LockMode::Share) && !facts.lock_timeout {
        hazards.push("no_lock_timeout");
        risk += NO_LOCK_TIMEOUT_POINTS;
        advice.push("SET lock_timeout = '2s' at the top of the migration: waiting behind a long transaction would otherwise queue every query on the table behind this statement.");
    }
    if !facts.blockers.is_empty() {
        hazards.push("blocked_now");
        risk += BLOCKED_POINTS;
        advice.push(
            "Sessions hold a conflicting lock right now (see blocked_by): the statement would wait for them.",
        );
    }
    if shape.outside_the_database() {
        hazards.push("outside_the_database");
        advice.push("It changes what the whole server shares (roles, databases, tablespaces, settings) or reaches outside the database: it is not run on the scratch copy; review it by hand.");
    }
    if facts.outside_transaction {
        hazards.push("not_transactional");
        advice.push("It runs outside a transaction: if it fails half way (an invalid index), drop what it left and run it again.");
    }
    let mut advice: Vec<String> = advice.into_iter().map(String::from).collect();
    if let Some(error) = &facts.failed_on_copy {
        hazards.push("failed_on_copy");
        advice.insert(0, format!("On a schema-only copy of this database it failed ({error}): it will most likely fail here too."));
    }
    if blocks_writes && facts.writes_per_second > 0.0 && est_seconds >= 1.0 {
        let waiting = (facts.writes_per_second * est_seconds).round();
        advice.push(format!("At this table's write rate about {waiting} writes would wait while it runs."));
    }
    let risk = risk.clamp(0, 100);
    Assessment { est_seconds, hazards, risk, level: Level::of(risk), advice: advice.join(" ") }
}

/// What a scratch copy showed when one statement ran on it (the CLI observes, the server
/// judges): the lock modes taken on relations that existed before it ("schema.name" ->
/// pg_locks mode), the relations whose storage it replaced, those it read through.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub statement_no: i32,
    #[serde(default)]
    pub locks: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub rewritten: Vec<String>,
    #[serde(default)]
    pub scanned: Vec<String>,
    /// The statement failed on the copy (the rest of the observation is then empty).
    #[serde(default)]
    pub error: Option<String>,
}

/// One row of confiture.assess_migration() / assess_migrations().
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssessedStatement {
    pub version: Option<String>,
    pub statement_no: i32,
    pub line: i32,
    pub statement: String,
    pub lock_mode: Option<String>,
    pub locked_relations: Vec<String>,
    pub rewrites: Option<bool>,
    pub scans: bool,
    pub table_bytes: i64,
    pub table_rows: i64,
    pub est_seconds: f64,
    pub blocked_by: serde_json::Value,
    pub hazards: Vec<String>,
    pub risk: i32,
    pub level: String,
    pub advice: String,
    /// Lock and rewrite observed on a scratch copy (true) or taken from the model (false).
    pub observed: bool,
}

impl AssessedStatement {
    pub fn level(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::Critical)
    }
}
