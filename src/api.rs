//! The SQL face: thin wrappers that convert arguments and call the core. No logic here.
// pgrx needs each returned row type written out in full to name its columns.
#![allow(clippy::type_complexity)]
//! Every function lands in schema `confiture` (the control file's schema); privileges are set
//! in sql/privileges.sql.

//!
//! Every argument is taken as an Option and checked here: a NULL where a value is needed is an
//! error naming the argument (SQLSTATE 22004), never a panic nor a silent NULL result.

use crate::errors::raise;
use crate::server::json_arg::JsonText;
use crate::{build, diff, lint, migrate, s2s, schema_hash, seeds, sources};

mod risk;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::prelude::*;
use pgrx::JsonB;

type TextArray = Vec<Option<String>>;

fn named_sources(sources: Option<TextArray>, names: Option<TextArray>) -> Vec<sources::Source> {
    sources::named_sources(sources, names)
        .unwrap_or_else(|reason| raise(crate::errors::codes::INVALID_ARGUMENT, reason, None, None))
}

/// A required argument's value; NULL is an error naming it.
fn required<T>(value: Option<T>, argument: &str) -> T {
    value.unwrap_or_else(|| {
        raise(
            crate::errors::codes::NULL_ARGUMENT,
            format!("argument {argument} must not be NULL"),
            None,
            None,
        )
    })
}

/// A jsonb argument's value (`{}` for NULL); one that cannot be used is an error naming it.
fn json_argument(value: Option<JsonText>, argument: &str) -> serde_json::Value {
    value.map_or(Ok(serde_json::json!({})), |json| json.parse()).unwrap_or_else(|why| {
        raise(crate::errors::codes::INVALID_ARGUMENT, format!("argument {argument} {why}"), None, None)
    })
}

/// A text array argument without NULL elements (NULL as a whole stays None).
fn text_elements(values: Option<TextArray>, argument: &str) -> Option<Vec<String>> {
    values.map(|values| {
        values
            .into_iter()
            .enumerate()
            .map(|(i, value)| required(value, &format!("{argument}[{}]", i + 1)))
            .collect()
    })
}

/// Apply DDL texts in order inside the caller's transaction; one row describing the build.
#[pg_extern(volatile, parallel_unsafe)]
fn build_from(
    sources: Option<TextArray>,
    names: default!(Option<TextArray>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(build_id, i64),
        name!(schema_hash, String),
        name!(file_count, i32),
        name!(statement_count, i32),
        name!(duration_ms, f64),
        name!(built_by, String),
        name!(built_at, TimestampWithTimeZone),
    ),
> {
    let record = build::build(&named_sources(sources, names));
    TableIterator::once((
        record.build_id,
        record.schema_hash,
        record.file_count,
        record.statement_count,
        record.duration_ms,
        record.built_by,
        record.built_at,
    ))
}

/// The schema hash `build_from` would record for these sources, without applying anything.
#[pg_extern(immutable, parallel_safe)]
fn schema_hash(sources: Option<TextArray>, names: default!(Option<TextArray>, "NULL")) -> String {
    let sources = named_sources(sources, names);
    schema_hash::schema_hash(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())))
}

/// Every user object of the database (schemas `schemas`, or all), as the server prints it, with
/// dependency edges: what `schema_diff` compares.
#[pg_extern(stable, parallel_safe)]
fn catalog_snapshot(schemas: default!(Option<TextArray>, "NULL")) -> JsonB {
    JsonB(diff::snapshot(text_elements(schemas, "schemas")))
}

