//! `confiture sync`: copy a database's rows into another with the same schema, personal data
//! masked on the way (confiture_core::mask), in one consistent snapshot, resumably.
//!
//! Order of work: read both catalogs and the rules, refuse anything wrong before a row moves
//! (plan.rs); record the run and drop the target's foreign keys around the tables (state.rs);
//! load tables with N workers (load.rs, stream.rs); re-add and validate the foreign keys, move
//! sequences past the copied values, remove the run's state.

mod catalog;
mod load;
mod plan;
mod state;
mod stream;

use crate::config;
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use crate::output::Format;
use catalog::{ForeignKey, Links};
use confiture_core::mask::rules::RuleSet;
use confiture_core::mask::{Key, DEFAULT_KEY_VARIABLE, PYTHON_KEY_VARIABLE};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
pub use plan::Selection;
use plan::TablePlan;
use std::collections::{BTreeSet, VecDeque};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct SyncOptions {
    pub from: String,
    pub to: String,
    pub anonymize: bool,
    pub rules: Option<PathBuf>,
    pub selection: Selection,
    pub jobs: usize,
    pub resume: bool,
    pub dry_run: bool,
}

/// Where the Python confiture keeps its rules, read by default.
const DEFAULT_RULES: &str = "db/sync/anonymization.yaml";

struct Loaded {
    table: String,
    rows: u64,
    seconds: f64,
    masked: Vec<String>,
}

pub fn command(project: &Path, options: &SyncOptions, format: Format) -> Result<u8> {
    let started = Instant::now();
    let source = Target::parse(&config::database_url_of(project, &options.from)?)?;
    let target = Target::parse(&config::database_url_of(project, &options.to)?)?;
    let masking = match options.anonymize {
        true => Some(rules_and_key(project, options.rules.as_deref())?),
        false if options.rules.is_some() => {
            return Err(Failure::new(Kind::Config, "--rules is read with --anonymize only"))
        }
        false => None,
    };

    let mut coordinator = load::Coordinator::open(&source)?;
    let mut target_client = load::open_target(&target)?;
    refuse_same_database(&mut coordinator.client, &source, &mut target_client, &target)?;
    let source_tables = catalog::tables(&mut coordinator.client, &source.description)?;
    let target_tables = catalog::tables(&mut target_client, &target.description)?;
    let plans = plan::plan(
        &source_tables,
        &target_tables,
        &options.selection,
        masking.as_ref().map(|(rules, key)| (rules, key)),
    )?;
    let planned: Vec<&catalog::Table> = plans.iter().map(|p| &p.source).collect();
    let links = catalog::links(&mut target_client, &planned, &target.description)?;
    let plans = parents_first(plans, &links.foreign_keys);
    refuse_outside_references(&links.foreign_keys)?;
    let fingerprint = plan::fingerprint(&plans, masking.as_ref().map(|(_, key)| key));

    let found = state::read(&mut target_client, &target.description)?;
    if options.resume {
        match &found.fingerprint {
            None => return Err(state::refuse_resume("the target has no unfinished sync")),
            Some(previous) if *previous != fingerprint => {
                return Err(state::refuse_resume(
                    "the unfinished sync copied other tables, rules, filters or another key",
                ))
            }
            Some(_) => {}
        }
    }
    let wanted: BTreeSet<String> = plans.iter().map(TablePlan::name).collect();
    let done = if options.resume { state::already_loaded(&found, &wanted) } else { BTreeSet::new() };

    if options.dry_run {
        print_plan(&plans, &done, &links, format);
        return Ok(0);
    }

    state::lock(&mut target_client, &target.description)?;
    let to_drop: Vec<ForeignKey> = links.foreign_keys.clone();
    state::begin(&mut target_client, &target.description, &fingerprint, !options.resume, &to_drop)?;
    let pending: Vec<&TablePlan> = plans.iter().filter(|p| !done.contains(&p.name())).collect();
    let loaded = run_workers(&source, &target, &coordinator.snapshot, &pending, options.jobs, format)?;
    drop(coordinator);

    let invalid = state::restore_foreign_keys(&mut target_client, &target.description)?;
    if !invalid.is_empty() {
        let lines: Vec<String> = invalid.iter().map(|(key, reason)| format!("{key}: {reason}")).collect();
        return Err(Failure::new(
            Kind::Database,
            format!("the rows are loaded but these foreign keys do not hold:\n  {}", lines.join("\n  ")),
        )
        .with_hint(
            "A --where filter or a table left out of the sync keeps rows whose parents were not copied.",
        ));
    }
    let sequences = sync_sequences(&mut source.connect()?, &mut target_client, &links, &target)?;
    state::finish(&mut target_client, &target.description)?;
    report(&plans, &loaded, &done, sequences, started.elapsed(), masking.as_ref().map(|(_, k)| k), format);
    Ok(0)
}

