//! `confiture seed validate` and `confiture seed apply`: ship the files of db/seeds/ to
//! confiture.validate_seeds() and confiture.apply_seeds(), and report.

use crate::cli::SeedAction;
use crate::config;
use crate::db::Target;
use crate::discover::{self, SourceFile};
use crate::failure::{Failure, Kind, Result};
use crate::output::{Format, Spinner};
use comfy_table::{presets::UTF8_BORDERS_ONLY, ContentArrangement, Table};
use confiture_core::seeds::{Code, Finding, Severity};
use confiture_core::wire::columns;
use serde::Serialize;
use std::path::Path;

pub const SEEDS_DIR: &str = "db/seeds";

#[derive(Debug, Serialize)]
pub struct Applied {
    pub file: String,
    pub applied: bool,
    pub statements: i32,
    pub rows_affected: i64,
    pub duration_ms: f64,
    pub error: Option<serde_json::Value>,
}

/// The seed files, in order: `db/seeds/**/*.sql`, sorted by path.
pub fn discover(project: &Path) -> Result<Vec<SourceFile>> {
    let dir = project.join(SEEDS_DIR);
    if !dir.is_dir() {
        return Err(Failure::new(
            Kind::Config,
            format!("{SEEDS_DIR}/ does not exist in {}", project.display()),
        )
        .with_hint("Seed files go in db/seeds/ (confiture init creates it)."));
    }
    let names = discover::sql_files_under(project, &dir)?;
    if names.is_empty() {
        return Err(Failure::new(Kind::Config, format!("no .sql files under {SEEDS_DIR}/")));
    }
    discover::read_sources(project, &names)
}

fn connect(
    project: &Path,
    env: Option<&str>,
    url: Option<&str>,
) -> Result<(config::Environment, Target, postgres::Client)> {
    let environment = config::load(project, env)?;
    let target = Target::parse(&config::database_url(&environment, url)?)?;
    let client = target.connect()?;
    Ok((environment, target, client))
}

/// Validate the seed `files` (as `discover` reads them) at levels 1 to `level`.
pub fn validate(
    project: &Path,
    files: &[SourceFile],
    env: Option<&str>,
    url: Option<&str>,
    level: i32,
    offline: bool,
) -> Result<Vec<Finding>> {
    let environment = config::load(project, env)?;
    // Levels 1-3 need no server: without a URL (a pre-commit hook) they run offline.
    let url = match config::find_database_url(&environment, url) {
        Ok(_) if offline => return crate::offline::validate_seeds(project, &environment, files, level),
        Ok(url) => url,
        Err(_) if offline || level <= 3 => {
            if !offline {
                eprintln!(
                    "note: no database URL: seed levels 1-{level} checked offline, against the schema files"
                );
            }
            return crate::offline::validate_seeds(project, &environment, files, level);
        }
        Err(_) => config::database_url(&environment, None)?,
    };
    let target = Target::parse(&url)?;
    let mut client = target.connect()?;
    let settings = environment.seeds.clone().unwrap_or_else(|| serde_json::json!({}));
    let (names, texts): (Vec<&str>, Vec<&str>) =
        files.iter().map(|f| (f.name.as_str(), f.text.as_str())).unzip();
    let query = format!(
        "SELECT {} FROM confiture.validate_seeds($1, $2, $3, $4::text::jsonb)",
        columns::SEED_FINDING.join(", ")
    );
    let rows = client
        .query(&query, &[&level, &texts, &names, &settings.to_string()])
        .map_err(|e| Failure::from_postgres(e, &target.description))?;
    rows.iter()
        .map(|row| {
            let severity: String = row.get("severity");
            Ok(Finding {
                level: row.get("level"),
                severity: Severity::parse(&severity).ok_or_else(|| {
                    Failure::new(Kind::Database, format!("unknown seed finding severity \"{severity}\""))
                })?,
                code: row.get("code"),
                file: row.get("file"),
                line: row.get("line"),
                object: row.get("object"),
                message: row.get("message"),
                hint: row.get("hint"),
            })
        })
        .collect()
}

