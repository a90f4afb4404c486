//! confiture: the command-line companion of the confiture PostgreSQL extension.

mod build;
mod config;
mod db;
mod discover;
mod failure;
mod fresh;
mod init;
mod lint;
mod migrate;
mod migrate_run;
#[path = "../../src/migrate/version.rs"]
mod migration_version;
mod output;
#[path = "../../src/schema_hash.rs"]
mod schema_hash;
mod seed;

use clap::{Parser, Subcommand};
use failure::Failure;
use output::{key_values, Format, Spinner};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "confiture", version, about = "Schema as code, checked by the server that runs it")]
struct Cli {
    /// The project folder (the one holding db/).
    #[arg(long, global = true, default_value = ".")]
    project: PathBuf,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create db/schema, db/migrations, db/seeds and db/environments/local.yaml.
    Init {
        /// Where to create the project (default: --project).
        dir: Option<PathBuf>,
    },
    /// Concatenate db/schema into db/generated/schema_<env>.sql; with --apply, build it into the database.
    Build {
        /// The environment: db/environments/<env>.yaml.
        #[arg(long, default_value = "local")]
        env: String,
        /// Apply the files to the environment's database through confiture.build_from().
        #[arg(long)]
        apply: bool,
        /// Drop and recreate the database first (needs allow_reset: true); implies --apply.
        #[arg(long)]
        fresh: bool,
        /// Overrides the environment's database_url and CONFITURE_DATABASE_URL.
        #[arg(long)]
        database_url: Option<String>,
        /// Where to write the concatenation (default: db/generated/schema_<env>.sql).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Apply, roll back, inspect or create migrations (db/migrations/).
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Validate the seed files of db/seeds/, or apply them.
    Seed {
        #[command(subcommand)]
        action: SeedAction,
    },
    /// Lint the environment's database with confiture.lint_schema().
    Lint {
        /// The environment: db/environments/<env>.yaml (its `lint:` section is the configuration).
        #[arg(long, default_value = "local")]
        env: String,
        /// Overrides the environment's database_url and CONFITURE_DATABASE_URL.
        #[arg(long)]
        database_url: Option<String>,
        /// Exit with code 1 when a finding reaches this level.
        #[arg(long, value_enum, default_value_t = lint::FailOn::Error)]
        fail_on: lint::FailOn,
        /// Also show waived findings (marked as such; they never fail the run).
        #[arg(long)]
        include_waived: bool,
    },
}

#[derive(Subcommand)]
enum SeedAction {
    /// Validate db/seeds/ with confiture.validate_seeds() at levels 1 to --level; exit 1 on an
    /// error or critical finding. Levels 4 and 5 run the seeds and are rolled back.
    Validate {
        #[command(flatten)]
        target: MigrateTarget,
        /// 1 files, 2 schema, 3 resolvers, 4 running the seeds, 5 running the resolvers too.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i32).range(1..=5))]
        level: i32,
    },
    /// Apply db/seeds/ in order, each file in its own savepoint, in one transaction.
    Apply {
        #[command(flatten)]
        target: MigrateTarget,
        /// Roll back a failing file only, report it and go on (exit 1 if any failed).
        #[arg(long)]
        continue_on_error: bool,
    },
}

/// Print a line to stdout; when the reader has gone (`confiture lint | head`), stop quietly
/// instead of panicking on the broken pipe.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        if let Err(error) = writeln!(std::io::stdout(), $($arg)*) {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

/// Exit code of a check that ran and found what --fail-on asks to fail on (docs/exit-codes.md).
const CHECK_FAILED: u8 = 1;

#[derive(clap::Args)]
struct MigrateTarget {
    /// The environment: db/environments/<env>.yaml.
    #[arg(long, default_value = "local")]
    env: String,
    /// Overrides the environment's database_url and CONFITURE_DATABASE_URL.
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum MigrateAction {
    /// Register every file and apply the pending migrations, in one transaction.
    Up {
        #[command(flatten)]
        target: MigrateTarget,
        /// Stop after this version (inclusive).
        #[arg(long, visible_alias = "target")]
        target_version: Option<String>,
        /// Run them in a transaction that is rolled back: report duration, rows, locks and rewrites.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run the down scripts of the newest applied migrations.
    Down {
        #[command(flatten)]
        target: MigrateTarget,
        /// How many migrations to roll back.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..))]
        steps: i32,
    },
    /// Each migration's state: applied, pending, drifted, missing. Exit 0 up to date, 1 pending, 7 drift.
    Status {
        #[command(flatten)]
        target: MigrateTarget,
    },
    /// Accept an applied migration's changed file on purpose (recorded in the history).
    Accept {
        #[command(flatten)]
        target: MigrateTarget,
        /// The migration's version.
        version: String,
    },
    /// Create db/migrations/{timestamp}_{name}.up.sql and .down.sql.
    New {
        /// lower_snake_case name.
        name: String,
    },
}

fn print_steps(steps: &[migrate::Step], format: Format, what: &str) {
    match format {
        Format::Json | Format::Sarif => {
            out!("{}", serde_json::to_string_pretty(steps).expect("serializable"))
        }
        Format::Table if steps.is_empty() => out!("nothing to {what}: up to date"),
        Format::Table => {
            let dry = what == "dry run";
            let mut header = vec!["version", "name", "status", "ms", "statements", "rows"];
            if dry {
                header.extend(["locks taken", "rewritten", "error"]);
            }
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY).set_header(header);
            for step in steps {
                let mut row = vec![
                    step.version.clone(),
                    step.name.clone(),
                    step.status.clone(),
                    format!("{:.1}", step.duration_ms),
                    step.statements.to_string(),
                    step.rows_affected.to_string(),
                ];
                if dry {
                    row.extend([
                        step.locks.join("\n"),
                        step.rewritten.join("\n"),
                        step.error
                            .as_ref()
                            .and_then(|e| e["message"].as_str())
                            .unwrap_or_default()
                            .to_string(),
                    ]);
                }
                table.add_row(row);
            }
            out!("{table}");
            let done = match what {
                "apply" => "applied",
                "dry run" => "dry-run, then rolled back: nothing was changed",
                _ => "rolled back",
            };
            out!("{} migrations {done}", steps.len());
        }
    }
}

fn run_migrate(project: &std::path::Path, format: Format, action: MigrateAction) -> Result<u8, Failure> {
    match action {
        MigrateAction::Up { target, target_version, dry_run } => {
            let url = target.database_url.as_deref();
            let steps = migrate::up(project, &target.env, url, target_version.as_deref(), dry_run)?;
            print_steps(&steps, format, if dry_run { "dry run" } else { "apply" });
            if steps.iter().any(|s| s.error.is_some()) {
                return Ok(CHECK_FAILED);
            }
        }
        MigrateAction::Down { target, steps } => {
            let steps = migrate::down(project, &target.env, target.database_url.as_deref(), steps)?;
            print_steps(&steps, format, "roll back");
        }
        MigrateAction::Status { target } => {
            let rows = migrate::status(project, &target.env, target.database_url.as_deref())?;
            match format {
                Format::Json | Format::Sarif => {
                    out!("{}", serde_json::to_string_pretty(&rows).expect("serializable"))
                }
                Format::Table => {
                    let mut table = comfy_table::Table::new();
                    table
                        .load_preset(comfy_table::presets::UTF8_BORDERS_ONLY)
                        .set_header(vec!["version", "name", "state"]);
                    for row in &rows {
                        table.add_row(vec![row.version.clone(), row.name.clone(), row.state.clone()]);
                    }
                    out!("{table}");
                    let count = |state: &str| rows.iter().filter(|r| r.state == state).count();
                    out!(
                        "{} applied, {} pending, {} drifted, {} missing",
                        count("applied"),
                        count("pending"),
                        count("drifted"),
                        count("missing")
                    );
                }
            }
            if rows.iter().any(|r| r.state == "drifted" || r.state == "missing") {
                return Ok(failure::Kind::Drift.exit_code());
            }
            if rows.iter().any(|r| r.state == "pending") {
                return Ok(CHECK_FAILED);
            }
        }
        MigrateAction::Accept { target, version } => {
            let checksum = migrate::accept(project, &target.env, target.database_url.as_deref(), &version)?;
            match format {
                Format::Table => out!("accepted migration {version}: checksum {checksum}"),
                _ => out!("{}", serde_json::json!({"version": version, "checksum": checksum})),
            }
        }
        MigrateAction::New { name } => {
            let created = migrate::new(project, &name)?;
            match format {
                Format::Table => created.iter().for_each(|path| out!("created {path}")),
                _ => out!("{}", serde_json::json!({"created": created})),
            }
        }
    }
    Ok(0)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.format;
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            match format {
                Format::Json | Format::Sarif => out!("{}", failure.to_json()),
                Format::Table => eprintln!("{failure}"),
            }
            ExitCode::from(failure.kind.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    if cli.format == Format::Sarif && !matches!(cli.command, Command::Lint { .. }) {
        // SARIF describes findings; only lint has them.
        return Err(Failure::new(failure::Kind::Config, "--format sarif is only for confiture lint"));
    }
    match cli.command {
        Command::Init { dir } => {
            let dir = dir.unwrap_or(cli.project);
            let created = init::run(&dir)?;
            match cli.format {
                Format::Json | Format::Sarif => {
                    out!("{}", serde_json::json!({ "project": dir, "created": created }))
                }
                Format::Table if created.is_empty() => {
                    out!("{}: already a confiture project", dir.display())
                }
                Format::Table => created.iter().for_each(|path| out!("created {}", dir.join(path).display())),
            }
        }
        Command::Build { env, apply, fresh, database_url, output } => {
            let options = build::BuildOptions {
                env: &env,
                apply,
                fresh,
                database_url: database_url.as_deref(),
                output,
            };
            let report = build::run(&cli.project, &options)?;
            match cli.format {
                Format::Json | Format::Sarif => {
                    out!("{}", serde_json::to_string_pretty(&report).expect("serializable"))
                }
                Format::Table => print_build(&report),
            }
        }
        Command::Migrate { action } => return run_migrate(&cli.project, cli.format, action),
        Command::Seed { action } => return run_seed(&cli.project, cli.format, action),
        Command::Lint { env, database_url, fail_on, include_waived } => {
            let options =
                lint::LintOptions { env: &env, database_url: database_url.as_deref(), include_waived };
            let report = lint::run(&cli.project, &options)?;
            match cli.format {
                Format::Json => {
                    out!("{}", serde_json::to_string_pretty(&report.findings).expect("serializable"))
                }
                Format::Sarif => out!(
                    "{}",
                    serde_json::to_string_pretty(&lint::sarif(&cli.project, &report)).expect("serializable")
                ),
                Format::Table => {
                    if !report.findings.is_empty() {
                        out!("{}", lint::table(&report.findings));
                    }
                    out!("{}", lint::summary(&report.findings));
                }
            }
            if lint::fails(&report.findings, fail_on) {
                return Ok(CHECK_FAILED);
            }
        }
    }
    Ok(0)
}

fn run_seed(project: &std::path::Path, format: Format, action: SeedAction) -> Result<u8, Failure> {
    match action {
        SeedAction::Validate { target, level } => {
            let spinner = Spinner::start(format!("validating seeds at level {level}"));
            let findings = seed::validate(project, &target.env, target.database_url.as_deref(), level)?;
            spinner.finish();
            match format {
                Format::Table => out!("{}", seed::findings_table(&findings)),
                _ => out!("{}", serde_json::to_string_pretty(&findings).expect("serializable")),
            }
            if seed::fails(&findings) {
                return Ok(CHECK_FAILED);
            }
        }
        SeedAction::Apply { target, continue_on_error } => {
            let spinner = Spinner::start("applying seeds".into());
            let applied =
                seed::apply(project, &target.env, target.database_url.as_deref(), continue_on_error)?;
            spinner.finish();
            match format {
                Format::Table => out!("{}", seed::applied_table(&applied)),
                _ => out!("{}", serde_json::to_string_pretty(&applied).expect("serializable")),
            }
            if applied.iter().any(|a| !a.applied) {
                return Ok(CHECK_FAILED);
            }
        }
    }
    Ok(0)
}

fn print_build(report: &build::BuildReport) {
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
    out!("{}", key_values(&rows));
}
