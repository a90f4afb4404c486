//! `confiture lint`: run confiture.lint_schema() on the environment's database and report.

use super::lint_json::{self, Scope};
use super::lint_select::{rule_switches, Baseline, Rule};
use crate::config::{self, Environment};
use crate::db::Target;
use crate::discover;
use crate::failure::{Failure, Result};
use crate::output::Format;
use clap::ValueEnum;
use comfy_table::{presets::UTF8_BORDERS_ONLY, ContentArrangement, Table};
use confiture_core::lint::{Finding, Level, RuleInfo};
use confiture_core::wire::columns;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

pub struct LintOptions<'a> {
    pub env: Option<&'a str>,
    pub database_url: Option<&'a str>,
    pub include_waived: bool,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub baseline: Option<std::path::PathBuf>,
    pub write_baseline: bool,
}

pub struct LintReport {
    pub environment: Environment,
    pub findings: Vec<Finding>,
    pub scope: Scope,
}

pub fn run(project: &Path, options: &LintOptions) -> Result<LintReport> {
    let started = std::time::Instant::now();
    let environment = config::load(project, options.env)?;
    let url = config::database_url(&environment, options.database_url)?;
    let target = Target::parse(&url)?;
    let mut lint_config = environment.lint.clone().unwrap_or_else(|| serde_json::json!({}));
    if options.include_waived {
        lint_config["include_waived"] = serde_json::Value::Bool(true);
    }
    let mut client = target.connect()?;
    if !options.select.is_empty() || !options.ignore.is_empty() {
        let rules = rules_of(&mut client, &target)?;
        for (name, enabled) in rule_switches(&rules, &options.select, &options.ignore)? {
            lint_config["rules"][name.as_str()]["enabled"] = serde_json::Value::Bool(enabled);
        }
    }
    // What was linted (for the report) is counted in the same statement, before the lint: one
    // round trip. Written so that each table's comment is an index probe: a join with
    // pg_description was planned as a nested loop over all of it on a freshly built database
    // (stale catalog statistics), 40 ms at 1,000 tables. With no finding, the one row has NULLs.
    let query = format!(
        "WITH linted AS MATERIALIZED ( \
           SELECT count(*) AS tables, coalesce(sum(c.relnatts), 0)::bigint AS columns, \
                  count(*) FILTER (WHERE EXISTS (SELECT FROM pg_catalog.pg_description d \
                    WHERE d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0)) AS documented \
             FROM pg_catalog.pg_class c \
            WHERE c.relkind IN ('r', 'p') \
              AND c.relnamespace = ANY (ARRAY(SELECT n.oid FROM pg_catalog.pg_namespace n \
                    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture') AND n.nspname NOT LIKE 'pg\\_%'))) \
         SELECT linted.tables, linted.columns, linted.documented, {} \
           FROM linted LEFT JOIN LATERAL confiture.lint_schema($1::text::jsonb) AS lint ON true",
        columns::LINT.iter().map(|c| format!("lint.{c}")).collect::<Vec<_>>().join(", ").replace("lint.metadata", "lint.metadata::text AS metadata")
    );
    let rows = client.query(&query, &[&lint_config.to_string()]).map_err(|e| {
        let mut failure = Failure::from_postgres(e, &target.description);
        // The server refuses an invalid `lint:` section with 22023: a configuration error.
        if failure.sqlstate.as_deref() == Some("22023") {
            failure.kind = crate::failure::Kind::Config;
        }
        failure
    })?;
    let counted = rows
        .first()
        .ok_or_else(|| Failure::new(crate::failure::Kind::Database, "the lint returned no row"))?;
    let findings = rows
        .iter()
        .filter(|row| row.get::<_, Option<&str>>("rule").is_some())
        .map(finding_of)
        .collect::<Result<Vec<_>>>()?;
    Ok(LintReport {
        environment,
        findings,
        scope: Scope {
            tables: counted.get("tables"),
            columns: counted.get("columns"),
            documented: counted.get("documented"),
            milliseconds: started.elapsed().as_millis() as u64,
        },
    })
}

/// The rules confiture.lint_rules() lists, custom rules included.
fn rules_of(client: &mut postgres::Client, target: &Target) -> Result<Vec<Rule>> {
    let rows = client
        .query("SELECT name, level, category, rationale, custom FROM confiture.lint_rules() ORDER BY category, name", &[])
        .map_err(|e| Failure::from_postgres(e, &target.description))?;
    Ok(rows
        .iter()
        .map(|r| Rule {
            name: r.get("name"),
            level: r.get("level"),
            category: r.get("category"),
            rationale: r.get("rationale"),
            custom: r.get("custom"),
        })
        .collect())
}

