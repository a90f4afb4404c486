//! `confiture build`: discover the environment's files, write the deterministic concatenation,
//! and with --apply ship them to confiture.build_from() in one transaction.

use super::fresh;
use crate::config::{self, Environment};
use crate::db::Target;
use crate::discover::{self, SourceFile};
use crate::failure::{Failure, Kind, Result};
use crate::output::{key_values, Format, Spinner};
use confiture_core::schema_hash::schema_hash;
use serde::Serialize;
use std::path::{Path, PathBuf};

pub struct BuildOptions<'a> {
    pub env: Option<&'a str>,
    pub apply: bool,
    pub fresh: bool,
    pub database_url: Option<&'a str>,
    pub output: Option<PathBuf>,
    pub show_hash: bool,
    pub list_files: bool,
}

/// A file the build reads, with the include_dirs entry that selected it (`--list-files`).
#[derive(Serialize)]
pub struct ListedFile {
    pub position: usize,
    pub file: String,
    pub include_dir: String,
    pub order: i64,
}

/// The files in build order, each with the first include_dirs entry whose folder holds it.
pub fn list_files(project: &Path, env: Option<&str>) -> Result<Vec<ListedFile>> {
    let environment = config::load(project, env)?;
    let names = discover::discover(project, &environment)?;
    Ok(names
        .into_iter()
        .enumerate()
        .map(|(index, file)| {
            let entry = environment.include_dirs.iter().find(|dir| {
                let root = dir.path.trim_end_matches('/');
                root == "." || file.starts_with(&format!("{root}/"))
            });
            ListedFile {
                position: index + 1,
                include_dir: entry.map(|dir| dir.path.clone()).unwrap_or_default(),
                order: entry.map_or(0, |dir| dir.order),
                file,
            }
        })
        .collect())
}

#[derive(Serialize)]
pub struct BuildReport {
    pub environment: String,
    pub files: usize,
    /// Size of the concatenation written.
    #[serde(skip)]
    pub bytes: usize,
    /// From reading the files to the end of the build.
    #[serde(skip)]
    pub milliseconds: u64,
    pub schema_hash: String,
    pub output: String,
    pub applied: Option<Applied>,
}

#[derive(Serialize)]
pub struct Applied {
    pub target: String,
    /// "build" (files applied) or "template" (cloned from the template of this schema hash).
    pub method: &'static str,
    pub build_id: Option<i64>,
    pub statements: Option<i32>,
    pub server_duration_ms: Option<f64>,
    pub template: Option<String>,
}

pub fn run(project: &Path, options: &BuildOptions) -> Result<BuildReport> {
    let started = std::time::Instant::now();
    let environment = config::load(project, options.env)?;
    let names = discover::discover(project, &environment)?;
    let sources = discover::read_sources(project, &names)?;
    let hash = schema_hash(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())));
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| project.join("db/generated").join(format!("schema_{}.sql", environment.name)));
    let concatenation = discover::concatenate(&environment.name, &hash, &sources);
    write_output(&output, &concatenation)?;
    let applied = if options.apply || options.fresh {
        let url = config::database_url(&environment, options.database_url)?;
        Some(apply(&Target::parse(&url)?, &environment, &sources, &hash, options.fresh)?)
    } else {
        None
    };
    Ok(BuildReport {
        environment: environment.name,
        files: sources.len(),
        bytes: concatenation.len(),
        milliseconds: started.elapsed().as_millis() as u64,
        schema_hash: hash,
        output: output.display().to_string(),
        applied,
    })
}

fn write_output(path: &Path, text: &str) -> Result<()> {
    let write = || -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // Leave the file (and its mtime) alone when nothing changed.
        if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
            return Ok(());
        }
        std::fs::write(path, text)
    };
    write().map_err(|error| Failure::new(Kind::Config, format!("cannot write {}: {error}", path.display())))
}

fn apply(
    target: &Target,
    environment: &Environment,
    sources: &[SourceFile],
    hash: &str,
    fresh: bool,
) -> Result<Applied> {
    let spinner = Spinner::start(format!("building {} files into {}", sources.len(), target.description));
    if !fresh {
        let (build_id, statements, duration) = build_from(target, sources)?;
        return Ok(Applied::built(target, build_id, statements, duration, None));
    }
    let env_file = environment.source();
    let staging = fresh::prepare(target, hash, environment.allow_reset, &env_file)?;
    if let Some(template) = staging.cloned_from.clone() {
        staging.swap_in().inspect_err(|_| staging.abandon())?;
        spinner.finish();
        return Ok(Applied {
            target: target.description.clone(),
            method: "template",
            build_id: None,
            statements: None,
            server_duration_ms: None,
            template: Some(template),
        });
    }
    let built = build_from(&staging.staging, sources).and_then(|(id, statements, duration)| {
        let template = staging.save_template(hash)?;
        Ok((id, statements, duration, template))
    });
    match built {
        Ok((build_id, statements, duration, template)) => {
            staging.swap_in().inspect_err(|_| staging.abandon())?;
            spinner.finish();
            Ok(Applied::built(target, build_id, statements, duration, Some(template)))
        }
        Err(failure) => {
            staging.abandon();
            Err(failure)
        }
    }
}

