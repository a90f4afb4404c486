//! confiture: the command-line companion of the confiture PostgreSQL extension. Layers, one way:
//! `main` -> `cli` (arguments) and `commands/` (one module per command) -> the shared modules
//! (`config`, `discover`, `db`, `output`, `failure`) -> `confiture_core` (logic shared with the
//! extension).

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

mod cli;
mod commands;
mod config;
mod conninfo;
mod db;
mod discover;
mod failure;
mod offline;
mod output;

use clap::Parser;
use cli::{Cli, Command};
use failure::{Area, Failure};
use output::Format;
use std::process::ExitCode;

fn main() -> ExitCode {
    db::defer_system_ca_bundle();
    let cli = Cli::parse();
    let format = cli.format;
    let area = match &cli.command {
        Command::Build { .. } => Area::Build,
        Command::Migrate { .. } | Command::VerifyChecksums { .. } => Area::Migrate,
        _ => Area::Other,
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            let failure = failure.in_area(area);
            match format {
                Format::Json | Format::Sarif => out!("{}", failure.to_json()),
                Format::Table | Format::Csv | Format::Sql => eprintln!("{failure}"),
            }
            ExitCode::from(failure.kind.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<u8, Failure> {
    config::select(config::Selection { config_file: cli.config.clone(), no_config: cli.no_config });
    let assess = matches!(cli.command, Command::Migrate { action: cli::MigrateAction::Assess { .. } });
    if cli.format == Format::Sarif && !matches!(cli.command, Command::Lint { .. }) && !assess {
        // SARIF describes findings; only lint and migrate assess have them.
        return Err(Failure::new(
            failure::Kind::Config,
            "--format sarif is only for confiture lint and migrate assess",
        ));
    }
    if cli.format == Format::Sql && !matches!(cli.command, Command::Diff { .. }) {
        return Err(Failure::new(failure::Kind::Config, "--format sql is only for confiture diff"));
    }
    match cli.command {
        Command::Diff { args } => {
            commands::diff::command(&cli.project, &commands::diff::DiffOptions::from(&args), cli.format)
        }
        Command::Sync { args } => {
            let options = commands::sync::SyncOptions {
                from: args.from,
                to: args.to,
                anonymize: args.anonymize,
                rules: args.rules,
                selection: commands::sync::Selection {
                    tables: args.tables,
                    exclude: args.exclude,
                    filters: args.filters,
                    allow_unmasked: args.allow_unmasked,
                },
                jobs: args.jobs as usize,
                resume: args.resume,
                dry_run: args.dry_run,
            };
            commands::sync::command(&cli.project, &options, cli.format)
        }
        Command::Init { dir } => commands::init::command(&dir.unwrap_or(cli.project), cli.format),
        Command::Build { env, apply, fresh, database_url, output, show_hash, list_files } => {
            let options = commands::build::BuildOptions {
                env: env.as_deref(),
                apply,
                fresh,
                database_url: database_url.as_deref(),
                output,
                show_hash,
                list_files,
            };
            commands::build::command(&cli.project, &options, cli.format)
        }
        Command::Migrate { action } => commands::migrate::command(&cli.project, cli.format, action),
        Command::VerifyChecksums { target } => commands::migrate::command(
            &cli.project,
            cli.format,
            cli::MigrateAction::VerifyChecksums { target },
        ),
        Command::Seed { action } => commands::seed::command(&cli.project, cli.format, action),
        Command::Lint {
            env,
            database_url,
            fail_on,
            include_waived,
            select,
            ignore,
            list_rules,
            baseline,
            write_baseline,
        } => {
            let options = commands::lint::LintOptions {
                env: env.as_deref(),
                database_url: database_url.as_deref(),
                include_waived,
                select,
                ignore,
                baseline,
                write_baseline,
            };
            if list_rules {
                return commands::lint::list_rules(&cli.project, &options, cli.format);
            }
            commands::lint::command(&cli.project, &options, fail_on, cli.format)
        }
    }
}