/// `confiture lint --list-rules`.
pub fn list_rules(project: &Path, options: &LintOptions, format: Format) -> Result<u8> {
    let environment = config::load(project, options.env)?;
    let target = Target::parse(&config::database_url(&environment, options.database_url)?)?;
    let rules = rules_of(&mut target.connect()?, &target)?;
    let row = |r: &Rule| vec![r.name.clone(), r.category.clone(), r.level.clone(), r.rationale.clone()];
    match format {
        // The Python confiture's shape (code, family, severity, default_on...) with ours beside.
        Format::Json | Format::Sarif => {
            let listed: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.name, "family": r.category, "title": r.rationale, "severity": r.level,
                        "default_on": true, "legacy_flag": null, "requires_config": null, "custom": r.custom,
                    })
                })
                .collect();
            out!("{}", serde_json::json!({"version": "1", "status": "ok", "rules": listed, "hints": []}))
        }
        Format::Csv => out!(
            "{}",
            crate::output::csv(&["rule", "category", "level", "rationale"], rules.iter().map(row)).trim_end()
        ),
        Format::Table | Format::Sql => {
            let mut table = Table::new();
            table
                .load_preset(UTF8_BORDERS_ONLY)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_header(vec!["rule", "category", "level", "rationale"]);
            if table.width().is_none() {
                table.set_width(140);
            }
            rules.iter().for_each(|r| {
                table.add_row(row(r));
            });
            out!("{table}");
        }
    }
    Ok(0)
}

/// A row of lint_schema(), read by column name (`columns::LINT`).
fn finding_of(row: &postgres::Row) -> Result<Finding> {
    let level: String = row.get("level");
    Ok(Finding {
        rule: row.get("rule"),
        level: Level::parse(&level).ok_or_else(|| {
            Failure::new(crate::failure::Kind::Database, format!("unknown lint level \"{level}\""))
        })?,
        category: row.get("category"),
        schema_name: row.get("schema_name"),
        object_name: row.get("object_name"),
        object_type: row.get("object_type"),
        message: row.get("message"),
        remediation: row.get("remediation"),
        cache_key: row.get("cache_key"),
        metadata: serde_json::from_str(row.get::<_, &str>("metadata")).unwrap_or_default(),
        waived: row.get("waived"),
        about: RuleInfo {
            title: row.get("title"),
            description: row.get("description"),
            categories: row.get("categories"),
            facing: row.get("facing"),
        },
    })
}

/// Whether a finding reaches the --fail-on threshold (waived findings never do).
pub fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Error => Level::Error,
        FailOn::Warning => Level::Warning,
        FailOn::Info => Level::Info,
        FailOn::Never => return false,
    };
    // Level orders by severity: Error < Warning < Info.
    findings.iter().any(|f| !f.waived && f.level <= threshold)
}

pub fn summary(findings: &[Finding]) -> String {
    let count = |level: Level| findings.iter().filter(|f| f.level == level && !f.waived).count();
    let waived = findings.iter().filter(|f| f.waived).count();
    let mut text = format!(
        "{} findings: {} errors, {} warnings, {} info",
        findings.len() - waived,
        count(Level::Error),
        count(Level::Warning),
        count(Level::Info)
    );
    if waived > 0 {
        text.push_str(&format!(" ({waived} waived shown)"));
    }
    text
}

pub fn table(findings: &[Finding]) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec!["level", "rule", "object", "message"]);
    if table.width().is_none() {
        table.set_width(140); // not a terminal: wrap at a width that reads well in CI logs
    }
    for finding in findings {
        let level = finding.level.as_str();
        let level = if finding.waived { format!("{level} (waived)") } else { level.to_string() };
        table.add_row(vec![level, finding.rule.clone(), finding.object(), finding.message.clone()]);
    }
    table.to_string()
}

/// Where the environment's schema files create each object, to place findings (best effort:
/// files that cannot be read place nothing).
fn creations_of(project: &Path, env: Option<&str>) -> discover::Creations {
    let sources = config::load(project, env)
        .and_then(|environment| discover::discover(project, &environment))
        .and_then(|names| discover::read_sources(project, &names))
        .unwrap_or_default();
    discover::Creations::of(&sources)
}

/// `run`, and for the formats that place findings in files (JSON, SARIF) the schema files read
/// on another thread meanwhile (a 1,000-table project: some 1,200 files, tens of milliseconds).
fn run_placing(
    project: &Path,
    options: &LintOptions,
    format: Format,
) -> (Result<LintReport>, discover::Creations) {
    if !matches!(format, Format::Json | Format::Sarif) {
        return (run(project, options), discover::Creations::default());
    }
    std::thread::scope(|scope| {
        let files = scope.spawn(|| creations_of(project, options.env));
        let report = run(project, options);
        (report, files.join().unwrap_or_default())
    })
}

