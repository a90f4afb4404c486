//! Attaching the source database over postgres_fdw, and detaching it. Everything attach creates
//! is recorded in confiture.s2s_attachment in the same transaction, so detach removes exactly
//! that (and a failed attach leaves nothing: its transaction rolls back whole).
//!
//! The password never appears in SQL text: it would reach statement logs and
//! pg_stat_statements. The user mapping that holds it is created through PostgreSQL's own
//! CreateUserMapping with a parse node built here; it comes from the `source` argument or, for
//! callers that must keep it out of their own statement (the CLI), from the setting
//! `confiture.s2s_source_password` given at connection time.

use super::{execute, execute_with, json_query, quoted, value_query};
use crate::errors::invalid;
use crate::server::scope::Scope;
use pgrx::datum::DatumWithOid;
use pgrx::spi::{quote_identifier, quote_literal};
use pgrx::{pg_sys, GucContext, GucFlags, GucRegistry, GucSetting, PgBox};
use serde_json::{json, Map, Value};
use std::ffi::CString;

pub static SOURCE_PASSWORD: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

pub const SERVER_NAME: &str = "confiture_s2s_source";
pub const CATALOG_SCHEMA: &str = "confiture_s2s_catalog";
const STAGING_PREFIX: &str = "confiture_s2s_";

/// libpq settings that go into the foreign server (postgres_fdw accepts them there).
const SERVER_KEYS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "passfile",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "gssencmode",
    "krbsrvname",
    "connect_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "application_name",
    "target_session_attrs",
];
/// postgres_fdw's own server settings a caller may tune.
const OPTION_KEYS: &[&str] =
    &["fetch_size", "use_remote_estimate", "fdw_startup_cost", "fdw_tuple_cost", "async_capable"];

pub fn define_settings() {
    GucRegistry::define_string_guc(
        c"confiture.s2s_source_password",
        c"The source database's password for confiture.s2s_attach, when its source argument has none.",
        c"Give it at connection time (PGOPTIONS), not with SET: statement logs record SET.",
        &SOURCE_PASSWORD,
        GucContext::Userset,
        GucFlags::NO_SHOW_ALL | GucFlags::NO_RESET_ALL,
    );
}

fn setting_text(value: &Value, key: &str) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        _ => invalid(format!("source setting {key} must be text or a number"), None),
    }
}

/// The server's OPTIONS list, the mapping's user and the password.
struct Connection {
    server_options: Vec<(String, String)>,
    user: Option<String>,
    password: Option<String>,
    recorded: Map<String, Value>,
}

fn connection(source: &Value, options: &Value) -> Connection {
    let Value::Object(source) = source else {
        invalid("source must be a json object of connection settings".into(), None)
    };
    let Value::Object(options) = options else { invalid("options must be a json object".into(), None) };
    let mut server_options = Vec::new();
    let mut recorded = Map::new();
    let (mut user, mut password) = (None, None);
    for (key, value) in source {
        match key.as_str() {
            "user" => user = Some(setting_text(value, key)),
            "password" => password = Some(setting_text(value, key)),
            _ if SERVER_KEYS.contains(&key.as_str()) => {
                server_options.push((key.clone(), setting_text(value, key)))
            }
            _ => invalid(
                format!("unknown source setting {key:?}"),
                Some(format!("Accepted: user, password, {}", SERVER_KEYS.join(", "))),
            ),
        }
        if key != "password" {
            recorded.insert(key.clone(), value.clone());
        }
    }
    if !server_options.iter().any(|(k, _)| k == "application_name") {
        server_options.push(("application_name".into(), "confiture s2s".into()));
    }
    if !options.contains_key("fetch_size") {
        server_options.push(("fetch_size".into(), "10000".into()));
    }
    for (key, value) in options {
        if !OPTION_KEYS.contains(&key.as_str()) {
            invalid(format!("unknown option {key:?}"), Some(format!("Accepted: {}", OPTION_KEYS.join(", "))));
        }
        server_options.push((key.clone(), setting_text(value, key)));
    }
    let password = password.or_else(|| {
        SOURCE_PASSWORD.get().map(|p| p.to_string_lossy().into_owned()).filter(|p| !p.is_empty())
    });
    Connection { server_options, user, password, recorded }
}

