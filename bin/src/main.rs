//! confiture: the command-line companion of the confiture PostgreSQL extension.

mod build;
mod config;
mod db;
mod discover;
mod failure;
mod fresh;
mod init;
mod output;
#[path = "../../src/schema_hash.rs"]
mod schema_hash;

use clap::{Parser, Subcommand};
use failure::Failure;
use output::{key_values, Format};
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.format;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            match format {
                Format::Json => println!("{}", failure.to_json()),
                Format::Table => eprintln!("{failure}"),
            }
            ExitCode::from(failure.kind.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Init { dir } => {
            let dir = dir.unwrap_or(cli.project);
            let created = init::run(&dir)?;
            match cli.format {
                Format::Json => println!("{}", serde_json::json!({ "project": dir, "created": created })),
                Format::Table if created.is_empty() => {
                    println!("{}: already a confiture project", dir.display())
                }
                Format::Table => {
                    created.iter().for_each(|path| println!("created {}", dir.join(path).display()))
                }
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
                Format::Json => println!("{}", serde_json::to_string_pretty(&report).expect("serializable")),
                Format::Table => print_build(&report),
            }
        }
    }
    Ok(())
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
    println!("{}", key_values(&rows));
}
