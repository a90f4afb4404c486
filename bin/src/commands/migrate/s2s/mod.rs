//! `confiture migrate schema-to-schema`: the fourth medium (docs/schema-to-schema.md). The work
//! runs in the target server (confiture.s2s_*); this drives it: build the target from the DDL
//! files when it is empty, attach the source, plan, copy table by table in committed batches with
//! a progress bar, put the foreign keys back, move sequences, verify, detach, print the cutover
//! checklist. Detach also runs on an error and on Ctrl-C; progress stays, for --resume.

mod report;
mod session;

use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use crate::output::Format;
use crate::{config, discover};
use confiture_core::s2s::mapping::Mapping;
use confiture_core::schema_hash::schema_hash;
use postgres::Client;
use report::{PlanRow, Verified};
use session::Interrupted;
use std::path::{Path, PathBuf};

pub struct Options {
    pub from: String,
    pub to: String,
    pub mapping: Option<PathBuf>,
    pub plan_only: bool,
    pub resume: bool,
    pub batch_rows: i64,
    pub source_host: Option<String>,
    /// s2s_verify's mode.
    pub verify: String,
}

/// Exit code of a run stopped by Ctrl-C (as a shell reports SIGINT).
const INTERRUPTED: u8 = 130;

pub fn command(project: &Path, options: &Options, format: Format) -> Result<u8> {
    let source = Target::parse(&config::database_url_of(project, &options.from)?)?;
    let target = Target::parse(&config::database_url_of(project, &options.to)?)?;
    let mapping = read_mapping(options.mapping.as_deref())?;
    let mut client = session::connect_target(&target, &source)?;
    let interrupted = Interrupted::watch(&client, &target)?;
    prepare_target(project, options, &target, &mut client)?;

    let schemas = source_schemas(&mut client, &target, &mapping.1)?;
    let settings = session::source_settings(&source, options.source_host.as_deref());
    let outcome = attached(&mut client, &target, &settings, &schemas, |client| {
        run(client, &target, options, &mapping.0, &interrupted, format)
    });
    match outcome {
        Err(_) if interrupted.happened() => {
            eprintln!("interrupted: the source is detached; the batches copied so far are kept (run again with --resume)");
            Ok(INTERRUPTED)
        }
        other => other,
    }
}

/// The mapping file as JSON (for the server) and parsed (to know which source schemas it names).
fn read_mapping(path: Option<&Path>) -> Result<(serde_json::Value, Mapping)> {
    let Some(path) = path else { return Ok((serde_json::json!({}), Mapping::default())) };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::new(Kind::Config, format!("cannot read the mapping {}: {e}", path.display()))
    })?;
    let document: serde_json::Value = serde_yaml_ng::from_str(&text)
        .map_err(|e| Failure::new(Kind::Config, format!("{}: {e}", path.display())))?;
    let parsed = Mapping::parse(&document)
        .map_err(|e| Failure::new(Kind::Config, format!("{}: {e}", path.display())))?;
    Ok((document, parsed))
}

/// An empty target is built from the environment's DDL files; one with tables must have been
/// built from these same files (its last build's schema hash), so rows never land in a schema
/// the mapping was not written for.
fn prepare_target(project: &Path, options: &Options, target: &Target, client: &mut Client) -> Result<()> {
    let db_error = |e| Failure::from_postgres(e, &target.description);
    let empty = user_table_schemas(client, target)?.is_empty();
    let is_url = options.to.contains("://") || options.to.contains('=');
    if is_url {
        if empty {
            return Err(Failure::new(Kind::Config, format!("{} has no tables to fill", target.description))
                .with_hint(
                    "Give --to an environment, whose DDL files are built into it, or build it first.",
                ));
        }
        return session::ensure_extension(client, target);
    }
    let environment = config::load(project, Some(&options.to))?;
    let names = discover::discover(project, &environment)?;
    let sources = discover::read_sources(project, &names)?;
    if empty {
        let (_, statements, _) = crate::commands::build::build_from(target, &sources)?;
        eprintln!("built {} from {} files ({statements} statements)", target.description, sources.len());
        return Ok(());
    }
    session::ensure_extension(client, target)?;
    let hash = schema_hash(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())));
    let built: Option<String> = client
        .query_one(
            "SELECT (SELECT schema_hash FROM confiture.build_history ORDER BY build_id DESC LIMIT 1)",
            &[],
        )
        .map_err(db_error)?
        .get(0);
    if built.as_deref() != Some(hash.as_str()) {
        return Err(Failure::new(
            Kind::Config,
            format!(
                "{} already has tables, and its last build is not of the {} DDL files",
                target.description, options.to
            ),
        )
        .with_hint(
            "Point --to at a new, empty database: schema-to-schema fills a database built from the files.",
        ));
    }
    Ok(())
}

