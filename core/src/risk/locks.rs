//! PostgreSQL's table-level lock modes, their conflicts, and the documented model of which mode
//! a statement takes, for statements a scratch copy cannot run (outside a transaction) or when
//! no scratch copy was observed.

use serde::Serialize;

/// The eight table lock modes, weakest first (the order is PostgreSQL's numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

use LockMode::*;

impl LockMode {
    pub const ALL: [LockMode; 8] = [
        AccessShare,
        RowShare,
        RowExclusive,
        ShareUpdateExclusive,
        Share,
        ShareRowExclusive,
        Exclusive,
        AccessExclusive,
    ];

    /// As the documentation and LOCK TABLE spell it.
    pub fn label(self) -> &'static str {
        match self {
            AccessShare => "ACCESS SHARE",
            RowShare => "ROW SHARE",
            RowExclusive => "ROW EXCLUSIVE",
            ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Share => "SHARE",
            ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Exclusive => "EXCLUSIVE",
            AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// As pg_locks.mode spells it.
    pub fn pg_locks_name(self) -> &'static str {
        match self {
            AccessShare => "AccessShareLock",
            RowShare => "RowShareLock",
            RowExclusive => "RowExclusiveLock",
            ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            Share => "ShareLock",
            ShareRowExclusive => "ShareRowExclusiveLock",
            Exclusive => "ExclusiveLock",
            AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// A label or a pg_locks name, any case.
    pub fn parse(text: &str) -> Option<LockMode> {
        let wanted = text.trim();
        LockMode::ALL.into_iter().find(|mode| {
            mode.label().eq_ignore_ascii_case(wanted) || mode.pg_locks_name().eq_ignore_ascii_case(wanted)
        })
    }

    /// PostgreSQL's conflict table (explicit-locking.html, "Conflicting Lock Modes").
    pub fn conflicts_with(self, other: LockMode) -> bool {
        let conflicts: &[LockMode] = match self {
            AccessShare => &[AccessExclusive],
            RowShare => &[Exclusive, AccessExclusive],
            RowExclusive => &[Share, ShareRowExclusive, Exclusive, AccessExclusive],
            ShareUpdateExclusive => {
                &[ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive]
            }
            Share => &[RowExclusive, ShareUpdateExclusive, ShareRowExclusive, Exclusive, AccessExclusive],
            ShareRowExclusive => {
                &[RowExclusive, ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive]
            }
            Exclusive => &[
                RowShare,
                RowExclusive,
                ShareUpdateExclusive,
                Share,
                ShareRowExclusive,
                Exclusive,
                AccessExclusive,
            ],
            AccessExclusive => &LockMode::ALL,
        };
        conflicts.contains(&other)
    }

    /// INSERT, UPDATE and DELETE wait while it is held.
    pub fn blocks_writes(self) -> bool {
        self.conflicts_with(RowExclusive)
    }

    /// Even SELECT waits while it is held.
    pub fn blocks_reads(self) -> bool {
        self.conflicts_with(AccessShare)
    }
}

/// Relation options ALTER TABLE ... SET (...) changes under SHARE UPDATE EXCLUSIVE
/// (AlterTableGetRelOptionsLockLevel); any other option takes ACCESS EXCLUSIVE.
const LIGHT_RELOPTIONS: &[&str] = &[
    "fillfactor",
    "toast_tuple_target",
    "parallel_workers",
    "vacuum_index_cleanup",
    "vacuum_truncate",
    "log_autovacuum_min_duration",
    "user_catalog_table",
];

/// The lock an ALTER TABLE subcommand takes on its table (AlterTableGetLockLevel). The action
/// names are the ones `Shape::actions` holds.
pub fn action_lock(action: &str) -> LockMode {
    if let Some(options) = action.strip_prefix("SET (").or_else(|| action.strip_prefix("RESET (")) {
        let light = options.trim_end_matches(')').split(',').map(str::trim).all(|o| {
            o.starts_with("autovacuum_") || o.starts_with("toast.") || LIGHT_RELOPTIONS.contains(&o)
        });
        return if light { ShareUpdateExclusive } else { AccessExclusive };
    }
    if action.starts_with("ADD CONSTRAINT FOREIGN KEY") {
        return ShareRowExclusive;
    }
    if action.starts_with("VALIDATE CONSTRAINT") {
        return ShareUpdateExclusive;
    }
    match action {
        "SET STATISTICS"
        | "CLUSTER ON"
        | "SET WITHOUT CLUSTER"
        | "ATTACH PARTITION"
        | "DETACH PARTITION CONCURRENTLY"
        | "SET ATTRIBUTE OPTIONS" => ShareUpdateExclusive,
        "ENABLE TRIGGER" | "DISABLE TRIGGER" => ShareRowExclusive,
        _ => AccessExclusive,
    }
}

/// The strongest lock a statement takes on a relation that exists before it, by the documented
/// model; None when it takes none or the model does not know the statement.
pub fn static_lock(command: &str, actions: &[String], concurrently: bool) -> Option<LockMode> {
    let from_actions = || actions.iter().map(|a| action_lock(a)).max();
    match command {
        "ALTER TABLE" | "ALTER MATERIALIZED VIEW" | "ALTER FOREIGN TABLE" => from_actions(),
        "ALTER INDEX" => {
            Some(if actions.iter().any(|a| a == "RENAME") { ShareUpdateExclusive } else { AccessExclusive })
        }
        "CREATE INDEX" => Some(if concurrently { ShareUpdateExclusive } else { Share }),
        "DROP INDEX" | "REINDEX" if concurrently => Some(ShareUpdateExclusive),
        "REINDEX" => Some(Share),
        "CREATE TRIGGER" => Some(ShareRowExclusive),
        "COMMENT" | "ANALYZE" | "SECURITY LABEL" => Some(ShareUpdateExclusive),
        "VACUUM" => {
            Some(if actions.iter().any(|a| a == "FULL") { AccessExclusive } else { ShareUpdateExclusive })
        }
        "REFRESH MATERIALIZED VIEW" => Some(if concurrently { Exclusive } else { AccessExclusive }),
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" => Some(RowExclusive),
        "SELECT" | "CREATE VIEW" | "CREATE MATERIALIZED VIEW" | "CREATE TABLE AS" => Some(AccessShare),
        "LOCK TABLE" => actions.first().and_then(|a| LockMode::parse(a)),
        "CREATE TABLE" => actions.iter().any(|a| a == "REFERENCES").then_some(ShareRowExclusive),
        "DROP TABLE"
        | "DROP VIEW"
        | "DROP MATERIALIZED VIEW"
        | "DROP INDEX"
        | "DROP TRIGGER"
        | "DROP RULE"
        | "DROP POLICY"
        | "CREATE POLICY"
        | "ALTER POLICY"
        | "CREATE RULE"
        | "TRUNCATE TABLE"
        | "CLUSTER"
        | "DROP FOREIGN TABLE"
        | "ALTER TRIGGER" => Some(AccessExclusive),
        _ => None,
    }
}

/// Whether the statement rewrites the table, by the documented model; None when it depends on
/// what only running it tells (a type change, a default's volatility).
pub fn static_rewrite(command: &str, actions: &[String]) -> Option<bool> {
    let mut rewrite = Some(false);
    for action in actions {
        match action.as_str() {
            "ADD COLUMN IDENTITY"
            | "ADD COLUMN GENERATED"
            | "SET TABLESPACE"
            | "SET LOGGED"
            | "SET UNLOGGED"
            | "FULL"
            | "SET ACCESS METHOD" => return Some(true),
            "ALTER COLUMN TYPE" | "ADD COLUMN DEFAULT" => rewrite = None,
            _ => {}
        }
    }
    if command == "CLUSTER" {
        return Some(true);
    }
    rewrite
}

/// Whether the statement reads the whole table (a validation, an index build, a backfill), by
/// the documented model.
pub fn static_scan(command: &str, actions: &[String]) -> bool {
    let validates = |a: &String| {
        a == "SET NOT NULL"
            || a.starts_with("VALIDATE CONSTRAINT")
            || a == "ATTACH PARTITION"
            || (a.starts_with("ADD CONSTRAINT") && !a.ends_with("NOT VALID"))
    };
    matches!(
        command,
        "CREATE INDEX" | "REINDEX" | "UPDATE" | "DELETE" | "MERGE" | "REFRESH MATERIALIZED VIEW"
    ) || (command.starts_with("ALTER") && actions.iter().any(validates))
}
