//! Migration risk assessment: each statement's lock, rewrite, scan and cost on this database.
//! The statement's shape comes from the raw parser (`server::statement_shape`), its lock and
//! rewrite from an observation on a scratch copy when the caller brings one (the CLI does:
//! `options.observed`) or else from the documented model, the live facts from `live` (no
//! lock taken), the judgement from `confiture_core::risk`.

pub mod calibrate;
pub mod live;

use crate::errors::invalid;
use crate::migrate::store;
use crate::script::{first_outside_transaction, statements_with_lines};
use crate::server::error_position::ErrorPositionProbe;
use crate::server::statement_shape::shape_of;
use crate::sources::Source;
use confiture_core::risk::locks::{static_lock, static_rewrite, static_scan};
use confiture_core::risk::{assess, AssessedStatement, Facts, LockMode, Observation, Rates};
use serde_json::Value;
use std::collections::HashMap;

/// What every statement of one call is judged with.
struct Context {
    rates: Rates,
    /// Whether a lock_timeout is in force, as the statements so far leave it.
    lock_timeout: bool,
    /// Live relations by the name a statement or observation gives, read once per call (the
    /// assessment changes nothing, so they cannot change under it).
    relations: HashMap<String, Option<live::Relation>>,
}

impl Context {
    fn new() -> Self {
        Context {
            rates: calibrate::rates(),
            lock_timeout: live::lock_timeout_now(),
            relations: HashMap::new(),
        }
    }

    fn relation(&mut self, name: &str) -> Option<live::Relation> {
        self.relations.entry(name.to_string()).or_insert_with(|| live::relation(name)).clone()
    }
}

/// Assess SQL text (`name` labels errors). `options.observed`: the observations of its
/// statements on a scratch copy.
pub fn assess_text(sql: &str, name: &str, options: &Value) -> Vec<AssessedStatement> {
    let observed = observations(options.get("observed"), "options.observed");
    let mut context = Context::new();
    assess_script(&mut context, None, sql, name, &observed)
}

/// Assess the registered migrations not applied yet, up to `target`, in the order they would
/// run. `options.observed`: {version: [observation, ...]}.
pub fn assess_pending(target: Option<&str>, options: &Value) -> Vec<AssessedStatement> {
    let registered = store::registered();
    let applied = store::applied();
    let plan = crate::migrate::pending(&registered, &applied, target).unwrap_or_else(|e| invalid(e, None));
    let by_version = options.get("observed").and_then(Value::as_object);
    let mut context = Context::new();
    let mut rows = Vec::new();
    for migration in plan {
        let observed = observations(
            by_version.and_then(|o| o.get(&migration.version)),
            &format!("options.observed.{}", migration.version),
        );
        // Each migration is judged with the session's own lock_timeout: one that a migration
        // before it sets may not reach it (and should not be relied on).
        context.lock_timeout = live::lock_timeout_now();
        let script = store::script_of(&migration.version, "up_sql");
        let label = format!("{}_{}.up.sql", migration.version, migration.name);
        rows.extend(assess_script(&mut context, Some(&migration.version), &script, &label, &observed));
    }
    rows
}

fn observations(value: Option<&Value>, argument: &str) -> HashMap<i32, Observation> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return HashMap::new() };
    let list: Vec<Observation> = serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        invalid(
            format!("{argument} must be an array of observations ({{\"statement_no\", \"locks\", \"rewritten\", \"scanned\"}}): {e}"),
            None,
        )
    });
    list.into_iter().map(|o| (o.statement_no, o)).collect()
}

fn assess_script(
    context: &mut Context,
    version: Option<&str>,
    sql: &str,
    name: &str,
    observed: &HashMap<i32, Observation>,
) -> Vec<AssessedStatement> {
    let probe = ErrorPositionProbe::install();
    let statements = statements_with_lines(&Source { name: name.into(), text: sql.into() }, &probe);
    drop(probe);
    statements
        .into_iter()
        .enumerate()
        .map(|(index, (line, statement))| {
            let statement_no = index as i32 + 1;
            let row = assess_statement(context, &statement, observed.get(&statement_no));
            AssessedStatement { version: version.map(String::from), statement_no, line, statement, ..row }
        })
        .collect()
}

/// Lock, rewrite and scan of one statement: observed when the observation succeeded, else the
/// model's, on the relations the statement names.
fn effects(facts: &mut Facts, observation: Option<&Observation>) -> Vec<(String, LockMode)> {
    let shape = &facts.shape;
    match observation.filter(|o| o.error.is_none()) {
        Some(observation) => {
            facts.observed = true;
            facts.rewrites = Some(!observation.rewritten.is_empty());
            facts.scans = !observation.scanned.is_empty();
            observation
                .locks
                .iter()
                .filter_map(|(relation, mode)| LockMode::parse(mode).map(|m| (relation.clone(), m)))
                .collect()
        }
        None => {
            facts.rewrites = static_rewrite(&shape.command, &shape.actions);
            facts.scans = static_scan(&shape.command, &shape.actions);
            let Some(mode) = static_lock(&shape.command, &shape.actions, shape.concurrently) else {
                return Vec::new();
            };
            // The other tables an ALTER TABLE names are the one its foreign key references (SHARE
            // ROW EXCLUSIVE) or the partition it attaches; DROP, TRUNCATE and LOCK lock each alike.
            let others =
                if shape.command.starts_with("ALTER") { mode.min(LockMode::ShareRowExclusive) } else { mode };
            shape
                .relations
                .iter()
                .enumerate()
                .map(|(i, r)| (r.clone(), if i == 0 { mode } else { others }))
                .collect()
        }
    }
}