/// The rules file and the key; both must be there for an anonymized run.
fn rules_and_key(project: &Path, file: Option<&Path>) -> Result<(RuleSet, Key)> {
    let path = file.map(Path::to_path_buf).unwrap_or_else(|| project.join(DEFAULT_RULES));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Failure::new(Kind::Config, format!("cannot read the rules file {}: {e}", path.display()))
            .with_hint(format!("--anonymize reads {DEFAULT_RULES}, or the file given with --rules"))
    })?;
    let document: serde_json::Value = serde_yaml_ng::from_str(&text)
        .map_err(|e| Failure::new(Kind::Config, format!("{}: {e}", path.display())))?;
    let rules = RuleSet::parse(&document)
        .map_err(|e| Failure::new(Kind::Config, format!("{}: {e}", path.display())))?;
    let variables = match &rules.key_variable {
        Some(name) => vec![name.as_str()],
        None => vec![DEFAULT_KEY_VARIABLE, PYTHON_KEY_VARIABLE],
    };
    let found = variables
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()).map(|v| (*name, v)));
    let Some((name, secret)) = found else {
        return Err(Failure::new(
            Kind::Config,
            format!("no masking key: {} is not set", variables.join(" nor ")),
        )
        .with_hint(
            "Export a secret of 32 bytes or more (openssl rand -hex 32), kept out of version control.",
        ));
    };
    let key = Key::new(secret.as_bytes()).map_err(|e| Failure::new(Kind::Config, format!("{name}: {e}")))?;
    Ok((rules, key))
}

/// Copying a database onto itself would empty it: the same server (its start time) and the same
/// database are refused.
fn refuse_same_database(
    source_client: &mut postgres::Client,
    source: &Target,
    target_client: &mut postgres::Client,
    target: &Target,
) -> Result<()> {
    const IDENTITY: &str = "SELECT current_database()::text || ' ' || pg_postmaster_start_time()::text";
    let source_identity: String = source_client
        .query_one(IDENTITY, &[])
        .map_err(|e| Failure::from_postgres(e, &source.description))?
        .get(0);
    let target_identity: String = target_client
        .query_one(IDENTITY, &[])
        .map_err(|e| Failure::from_postgres(e, &target.description))?
        .get(0);
    if source_identity == target_identity {
        return Err(Failure::new(
            Kind::Config,
            format!("--from and --to are the same database ({}): nothing to copy", target.description),
        ));
    }
    Ok(())
}

/// Parents before children (over the target's foreign keys), so that a table's rows arrive after
/// those they reference; a cycle keeps the listed order.
fn parents_first(plans: Vec<TablePlan>, foreign_keys: &[ForeignKey]) -> Vec<TablePlan> {
    let names: Vec<String> = plans.iter().map(TablePlan::name).collect();
    let edges: Vec<(String, String)> =
        foreign_keys.iter().map(|k| (k.table.clone(), k.referenced.clone())).collect();
    let order = confiture_core::order::parents_first(&names, &edges);
    let mut slots: Vec<Option<TablePlan>> = plans.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// A table the sync does not load that references one it does would be left pointing at rows
/// that the load replaced: refused (the Python tool's TRUNCATE ... CASCADE emptied it instead).
fn refuse_outside_references(foreign_keys: &[ForeignKey]) -> Result<()> {
    let outside: Vec<String> = foreign_keys
        .iter()
        .filter(|k| !k.table_loaded && k.referenced_loaded)
        .map(|k| format!("{} references {} ({})", k.table, k.referenced, k.name))
        .collect();
    if outside.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        Kind::Config,
        format!(
            "sync refused: tables outside the sync reference tables it loads:\n  {}",
            outside.join("\n  ")
        ),
    )
    .with_hint(
        "Add the referencing tables to the sync (--tables), or leave the referenced ones out (--exclude).",
    ))
}

