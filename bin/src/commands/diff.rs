//! `confiture diff` and `migrate generate`: the plan that turns one schema into another
//! (core's `diff::plan` over two catalog snapshots), shown, verified or written as a migration.

use super::diff_renames;
use super::diff_source::{files_snapshot, snapshot, Scratch};
use crate::config::{self, Environment};
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use crate::output::Format;
use confiture_core::diff::{self, DiffError, Options, Snapshot, Statement};
use std::path::Path;

pub struct DiffOptions<'a> {
    pub env: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub schemas: Vec<String>,
    pub allow_hazards: Vec<String>,
    pub offline_patterns: bool,
    pub verify: bool,
    pub privileges: bool,
}

impl<'a> From<&'a crate::cli::DiffArgs> for DiffOptions<'a> {
    fn from(args: &'a crate::cli::DiffArgs) -> Self {
        DiffOptions {
            env: args.env.as_deref(),
            from: args.from.as_deref(),
            to: &args.to,
            schemas: args.schemas.clone(),
            allow_hazards: args.allow_hazards.clone(),
            offline_patterns: args.no_online,
            verify: args.verify,
            privileges: args.privileges,
        }
    }
}

/// One side of a diff.
enum Side<'e> {
    Database(Target),
    Files(&'e Environment),
}

fn side<'e>(project: &Path, spec: &str, environment: &'e Environment) -> Result<Side<'e>> {
    if spec == "schema" {
        return Ok(Side::Files(environment));
    }
    Target::parse(&config::database_url_of(project, spec)?).map(Side::Database)
}