/// The schemas holding the target's own tables (not confiture's, the system's or staging ones).
fn user_table_schemas(client: &mut Client, target: &Target) -> Result<Vec<String>> {
    let rows = client
        .query(
            "SELECT DISTINCT n.nspname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture') \
               AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT LIKE 'confiture\\_s2s\\_%' ORDER BY 1",
            &[],
        )
        .map_err(|e| Failure::from_postgres(e, &target.description))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// The source schemas to attach: those of the target's tables, and those the mapping reads from.
fn source_schemas(client: &mut Client, target: &Target, mapping: &Mapping) -> Result<Vec<String>> {
    let mut schemas = user_table_schemas(client, target)?;
    for table in &mapping.tables {
        let schema =
            table.source.as_ref().and_then(|s| s.schema.clone()).or_else(|| table.target.schema.clone());
        if let Some(schema) = schema.filter(|s| !schemas.contains(s)) {
            schemas.push(schema);
        }
    }
    Ok(schemas)
}

/// Attach, run `work`, detach whatever happened (on a new connection when the work's broke).
fn attached(
    client: &mut Client,
    target: &Target,
    settings: &serde_json::Value,
    schemas: &[String],
    work: impl FnOnce(&mut Client) -> Result<u8>,
) -> Result<u8> {
    client
        .query("SELECT * FROM confiture.s2s_attach($1::jsonb, $2::text[])", &[settings, &schemas])
        .map_err(|e| Failure::from_postgres(e, &target.description))?;
    let outcome = work(client);
    let detached = session::detach(client, target);
    match (outcome, detached) {
        (Ok(code), Ok(())) => Ok(code),
        (Err(failure), _) => Err(failure),
        (Ok(_), Err(failure)) => Err(failure),
    }
}

fn run(
    client: &mut Client,
    target: &Target,
    options: &Options,
    mapping: &serde_json::Value,
    interrupted: &Interrupted,
    format: Format,
) -> Result<u8> {
    let db_error = |e| Failure::from_postgres(e, &target.description);
    let plan = report::plan_rows(
        client.query("SELECT * FROM confiture.s2s_plan($1::jsonb)", &[mapping]).map_err(db_error)?,
    );
    let problems = report::plan_problems(&plan);
    if options.plan_only {
        report::print_plan(&plan, format);
        return Ok(if problems.is_empty() { 0 } else { crate::CHECK_FAILED });
    }
    if !problems.is_empty() {
        return Err(Failure::new(
            Kind::Plan,
            format!("the plan cannot run; nothing was copied:\n  {}", problems.join("\n  ")),
        )
        .with_hint(
            "Map the columns and tables in --mapping (from, expr, cast, default, drop, drop_tables).",
        ));
    }
    let started: Vec<&PlanRow> =
        plan.iter().filter(|r| r.state.as_deref().is_some_and(|s| s != "pending")).collect();
    if !started.is_empty() && !options.resume {
        let names: Vec<&str> = started.iter().filter_map(|r| r.target_table.as_deref()).collect();
        return Err(Failure::new(
            Kind::Config,
            format!("an earlier run already copied into {}", names.join(", ")),
        )
        .with_hint("Continue it with --resume, or start again from a new, empty target database."));
    }
    let started_at = std::time::Instant::now();
    let verifier = session::Verifier::start(target, interrupted, &options.verify)?;
    let copied = session::copy_all(client, target, &plan, options.batch_rows, interrupted, &verifier)?;
    let copy_seconds = started_at.elapsed().as_secs_f64();
    // The foreign keys are validated while the last tables are verified.
    let validated = client.query("SELECT * FROM confiture.s2s_validate()", &[]).map_err(db_error)?;
    let broken: Vec<String> = validated
        .iter()
        .filter(|r| r.get::<_, String>("status").starts_with("error"))
        .map(|r| format!("{}.{}: {}", r.get::<_, String>(0), r.get::<_, String>(1), r.get::<_, String>(2)))
        .collect();
    let sequences =
        client.query("SELECT * FROM confiture.s2s_sync_sequences()", &[]).map_err(db_error)?.len();
    let keys_seconds = started_at.elapsed().as_secs_f64() - copy_seconds;
    let verified = verifier.finish()?;
    if !broken.is_empty() {
        return Err(Failure::new(
            Kind::Migration,
            format!("the rows are copied but these foreign keys do not hold:\n  {}", broken.join("\n  ")),
        ));
    }
    let phases = report::Phases {
        copy: copy_seconds,
        keys_and_sequences: keys_seconds,
        verify_after: started_at.elapsed().as_secs_f64() - copy_seconds - keys_seconds,
    };
    report::print_done(&plan, &copied, &verified, sequences, &phases, format);
    let differing: Vec<String> = verified.iter().filter(|v| !v.matches).map(Verified::describe).collect();
    if !differing.is_empty() {
        return Err(Failure::new(
            Kind::Migration,
            format!("the target differs from the source:\n  {}", differing.join("\n  ")),
        )
        .with_hint(
            "A write to the source during the copy, or a mapping expression that is not deterministic.",
        ));
    }
    Ok(0)
}