impl Applied {
    fn built(
        target: &Target,
        build_id: i64,
        statements: i32,
        duration: f64,
        template: Option<String>,
    ) -> Self {
        Self {
            target: target.description.clone(),
            method: "build",
            build_id: Some(build_id),
            statements: Some(statements),
            server_duration_ms: Some(duration),
            template,
        }
    }
}

/// One transaction: create the extension if this database lacks it, then build. A failure
/// anywhere rolls back both.
pub(crate) fn build_from(target: &Target, sources: &[SourceFile]) -> Result<(i64, i32, f64)> {
    // The server names files it had to build after those they need (docs/build.md).
    let mut client = target.connect_with_notices(|notice| {
        if let Some(text) = notice.message().strip_prefix("confiture: ") {
            eprintln!("note: {text}");
        }
    })?;
    let db_error = |e| Failure::from_postgres(e, &target.description);
    let mut transaction = client.transaction().map_err(db_error)?;
    transaction.batch_execute("CREATE EXTENSION IF NOT EXISTS confiture").map_err(|e| {
        let mut failure = db_error(e);
        failure.hint = Some(
            "The confiture extension must be installed on the server (cargo pgrx install), \
             and creating it needs a superuser."
                .into(),
        );
        failure
    })?;
    let texts: Vec<&str> = sources.iter().map(|s| s.text.as_str()).collect();
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let row = transaction
        .query_one(
            "SELECT build_id, statement_count, duration_ms FROM confiture.build_from($1::text[], $2::text[])",
            &[&texts, &names],
        )
        .map_err(db_error)?;
    transaction.commit().map_err(db_error)?;
    Ok((row.get("build_id"), row.get("statement_count"), row.get("duration_ms")))
}

/// `confiture build`: run it, then print the report.
pub fn command(project: &Path, options: &BuildOptions, format: Format) -> Result<u8> {
    if options.list_files {
        let files = list_files(project, options.env)?;
        let rows = files.iter().map(|f| {
            vec![f.position.to_string(), f.file.clone(), f.include_dir.clone(), f.order.to_string()]
        });
        match format {
            Format::Json | Format::Sarif => {
                out!("{}", serde_json::to_string_pretty(&files).expect("serializable"))
            }
            Format::Csv => {
                out!("{}", crate::output::csv(&["position", "file", "include_dir", "order"], rows).trim_end())
            }
            Format::Table | Format::Sql => {
                let mut table = comfy_table::Table::new();
                table.load_preset(comfy_table::presets::NOTHING).set_header(vec![
                    "#",
                    "file",
                    "include_dir",
                    "order",
                ]);
                rows.for_each(|row| {
                    table.add_row(row);
                });
                out!("{table}");
                out!("{} files", files.len());
            }
        }
        return Ok(0);
    }
    let report = run(project, options)?;
    match format {
        Format::Json | Format::Sarif => {
            out!("{}", serde_json::to_string_pretty(&with_python_keys(&report)).expect("serializable"))
        }
        Format::Csv => out!(
            "{}",
            crate::output::csv(
                &["key", "value"],
                report_rows(&report).into_iter().map(|(k, v)| vec![k.to_string(), v])
            )
            .trim_end()
        ),
        Format::Table | Format::Sql => {
            out!("{}", key_values(&report_rows(&report)));
            if options.show_hash {
                out!("schema hash: {}", report.schema_hash);
            }
        }
    }
    Ok(0)
}

/// The report with the Python confiture's `build --format json` keys beside ours.
fn with_python_keys(report: &BuildReport) -> serde_json::Value {
    let mut value = serde_json::to_value(report).expect("serializable");
    let python = serde_json::json!({
        "success": true,
        "files_processed": report.files,
        "schema_size_bytes": report.bytes,
        "output_path": report.output,
        "hash": report.schema_hash,
        "execution_time_ms": report.milliseconds,
        "seed_files_applied": 0,
        "artifact_path": null,
        "artifact_hash": null,
        "seed_profile": null,
        "warnings": [],
        "error": null,
        "duplicates": [],
        "ok": true,
        "command": "build",
        // The server's own parser reads the files; there is no client-side one to report.
        "parser": null,
    });
    if let (Some(ours), serde_json::Value::Object(theirs)) = (value.as_object_mut(), python) {
        ours.extend(theirs);
    }
    value
}

fn report_rows(report: &BuildReport) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("environment", report.environment.clone()),
        ("files", report.files.to_string()),
        ("schema hash", report.schema_hash.clone()),
        ("written to", report.output.clone()),
    ];
    if let Some(applied) = &report.applied {
        rows.push(("applied to", applied.target.clone()));
        match applied.method {
            "template" => rows.push(("method", "cloned from template (schema unchanged)".into())),
            _ => {
                rows.push(("build id", applied.build_id.map(|id| id.to_string()).unwrap_or_default()));
                rows.push(("statements", applied.statements.map(|n| n.to_string()).unwrap_or_default()));
                rows.push((
                    "server time",
                    applied.server_duration_ms.map(|ms| format!("{ms:.0} ms")).unwrap_or_default(),
                ));
            }
        }
        if let Some(template) = &applied.template {
            rows.push(("template", template.clone()));
        }
    }
    rows
}