/// The sides' snapshots and a server to build scratch databases on.
pub(crate) fn snapshots(
    project: &Path,
    environment: &Environment,
    options: &DiffOptions,
) -> Result<(Snapshot, Snapshot, Target)> {
    let from = match options.from {
        Some(spec) => side(project, spec, environment)?,
        None => Side::Database(Target::parse(&config::database_url(environment, None)?)?),
    };
    let to = side(project, options.to, environment)?;
    let server = match (&from, &to) {
        (Side::Database(target), _) | (_, Side::Database(target)) => target.clone(),
        _ => Target::parse(&config::database_url(environment, None)?)?,
    };
    let schemas = (!options.schemas.is_empty()).then_some(options.schemas.as_slice());
    let read = |side: &Side| match side {
        Side::Database(target) => snapshot(target, schemas),
        Side::Files(environment) => files_snapshot(project, environment, &server, schemas),
    };
    // Two servers (or two databases) answer at the same time.
    let (from, to) = std::thread::scope(|scope| {
        let to = scope.spawn(|| read(&to));
        (read(&from), to.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    Ok((from?, to?, server))
}

pub(crate) fn plan_options(
    project: &Path,
    environment: &Environment,
    options: &DiffOptions,
) -> Result<Options> {
    let mut renames = environment.renames.clone();
    // The DDL files declare renames; comparing two databases reads them only if there are any.
    match diff_renames::declared(project, environment) {
        Ok(declared) => renames.extend(declared),
        Err(failure) if options.to == "schema" => return Err(failure),
        Err(_) => {}
    }
    Ok(Options {
        allow_hazards: options.allow_hazards.clone(),
        online: Some(!options.offline_patterns),
        renames,
        privileges: options.privileges,
    })
}

pub(crate) fn failure_of(error: DiffError) -> Failure {
    match error {
        DiffError::Refused { hazard, statements } => Failure::new(
            Kind::Plan,
            format!(
                "the plan has {} statement(s) with hazard {}, refused:\n  {}",
                statements.len(),
                hazard.name(),
                statements.join(";\n  ")
            ),
        )
        .with_hint(format!("Review them, then pass --allow-hazards {} (or all).", hazard.name())),
        DiffError::Options(message) => Failure::new(Kind::Config, message),
        DiffError::Unsupported(message) => Failure::new(Kind::Plan, message),
    }
}

pub(crate) fn everything_allowed(privileges: bool) -> Options {
    Options { allow_hazards: vec!["all".into()], privileges, ..Options::default() }
}

/// Apply the plan to a scratch database holding `from`'s schema and require the result to equal
/// `to`: the statements that would still be needed, if any, are the residue.
fn verify(
    server: &Target,
    from: &Snapshot,
    to: &Snapshot,
    statements: &[Statement],
    privileges: bool,
) -> Result<()> {
    let scratch = Scratch::create(server, "verify", None)?;
    let empty = snapshot(&scratch.target, None)?;
    let rebuild = diff::plan(&empty, from, &everything_allowed(privileges)).map_err(failure_of)?;
    scratch.apply(&rebuild)?;
    scratch.apply(statements).map_err(|mut f| {
        f.kind = Kind::Plan;
        f.message = format!("--verify: the plan failed on a copy of the source schema: {}", f.message);
        f
    })?;
    let result = snapshot(&scratch.target, None)?;
    let residue = diff::plan(&result, to, &everything_allowed(privileges)).map_err(failure_of)?;
    if residue.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = residue.iter().map(|s| s.ddl.clone()).collect();
    Err(Failure::new(
        Kind::Plan,
        format!(
            "--verify: after the plan, the copy still differs from the target:\n  {}",
            lines.join(";\n  ")
        ),
    ))
}

pub fn command(project: &Path, options: &DiffOptions, format: Format) -> Result<u8> {
    let environment = config::load(project, options.env)?;
    let (from, to, server) = snapshots(project, &environment, options)?;
    let statements =
        diff::plan(&from, &to, &plan_options(project, &environment, options)?).map_err(failure_of)?;
    if options.verify {
        verify(&server, &from, &to, &statements, options.privileges)?;
        eprintln!("verified: the plan turns a copy of the source into the target exactly");
    }
    print(&statements, format);
    Ok(if statements.is_empty() { 0 } else { crate::CHECK_FAILED })
}

/// The plan as an SQL script: each statement with its hazards and lock in a comment above it.
pub fn sql_text(statements: &[Statement]) -> String {
    let mut out = String::new();
    for statement in statements {
        let mut notes = Vec::new();
        if !statement.hazards.is_empty() {
            let names: Vec<&str> = statement.hazards.iter().map(|h| h.name()).collect();
            notes.push(format!("hazards: {}", names.join(", ")));
        }
        if let Some(lock) = statement.lock_mode {
            notes.push(format!("lock: {lock}"));
        }
        if !notes.is_empty() {
            out += &format!("-- {}\n", notes.join("; "));
        }
        out += &format!("{};\n\n", statement.ddl);
    }
    out
}

fn print(statements: &[Statement], format: Format) {
    match format {
        Format::Sql => {
            if statements.is_empty() {
                out!("-- no differences");
            } else {
                out!("{}", sql_text(statements).trim_end());
            }
        }
        Format::Json => {
            let rows: Vec<serde_json::Value> = statements
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    serde_json::json!({
                        "seq": i + 1,
                        "object_kind": s.object_kind,
                        "object_name": s.object_name,
                        "ddl": s.ddl,
                        "transactional": s.transactional,
                        "hazards": s.hazards,
                        "lock_mode": s.lock_mode,
                    })
                })
                .collect();
            out!("{}", serde_json::json!({"identical": statements.is_empty(), "statements": rows}));
        }
        Format::Csv => {
            let rows = statements.iter().enumerate().map(|(i, s)| {
                let hazards: Vec<&str> = s.hazards.iter().map(|h| h.name()).collect();
                vec![
                    (i + 1).to_string(),
                    s.object_kind.clone(),
                    s.object_name.clone(),
                    hazards.join(" "),
                    s.lock_mode.unwrap_or_default().to_string(),
                    s.ddl.clone(),
                ]
            });
            out!(
                "{}",
                crate::output::csv(
                    &["seq", "object_kind", "object_name", "hazards", "lock_mode", "ddl"],
                    rows
                )
                .trim_end()
            );
        }
        Format::Table | Format::Sarif => {
            if statements.is_empty() {
                out!("no differences");
                return;
            }
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
            table.set_header(["#", "kind", "object", "hazards", "lock", "statement"]);
            for (i, s) in statements.iter().enumerate() {
                let hazards: Vec<&str> = s.hazards.iter().map(|h| h.name()).collect();
                let first_line = s.ddl.lines().next().unwrap_or_default();
                let shown = if first_line.chars().count() > 70 {
                    format!("{}…", first_line.chars().take(69).collect::<String>())
                } else {
                    first_line.to_string()
                };
                table.add_row([
                    (i + 1).to_string(),
                    s.object_kind.clone(),
                    s.object_name.clone(),
                    hazards.join("\n"),
                    s.lock_mode.unwrap_or_default().to_string(),
                    shown,
                ]);
            }
            out!("{table}");
            out!("{} statement(s); -f sql prints them in full", statements.len());
        }
    }
}
