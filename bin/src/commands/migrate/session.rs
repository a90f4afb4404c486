//! Running a migration plan: runs of ordinary migrations go to migrate_up/migrate_down in one
//! transaction each; a script that cannot run in a transaction (CREATE INDEX CONCURRENTLY...)
//! is run here, one statement at a time in autocommit mode, and recorded through
//! confiture.record_outside_transaction. The whole command holds the migration lock at session
//! level, taken by polling (see `lock_session`).

use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use confiture_core::migration::version::LOCK_KEY;
use confiture_core::migration::StepStatus;
use confiture_core::wire::Step;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use postgres::{Client, SimpleQueryMessage};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Connect with a notice handler that moves `bar` (hidden until `show_progress`) on progress
/// messages and shows warnings.
pub fn connect(target: &Target, bar: &ProgressBar) -> Result<Client> {
    let watched = bar.clone();
    target.connect_with_notices(move |notice| {
        if let Some(done) = notice.message().strip_prefix("confiture progress: ") {
            watched.set_message(done.split(' ').next().unwrap_or_default().to_string());
            watched.inc(1);
        } else if notice.severity() == "WARNING" {
            watched.suspend(|| eprintln!("warning: {}", notice.message()));
        }
    })
}

/// Show the bar on a terminal when more than a few migrations run. The server reports each
/// migration done as a DEBUG1 message "confiture progress: ..." to a client that asks for them.
pub fn show_progress(client: &mut Client, target: &Target, bar: &ProgressBar, total: usize) -> Result<()> {
    if total <= 3 || !std::io::stderr().is_terminal() {
        return Ok(());
    }
    bar.set_length(total as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}").expect("static template"));
    bar.set_draw_target(ProgressDrawTarget::stderr());
    client
        .batch_execute("SET client_min_messages = debug1")
        .map_err(|e| Failure::from_postgres(e, &target.description))
}

/// How a run takes the migration lock: how long it waits, or whether it takes it at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockWait {
    /// Wait at most this long (None: as long as it takes).
    Up(Option<Duration>),
    /// Take no session lock (`--no-lock`).
    Skip,
}

impl LockWait {
    /// The flags, then the environment's migration.locking, then the Python confiture's default
    /// of 30 s; a timeout of 0 waits as long as it takes.
    pub fn of(lock: &crate::cli::LockOptions, environment: &crate::config::Environment) -> Self {
        if lock.no_lock || !environment.locking {
            return LockWait::Skip;
        }
        let ms = lock.lock_timeout.or(environment.lock_timeout_ms).unwrap_or(30_000);
        LockWait::Up((ms > 0).then(|| Duration::from_millis(ms)))
    }
}

