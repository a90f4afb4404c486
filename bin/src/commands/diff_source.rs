//! Where `confiture diff` reads a schema from: a database (an environment's or a URL), or the
//! environment's DDL files, built into a scratch database that is dropped afterwards.

use super::build::build_from;
use super::fresh;
use crate::config::{self, Environment};
use crate::db::Target;
use crate::discover;
use crate::failure::{Failure, Kind, Result};
use confiture_core::diff::Snapshot;
use confiture_core::schema_hash::schema_hash;
use std::path::Path;

const SNAPSHOT_SQL: &str = include_str!("../../../core/sql/catalog_snapshot.sql");
const SCRATCH_MARK: &str = "confiture diff scratch database: dropped when the diff ends";

/// The catalog snapshot of `target` (schemas `schemas`, or all), read in one read-only
/// transaction with search_path = pg_catalog so every printed name is qualified. The query is the
/// extension's own (confiture.catalog_snapshot), sent as is: the database needs no extension.
pub fn snapshot(target: &Target, schemas: Option<&[String]>) -> Result<Snapshot> {
    let mut client = target.connect()?;
    let db_error = |e| Failure::from_postgres(e, &target.description);
    let mut transaction = client.build_transaction().read_only(true).start().map_err(db_error)?;
    transaction.batch_execute("SET LOCAL search_path = pg_catalog").map_err(db_error)?;
    let schemas: Option<Vec<String>> = schemas.map(<[String]>::to_vec);
    // As text, parsed straight into the structs (a serde_json::Value first costs as much again).
    let query = format!("SELECT ({})::text", SNAPSHOT_SQL.trim_end());
    let row = transaction.query_one(query.as_str(), &[&schemas]).map_err(db_error)?;
    transaction.commit().map_err(db_error)?;
    let text: String = row.get(0);
    serde_json::from_str(&text).map_err(|e| {
        Failure::new(Kind::Database, format!("unreadable catalog snapshot of {}: {e}", target.description))
    })
}

/// A database created for one diff and dropped when this goes out of scope.
pub struct Scratch {
    pub target: Target,
    server: Target,
    name: String,
}

impl Scratch {
    /// An empty database on `server`'s server, marked as confiture's.
    pub fn create(server: &Target, purpose: &str, template: Option<&str>) -> Result<Self> {
        let name = fresh::derived_name(
            &format!("confiture_{purpose}_{}", std::process::id()),
            &format!(
                "_{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos())
            ),
        );
        let mut client = server.with_database("postgres").connect()?;
        match template {
            Some(template) => fresh::run_formatted(
                &mut client,
                "CREATE DATABASE %I TEMPLATE %I STRATEGY FILE_COPY",
                &[&name, template],
                server,
            )?,
            None => fresh::run_formatted(&mut client, "CREATE DATABASE %I", &[&name], server)?,
        }
        fresh::run_formatted(&mut client, "COMMENT ON DATABASE %I IS %L", &[&name, SCRATCH_MARK], server)?;
        Ok(Scratch { target: server.with_database(&name), server: server.clone(), name })
    }

    /// Apply `statements` one by one, outside any transaction (some must be).
    pub fn apply(&self, statements: &[confiture_core::diff::Statement]) -> Result<()> {
        let mut client = self.target.connect()?;
        for statement in statements {
            client.batch_execute(&statement.ddl).map_err(|e| {
                let mut failure = Failure::from_postgres(e, &self.target.description);
                failure.message = format!("{} (while applying: {})", failure.message, statement.ddl);
                failure
            })?;
        }
        Ok(())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut client) = self.server.with_database("postgres").connect() {
            let _ = fresh::run_formatted(
                &mut client,
                "DROP DATABASE IF EXISTS %I WITH (FORCE)",
                &[&self.name],
                &self.server,
            );
        }
    }
}

/// The snapshot of what `environment`'s DDL files build: cloned from the template `build --fresh`
/// keeps for this schema hash when there is one, else built into a scratch database on the server
/// of `server`.
pub fn files_snapshot(
    project: &Path,
    environment: &Environment,
    server: &Target,
    schemas: Option<&[String]>,
) -> Result<Snapshot> {
    let names = discover::discover(project, environment)?;
    let sources = discover::read_sources(project, &names)?;
    let hash = schema_hash(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())));
    let template = config::database_url(environment, None)
        .ok()
        .and_then(|url| Target::parse(&url).ok())
        .map(|target| target.database())
        .map(|database| (fresh::template_name(&database, &hash), fresh::template_comment(&database, &hash)));
    let mut maintenance = server.with_database("postgres").connect()?;
    let usable_template = match &template {
        Some((name, mark)) => fresh::exists_and_ours(&mut maintenance, name, mark, server).unwrap_or(false),
        None => false,
    };
    drop(maintenance);
    let scratch = if usable_template {
        Scratch::create(server, "diff", template.as_ref().map(|(name, _)| name.as_str()))?
    } else {
        let scratch = Scratch::create(server, "diff", None)?;
        build_from(&scratch.target, &sources)?;
        scratch
    };
    snapshot(&scratch.target, schemas)
}
