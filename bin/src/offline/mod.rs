//! Seed validation levels 1-3 without a database (`seed validate --offline`, and the default
//! when no database URL is given): PostgreSQL's own parser as a library (pg_query) reads the
//! seed files and the schema files, and the levels of confiture-core check them, the same code
//! the extension runs over its catalog. Levels 4 and 5 run the seeds: they need the server.

mod drift;
mod schema_files;
mod seed_parse;

use crate::config::Environment;
use crate::discover::{self, SourceFile};
use crate::failure::{Failure, Kind, Result};
use confiture_core::seeds::config::SeedConfig;
use confiture_core::seeds::levels::{self, Checked};
use confiture_core::seeds::statements::SeedFile;
use confiture_core::seeds::Finding;
use std::path::Path;

/// Levels 1 to `level` (at most 3) over the seed files, against the environment's schema files.
pub fn validate_seeds(
    project: &Path,
    environment: &Environment,
    seeds: &[SourceFile],
    level: i32,
) -> Result<Vec<Finding>> {
    if level > 3 {
        return Err(Failure::new(
            Kind::Config,
            format!("seed validation level {level} runs the seeds: it needs a database"),
        )
        .with_hint(
            "Give a database URL (--database-url, database_url), or validate offline at --level 3 or below.",
        ));
    }
    let settings = environment.seeds.clone().unwrap_or_else(|| serde_json::json!({}));
    let config = SeedConfig::parse(settings).map_err(|message| Failure::new(Kind::Config, message))?;
    let names = discover::discover(project, environment)?;
    let sources = discover::read_sources(project, &names)?;
    let mut schema =
        schema_files::SchemaFiles::read(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())))
            .map_err(|message| Failure::new(Kind::Source, message))?;
    let mut files: Vec<SeedFile> =
        seeds.iter().map(|seed| seed_parse::parse_file(seed.name.clone(), seed.text.clone())).collect();
    let Checked { mut findings, .. } = levels::check(level, &mut files, &config, &mut schema);
    levels::sort(&mut findings);
    Ok(findings)
}