/// SARIF 2.1.0 for code-scanning tools. Each result carries the object as a logical location
/// and, as physical location, the first schema file line that creates an object of that name
/// (best effort; the environment file when none does), since code-scanning UIs want a file.
pub fn sarif(project: &Path, report: &LintReport, creations: &discover::Creations) -> serde_json::Value {
    let env_file = match &report.environment.file {
        Some(file) => file.strip_prefix(project).unwrap_or(file).to_string_lossy().replace('\\', "/"),
        None => "db/environments".to_string(),
    };
    let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.sort();
    rules.dedup();
    let rule_entries: Vec<serde_json::Value> = rules
        .iter()
        .map(|rule| {
            let first = report.findings.iter().find(|f| f.rule == *rule).expect("rule has a finding");
            // The same title, description, categories and documentation as lint_schema()'s rows.
            let mut entry = serde_json::json!({
                "id": rule,
                "name": rule,
                "shortDescription": {"text": first.about.title},
                "fullDescription": {"text": first.about.description},
                "help": {"text": first.remediation},
                "properties": {"category": first.category, "tags": first.about.categories, "facing": first.about.facing},
            });
            if let Some(url) = first.metadata.get("docs_url") {
                entry["helpUri"] = url.clone();
            }
            entry
        })
        .collect();
    let results: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|finding| {
            let (uri, line) = creations.first_create(&finding.object_name).unwrap_or((env_file.clone(), 1));
            serde_json::json!({
                "ruleId": finding.rule,
                "level": match finding.level { Level::Error => "error", Level::Warning => "warning", Level::Info => "note" },
                "message": {"text": finding.message},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}},
                    "logicalLocations": [{"name": finding.object_name, "fullyQualifiedName": finding.object(), "kind": finding.object_type}],
                }],
                "partialFingerprints": {"confiture/cacheKey/v1": finding.cache_key},
                "suppressions": if finding.waived { serde_json::json!([{"kind": "external"}]) } else { serde_json::json!([]) },
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "confiture", "version": env!("CARGO_PKG_VERSION"), "rules": rule_entries}},
            "results": results,
        }],
    })
}

/// `confiture lint`: run it, print the findings, fail when one reaches `fail_on`.
pub fn command(project: &Path, options: &LintOptions, fail_on: FailOn, format: Format) -> Result<u8> {
    let (report, creations) = run_placing(project, options, format);
    let mut report = report?;
    if let Some(path) = &options.baseline {
        if options.write_baseline {
            let baseline = Baseline::of(&report.findings);
            baseline.write(path)?;
            eprintln!("wrote {} findings to the baseline {}", baseline.findings.len(), path.display());
            return Ok(0);
        }
        let baseline = Baseline::read(path)?;
        let (new, kept) = baseline.split(std::mem::take(&mut report.findings));
        let known = baseline.findings.len();
        if kept.findings.len() < known {
            kept.write(path)?;
            eprintln!(
                "{} baseline findings are gone: removed them from {}",
                known - kept.findings.len(),
                path.display()
            );
        }
        report.findings = new;
    }
    match format {
        Format::Json => {
            let threshold = fail_on.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default();
            let failed = fails(&report.findings, fail_on);
            let json = lint_json::report(
                &report.environment.name,
                &report.findings,
                &report.scope,
                &creations,
                &threshold,
                failed,
            );
            out!("{}", serde_json::to_string_pretty(&json).expect("serializable"))
        }
        Format::Sarif => {
            out!(
                "{}",
                serde_json::to_string_pretty(&sarif(project, &report, &creations)).expect("serializable")
            )
        }
        Format::Csv => {
            let header = [
                "level",
                "rule",
                "category",
                "schema",
                "object",
                "object_type",
                "message",
                "cache_key",
                "waived",
            ];
            let rows = report.findings.iter().map(|f| {
                vec![
                    f.level.as_str().to_string(),
                    f.rule.clone(),
                    f.category.clone(),
                    f.schema_name.clone().unwrap_or_default(),
                    f.object_name.clone(),
                    f.object_type.clone(),
                    f.message.clone(),
                    f.cache_key.clone(),
                    f.waived.to_string(),
                ]
            });
            out!("{}", crate::output::csv(&header, rows).trim_end());
        }
        Format::Table | Format::Sql => {
            if !report.findings.is_empty() {
                out!("{}", table(&report.findings));
            }
            out!("{}", summary(&report.findings));
        }
    }
    Ok(if fails(&report.findings, fail_on) { crate::CHECK_FAILED } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(level: &str, waived: bool) -> Finding {
        Finding {
            rule: "r".into(),
            level: Level::parse(level).unwrap(),
            category: "c".into(),
            schema_name: Some("app".into()),
            object_name: "orders".into(),
            object_type: "table".into(),
            message: "m".into(),
            remediation: "fix".into(),
            cache_key: "r:app.orders".into(),
            metadata: serde_json::json!({}),
            waived,
            about: Default::default(),
        }
    }

    #[test]
    fn thresholds() {
        let warnings = [finding("warning", false), finding("info", false)];
        assert!(!fails(&warnings, FailOn::Error));
        assert!(fails(&warnings, FailOn::Warning));
        assert!(fails(&warnings, FailOn::Info));
        assert!(!fails(&warnings, FailOn::Never));
        assert!(!fails(&[finding("error", true)], FailOn::Info), "waived findings never fail");
    }
}