/// One row per attached source schema: its staging schema and how many tables it holds.
pub fn attach(source: &Value, schemas: &[String], options: &Value) -> Vec<(String, String, i32)> {
    let connection = connection(source, options);
    if schemas.is_empty() {
        invalid("source_schemas is empty: name the schemas to read from".into(), None);
    }
    // SAFETY: a plain catalog lookup in a backend inside a transaction.
    let superuser = unsafe { pg_sys::superuser() };
    if connection.password.is_none() && !superuser {
        invalid(
            "no password for the source database: postgres_fdw requires one for a role that is not a superuser".into(),
            Some("Pass it in source as \"password\", or set confiture.s2s_source_password at connection time (PGOPTIONS).".into()),
        );
    }
    detach();
    let created_extension = !value_query::<bool>(
        "checking for postgres_fdw",
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'postgres_fdw')",
        &[],
    )
    .unwrap_or(false);
    if created_extension {
        execute("creating the postgres_fdw extension", "CREATE EXTENSION postgres_fdw");
    }
    let options: Vec<String> = connection
        .server_options
        .iter()
        .map(|(k, v)| format!("{} {}", quote_identifier(k), quote_literal(v)))
        .collect();
    execute(
        "creating the foreign server",
        &format!(
            "CREATE SERVER {} FOREIGN DATA WRAPPER postgres_fdw OPTIONS ({})",
            quote_identifier(SERVER_NAME),
            options.join(", ")
        ),
    );
    create_user_mapping(connection.user.as_deref(), connection.password.as_deref());
    create_catalog_tables();

    let mut staging = Vec::new();
    let mut foreign_tables = Vec::new();
    let mut rows = Vec::new();
    for (i, schema) in schemas.iter().enumerate() {
        let staging_schema = format!("{STAGING_PREFIX}{}", i + 1);
        execute("creating a staging schema", &format!("CREATE SCHEMA {}", quote_identifier(&staging_schema)));
        let tables = source_tables(schema, &staging_schema);
        for table in &tables {
            let name = table["name"].as_str().unwrap_or_default();
            let columns: Vec<String> = table["columns"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    format!(
                        "{} {}",
                        quote_identifier(c["name"].as_str().unwrap_or_default()),
                        c["type_name"].as_str().unwrap_or("text")
                    )
                })
                .collect();
            let foreign = quoted(&staging_schema, name);
            execute(
                "creating a staging foreign table",
                &format!(
                    "CREATE FOREIGN TABLE {foreign} ({}) SERVER {} OPTIONS (schema_name {}, table_name {})",
                    columns.join(", "),
                    quote_identifier(SERVER_NAME),
                    quote_literal(schema),
                    quote_literal(name)
                ),
            );
            foreign_tables.push(foreign);
        }
        rows.push((schema.clone(), staging_schema.clone(), tables.len() as i32));
        staging.push(json!({"source": schema, "staging": staging_schema, "tables": tables}));
    }
    // SAFETY: a plain call in a backend inside a transaction.
    let role = unsafe { pg_sys::GetUserId() };
    let recorded = DatumWithOid::from(pgrx::JsonB(Value::Object(connection.recorded)));
    let staging = DatumWithOid::from(pgrx::JsonB(Value::Array(staging)));
    execute_with(
        "recording the attachment",
            "INSERT INTO confiture.s2s_attachment (server_name, created_extension, mapped_role, source, catalog_schema, staging, foreign_tables) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                DatumWithOid::from(SERVER_NAME),
                DatumWithOid::from(created_extension),
                DatumWithOid::from(role),
                recorded,
                DatumWithOid::from(CATALOG_SCHEMA),
                staging,
                DatumWithOid::from(foreign_tables),
            ],
    );
    rows
}

/// The tables of a source schema (confiture_core::s2s::plan::Table as JSON), type names
/// qualified where needed (pg_catalog alone on the search path).
fn source_tables(schema: &str, staging_schema: &str) -> Vec<Value> {
    let query = include_str!("sql/source_tables.sql").replace("@catalog@", &quote_identifier(CATALOG_SCHEMA));
    Scope::kept_on_success()
        .with_settings(&[(c"search_path", c"pg_catalog")])
        .run(|_| {
            json_query(
                "reading the source catalog",
                &query,
                &[DatumWithOid::from(schema), DatumWithOid::from(staging_schema)],
            )
        })
        .unwrap_or_else(|failure| failure.error.rethrow())
}

/// `CREATE USER MAPPING FOR CURRENT_USER SERVER ... OPTIONS (user ..., password ...)`, run
/// from a parse node so that the password is in no statement text.
fn create_user_mapping(user: Option<&str>, password: Option<&str>) {
    let text = |value: &str| -> CString {
        CString::new(value)
            .unwrap_or_else(|_| invalid("a source setting contains a NUL character".into(), None))
    };
    let server = text(SERVER_NAME);
    let settings: Vec<(CString, CString)> = [("user", user), ("password", password)]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (text(key), text(v))))
        .collect();
    // SAFETY: the nodes are allocated in the current memory context by PostgreSQL's allocators
    // (alloc_node zeroes them and sets the tag) and filled as the grammar would fill them for
    // the statement above; every string is copied with pstrdup before the CStrings are dropped.
    // CreateUserMapping is what ProcessUtility calls for the statement; it checks privileges
    // itself and raises an ERROR on failure. CommandCounterIncrement makes the mapping visible
    // to the statements that follow, as ProcessUtility's caller would.
    unsafe {
        let mut role = PgBox::<pg_sys::RoleSpec>::alloc_node(pg_sys::NodeTag::T_RoleSpec);
        role.roletype = pg_sys::RoleSpecType::ROLESPEC_CURRENT_USER;
        role.location = -1;
        let mut options: *mut pg_sys::List = std::ptr::null_mut();
        for (key, value) in &settings {
            let value = pg_sys::makeString(pg_sys::pstrdup(value.as_ptr()));
            let element = pg_sys::makeDefElem(pg_sys::pstrdup(key.as_ptr()), value.cast(), -1);
            options = pg_sys::lappend(options, element.cast());
        }
        let mut statement =
            PgBox::<pg_sys::CreateUserMappingStmt>::alloc_node(pg_sys::NodeTag::T_CreateUserMappingStmt);
        statement.user = role.into_pg();
        statement.servername = pg_sys::pstrdup(server.as_ptr());
        statement.if_not_exists = false;
        statement.options = options;
        pg_sys::CreateUserMapping(statement.into_pg());
        pg_sys::CommandCounterIncrement();
    }
}