/// Take the migration lock for the session, polling outside any transaction. Waiting inside
/// one (as migrate_up's own lock does) would hold a snapshot, and CREATE INDEX CONCURRENTLY run
/// by the holder waits for every older snapshot: the two runs would deadlock. Past the timeout,
/// a `Lock` failure names the session holding it.
pub fn lock_session(client: &mut Client, target: &Target, wait: LockWait) -> Result<()> {
    let LockWait::Up(timeout) = wait else {
        eprintln!(
            "warning: --no-lock: this run takes no session lock on {}; each transaction still takes the server's, \
             but a script run outside a transaction is not protected from a concurrent run",
            target.description
        );
        return Ok(());
    };
    let started = Instant::now();
    let mut told = false;
    loop {
        let taken: bool = client
            .query_one("SELECT pg_catalog.pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .map_err(|e| Failure::from_postgres(e, &target.description))?
            .get(0);
        if taken {
            return Ok(());
        }
        if timeout.is_some_and(|limit| started.elapsed() >= limit) {
            let holder = lock_holder(client).unwrap_or_else(|| "another session".into());
            let waited = started.elapsed().as_millis();
            return Err(Failure::new(
                Kind::Lock,
                format!("the migration lock on {} is held by {holder}: gave up after {waited} ms", target.description),
            )
            .with_hint("Another migrate run is working on this database: wait for it, or raise --lock-timeout (0 waits as long as it takes)."));
        }
        if !told && started.elapsed() > Duration::from_secs(5) {
            eprintln!("waiting for another migration run on {} to finish...", target.description);
            told = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// "pid 123 (user app, application confiture)": the session holding the
/// migration lock, as pg_locks and pg_stat_activity show it (other roles' details may be hidden).
fn lock_holder(client: &mut Client) -> Option<String> {
    let row = client
        .query_opt(
            "SELECT l.pid, a.usename::text AS usename, a.application_name \
               FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a USING (pid) \
              WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
                AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) \
                AND (l.classid::bigint << 32 | l.objid::bigint) = $1 \
              LIMIT 1",
            &[&LOCK_KEY],
        )
        .ok()??;
    let pid: i32 = row.get("pid");
    let mut about = Vec::new();
    if let Some(user) = row.get::<_, Option<String>>("usename") {
        about.push(format!("user {user}"));
    }
    if let Some(application) = row.get::<_, Option<String>>("application_name").filter(|a| !a.is_empty()) {
        about.push(format!("application {application}"));
    }
    Some(if about.is_empty() { format!("pid {pid}") } else { format!("pid {pid} ({})", about.join(", ")) })
}

/// The failure a `failed` row stands for, as if the call had raised it.
pub fn failure_of(step: &Step) -> Option<Failure> {
    if step.status != StepStatus::Failed {
        return None;
    }
    let error = step.error.clone().unwrap_or_default();
    let text = |key: &str| error.get(key).and_then(|v| v.as_str()).map(str::to_string);
    Some(Failure {
        kind: Kind::Database,
        message: text("message").unwrap_or_else(|| format!("migration {} failed", step.version)),
        detail: text("detail"),
        hint: text("hint"),
        sqlstate: text("sqlstate"),
    })
}

/// Run one migration's script outside a transaction: statement by statement, each committed on
/// its own, its start and outcome recorded. The caller holds the session lock (`lock_session`),
/// so the plan it read is still the truth.
pub fn run_outside(client: &mut Client, target: &Target, version: &str, direction: &str) -> Result<Step> {
    let outcome = run_statements(client, target, version, direction);
    // The script's SET statements must not leak into what this session runs next.
    let reset = client.batch_execute("RESET ALL").map_err(|e| Failure::from_postgres(e, &target.description));
    let step = outcome?;
    reset?;
    Ok(step)
}

fn run_statements(client: &mut Client, target: &Target, version: &str, direction: &str) -> Result<Step> {
    let db = |e: postgres::Error| Failure::from_postgres(e, &target.description);
    let name: String = client
        .query_one("SELECT name FROM confiture.migrations WHERE version = $1", &[&version])
        .map_err(db)?
        .get(0);
    let statements: Vec<(i32, String)> = client
        .query("SELECT line, statement FROM confiture.migration_statements($1, $2)", &[&version, &direction])
        .map_err(db)?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let record = "SELECT confiture.record_outside_transaction($1, $2, $3, $4, $5, $6, $7)";
    let none: Option<serde_json::Value> = None;
    client.execute(record, &[&version, &direction, &"started", &0f64, &0i32, &0i64, &none]).map_err(db)?;
    let started = Instant::now();
    let (mut done, mut rows) = (0i32, 0i64);
    for (line, statement) in &statements {
        match client.simple_query(statement) {
            Ok(messages) => {
                done += 1;
                rows += messages
                    .iter()
                    .map(|m| if let SimpleQueryMessage::CommandComplete(n) = m { *n as i64 } else { 0 })
                    .sum::<i64>();
            }
            Err(error) => {
                let mut failure = Failure::from_postgres(error, &target.description);
                failure.message = format!("{version}_{name}.{direction}.sql:{line}: {}", failure.message);
                failure.hint = Some(format!(
                    "This script runs outside a transaction: its first {done} statement(s) were committed, and \
                     the migration is not recorded. Make them safe to repeat (IF NOT EXISTS; a failed CREATE INDEX \
                     CONCURRENTLY leaves an INVALID index to drop first), then run confiture migrate {direction} again."
                ));
                let error = serde_json::json!({
                    "message": failure.message, "sqlstate": failure.sqlstate, "detail": failure.detail,
                });
                let ms = elapsed_ms(started);
                client
                    .execute(record, &[&version, &direction, &"failed", &ms, &done, &rows, &Some(error)])
                    .map_err(db)?;
                return Err(failure);
            }
        }
    }
    let ms = elapsed_ms(started);
    client.execute(record, &[&version, &direction, &"completed", &ms, &done, &rows, &none]).map_err(db)?;
    let status = if direction == "up" { StepStatus::Applied } else { StepStatus::RolledBack };
    Ok(Step::ran(version, &name, status, (ms, done, rows)))
}

fn elapsed_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_rows_become_the_error_they_stand_for() {
        let step = |status: StepStatus| Step {
            version: "3".into(),
            name: "x".into(),
            status,
            duration_ms: 0.0,
            statements: 0,
            rows_affected: 0,
            locks: vec![],
            rewritten: vec![],
            error: Some(
                serde_json::json!({ "message": "3_x.up.sql:2: boom", "sqlstate": "42P01", "hint": null }),
            ),
        };
        let failure = failure_of(&step(StepStatus::Failed)).unwrap();
        assert_eq!((failure.kind, failure.message.as_str()), (Kind::Database, "3_x.up.sql:2: boom"));
        assert_eq!(failure.sqlstate.as_deref(), Some("42P01"));
        assert_eq!(failure.hint, None);
        assert!(failure_of(&step(StepStatus::Applied)).is_none());
    }
}
