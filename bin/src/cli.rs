//! The command line: every command, option and argument (clap). Running them is in `commands/`.

use crate::output::Format;
use clap::{Args, Parser, Subcommand};
use confiture_core::risk::Level;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "confiture", version, about = "Schema as code, checked by the server that runs it")]
pub struct Cli {
    /// The project folder (the one holding db/).
    #[arg(long, global = true, default_value = ".")]
    pub project: PathBuf,
    /// Output format (`text` is the same as `table`).
    #[arg(short = 'f', long, global = true, value_enum, default_value_t = Format::Table)]
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
        #[arg(short = 'e', long)]
        env: Option<String>,
        /// Apply the files to the environment's database through confiture.build_from().
        #[arg(long)]
        apply: bool,
        /// Drop and recreate the database first (needs allow_reset: true); implies --apply.
        #[arg(long)]
        fresh: bool,
        /// Overrides the environment's database_url and CONFITURE_DATABASE_URL.
        #[arg(short = 'd', long)]
        database_url: Option<String>,
        /// Where to write the concatenation (default: db/generated/schema_<env>.sql).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Also print the schema hash (the hash of every file's path and content, in order).
        #[arg(long)]
        show_hash: bool,
        /// Print the files this build would read, in order, with the include_dirs entry that
        /// selected each, and build nothing.
        #[arg(long, conflicts_with_all = ["apply", "fresh"])]
        list_files: bool,
    },
    /// Check that every applied migration's file is unchanged (exit 1 on a mismatch or a missing
    /// file, 2 when confiture has not migrated this database). Same as `migrate verify-checksums`.
    VerifyChecksums {
        #[command(flatten)]
        target: MigrateTarget,
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
    /// Compare two schemas and print the statements that turn the first into the second, in
    /// dependency order with their hazards (exit 0 identical, 1 different).
    Diff {
        #[command(flatten)]
        args: DiffArgs,
    },
    /// Copy the rows of one database into another with the same schema, personal data masked
    /// (--anonymize), in one consistent snapshot, resumable after a kill.
    Sync {
        #[command(flatten)]
        args: SyncArgs,
    },
    /// Lint the environment's database with confiture.lint_schema().
    Lint {
        /// The environment: db/environments/<env>.yaml (its `lint:` section is the configuration).
        #[arg(short = 'e', long)]
        env: Option<String>,
        /// Overrides the environment's database_url and CONFITURE_DATABASE_URL.
        #[arg(short = 'd', long)]
        database_url: Option<String>,
        /// Exit with code 1 when a finding reaches this level.
        #[arg(long, value_enum, default_value_t = crate::commands::lint::FailOn::Error)]
        fail_on: crate::commands::lint::FailOn,
        /// Also show waived findings (marked as such; they never fail the run).
        #[arg(long)]
        include_waived: bool,
        /// Run only these rules or categories (comma-separated); `default` is every rule.
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// Skip these rules or categories (comma-separated); wins over --select.
        #[arg(long, value_delimiter = ',')]
        ignore: Vec<String>,
        /// Print the rules (name, level, category, rationale) and exit.
        #[arg(long)]
        list_rules: bool,
        /// A baseline file: only findings it does not list are shown and can fail the run; the
        /// file is rewritten when findings it lists have gone.
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Create or reset the --baseline file from the current findings (exit 0).
        #[arg(long, requires = "baseline")]
        write_baseline: bool,
    },
}

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The environment: db/environments/<env>.yaml (default: local, if that file exists).
    #[arg(short = 'e', long)]
    pub env: Option<String>,
    /// The schema as it is: an environment name or a database URL (default: the environment's
    /// database).
    #[arg(long)]
    pub from: Option<String>,
    /// The schema as it should be: an environment name, a database URL, or `schema` (the
    /// environment's DDL files, built into a scratch database).
    #[arg(long, default_value = "schema")]
    pub to: String,
    /// Only these schemas (repeat or comma-separate; default: every user schema).
    #[arg(long = "schema", value_delimiter = ',')]
    pub schemas: Vec<String>,
    /// Hazards the plan may carry (comma list, or `all`): deletes_data is refused otherwise.
    #[arg(long, value_delimiter = ',')]
    pub allow_hazards: Vec<String>,
    /// Plain statements instead of the online patterns (CONCURRENTLY, NOT VALID + VALIDATE).
    #[arg(long)]
    pub no_online: bool,
    /// Apply the plan to a scratch copy of the source schema and require the result to equal
    /// the target.
    #[arg(long)]
    pub verify: bool,
    /// Compare owners and privileges too (ALTER ... OWNER TO, GRANT, REVOKE).
    #[arg(long)]
    pub privileges: bool,
}