pub fn apply(
    project: &Path,
    env: Option<&str>,
    url: Option<&str>,
    continue_on_error: bool,
) -> Result<Vec<Applied>> {
    let files = discover(project)?;
    let (environment, target, mut client) = connect(project, env, url)?;
    // The Python confiture's `seed.continue_on_error: true` sets the default.
    let continue_on_error = continue_on_error || environment.seed_continue_on_error;
    let (names, texts): (Vec<String>, Vec<String>) = files.into_iter().map(|f| (f.name, f.text)).unzip();
    let query = format!(
        "SELECT {} FROM confiture.apply_seeds($1, $2, $3)",
        columns::SEED_APPLIED.join(", ").replace("error", "error::text AS error")
    );
    let rows = client
        .query(&query, &[&texts, &names, &continue_on_error])
        .map_err(|e| Failure::from_postgres(e, &target.description))?;
    Ok(rows
        .iter()
        .map(|row| Applied {
            file: row.get("file"),
            applied: row.get("applied"),
            statements: row.get("statements"),
            rows_affected: row.get("rows_affected"),
            duration_ms: row.get("duration_ms"),
            error: row.get::<_, Option<&str>>("error").and_then(|e| serde_json::from_str(e).ok()),
        })
        .collect())
}

/// `seed validate --format json`: the Python confiture's keys (`violations` with `pattern`,
/// `severity`, `file_path`, `line_number`...; `violation_count`, `files_scanned`,
/// `has_violations`, `violations_by_severity`, `ok`, `command`, `parser`) with confiture's
/// findings beside them.
fn python_report(findings: &[Finding], scanned: &[SourceFile]) -> serde_json::Value {
    let scanned: Vec<&str> = scanned.iter().map(|f| f.name.as_str()).collect();
    let violation = |f: &Finding| {
        serde_json::json!({
            "pattern": f.code, "severity": f.severity.as_str().to_uppercase(), "message": f.message,
            "file_path": f.file, "line_number": f.line, "impact": null, "fix_available": false, "suggestion": f.hint,
        })
    };
    let mut by_severity = serde_json::Map::new();
    for finding in findings {
        let entry = by_severity
            .entry(finding.severity.as_str().to_uppercase())
            .or_insert_with(|| serde_json::json!([]));
        entry.as_array_mut().expect("an array").push(violation(finding));
    }
    serde_json::json!({
        "violations": findings.iter().map(violation).collect::<Vec<_>>(),
        "violation_count": findings.len(),
        "files_scanned": scanned.len(),
        "scanned_files": scanned,
        "uuid_basis": "schema",
        "rows_read": {},
        "has_violations": !findings.is_empty(),
        "violations_by_severity": by_severity,
        "ok": true,
        "command": "seed validate",
        "parser": null,
        "findings": findings,
    })
}

/// Error and critical findings fail the validation.
pub fn fails(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity.fails())
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

pub fn summary(findings: &[Finding]) -> String {
    let of = |severity: Severity| findings.iter().filter(|f| f.severity == severity).count();
    let problems = findings.len() - of(Severity::Info);
    format!(
        "{}: {} critical, {}, {}, {} info",
        count(problems, "finding"),
        of(Severity::Critical),
        count(of(Severity::Error), "error"),
        count(of(Severity::Warning), "warning"),
        of(Severity::Info)
    )
}

fn table(header: Vec<&str>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    if table.width().is_none() {
        table.set_width(140); // not a terminal: wrap at a width that reads well in CI logs
    }
    table
}