/// Every sequence that feeds a loaded column is moved past both the source's position and the
/// largest value copied. Returns how many were set.
fn sync_sequences(
    source_client: &mut postgres::Client,
    target_client: &mut postgres::Client,
    links: &Links,
    target: &Target,
) -> Result<usize> {
    let mut set = 0;
    for owned in &links.sequences {
        let in_source: Option<i64> = source_client
            .query_opt(
                &format!("SELECT CASE WHEN is_called THEN last_value END FROM {}", owned.sequence),
                &[],
            )
            .ok()
            .flatten()
            .and_then(|row| row.get(0));
        let column = catalog::ident(&owned.column);
        let copied: Option<i64> = match target_client
            .query_one(&format!("SELECT max({column})::bigint FROM {}", owned.table), &[])
        {
            Ok(row) => row.get(0),
            Err(_) => None,
        };
        let Some(value) = in_source.into_iter().chain(copied).max() else { continue };
        if value < 1 {
            continue;
        }
        target_client
            .query_one("SELECT setval($1::text::regclass, $2, true)", &[&owned.sequence, &value])
            .map_err(|e| Failure::from_postgres(e, &target.description))?;
        set += 1;
    }
    Ok(set)
}

fn bars_visible(format: Format) -> bool {
    format == Format::Table
        && std::io::stderr().is_terminal()
        && std::env::var_os("CONFITURE_NO_PROGRESS").is_none()
}

fn run_workers(
    source: &Target,
    target: &Target,
    snapshot: &str,
    pending: &[&TablePlan],
    jobs: usize,
    format: Format,
) -> Result<Vec<Loaded>> {
    let bars = MultiProgress::with_draw_target(if bars_visible(format) {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let total_rows: u64 = pending.iter().map(|p| p.source.estimated_rows.max(0) as u64).sum();
    let overall = bars.add(ProgressBar::new(total_rows.max(1)));
    overall.set_style(
        ProgressStyle::with_template(
            "{prefix:>12} [{bar:30}] {human_pos}/{human_len} rows {per_sec} ({elapsed}, {msg})",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    overall.set_prefix("sync");
    overall.set_message(format!("0/{} tables", pending.len()));
    let queue = Mutex::new(pending.iter().copied().collect::<VecDeque<_>>());
    let failed = AtomicBool::new(false);
    let first_failure: Mutex<Option<Failure>> = Mutex::new(None);
    let loaded: Mutex<Vec<Loaded>> = Mutex::new(Vec::new());
    let workers = jobs.clamp(1, pending.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let result = worker(
                    source,
                    target,
                    snapshot,
                    &queue,
                    &failed,
                    &loaded,
                    &bars,
                    &overall,
                    pending.len(),
                );
                if let Err(failure) = result {
                    failed.store(true, Ordering::SeqCst);
                    first_failure.lock().expect("no worker panics holding it").get_or_insert(failure);
                }
            });
        }
    });
    overall.finish_and_clear();
    if let Some(failure) = first_failure.into_inner().expect("workers joined") {
        return Err(failure.with_hint(
            "Tables loaded before the failure are kept; fix the cause and run again with --resume to load the rest.",
        ));
    }
    Ok(loaded.into_inner().expect("workers joined"))
}

#[allow(clippy::too_many_arguments)]
fn worker(
    source: &Target,
    target: &Target,
    snapshot: &str,
    queue: &Mutex<VecDeque<&TablePlan>>,
    failed: &AtomicBool,
    loaded: &Mutex<Vec<Loaded>>,
    bars: &MultiProgress,
    overall: &ProgressBar,
    table_count: usize,
) -> Result<()> {
    let mut source_session = load::SourceSession::open(source, snapshot)?;
    let mut target_client = load::open_target(target)?;
    loop {
        if failed.load(Ordering::SeqCst) {
            return Ok(());
        }
        let Some(plan) = queue.lock().expect("no worker panics holding it").pop_front() else {
            return Ok(());
        };
        let bar = bars.add(ProgressBar::new(plan.source.estimated_rows.max(1) as u64));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {human_pos} rows {per_sec}")
                .expect("static template")
                .progress_chars("=> "),
        );
        bar.set_prefix(truncate(&plan.source.shown_name(), 12));
        let started = Instant::now();
        let mut last = 0u64;
        let rows = load::load_table(
            &mut source_session,
            &mut target_client,
            &target.description,
            plan,
            &mut |rows| {
                bar.set_position(rows);
                overall.inc(rows - last);
                last = rows;
            },
        )?;
        bar.finish_and_clear();
        bars.remove(&bar);
        let mut done = loaded.lock().expect("no worker panics holding it");
        done.push(Loaded {
            table: plan.source.shown_name(),
            rows,
            seconds: started.elapsed().as_secs_f64(),
            masked: plan.masked_columns(),
        });
        overall.set_message(format!("{}/{table_count} tables", done.len()));
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().rev().take(width - 1).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{kept}")
}

