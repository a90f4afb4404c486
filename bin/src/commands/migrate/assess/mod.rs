//! `confiture migrate assess` and the assessment `migrate up --interactive` / `--max-risk`
//! show: the extension judges each pending statement (confiture.assess_migrations) with what a
//! schema-only copy of the database showed when the statement ran there (`observe`).

mod observe;
pub mod prompt;
pub mod report;

use super::{connect_and_register, db_error, discover, target_of, MigrationFile};
use crate::cli::RiskOptions;
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use crate::output::Format;
use confiture_core::risk::{Answer, AssessedStatement, Level, Observation};
use confiture_core::wire::columns;
use is_terminal::IsTerminal;
use postgres::Transaction;
use prompt::Pending;
use serde_json::{json, Map, Value};
use std::path::Path;

/// How the statements are observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observe {
    /// On a scratch copy of the database's schema (needs CREATEDB).
    OnCopy,
    /// On a scratch copy when one can be made, else (with a warning) from the model.
    OnCopyElseModel,
    /// Not at all: the documented model speaks for every statement.
    ModelOnly,
}

fn rows_of(rows: Vec<postgres::Row>) -> Vec<AssessedStatement> {
    rows.iter()
        .map(|r| AssessedStatement {
            version: r.get("version"),
            statement_no: r.get("statement_no"),
            line: r.get("line"),
            statement: r.get("statement"),
            lock_mode: r.get("lock_mode"),
            locked_relations: r.get("locked_relations"),
            rewrites: r.get("rewrites"),
            scans: r.get("scans"),
            table_bytes: r.get("table_bytes"),
            table_rows: r.get("table_rows"),
            est_seconds: r.get("est_seconds"),
            blocked_by: r.get("blocked_by"),
            hazards: r.get("hazards"),
            risk: r.get("risk"),
            level: r.get("level"),
            advice: r.get("advice"),
            observed: r.get("observed"),
        })
        .collect()
}

fn assess_call(
    tx: &mut Transaction,
    target: &Target,
    target_version: Option<&str>,
    options: &Value,
) -> Result<Vec<AssessedStatement>> {
    let query = format!(
        "SELECT {} FROM confiture.assess_migrations($1, $2::text::jsonb)",
        columns::ASSESSED.join(", ")
    );
    let rows = tx.query(&query, &[&target_version, &options.to_string()]).map_err(db_error(target))?;
    Ok(rows_of(rows))
}

/// Assess the registered, pending migrations (up to `target_version`) in `tx`.
pub fn assess_in(
    tx: &mut Transaction,
    target: &Target,
    target_version: Option<&str>,
    how: Observe,
) -> Result<Vec<AssessedStatement>> {
    let modelled = assess_call(tx, target, target_version, &json!({}))?;
    if how == Observe::ModelOnly || modelled.is_empty() {
        return Ok(modelled);
    }
    let mut copy = match observe::Copy::of(target) {
        Ok(copy) => copy,
        Err(f) if how == Observe::OnCopyElseModel => {
            eprintln!(
                "warning: no schema-only copy to observe the migrations on ({}): judged from the lock model",
                f.message
            );
            return Ok(modelled);
        }
        Err(mut f) => {
            f.message = format!(
                "assess: could not build a schema-only copy to observe the migrations on: {}",
                f.message
            );
            f.hint.get_or_insert_with(|| {
                "It needs CREATEDB on the server; --model-only assesses from the documented model instead.".into()
            });
            return Err(f);
        }
    };
    let mut observed: Map<String, Value> = Map::new();
    for statement in &modelled {
        // What would change the server itself (roles, settings...) never runs, not even on the copy.
        if statement.hazards.iter().any(|h| h == "outside_the_database") {
            continue;
        }
        let outside = statement.hazards.iter().any(|h| h == "not_transactional");
        let Some(observation) = copy.observe(statement.statement_no, &statement.statement, outside) else {
            continue;
        };
        let version = statement.version.clone().unwrap_or_default();
        let list = observed.entry(version).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(serde_json::to_value::<&Observation>(&observation).expect("serializable"));
        }
    }
    assess_call(tx, target, target_version, &json!({ "observed": observed }))
}

/// The statements above `max`.
pub fn above(rows: &[AssessedStatement], max: Level) -> Vec<&AssessedStatement> {
    rows.iter().filter(|r| r.level() > max).collect()
}