/// The statements that turn the `current` snapshot into the `desired` one, in an order
/// PostgreSQL accepts, each with its hazards and lock.
#[pg_extern(immutable, parallel_safe)]
fn schema_diff(
    current: Option<JsonText>,
    desired: Option<JsonText>,
    options: default!(Option<JsonText>, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(seq, i32),
        name!(object_kind, String),
        name!(object_name, String),
        name!(ddl, String),
        name!(transactional, bool),
        name!(hazards, Vec<String>),
        name!(lock_mode, Option<String>),
    ),
> {
    let invalid = |why: String| -> ! { raise(crate::errors::codes::INVALID_ARGUMENT, why, None, None) };
    let current =
        diff::parse_snapshot(json_argument(Some(required(current, "current")), "current"), "current")
            .unwrap_or_else(|why| invalid(why));
    let desired =
        diff::parse_snapshot(json_argument(Some(required(desired, "desired")), "desired"), "desired")
            .unwrap_or_else(|why| invalid(why));
    let options = diff::parse_options(json_argument(options, "options")).unwrap_or_else(|why| invalid(why));
    let statements = diff::plan(&current, &desired, &options).unwrap_or_else(|error| match error {
        confiture_core::diff::DiffError::Refused { hazard, .. } => raise(
            crate::errors::codes::WRONG_STATE,
            error.to_string(),
            None,
            Some(format!(
                "Review the statements, then allow the hazard: options => '{{\"allow_hazards\": [\"{}\"]}}'",
                hazard.name()
            )),
        ),
        confiture_core::diff::DiffError::Options(message) => invalid(message),
        confiture_core::diff::DiffError::Unsupported(message) => {
            raise(crate::errors::codes::UNSUPPORTED_STATEMENT, message, None, None)
        }
    });
    TableIterator::new(statements.into_iter().enumerate().map(|(i, s)| {
        (
            i as i32 + 1,
            s.object_kind,
            s.object_name,
            s.ddl,
            s.transactional,
            s.hazards.iter().map(|h| h.name().to_string()).collect(),
            s.lock_mode.map(str::to_string),
        )
    }))
}

/// Lint the live catalog: one row per finding.
#[pg_extern(volatile, parallel_unsafe)]
fn lint_schema(
    config: default!(Option<JsonText>, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(rule, String),
        name!(level, String),
        name!(category, String),
        name!(schema_name, Option<String>),
        name!(object_name, String),
        name!(object_type, String),
        name!(message, String),
        name!(remediation, String),
        name!(cache_key, String),
        name!(metadata, pgrx::JsonB),
        name!(waived, bool),
        name!(title, String),
        name!(description, String),
        name!(categories, Vec<String>),
        name!(facing, String),
    ),
> {
    let rows = lint::run::lint_schema(json_argument(config, "config")).into_iter().map(|f| {
        (
            f.rule,
            f.level.as_str().to_string(),
            f.category,
            f.schema_name,
            f.object_name,
            f.object_type,
            f.message,
            f.remediation,
            f.cache_key,
            pgrx::JsonB(f.metadata),
            f.waived,
            f.about.title,
            f.about.description,
            f.about.categories,
            f.about.facing,
        )
    });
    TableIterator::new(rows.collect::<Vec<_>>())
}

/// Every rule, built-in and custom, with its default level, category and rationale, and what
/// lint_schema() rows say of it (title, categories, facing, where it is documented).
#[pg_extern(stable, parallel_safe)]
fn lint_rules() -> TableIterator<
    'static,
    (
        name!(name, String),
        name!(level, String),
        name!(category, String),
        name!(rationale, String),
        name!(custom, bool),
        name!(title, String),
        name!(categories, Vec<String>),
        name!(facing, String),
        name!(docs_url, Option<String>),
    ),
> {
    let built_in = lint::rules::ALL.iter().map(|r| {
        let about = r.about();
        (
            r.name.to_string(),
            r.level.as_str().to_string(),
            r.category.to_string(),
            r.rationale.to_string(),
            false,
            about.title,
            about.categories,
            about.facing,
            Some(lint::docs_url(r.name)),
        )
    });
    let custom = lint::run::custom_rules().into_iter().map(|r| {
        let about = r.about();
        (
            r.name,
            r.level.as_str().to_string(),
            r.category,
            about.description,
            true,
            about.title,
            about.categories,
            about.facing,
            None,
        )
    });
    TableIterator::new(built_in.chain(custom).collect::<Vec<_>>())
}

/// Called by confiture.register_lint_rule(name, fn regprocedure, ...) (sql/lint_functions.sql).
#[pg_extern(volatile, parallel_unsafe)]
fn register_lint_rule_by_oid(
    name: Option<&str>,
    function: Option<pg_sys::Oid>,
    level: Option<&str>,
    category: Option<&str>,
    description: Option<&str>,
) {
    lint::run::register(
        required(name, "name"),
        required(function, "fn"),
        required(level, "level"),
        required(category, "category"),
        description,
    );
}

/// Store a migration's texts (idempotent for identical text); refuses a changed applied one.
#[pg_extern(volatile, parallel_unsafe)]
fn register_migration(
    version: Option<&str>,
    name: Option<&str>,
    up_sql: Option<&str>,
    down_sql: default!(Option<&str>, "NULL"),
) -> &'static str {
    migrate::store::register(
        required(version, "version"),
        required(name, "name"),
        required(up_sql, "up_sql"),
        down_sql,
    )
}

type MigrationRow = (String, String, String, f64, i32, i64, Vec<String>, Vec<String>, Option<JsonB>);

fn migration_rows(outcomes: Vec<confiture_core::wire::Step>) -> Vec<MigrationRow> {
    outcomes
        .into_iter()
        .map(|o| {
            (
                o.version,
                o.name,
                o.status.as_str().to_string(),
                o.duration_ms,
                o.statements,
                o.rows_affected,
                o.locks,
                o.rewritten,
                o.error.map(JsonB),
            )
        })
        .collect()
}

/// Apply the registered, unapplied migrations in version order (up to `target`); with
/// `dry_run`, run them in a subtransaction that is always rolled back and report locks and
/// rewrites; with `raise_on_failure` false, a failure is a returned row, not an error.
#[pg_extern(volatile, parallel_unsafe)]
fn migrate_up(
    target: default!(Option<&str>, "NULL"),
    dry_run: default!(Option<bool>, false),
    raise_on_failure: default!(Option<bool>, true),
) -> TableIterator<
    'static,
    (
        name!(version, String),
        name!(name, String),
        name!(status, String),
        name!(duration_ms, f64),
        name!(statements, i32),
        name!(rows_affected, i64),
        name!(locks, Vec<String>),
        name!(rewritten, Vec<String>),
        name!(error, Option<JsonB>),
    ),
> {
    let (dry_run, raise_on_failure) =
        (required(dry_run, "dry_run"), required(raise_on_failure, "raise_on_failure"));
    TableIterator::new(migration_rows(migrate::run::up(target, dry_run, raise_on_failure)))
}

/// Run any SQL text in a subtransaction that is always rolled back, and report what it did.
#[pg_extern(volatile, parallel_unsafe)]
fn dry_run(
    sql: Option<&str>,
    name: default!(Option<&str>, "'dry_run.sql'"),
) -> TableIterator<
    'static,
    (
        name!(status, String),
        name!(duration_ms, f64),
        name!(statements, i32),
        name!(rows_affected, i64),
        name!(locks, Vec<String>),
        name!(rewritten, Vec<String>),
        name!(error, Option<JsonB>),
    ),
> {
    let o = migrate::dry::dry_run(required(sql, "sql"), required(name, "name"));
    TableIterator::once((
        o.status.as_str().to_string(),
        o.duration_ms,
        o.statements,
        o.rows_affected,
        o.locks,
        o.rewritten,
        o.error.map(JsonB),
    ))
}

/// Run the down scripts of the `steps` newest applied migrations.
#[pg_extern(volatile, parallel_unsafe)]
fn migrate_down(
    steps: default!(Option<i32>, 1),
    raise_on_failure: default!(Option<bool>, true),
) -> TableIterator<
    'static,
    (
        name!(version, String),
        name!(name, String),
        name!(status, String),
        name!(duration_ms, f64),
        name!(statements, i32),
        name!(rows_affected, i64),
        name!(locks, Vec<String>),
        name!(rewritten, Vec<String>),
        name!(error, Option<JsonB>),
    ),
> {
    let (steps, raise_on_failure) =
        (required(steps, "steps"), required(raise_on_failure, "raise_on_failure"));
    TableIterator::new(migration_rows(migrate::run::down(steps, raise_on_failure)))
}

/// Each migration: applied, pending, drifted or missing. `versions`/`checksums` (the CLI's files)
/// show drift before anything is registered.
#[pg_extern(stable, parallel_safe)]
fn migration_status(
    versions: default!(Option<TextArray>, "NULL"),
    checksums: default!(Option<TextArray>, "NULL"),
) -> TableIterator<'static, (name!(version, String), name!(name, String), name!(state, String))> {
    let rows =
        migrate::store::status(text_elements(versions, "versions"), text_elements(checksums, "checksums"));
    TableIterator::new(rows.into_iter().map(|(v, n, s)| (v, n, s.to_string())).collect::<Vec<_>>())
}

