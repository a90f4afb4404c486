//! `migrate down` and `down-to`: roll back the last applied migrations, or those newer than a
//! version, for real or as a dry run that runs the down scripts and rolls them back.

use super::segments::segments;
use super::{
    connect_and_register, db_error, history, open_locked, plan_in, report, run_segments, steps_of, Locked,
};
use crate::cli::LockOptions;
use crate::db::Target;
use crate::failure::Result;
use confiture_core::migration::StepStatus;
use confiture_core::wire::Step;
use postgres::Transaction;
use std::path::Path;

/// How far `down` goes: the last N applied, or every one newer than a version.
pub enum DownTo<'a> {
    Steps(i32),
    Keep(&'a str),
}

/// What `down` did (or, in a dry run, would do): the steps, and the newest applied version
/// before and after.
pub struct Rollback {
    pub steps: Vec<Step>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Run the down scripts of the last applied migrations, the last applied first. A dry run
/// runs them in a transaction that is rolled back (registrations included).
pub fn down(
    project: &Path,
    env: Option<&str>,
    url: Option<&str>,
    how: DownTo,
    dry_run: bool,
    lock: &LockOptions,
) -> Result<Rollback> {
    let Locked { files, target, bar, mut client, .. } = open_locked(project, env, url, lock)?;
    let (mut tx, _) = connect_and_register(&mut client, &files, &target)?;
    // connect_and_register created the extension: there is a history, maybe empty.
    let applied = history::applied(&mut tx, &target)?.unwrap_or_default();
    let steps = match how {
        DownTo::Steps(steps) => steps,
        DownTo::Keep(version) => history::steps_down_to(&applied, version)?,
    };
    let from = history::newest(&applied).map(|a| a.version.clone());
    if steps == 0 {
        return Ok(Rollback { steps: vec![], to: from.clone(), from });
    }
    // The whole plan is checked before anything runs (a missing down script is refused): a
    // script run outside a transaction commits, so a later segment's refusal would come too late.
    let (plan, outside) = plan_in(&mut tx, "down", None, steps, &target)?;
    let remaining: Vec<_> = applied.iter().filter(|a| !plan.contains(&a.version)).cloned().collect();
    let to = history::newest(&remaining).map(|a| a.version.clone());
    if dry_run {
        let steps = dry_run_down(&mut tx, &applied, &plan, &outside, steps, &target)?;
        tx.rollback().map_err(db_error(&target))?;
        return Ok(Rollback { steps, from, to });
    }
    tx.commit().map_err(db_error(&target))?;
    let steps = run_segments(&mut client, &[], &target, &bar, &segments(&plan, &outside), "down")?;
    Ok(Rollback { steps, from, to })
}

/// A rollback run and undone: the down scripts run in the caller's transaction, which the
/// caller rolls back. A plan with a script that cannot run in a transaction is only listed
/// (`skipped`), as `up --dry-run` does.
fn dry_run_down(
    tx: &mut Transaction,
    applied: &[report::AppliedRow],
    plan: &[String],
    outside: &[String],
    steps: i32,
    target: &Target,
) -> Result<Vec<Step>> {
    if !outside.is_empty() {
        let name = |version: &String| applied.iter().find(|a| &a.version == version).map(|a| a.name.clone());
        return Ok(plan
            .iter()
            .map(|version| Step {
                version: version.clone(),
                name: name(version).unwrap_or_default(),
                status: StepStatus::Skipped,
                duration_ms: 0.0,
                statements: 0,
                rows_affected: 0,
                locks: vec![],
                rewritten: vec![],
                error: None,
            })
            .collect());
    }
    let rows = tx
        .query("SELECT * FROM confiture.migrate_down($1, raise_on_failure => false)", &[&steps])
        .map_err(db_error(target))?;
    let mut ran = steps_of(rows)?;
    for step in &mut ran {
        step.status =
            if step.status == StepStatus::Failed { StepStatus::WouldFail } else { StepStatus::DryRun };
    }
    Ok(ran)
}

/// 1 when a dry run found a down script that would fail.
pub fn rollback_code(done: &Rollback) -> u8 {
    match done.steps.iter().any(|s| s.status == StepStatus::WouldFail) {
        true => crate::CHECK_FAILED,
        false => 0,
    }
}