/// The refusal of `--max-risk`.
pub fn refuse_above(rows: &[AssessedStatement], max: Level) -> Result<()> {
    let over = above(rows, max);
    if over.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = over
        .iter()
        .map(|r| {
            format!(
                "{} statement {} (line {}): {} risk {} ({})",
                r.version.as_deref().unwrap_or("-"),
                r.statement_no,
                r.line,
                r.level,
                r.risk,
                r.hazards.join(", ")
            )
        })
        .collect();
    Err(Failure::new(
        Kind::Plan,
        format!(
            "{} statement(s) above --max-risk {}, nothing applied:\n  {}",
            over.len(),
            max.name(),
            lines.join("\n  ")
        ),
    )
    .with_hint("See confiture migrate assess for each statement's advice."))
}

/// `confiture migrate assess`.
pub fn command(
    project: &Path,
    env: Option<&str>,
    url: Option<&str>,
    target_version: Option<&str>,
    how: Observe,
    max_risk: Option<Level>,
    format: Format,
) -> Result<u8> {
    let files: Vec<MigrationFile> = discover(project)?;
    let (_, target) = target_of(project, env, url)?;
    let mut client = target.connect()?;
    let (mut tx, _) = connect_and_register(&mut client, &files, &target)?;
    let rows = assess_in(&mut tx, &target, target_version, how)?;
    // Registering was only for the assessment: nothing of it stays.
    tx.rollback().map_err(db_error(&target))?;
    report::print(&rows, &files, format);
    Ok(match max_risk {
        Some(max) if !above(&rows, max).is_empty() => crate::CHECK_FAILED,
        _ => 0,
    })
}

/// What `migrate up` runs after the assessment and the answers.
pub enum Decision {
    /// Apply the pending migrations up to this version (None: up to the requested target).
    Run(Option<String>),
    /// Apply nothing.
    Nothing,
}

/// `migrate up --max-risk` / `--interactive`: assess first, refuse what is above the limit,
/// ask, record each answer (event migration_answered) in `tx`.
pub fn decide(
    tx: &mut Transaction,
    target: &Target,
    target_version: Option<&str>,
    risk: &RiskOptions,
) -> Result<Decision> {
    if !risk.interactive && risk.max_risk.is_none() {
        return Ok(Decision::Run(None));
    }
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if risk.interactive && !risk.yes && !terminal {
        return Err(Failure::new(Kind::Config, "--interactive needs a terminal to ask on: nothing applied")
            .with_hint(
            "Pass --yes to apply without asking (the assessment is still shown), or use --max-risk in CI.",
        ));
    }
    let rows = assess_in(tx, target, target_version, Observe::OnCopyElseModel)?;
    if let Some(max) = risk.max_risk {
        refuse_above(&rows, max)?;
    }
    if !risk.interactive {
        return Ok(Decision::Run(None));
    }
    let plan = tx
        .query("SELECT version, name FROM confiture.migration_plan('up', $1, 0)", &[&target_version])
        .map_err(db_error(target))?;
    let term = dialoguer::console::Term::stderr();
    let mut last = None;
    let mut all = risk.yes;
    for migration in &plan {
        let (version, name): (String, String) = (migration.get(0), migration.get(1));
        let statements: Vec<&AssessedStatement> =
            rows.iter().filter(|r| r.version.as_deref() == Some(version.as_str())).collect();
        let highest = statements.iter().map(|r| r.level()).max().unwrap_or(Level::Low);
        let answer = if all {
            Answer::All
        } else {
            let hooks = hooks_of(tx, target, &version)?;
            let pending = Pending { version: &version, name: &name, statements, hooks };
            prompt::ask(&term, &pending)
                .map_err(|e| Failure::new(Kind::Config, format!("--interactive: {e}")))?
        };
        let detail = json!({ "name": name, "level": highest.name(), "asked": !all, "by_yes": risk.yes });
        tx.execute(
            "SELECT confiture.record_migration_answer($1, $2, $3::text::jsonb)",
            &[&version, &answer.name(), &detail.to_string()],
        )
        .map_err(db_error(target))?;
        match answer {
            Answer::Yes => last = Some(version),
            Answer::All => {
                all = true;
                last = Some(version);
            }
            Answer::No | Answer::Quit => {
                if answer == Answer::No {
                    let _ = term.write_line("not applied, nor anything after it (migrations apply in order)");
                }
                break;
            }
        }
    }
    Ok(last.map_or(Decision::Nothing, |v| Decision::Run(Some(v))))
}

/// "phase: function" of the hooks that run for `version`.
fn hooks_of(tx: &mut Transaction, target: &Target, version: &str) -> Result<Vec<String>> {
    let rows = tx
        .query(
            "SELECT phase || ': ' || function FROM confiture.migration_hooks \
             WHERE version IS NULL OR version = $1 ORDER BY phase, position, function",
            &[&version],
        )
        .map_err(db_error(target))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}