#[derive(clap::Args)]
pub struct SyncArgs {
    /// Where the rows come from: an environment name or a database URL.
    #[arg(long)]
    pub from: String,
    /// Where they go (its schema already built from the same files): an environment or a URL.
    #[arg(long)]
    pub to: String,
    /// Mask personal data with the rules file and the key (CONFITURE_MASK_KEY by default).
    #[arg(long)]
    pub anonymize: bool,
    /// The rules file (default: db/sync/anonymization.yaml).
    #[arg(long, alias = "anonymization-config")]
    pub rules: Option<PathBuf>,
    /// Only these tables (globs over `table` or `schema.table`; repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    pub tables: Vec<String>,
    /// Leave these tables out (globs, as --tables).
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Copy only the rows of a table that match an SQL condition: `table=condition` (repeat).
    #[arg(long = "where")]
    pub filters: Vec<String>,
    /// Copy columns that look personal (email, phone, name...) without a rule, as they are.
    #[arg(long)]
    pub allow_unmasked: bool,
    /// Tables loaded at the same time, each worker in the same snapshot of the source.
    #[arg(short = 'j', long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Continue an interrupted sync: tables it loaded are kept, the others loaded.
    #[arg(long)]
    pub resume: bool,
    /// Check everything and show what would be copied; copy nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Subcommand)]
pub enum SeedAction {
    /// Validate db/seeds/ with confiture.validate_seeds() at levels 1 to --level; exit 1 on an
    /// error or critical finding. Levels 4 and 5 run the seeds and are rolled back.
    Validate {
        #[command(flatten)]
        target: MigrateTarget,
        /// 1 files, 2 schema, 3 resolvers, 4 running the seeds, 5 running the resolvers too.
        #[arg(short = 'l', long, default_value_t = 3, value_parser = clap::value_parser!(i32).range(1..=5))]
        level: i32,
        /// Check levels 1-3 without a database, against the schema files (PostgreSQL's parser
        /// as a library). The default when no database URL is given.
        #[arg(long, visible_alias = "static-only")]
        offline: bool,
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
    #[arg(short = 'e', long)]
    pub env: Option<String>,
    /// Overrides the environment's database_url and CONFITURE_DATABASE_URL.
    #[arg(short = 'd', long)]
    pub database_url: Option<String>,
}

/// Waiting for the migration lock (another `migrate` run on the same database holds it).
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct LockOptions {
    /// Give up after this many milliseconds (exit 6), naming the session that holds it; 0 waits
    /// as long as it takes. Default: the environment's migration.locking.timeout_ms, else 30000.
    #[arg(long)]
    pub lock_timeout: Option<u64>,
    /// Do not take the session's migration lock (for poolers in transaction mode, where a
    /// session lock does not hold). Each transaction still takes the server's own lock; scripts
    /// run outside a transaction are then unprotected against a concurrent run.
    #[arg(long)]
    pub no_lock: bool,
}

#[derive(Subcommand)]
pub enum MigrateAction {
    /// Register every file and apply the pending migrations, in one transaction.
    Up {
        #[command(flatten)]
        target: MigrateTarget,
        /// Stop after this version (inclusive).
        #[arg(short = 't', long, visible_alias = "target")]
        target_version: Option<String>,
        /// Run them in a transaction that is rolled back: report duration, rows, locks and rewrites.
        #[arg(long, visible_alias = "dry-run-execute")]
        dry_run: bool,
        #[command(flatten)]
        lock: LockOptions,
        /// First record what the Python confiture applied (its tracking table), as migrate import.
        #[arg(long)]
        import_history: bool,
        #[command(flatten)]
        risk: RiskOptions,
    },
    /// What each pending statement will lock, rewrite and cost on this database, scored and
    /// with advice (observed on a schema-only scratch copy). Applies nothing.
    Assess {
        #[command(flatten)]
        target: MigrateTarget,
        /// Stop after this version (inclusive).
        #[arg(short = 't', long, visible_alias = "target")]
        target_version: Option<String>,
        /// Exit 1 when a statement is above this level (low, medium, high, critical).
        #[arg(long, value_parser = parse_level)]
        max_risk: Option<Level>,
        /// Judge from the documented lock model only: no scratch copy (no CREATEDB needed).
        #[arg(long)]
        model_only: bool,
    },
    /// Mark the migrations up to VERSION applied without running them (a database whose schema
    /// is already there).
    Baseline {
        #[command(flatten)]
        target: MigrateTarget,
        /// The last migration the database already has.
        #[arg(long)]
        through: String,
        #[command(flatten)]
        lock: LockOptions,
    },
    /// Record the migrations the Python confiture applied (migration.tracking_table, default
    /// tb_confiture) as applied, after checking their files did not change. Runs nothing.
    Import {
        #[command(flatten)]
        target: MigrateTarget,
        #[command(flatten)]
        lock: LockOptions,
    },
    /// Run the down scripts of the newest applied migrations.
    Down {
        #[command(flatten)]
        target: MigrateTarget,
        /// How many migrations to roll back.
        #[arg(short = 'n', long, default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..))]
        steps: i32,
        /// Roll back every migration newer than this version (which stays applied), instead of --steps.
        #[arg(long, conflicts_with = "steps")]
        to: Option<String>,
        /// Run the down scripts in a transaction that is rolled back, and report them.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        lock: LockOptions,
    },
    /// Roll back every migration newer than REVISION (which stays applied): `down --to REVISION`.
    DownTo {
        /// The version to keep as the newest applied one.
        revision: String,
        #[command(flatten)]
        target: MigrateTarget,
        /// Run the down scripts in a transaction that is rolled back, and report them.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        lock: LockOptions,
    },
    /// Print the newest applied migration (version, name, when, checksum).
    Current {
        #[command(flatten)]
        target: MigrateTarget,
    },
    /// Check that every applied migration's file is unchanged (exit 1 on a mismatch or a missing
    /// file, 2 when confiture has not migrated this database).
    VerifyChecksums {
        #[command(flatten)]
        target: MigrateTarget,
    },
    /// Check db/migrations/ without a database: names, duplicate versions, down scripts,
    /// Python migrations, empty files (exit 0 when every file can run).
    Validate,
    /// Each migration's state: applied, pending, drifted, missing. Exit 0 up to date, 1 pending
    /// or drifted, 2 when confiture has not migrated this database.
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
    /// Medium 4: fill a new database, built from the DDL files, with an old database's rows over
    /// postgres_fdw, each column by the mapping; validate, move sequences, verify checksums,
    /// detach (also on error and Ctrl-C), print the cutover checklist.
    SchemaToSchema {
        /// The old database: an environment name or a URL.
        #[arg(long)]
        from: String,
        /// The new database: an environment (built from its DDL files when it has no tables) or a URL.
        #[arg(long)]
        to: String,
        /// The column mapping (YAML, the Python confiture's shape or ours); without it every
        /// target table is filled from the source table of its name.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Attach, plan and check, then detach: copy nothing.
        #[arg(long)]
        plan_only: bool,
        /// Continue an interrupted copy from its recorded progress.
        #[arg(long)]
        resume: bool,
        /// Rows per committed batch.
        #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(i64).range(1..=10_000_000))]
        batch_rows: i64,
        /// The source's host as the target server reaches it (default: the --from URL's host).
        #[arg(long)]
        source_host: Option<String>,
        /// How each table is verified: checksum (of the rows as the copy read them, and the
        /// source's count now), source (the source read again: also catches writes after the
        /// copy), count.
        #[arg(long, default_value = "checksum", value_parser = ["checksum", "source", "count"])]
        verify: String,
    },
    /// Write the migration that brings the environment's database to its DDL files
    /// (up: database to files; down: files to database), from the schema diff.
    Generate {
        /// lower_snake_case name.
        name: String,
        #[command(flatten)]
        args: DiffArgs,
    },
}

/// How `migrate up` weighs the risk of what it is about to run.
#[derive(Args, Debug, Clone, Default)]
pub struct RiskOptions {
    /// Show each pending migration's assessment and ask yes / no / all / quit before applying.
    #[arg(long, conflicts_with = "dry_run")]
    pub interactive: bool,
    /// With --interactive: answer "all" without asking (for a run without a terminal).
    #[arg(long, requires = "interactive")]
    pub yes: bool,
    /// Refuse to run anything when a pending statement is above this level (low, medium, high,
    /// critical): the migrations are assessed first, on a schema-only scratch copy.
    #[arg(long, value_parser = parse_level)]
    pub max_risk: Option<Level>,
}

fn parse_level(text: &str) -> Result<Level, String> {
    Level::parse(text).ok_or_else(|| format!("\"{text}\" is not a level: low, medium, high or critical"))
}