/// Findings as a table; the row counts (info) as one short table after it.
pub fn findings_table(findings: &[Finding]) -> String {
    let mut out = String::new();
    let problems: Vec<&Finding> = findings.iter().filter(|f| f.severity != Severity::Info).collect();
    if !problems.is_empty() {
        let mut t = table(vec!["level", "severity", "code", "where", "message"]);
        for f in problems {
            t.add_row(vec![
                f.level.to_string(),
                f.severity.as_str().to_string(),
                f.code.clone(),
                f.place(),
                f.message.clone(),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    let counts: Vec<&Finding> = findings.iter().filter(|f| f.code == Code::RowCount.name()).collect();
    if !counts.is_empty() {
        let mut t = table(vec!["table", "rows after seeds and resolvers (rolled back)"]);
        for f in counts {
            t.add_row(vec![f.object.clone(), f.message.trim_end_matches(" rows").to_string()]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    out.push_str(&summary(findings));
    out
}

pub fn applied_table(applied: &[Applied]) -> String {
    let mut t = table(vec!["file", "result", "statements", "rows", "ms"]);
    for a in applied {
        let result = match &a.error {
            None => "applied".to_string(),
            Some(error) => format!("failed: {}", error["message"].as_str().unwrap_or("")),
        };
        t.add_row(vec![
            a.file.clone(),
            result,
            a.statements.to_string(),
            a.rows_affected.to_string(),
            format!("{:.1}", a.duration_ms),
        ]);
    }
    let done = applied.iter().filter(|a| a.applied).count();
    let rows: i64 = applied.iter().map(|a| a.rows_affected).sum();
    format!(
        "{t}\napplied {done} of {}, {}{}",
        count(applied.len(), "file"),
        count(rows as usize, "row"),
        if done < applied.len() {
            format!("; {} failed and rolled back", applied.len() - done)
        } else {
            String::new()
        }
    )
}

/// `confiture seed validate|apply`: run it, then print the findings or the files applied.
pub fn command(project: &Path, format: Format, action: SeedAction) -> Result<u8> {
    match action {
        SeedAction::Validate { target, level, offline } => {
            let spinner = Spinner::start(format!("validating seeds at level {level}"));
            let files = discover(project)?;
            let (env, url) = (target.env.as_deref(), target.database_url.as_deref());
            let findings = validate(project, &files, env, url, level, offline)?;
            spinner.finish();
            match format {
                Format::Table => out!("{}", findings_table(&findings)),
                Format::Csv => {
                    let rows = findings.iter().map(|f| {
                        vec![
                            f.level.to_string(),
                            f.severity.as_str().to_string(),
                            f.code.clone(),
                            f.file.clone().unwrap_or_default(),
                            f.line.map(|l| l.to_string()).unwrap_or_default(),
                            f.object.clone(),
                            f.message.clone(),
                            f.hint.clone(),
                        ]
                    });
                    let header = ["level", "severity", "code", "file", "line", "object", "message", "hint"];
                    out!("{}", crate::output::csv(&header, rows).trim_end());
                }
                _ => {
                    let json = python_report(&findings, &files);
                    out!("{}", serde_json::to_string_pretty(&json).expect("serializable"))
                }
            }
            if fails(&findings) {
                return Ok(crate::CHECK_FAILED);
            }
        }
        SeedAction::Apply { target, continue_on_error } => {
            let spinner = Spinner::start("applying seeds".into());
            let applied =
                apply(project, target.env.as_deref(), target.database_url.as_deref(), continue_on_error)?;
            spinner.finish();
            match format {
                Format::Table => out!("{}", applied_table(&applied)),
                Format::Csv => {
                    let rows = applied.iter().map(|a| {
                        vec![
                            a.file.clone(),
                            a.applied.to_string(),
                            a.statements.to_string(),
                            a.rows_affected.to_string(),
                            format!("{:.1}", a.duration_ms),
                            a.error
                                .as_ref()
                                .and_then(|e| e["message"].as_str())
                                .unwrap_or_default()
                                .to_string(),
                        ]
                    });
                    let header = ["file", "applied", "statements", "rows", "ms", "error"];
                    out!("{}", crate::output::csv(&header, rows).trim_end());
                }
                _ => out!("{}", serde_json::to_string_pretty(&applied).expect("serializable")),
            }
            if applied.iter().any(|a| !a.applied) {
                return Ok(crate::CHECK_FAILED);
            }
        }
    }
    Ok(0)
}