/// What migrate_up (up to `target`) or migrate_down (`steps`) would run now, in run order, with
/// the first statement of each script that cannot run in a transaction (NULL for none).
#[pg_extern(stable, parallel_safe)]
fn migration_plan(
    direction: Option<&str>,
    target: default!(Option<&str>, "NULL"),
    steps: default!(Option<i32>, 1),
) -> TableIterator<
    'static,
    (name!(version, String), name!(name, String), name!(outside_transaction, Option<String>)),
> {
    TableIterator::new(migrate::store::plan(
        required(direction, "direction"),
        target,
        required(steps, "steps"),
    ))
}

/// Accept a changed text for an applied migration, on purpose (recorded in the history).
#[pg_extern(volatile, parallel_unsafe)]
fn accept_checksum(version: Option<&str>, up_sql: Option<&str>) -> String {
    migrate::store::accept(required(version, "version"), required(up_sql, "up_sql"))
}

/// Mark registered migrations applied without running them (baseline, imported history).
#[pg_extern(volatile, parallel_unsafe)]
fn mark_applied(
    versions: Option<Vec<Option<String>>>,
    reason: default!(Option<&str>, "'baseline'"),
) -> TableIterator<'static, (name!(version, String), name!(name, String), name!(status, String))> {
    let versions: Vec<String> = required(versions, "versions")
        .into_iter()
        .map(|v| v.unwrap_or_else(|| crate::errors::invalid("versions must not contain NULL".into(), None)))
        .collect();
    let rows = migrate::store::mark_applied(&versions, required(reason, "reason"));
    TableIterator::new(rows.into_iter().map(|(v, n, s)| (v, n, s.to_string())))
}

