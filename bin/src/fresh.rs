//! `build --fresh`: recreate the target database, from a template database kept per schema
//! hash when one exists, so that rebuilding an unchanged schema is a clone, not a build.

use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use postgres::Client;

/// Databases --fresh never drops.
const PROTECTED: &[&str] = &["postgres", "template0", "template1"];
/// Marks a template in its COMMENT, so that only confiture's own templates are ever dropped.
const TEMPLATE_MARK: &str = "confiture template";

/// The template of `database` for `schema_hash`: at most 63 bytes (PostgreSQL's limit).
pub fn template_name(database: &str, schema_hash: &str) -> String {
    let suffix = format!("_tpl_{}", &schema_hash[..16]);
    let mut prefix = database.to_string();
    while prefix.len() + suffix.len() > 63 {
        prefix.pop();
    }
    format!("{prefix}{suffix}")
}

pub fn template_comment(database: &str, schema_hash: &str) -> String {
    format!("{TEMPLATE_MARK} of database {database} for schema {schema_hash}")
}

pub enum Recreated {
    /// The target is a clone of an existing template: nothing to build.
    FromTemplate(String),
    /// The target is empty: build it, then `save_template`.
    Empty,
}

fn maintenance(target: &Target) -> Result<Client> {
    target.with_database("postgres").connect()
}

fn check_allowed(database: &str, allow_reset: bool, env_file: &str) -> Result<()> {
    if !allow_reset {
        return Err(Failure::new(
            Kind::Config,
            format!("--fresh would drop database {database}, and {env_file} does not allow it"),
        )
        .with_hint("Add `allow_reset: true` to the environment file, for environments whose data may be lost."));
    }
    if PROTECTED.contains(&database) {
        return Err(Failure::new(Kind::Config, format!("--fresh never drops the {database} database")));
    }
    Ok(())
}

/// Run a utility statement built server-side with format('%I'): names are always quoted by
/// PostgreSQL itself, never pasted.
fn run_formatted(client: &mut Client, format: &str, names: &[&str], target: &Target) -> Result<()> {
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
        std::iter::once(&format as &(dyn postgres::types::ToSql + Sync))
            .chain(names.iter().map(|n| n as &(dyn postgres::types::ToSql + Sync)))
            .collect();
    let placeholders: Vec<String> = (2..=names.len() + 1).map(|i| format!("${i}::text")).collect();
    let query = format!("SELECT format($1::text, {})", placeholders.join(", "));
    let sql: String = client
        .query_one(query.as_str(), &params)
        .map_err(|e| Failure::from_postgres(e, &target.description))?
        .get(0);
    client.batch_execute(&sql).map_err(|e| Failure::from_postgres(e, &target.description))
}

fn database_exists(client: &mut Client, name: &str, target: &Target) -> Result<bool> {
    client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .map(|row| row.is_some())
        .map_err(|e| Failure::from_postgres(e, &target.description))
}

pub fn recreate(target: &Target, schema_hash: &str, allow_reset: bool, env_file: &str) -> Result<Recreated> {
    let database = target.database();
    check_allowed(&database, allow_reset, env_file)?;
    let mut client = maintenance(target)?;
    let template = template_name(&database, schema_hash);
    run_formatted(&mut client, "DROP DATABASE IF EXISTS %I", &[&database], target)?;
    if database_exists(&mut client, &template, target)? {
        run_formatted(&mut client, "CREATE DATABASE %I TEMPLATE %I STRATEGY FILE_COPY", &[&database, &template], target)?;
        Ok(Recreated::FromTemplate(template))
    } else {
        run_formatted(&mut client, "CREATE DATABASE %I", &[&database], target)?;
        Ok(Recreated::Empty)
    }
}

/// Keep the freshly built target as the template of its schema hash, replacing the target's
/// earlier templates. Connections to a template are refused, so it stays as built.
pub fn save_template(target: &Target, schema_hash: &str) -> Result<String> {
    let database = target.database();
    let template = template_name(&database, schema_hash);
    let mut client = maintenance(target)?;
    let marker = template_comment(&database, "");
    let stale: Vec<String> = client
        .query(
            "SELECT datname FROM pg_database d \
             WHERE starts_with(coalesce(shobj_description(d.oid, 'pg_database'), ''), $1) AND datname <> $2",
            &[&marker, &template],
        )
        .map_err(|e| Failure::from_postgres(e, &target.description))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for old in &stale {
        run_formatted(&mut client, "ALTER DATABASE %I IS_TEMPLATE false", &[old], target)?;
        run_formatted(&mut client, "DROP DATABASE %I", &[old], target)?;
    }
    if !database_exists(&mut client, &template, target)? {
        run_formatted(&mut client, "CREATE DATABASE %I TEMPLATE %I STRATEGY FILE_COPY", &[&template, &database], target)?;
        run_formatted(&mut client, "ALTER DATABASE %I WITH ALLOW_CONNECTIONS false IS_TEMPLATE true", &[&template], target)?;
        let comment = template_comment(&database, schema_hash);
        run_formatted(&mut client, "COMMENT ON DATABASE %I IS %L", &[&template, &comment], target)?;
    }
    Ok(template)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn template_names_fit_postgres_limit() {
        assert_eq!(template_name("shop", HASH), "shop_tpl_0123456789abcdef");
        let long = "x".repeat(70);
        let name = template_name(&long, HASH);
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_tpl_0123456789abcdef"));
    }

    #[test]
    fn resets_need_permission_and_spare_system_databases() {
        assert_eq!(check_allowed("shop", false, "local.yaml").unwrap_err().kind, Kind::Config);
        assert!(check_allowed("postgres", true, "local.yaml").is_err());
        assert!(check_allowed("template1", true, "local.yaml").is_err());
        assert!(check_allowed("shop", true, "local.yaml").is_ok());
    }
}