fn assess_statement(
    context: &mut Context,
    statement: &str,
    observation: Option<&Observation>,
) -> AssessedStatement {
    let shape = shape_of(statement);
    if let Some(sets) = shape.sets_lock_timeout {
        context.lock_timeout = sets;
    }
    let outside_transaction = first_outside_transaction(statement).is_some();
    let mut facts = Facts { outside_transaction, lock_timeout: context.lock_timeout, ..Facts::default() };
    let main_live = shape.relations.first().and_then(|name| context.relation(name));
    let live_foreign_key =
        |constraint: &String| main_live.as_ref().is_some_and(|t| live::is_foreign_key(t.oid, constraint));
    let validates_live_foreign_key = shape.constraint.as_ref().is_some_and(live_foreign_key);
    facts.shape = shape;
    let locks = effects(&mut facts, observation);
    // TRUNCATE swaps in a new, empty file: a new relfilenode, in no time.
    if facts.shape.command == "TRUNCATE TABLE" {
        facts.rewrites = Some(false);
    }
    // A foreign key's validation is costed at its own rate. One added earlier in the same
    // script is not live yet: its validation also locks another table (the referenced one).
    if validates_live_foreign_key || locks.len() > 1 {
        for action in facts.shape.actions.iter_mut().filter(|a| *a == "VALIDATE CONSTRAINT") {
            action.push_str(" FOREIGN KEY");
        }
    }
    // Each locked relation as it is live (None: created by the script itself). Strongest lock
    // first; among equals, the relation the statement is about (an ALTER TABLE's table, not the
    // table its foreign key references: the names may be spelled differently, the OIDs not).
    let main_oid = main_live.as_ref().map(|r| r.oid);
    let mut locked: Vec<(String, LockMode, Option<live::Relation>)> = locks
        .into_iter()
        .map(|(name, mode)| {
            let live = context.relation(&name);
            (name, mode, live)
        })
        .collect();
    let is_main = |relation: &Option<live::Relation>| {
        main_oid.is_some() && relation.as_ref().map(|r| r.oid) == main_oid
    };
    locked.sort_by(|a, b| {
        b.1.cmp(&a.1).then_with(|| is_main(&b.2).cmp(&is_main(&a.2))).then_with(|| a.0.cmp(&b.0))
    });
    facts.lock = locked.first().map(|(_, mode, _)| *mode);

    // The table the statement weighs on: the one it rewrites, else the first live table in
    // that order.
    let rewritten = observation.and_then(|o| o.rewritten.first().cloned());
    let mut blocked_by = Vec::new();
    let mut weighed: Option<&live::Relation> = None;
    for (name, mode, relation) in &locked {
        let Some(relation) = relation else { continue };
        blocked_by.extend(live::blockers(relation.oid, name, *mode));
        let chosen = rewritten.as_deref().map_or(relation.is_table(), |r| r == name);
        if chosen && weighed.is_none() {
            weighed = Some(relation);
        }
    }
    if let Some(table) = &weighed {
        facts.table_bytes = table.bytes;
        facts.table_rows = table.rows;
        facts.index_bytes = table.index_bytes;
        facts.writes_per_second = table.writes_per_second;
    }
    facts.blockers = blocked_by
        .iter()
        .map(|b| (b["pid"].as_i64().unwrap_or(0) as i32, b["seconds"].as_f64().unwrap_or(0.0)))
        .collect();
    if touches_what_others_use(&facts.shape) {
        if let Some(table) = &main_live {
            facts.dependents = live::dependents(table.oid, facts.shape.column.as_deref());
        }
    }
    facts.failed_on_copy = observation.and_then(|o| o.error.clone());
    let judged = assess(&facts, &context.rates);
    let hazards: Vec<String> = judged.hazards.iter().map(|h| h.to_string()).collect();
    let mut advice = judged.advice;
    if !facts.dependents.is_empty() {
        advice = format!("{advice} Used by: {}.", facts.dependents.join(", ")).trim_start().to_string();
    }
    AssessedStatement {
        version: None,
        statement_no: 0,
        line: 0,
        statement: String::new(),
        lock_mode: facts.lock.map(|m| m.label().to_string()),
        locked_relations: locked.into_iter().map(|(name, _, _)| name).collect(),
        rewrites: facts.rewrites,
        scans: facts.scans,
        table_bytes: facts.table_bytes,
        table_rows: facts.table_rows,
        est_seconds: judged.est_seconds,
        blocked_by: Value::Array(blocked_by),
        hazards,
        risk: judged.risk,
        level: judged.level.name().to_string(),
        advice,
        observed: facts.observed,
    }
}

/// DROP, RENAME and type changes break what uses the object.
fn touches_what_others_use(shape: &confiture_core::risk::Shape) -> bool {
    matches!(shape.command.as_str(), "DROP TABLE" | "DROP VIEW" | "DROP MATERIALIZED VIEW")
        || shape.has_action("DROP COLUMN")
        || shape.has_action("RENAME")
        || shape.has_action("ALTER COLUMN TYPE")
}