/// Called by confiture.register_hook(phase, fn regprocedure, ...) (sql/migration_functions.sql).
#[pg_extern(volatile, parallel_unsafe)]
fn register_hook_by_oid(
    phase: Option<&str>,
    function: Option<pg_sys::Oid>,
    version: Option<&str>,
    position: Option<i32>,
) {
    let (phase, function, position) =
        (required(phase, "phase"), required(function, "fn"), required(position, "position"));
    migrate::hook_calls::register(phase, function, version, position);
}

/// The statements of a migration script that must run outside a transaction, with their lines,
/// for the client that runs them one at a time.
#[pg_extern(stable, parallel_safe)]
fn migration_statements(
    version: Option<&str>,
    direction: default!(Option<&str>, "'up'"),
) -> TableIterator<'static, (name!(line, i32), name!(statement, String))> {
    TableIterator::new(migrate::outside::statements(
        required(version, "version"),
        required(direction, "direction"),
    ))
}

/// Record a step (started, completed, failed) of a migration run outside a transaction.
#[pg_extern(volatile, parallel_unsafe)]
fn record_outside_transaction(
    version: Option<&str>,
    direction: Option<&str>,
    outcome: Option<&str>,
    duration_ms: default!(Option<f64>, 0),
    statement_count: default!(Option<i32>, 0),
    rows_affected: default!(Option<i64>, 0),
    error: default!(Option<JsonText>, "NULL"),
) {
    let counts = (
        required(duration_ms, "duration_ms"),
        required(statement_count, "statement_count"),
        required(rows_affected, "rows_affected"),
    );
    let (version, direction, outcome) =
        (required(version, "version"), required(direction, "direction"), required(outcome, "outcome"));
    let error = error.is_some().then(|| json_argument(error, "error"));
    migrate::outside::record(version, direction, outcome, counts, error);
}

fn seed_sources(seeds: Option<TextArray>, names: Option<TextArray>) -> Vec<sources::Source> {
    match seeds {
        None if names.is_some() => {
            raise(crate::errors::codes::INVALID_ARGUMENT, "names given without seeds".into(), None, None)
        }
        None => seeds::apply::registered(),
        Some(_) => named_sources(seeds, names),
    }
}