fn print_plan(plans: &[TablePlan], done: &BTreeSet<String>, links: &Links, format: Format) {
    let rows: Vec<serde_json::Value> = plans
        .iter()
        .map(|p| {
            serde_json::json!({
                "table": p.source.shown_name(),
                "estimated_rows": p.source.estimated_rows,
                "masked": p.masked_columns(),
                "filter": p.filter,
                "format": format!("{:?}", p.wire).to_lowercase(),
                "already_loaded": done.contains(&p.name()),
            })
        })
        .collect();
    if format == Format::Json {
        let plan = serde_json::json!({
            "dry_run": true,
            "tables": rows,
            "foreign_keys_dropped_and_revalidated": links.foreign_keys.len(),
            "sequences": links.sequences.len(),
        });
        out!("{}", serde_json::to_string_pretty(&plan).expect("JSON values serialize"));
        return;
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    table.set_header(vec!["table", "rows (estimate)", "masked columns", "filter", "format"]);
    for (plan, row) in plans.iter().zip(&rows) {
        table.add_row(vec![
            plan.source.shown_name() + if done.contains(&plan.name()) { " (loaded)" } else { "" },
            plan.source.estimated_rows.to_string(),
            plan.masked_columns().join(", "),
            plan.filter.clone().unwrap_or_default(),
            row["format"].as_str().unwrap_or_default().to_string(),
        ]);
    }
    out!("{table}");
    out!(
        "dry run: {} tables; {} foreign keys would be dropped and re-validated, {} sequences moved; nothing was copied",
        plans.len(),
        links.foreign_keys.len(),
        links.sequences.len()
    );
}

fn report(
    plans: &[TablePlan],
    loaded: &[Loaded],
    resumed: &BTreeSet<String>,
    sequences: usize,
    elapsed: Duration,
    key: Option<&Key>,
    format: Format,
) {
    let rows: u64 = loaded.iter().map(|l| l.rows).sum();
    let seconds = elapsed.as_secs_f64();
    let mut ordered: Vec<&Loaded> = loaded.iter().collect();
    ordered.sort_by(|a, b| a.table.cmp(&b.table));
    if format == Format::Json {
        let report = serde_json::json!({
            "tables": ordered.iter().map(|l| serde_json::json!({
                "table": l.table, "rows": l.rows, "seconds": l.seconds, "masked": l.masked,
            })).collect::<Vec<_>>(),
            "resumed_tables": resumed.len(),
            "rows": rows,
            "seconds": seconds,
            "rows_per_second": (rows as f64 / seconds.max(1e-9)).round(),
            "sequences_set": sequences,
            "anonymized": key.is_some(),
            "key_fingerprint": key.map(Key::fingerprint),
        });
        out!("{}", serde_json::to_string_pretty(&report).expect("JSON values serialize"));
        return;
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    table.set_header(vec!["table", "rows", "seconds", "masked columns"]);
    for l in &ordered {
        table.add_row(vec![
            l.table.clone(),
            l.rows.to_string(),
            format!("{:.2}", l.seconds),
            l.masked.join(", "),
        ]);
    }
    out!("{table}");
    let mode = if key.is_some() { "anonymized" } else { "not anonymized" };
    out!(
        "synced {} of {} tables, {rows} rows in {seconds:.1} s ({:.0} rows/s, {mode}){}; {sequences} sequences set",
        loaded.len(),
        plans.len(),
        rows as f64 / seconds.max(1e-9),
        if resumed.is_empty() { String::new() } else { format!(", {} loaded before the resume", resumed.len()) }
    );
}