/// The foreign tables over the source's own catalog: local name, catalog table, columns read.
const CATALOG_TABLES: [(&str, &str, &str); 5] = [
    ("remote_namespace", "pg_namespace", "oid oid, nspname name"),
    ("remote_class", "pg_class", "oid oid, relname name, relnamespace oid, relkind \"char\", reltuples real, relispartition boolean"),
    (
        "remote_attribute",
        "pg_attribute",
        "attrelid oid, attname name, atttypid oid, atttypmod integer, attnum smallint, attisdropped boolean, attnotnull boolean",
    ),
    ("remote_type", "pg_type", "oid oid, typname name, typnamespace oid"),
    (
        "remote_index",
        "pg_index",
        "indexrelid oid, indrelid oid, indisprimary boolean, indisunique boolean, indisvalid boolean, indkey int2vector, indexprs text, indpred text",
    ),
];

/// Foreign tables over the source's own catalog: what its tables, columns, types and keys are.
fn create_catalog_tables() {
    let schema = quote_identifier(CATALOG_SCHEMA);
    execute("creating the catalog schema", &format!("CREATE SCHEMA {schema}"));
    for (name, catalog, columns) in CATALOG_TABLES {
        execute(
            "creating a catalog foreign table",
            &format!(
                "CREATE FOREIGN TABLE {schema}.{name} ({columns}) SERVER {} OPTIONS (schema_name 'pg_catalog', table_name '{catalog}')",
                quote_identifier(SERVER_NAME)
            ),
        );
    }
}

/// Remove what attach recorded, each without CASCADE: an object someone else made depend on
/// ours stops the detach with PostgreSQL's message naming it, instead of being dropped with it.
/// Returns what it dropped. Nothing recorded: nothing to do.
pub fn detach() -> Vec<String> {
    let recorded: Option<Value> = value_query(
        "reading the attachment",
        "SELECT pg_catalog.row_to_json(a)::text FROM confiture.s2s_attachment a",
        &[],
    )
    .map(|text: String| serde_json::from_str(&text).unwrap_or(Value::Null));
    let Some(recorded) = recorded else { return Vec::new() };
    let mut dropped = Vec::new();
    let mut drop = |what: &str, statement: String| {
        execute(&format!("dropping {what}"), &statement);
        dropped.push(what.to_string());
    };
    for table in recorded["foreign_tables"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        drop(&format!("foreign table {table}"), format!("DROP FOREIGN TABLE IF EXISTS {table}"));
    }
    let catalog = recorded["catalog_schema"].as_str().unwrap_or(CATALOG_SCHEMA);
    for (table, _, _) in CATALOG_TABLES {
        let name = quoted(catalog, table);
        drop(&format!("foreign table {name}"), format!("DROP FOREIGN TABLE IF EXISTS {name}"));
    }
    let schemas = recorded["staging"].as_array().into_iter().flatten().filter_map(|s| s["staging"].as_str());
    for schema in schemas.chain([catalog]) {
        let name = quote_identifier(schema);
        drop(&format!("schema {name}"), format!("DROP SCHEMA IF EXISTS {name}"));
    }
    let server = quote_identifier(recorded["server_name"].as_str().unwrap_or(SERVER_NAME));
    let role: Option<String> = value_query(
        "reading the mapped role",
        "SELECT pg_catalog.quote_ident(rolname) FROM pg_catalog.pg_roles WHERE oid::text = $1",
        &[DatumWithOid::from(match &recorded["mapped_role"] {
            Value::String(oid) => oid.clone(),
            other => other.to_string(),
        })],
    );
    if let Some(role) = role {
        drop(
            &format!("user mapping for {role} on server {server}"),
            format!("DROP USER MAPPING IF EXISTS FOR {role} SERVER {server}"),
        );
    }
    drop(&format!("server {server}"), format!("DROP SERVER IF EXISTS {server}"));
    let unused_fdw = value_query::<bool>(
        "checking whether postgres_fdw is still used",
        "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w \
         ON w.oid = s.srvfdw WHERE w.fdwname = 'postgres_fdw')",
        &[],
    )
    .unwrap_or(false);
    if recorded["created_extension"].as_bool() == Some(true) && unused_fdw {
        drop("extension postgres_fdw", "DROP EXTENSION IF EXISTS postgres_fdw".into());
    }
    execute("forgetting the attachment", "DELETE FROM confiture.s2s_attachment");
    dropped
}
