//! The command line: every command, option and argument (clap). Running them is in `commands/`.

use crate::output::Format;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "confiture", version, about = "Schema as code, checked by the server that runs it")]
pub struct Cli {
    /// The project folder (the one holding db/).
    #[arg(long, global = true, default_value = ".")]
    pub project: PathBuf,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The environment file to read, instead of db/environments/<env>.yaml.
    #[arg(short = 'c', long, global = true, conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Read no environment file: the database URL comes from --database-url,
    /// CONFITURE_DATABASE_URL or DATABASE_URL, everything else is the default.
    #[arg(long, global = true)]
    pub no_config: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create db/schema, db/migrations, db/seeds and db/environments/local.yaml.
    Init {
        /// Where to create the project (default: --project).
        dir: Option<PathBuf>,
    },
    /// Concatenate db/schema into db/generated/schema_<env>.sql; with --apply, build it into the database.
    Build {
        /// The environment: db/environments/<env>.yaml (default: local, if that file exists).
        #[arg(long)]
        env: Option<String>,
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
        #[arg(long)]
        env: Option<String>,
        /// Overrides the environment's database_url and CONFITURE_DATABASE_URL.
        #[arg(long)]
        database_url: Option<String>,
        /// Exit with code 1 when a finding reaches this level.
        #[arg(long, value_enum, default_value_t = crate::commands::lint::FailOn::Error)]
        fail_on: crate::commands::lint::FailOn,
        /// Also show waived findings (marked as such; they never fail the run).
        #[arg(long)]
        include_waived: bool,
    },
}

#[derive(Subcommand)]
pub enum SeedAction {
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

#[derive(clap::Args)]
pub struct MigrateTarget {
    /// The environment: db/environments/<env>.yaml (default: local, if that file exists).
    #[arg(long)]
    pub env: Option<String>,
    /// Overrides the environment's database_url and CONFITURE_DATABASE_URL.
    #[arg(long)]
    pub database_url: Option<String>,
}

#[derive(Subcommand)]
pub enum MigrateAction {
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
        /// First record what the Python confiture applied (its tracking table), as migrate import.
        #[arg(long)]
        import_history: bool,
    },
    /// Mark the migrations up to VERSION applied without running them (a database whose schema
    /// is already there).
    Baseline {
        #[command(flatten)]
        target: MigrateTarget,
        /// The last migration the database already has.
        #[arg(long)]
        through: String,
    },
    /// Record the migrations the Python confiture applied (migration.tracking_table, default
    /// tb_confiture) as applied, after checking their files did not change. Runs nothing.
    Import {
        #[command(flatten)]
        target: MigrateTarget,
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