/// Validate seed files (or the registered ones) at levels 1 to `level`: one row per finding.
#[pg_extern(volatile, parallel_unsafe)]
fn validate_seeds(
    level: Option<i32>,
    seeds: default!(Option<TextArray>, "NULL"),
    names: default!(Option<TextArray>, "NULL"),
    config: default!(Option<JsonText>, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(level, i32),
        name!(severity, String),
        name!(code, String),
        name!(file, Option<String>),
        name!(line, Option<i32>),
        name!(object, String),
        name!(message, String),
        name!(hint, String),
    ),
> {
    let level = required(level, "level");
    let config = seeds::config::SeedConfig::parse(json_argument(config, "config"))
        .unwrap_or_else(|reason| raise(crate::errors::codes::INVALID_ARGUMENT, reason, None, None));
    let findings = seeds::validate::validate(level, seed_sources(seeds, names), config);
    TableIterator::new(findings.into_iter().map(|f| {
        (
            f.level,
            f.severity.as_str().to_string(),
            f.code.to_string(),
            f.file,
            f.line,
            f.object,
            f.message,
            f.hint,
        )
    }))
}

/// Apply seed files (or the registered ones) in order, each in its own savepoint.
#[pg_extern(volatile, parallel_unsafe)]
fn apply_seeds(
    seeds: default!(Option<TextArray>, "NULL"),
    names: default!(Option<TextArray>, "NULL"),
    continue_on_error: default!(Option<bool>, false),
) -> TableIterator<
    'static,
    (
        name!(file, String),
        name!(applied, bool),
        name!(statements, i32),
        name!(rows_affected, i64),
        name!(duration_ms, f64),
        name!(error, Option<JsonB>),
    ),
> {
    let sources = seed_sources(seeds, names);
    let outcomes = seeds::apply::apply(&sources, required(continue_on_error, "continue_on_error"));
    TableIterator::new(
        outcomes
            .into_iter()
            .map(|a| (a.file, a.applied, a.statements, a.rows, a.duration_ms, a.error.map(JsonB))),
    )
}

/// The finding codes of validate_seeds, with their level, severity and advice.
#[pg_extern(immutable, parallel_safe)]
fn seed_codes() -> TableIterator<
    'static,
    (name!(code, String), name!(level, i32), name!(severity, String), name!(hint, String)),
> {
    TableIterator::new(
        seeds::Code::ALL.iter().map(|c| {
            (c.name().to_string(), c.level(), c.severity().as_str().to_string(), c.hint().to_string())
        }),
    )
}

/// A masking failure as an SQL error (22023); messages never contain the key.
fn masked(result: Result<Option<String>, confiture_core::mask::MaskError>) -> Option<String> {
    result.unwrap_or_else(|e| raise(crate::errors::codes::INVALID_ARGUMENT, e.to_string(), None, None))
}

/// `value` masked with `strategy` and no options: mask_email and mask_phone.
fn mask_with(
    strategy: &str,
    value: Option<String>,
    domain: Option<String>,
    key: Option<Vec<u8>>,
) -> Option<String> {
    let domain = required(domain, "domain");
    let options = serde_json::json!({});
    value
        .and_then(|value| masked(crate::mask::mask_text(&value, strategy, &options, &domain, key.as_deref())))
}

/// `value` masked with `strategy` in `domain`, exactly as `confiture sync` masks a column whose
/// rule says the same (its domain is `schema.table.column` unless the rule names one). The key is
/// `key`, else the session's `confiture.mask_key`. NULL stays NULL.
#[pg_extern(stable, parallel_safe)]
fn mask_text(
    value: Option<String>,
    strategy: Option<String>,
    options: Option<JsonText>,
    domain: Option<String>,
    key: default!(Option<Vec<u8>>, "NULL"),
) -> Option<String> {
    let strategy = required(strategy, "strategy");
    let options = json_argument(options, "options");
    let domain = required(domain, "domain");
    value.and_then(|value| {
        masked(crate::mask::mask_text(&value, &strategy, &options, &domain, key.as_deref()))
    })
}

/// `value` as a pseudonymous address: `<16 hex>@example.com` (strategy email).
#[pg_extern(stable, parallel_safe)]
fn mask_email(
    value: Option<String>,
    domain: default!(Option<String>, "'email'"),
    key: default!(Option<Vec<u8>>, "NULL"),
) -> Option<String> {
    mask_with("email", value, domain, key)
}

/// `value` with its digits permuted by FF1, the rest kept (strategy phone): distinct numbers stay
/// distinct.
#[pg_extern(stable, parallel_safe)]
fn mask_phone(
    value: Option<String>,
    domain: default!(Option<String>, "'phone'"),
    key: default!(Option<Vec<u8>>, "NULL"),
) -> Option<String> {
    mask_with("phone", value, domain, key)
}

/// The public fingerprint of the masking key (`key`, else the session's): the one `confiture
/// sync --format json` reports, to check both use the same key without showing it.
#[pg_extern(stable, parallel_safe)]
fn mask_key_fingerprint(key: default!(Option<Vec<u8>>, "NULL")) -> String {
    crate::mask::key_fingerprint(key.as_deref())
        .unwrap_or_else(|e| raise(crate::errors::codes::INVALID_ARGUMENT, e.to_string(), None, None))
}

/// Attach the source database over postgres_fdw: a foreign server from `source`'s connection
/// settings, a user mapping (the password from `source` or confiture.s2s_source_password), and
/// one staging schema of foreign tables per source schema.
#[pg_extern(volatile, parallel_unsafe)]
fn s2s_attach(
    source: Option<JsonText>,
    source_schemas: default!(Option<TextArray>, "'{public}'"),
    options: default!(Option<JsonText>, "'{}'"),
) -> TableIterator<'static, (name!(source_schema, String), name!(staging_schema, String), name!(tables, i32))>
{
    let source = json_argument(Some(required(source, "source")), "source");
    let schemas = required(text_elements(source_schemas, "source_schemas"), "source_schemas");
    TableIterator::new(s2s::attach::attach(&source, &schemas, &json_argument(options, "options")))
}

/// Plan every target table from the mapping; store the plans (a table whose plan is unchanged
/// keeps its copy progress).
#[pg_extern(volatile, parallel_unsafe)]
fn s2s_plan(
    mapping: default!(Option<JsonText>, "'{}'"),
) -> TableIterator<
    'static,
    (
        name!(position, i32),
        name!(target_table, Option<String>),
        name!(source_table, Option<String>),
        name!(columns, Option<JsonB>),
        name!(batch_key, Vec<String>),
        name!(source_rows, i64),
        name!(hazards, Vec<String>),
        name!(errors, Vec<String>),
        name!(state, Option<String>),
        name!(rows_copied, i64),
    ),
> {
    let mapping = json_argument(mapping, "mapping");
    TableIterator::new(s2s::plan::plan(&mapping).into_iter().map(|r| {
        (
            r.position,
            r.target_table,
            r.source_table,
            Some(JsonB(r.columns)),
            r.batch_key,
            r.source_rows,
            r.hazards,
            r.errors,
            r.state,
            r.rows_copied,
        )
    }))
}

/// Called by confiture.s2s_copy(regclass, jsonb) (sql/s2s_procedures.sql): one batch of a
/// planned table (commit between calls; confiture.s2s_copy_table loops).
#[pg_extern(volatile, parallel_unsafe)]
fn s2s_copy_by_oid(
    target: Option<pg_sys::Oid>,
    options: default!(Option<JsonText>, "'{}'"),
) -> TableIterator<
    'static,
    (name!(target_table, String), name!(rows_copied, i64), name!(batch_rows, i64), name!(done, bool)),
> {
    let copied = s2s::copy::copy(required(target, "target"), &json_argument(options, "options"));
    TableIterator::once((copied.target_table, copied.rows_copied, copied.batch_rows, copied.done))
}

/// Put back the foreign keys the copies set aside, validated.
#[pg_extern(volatile, parallel_unsafe)]
fn s2s_validate() -> TableIterator<
    'static,
    (name!(target_table, String), name!(constraint_name, String), name!(status, String)),
> {
    TableIterator::new(s2s::finish::validate())
}

/// Move every sequence of the planned tables past the copied values.
#[pg_extern(volatile, parallel_unsafe)]
fn s2s_sync_sequences() -> TableIterator<
    'static,
    (
        name!(sequence_name, String),
        name!(target_table, String),
        name!(column_name, String),
        name!(value, Option<i64>),
    ),
> {
    TableIterator::new(s2s::finish::sync_sequences())
}

/// Called by confiture.s2s_verify(regclass, text): a copied table against its mapped source rows.
#[pg_extern(volatile, parallel_unsafe)]
fn s2s_verify_by_oid(
    target: Option<pg_sys::Oid>,
    mode: default!(Option<&str>, "'checksum'"),
) -> TableIterator<
    'static,
    (
        name!(target_table, String),
        name!(source_table, Option<String>),
        name!(source_rows, i64),
        name!(target_rows, i64),
        name!(matches, bool),
        name!(differing, JsonB),
    ),
> {
    let verified = s2s::verify::verify(required(target, "target"), required(mode, "mode"));
    TableIterator::once((
        verified.target_table,
        verified.source_table,
        verified.source_rows,
        verified.target_rows,
        verified.matches,
        JsonB(verified.differing),
    ))
}

/// Remove what s2s_attach created, and nothing else; nothing attached is not an error.
#[pg_extern(volatile, parallel_unsafe)]
fn s2s_detach() -> SetOfIterator<'static, String> {
    SetOfIterator::new(s2s::attach::detach())
}
