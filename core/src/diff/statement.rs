//! One statement of a plan, with what it risks, and the quoting every generated name goes through.

use serde::Serialize;
use std::collections::HashSet;

/// What a statement can do to a live database. The names are what `--allow-hazards` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hazard {
    /// Rows or values are gone once it has run.
    DeletesData,
    /// The table (and its indexes) is written anew: time and disk in proportion to its size.
    RewritesTable,
    /// Blocks every read and write of the object while it runs.
    AccessExclusiveLock,
    /// Reads the whole table while holding a lock that blocks writes.
    ScansUnderLock,
    /// Builds an index: time and I/O in proportion to the table.
    BuildsIndex,
    /// Drops and recreates objects that depend on the one changed (views, policies, ...).
    ImpactsDependents,
    /// Cannot run inside a transaction block: a failure part way leaves what ran.
    NotTransactional,
    /// The way back cannot restore what it removes (an enum value, a dropped object's data).
    NotReversible,
}

impl Hazard {
    pub const ALL: [Hazard; 8] = [
        Hazard::DeletesData,
        Hazard::RewritesTable,
        Hazard::AccessExclusiveLock,
        Hazard::ScansUnderLock,
        Hazard::BuildsIndex,
        Hazard::ImpactsDependents,
        Hazard::NotTransactional,
        Hazard::NotReversible,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Hazard::DeletesData => "deletes_data",
            Hazard::RewritesTable => "rewrites_table",
            Hazard::AccessExclusiveLock => "access_exclusive_lock",
            Hazard::ScansUnderLock => "scans_under_lock",
            Hazard::BuildsIndex => "builds_index",
            Hazard::ImpactsDependents => "impacts_dependents",
            Hazard::NotTransactional => "not_transactional",
            Hazard::NotReversible => "not_reversible",
        }
    }

    pub fn parse(name: &str) -> Option<Hazard> {
        Hazard::ALL.into_iter().find(|h| h.name() == name)
    }
}

/// One statement of a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    pub object_kind: String,
    pub object_name: String,
    pub ddl: String,
    /// False for statements PostgreSQL refuses inside a transaction block (… CONCURRENTLY).
    pub transactional: bool,
    pub hazards: Vec<Hazard>,
    /// The strongest lock it takes on an existing object, if any.
    pub lock_mode: Option<&'static str>,
}

pub const ACCESS_EXCLUSIVE: &str = "ACCESS EXCLUSIVE";
pub const SHARE_UPDATE_EXCLUSIVE: &str = "SHARE UPDATE EXCLUSIVE";
pub const SHARE_ROW_EXCLUSIVE: &str = "SHARE ROW EXCLUSIVE";
pub const SHARE: &str = "SHARE";

impl Statement {
    pub fn new(object_kind: &str, object_name: &str, ddl: impl Into<String>) -> Self {
        Statement {
            object_kind: object_kind.to_string(),
            object_name: object_name.to_string(),
            ddl: ddl.into(),
            transactional: true,
            hazards: Vec::new(),
            lock_mode: None,
        }
    }

    pub fn hazard(mut self, hazard: Hazard) -> Self {
        if !self.hazards.contains(&hazard) {
            self.hazards.push(hazard);
            self.hazards.sort();
        }
        self
    }

    pub fn hazards(self, hazards: &[Hazard]) -> Self {
        hazards.iter().fold(self, |s, h| s.hazard(*h))
    }

    /// Takes `mode` on an existing object (ACCESS EXCLUSIVE is also a hazard).
    pub fn lock(mut self, mode: &'static str) -> Self {
        self.lock_mode = Some(mode);
        self.hazards.retain(|h| *h != Hazard::AccessExclusiveLock);
        if mode == ACCESS_EXCLUSIVE {
            self = self.hazard(Hazard::AccessExclusiveLock);
        }
        self
    }

    pub fn outside_transaction(mut self) -> Self {
        self.transactional = false;
        self.hazard(Hazard::NotTransactional)
    }
}

/// Quotes names as PostgreSQL's quote_ident does, with the server's keyword list from the snapshot.
pub struct Quoter {
    reserved: HashSet<String>,
}

impl Quoter {
    pub fn new(reserved_words: &[String]) -> Self {
        Quoter { reserved: reserved_words.iter().cloned().collect() }
    }

    pub fn ident(&self, name: &str) -> String {
        crate::sql_text::quote_ident(name, |word| self.reserved.contains(word))
    }

    pub fn qualified(&self, schema: &str, name: &str) -> String {
        format!("{}.{}", self.ident(schema), self.ident(name))
    }
}

pub use crate::sql_text::literal;
