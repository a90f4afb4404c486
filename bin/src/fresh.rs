//! `build --fresh`: replace the target database with a new one built from the schema, or cloned
//! from the template kept for its schema hash when one exists.
//!
//! The new database is prepared under a staging name and swapped in by renaming only once it is
//! complete, so a failed build or clone leaves the target exactly as it was.

use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use postgres::Client;

/// Databases --fresh never replaces.
const PROTECTED: &[&str] = &["postgres", "template0", "template1"];
/// Marks a template in its COMMENT, so that only confiture's own templates are ever dropped.
const TEMPLATE_MARK: &str = "confiture template";

/// `database` + `suffix`, shortening `database` so the result fits PostgreSQL's 63 bytes.
fn derived_name(database: &str, suffix: &str) -> String {
    let mut prefix = database.to_string();
    while prefix.len() + suffix.len() > 63 {
        prefix.pop();
    }
    format!("{prefix}{suffix}")
}

/// The template of `database` for `schema_hash`.
pub fn template_name(database: &str, schema_hash: &str) -> String {
    derived_name(database, &format!("_tpl_{}", &schema_hash[..16]))
}

fn staging_name(database: &str) -> String {
    derived_name(database, "_cft_new")
}

fn retired_name(database: &str) -> String {
    derived_name(database, "_cft_old")
}

fn template_comment(database: &str, schema_hash: &str) -> String {
    format!("{TEMPLATE_MARK} of database {database} for schema {schema_hash}")
}

/// A database being prepared to replace the target.
pub struct Staging {
    pub target: Target,
    pub staging: Target,
    /// Set when the staging database is a clone of this template: nothing to build.
    pub cloned_from: Option<String>,
}

fn check_allowed(database: &str, allow_reset: bool, env_file: &str) -> Result<()> {
    if !allow_reset {
        return Err(Failure::new(
            Kind::Config,
            format!("--fresh would replace database {database}, and {env_file} does not allow it"),
        )
        .with_hint(
            "Add `allow_reset: true` to the environment file, for environments whose data may be lost.",
        ));
    }
    if PROTECTED.contains(&database) {
        return Err(Failure::new(Kind::Config, format!("--fresh never replaces the {database} database")));
    }
    Ok(())
}

fn maintenance(target: &Target) -> Result<Client> {
    target.with_database("postgres").connect()
}

/// Run a utility statement built server-side with format(): names are quoted by PostgreSQL
/// itself (%I, %L), never pasted.
fn run_formatted(client: &mut Client, format: &str, names: &[&str], target: &Target) -> Result<()> {
    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&format];
    params.extend(names.iter().map(|name| name as &(dyn postgres::types::ToSql + Sync)));
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

/// Create the staging database: a clone of the template of `schema_hash` if there is one,
/// else an empty database to build into.
pub fn prepare(target: &Target, schema_hash: &str, allow_reset: bool, env_file: &str) -> Result<Staging> {
    let database = target.database();
    check_allowed(&database, allow_reset, env_file)?;
    let mut client = maintenance(target)?;
    let staging = staging_name(&database);
    let template = template_name(&database, schema_hash);
    // A staging database left by an interrupted run is ours to drop.
    run_formatted(&mut client, "DROP DATABASE IF EXISTS %I", &[&staging], target)?;
    let cloned_from = if database_exists(&mut client, &template, target)? {
        run_formatted(
            &mut client,
            "CREATE DATABASE %I TEMPLATE %I STRATEGY FILE_COPY",
            &[&staging, &template],
            target,
        )?;
        Some(template)
    } else {
        run_formatted(&mut client, "CREATE DATABASE %I", &[&staging], target)?;
        None
    };
    Ok(Staging { target: target.clone(), staging: target.with_database(&staging), cloned_from })
}

impl Staging {
    /// Give up: drop the staging database; the target was never touched.
    pub fn abandon(&self) {
        if let Ok(mut client) = maintenance(&self.target) {
            let _ = run_formatted(
                &mut client,
                "DROP DATABASE IF EXISTS %I",
                &[&self.staging.database()],
                &self.target,
            );
        }
    }

    /// Keep the freshly built staging database as the template of its schema hash, replacing
    /// the target's earlier templates. Connections to a template are refused, so it stays as built.
    pub fn save_template(&self, schema_hash: &str) -> Result<String> {
        let database = self.target.database();
        let template = template_name(&database, schema_hash);
        let mut client = maintenance(&self.target)?;
        let marker = template_comment(&database, "");
        let stale: Vec<String> = client
            .query(
                "SELECT datname FROM pg_database d \
                 WHERE starts_with(coalesce(shobj_description(d.oid, 'pg_database'), ''), $1) AND datname <> $2",
                &[&marker, &template],
            )
            .map_err(|e| Failure::from_postgres(e, &self.target.description))?
            .iter()
            .map(|row| row.get(0))
            .collect();
        for old in &stale {
            run_formatted(&mut client, "ALTER DATABASE %I IS_TEMPLATE false", &[old], &self.target)?;
            run_formatted(&mut client, "DROP DATABASE %I", &[old], &self.target)?;
        }
        if !database_exists(&mut client, &template, &self.target)? {
            let staging = self.staging.database();
            run_formatted(
                &mut client,
                "CREATE DATABASE %I TEMPLATE %I STRATEGY FILE_COPY",
                &[&template, &staging],
                &self.target,
            )?;
            run_formatted(
                &mut client,
                "ALTER DATABASE %I WITH ALLOW_CONNECTIONS false IS_TEMPLATE true",
                &[&template],
                &self.target,
            )?;
            let comment = template_comment(&database, schema_hash);
            run_formatted(&mut client, "COMMENT ON DATABASE %I IS %L", &[&template, &comment], &self.target)?;
        }
        Ok(template)
    }

    /// Put the staging database in the target's place: rename the target away, rename the
    /// staging database to the target's name, drop the old one. If the second rename fails,
    /// the target gets its name back.
    pub fn swap_in(&self) -> Result<()> {
        let database = self.target.database();
        let (staging, retired) = (self.staging.database(), retired_name(&database));
        let target = &self.target;
        let mut client = maintenance(target)?;
        run_formatted(&mut client, "DROP DATABASE IF EXISTS %I", &[&retired], target)?;
        let had_target = database_exists(&mut client, &database, target)?;
        if had_target {
            run_formatted(&mut client, "ALTER DATABASE %I RENAME TO %I", &[&database, &retired], target)
                .map_err(|mut failure| {
                    failure.hint =
                        Some(format!("Close the other sessions connected to {database} and run again."));
                    failure
                })?;
        }
        if let Err(failure) =
            run_formatted(&mut client, "ALTER DATABASE %I RENAME TO %I", &[&staging, &database], target)
        {
            if had_target {
                let _ = run_formatted(
                    &mut client,
                    "ALTER DATABASE %I RENAME TO %I",
                    &[&retired, &database],
                    target,
                );
            }
            return Err(failure);
        }
        if had_target {
            run_formatted(&mut client, "DROP DATABASE %I", &[&retired], target)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn derived_names_fit_postgres_limit() {
        assert_eq!(template_name("shop", HASH), "shop_tpl_0123456789abcdef");
        assert_eq!(staging_name("shop"), "shop_cft_new");
        let long = "x".repeat(70);
        for name in [template_name(&long, HASH), staging_name(&long), retired_name(&long)] {
            assert_eq!(name.len(), 63, "{name}");
        }
        assert!(template_name(&long, HASH).ends_with("_tpl_0123456789abcdef"));
    }

    #[test]
    fn resets_need_permission_and_spare_system_databases() {
        assert_eq!(check_allowed("shop", false, "local.yaml").unwrap_err().kind, Kind::Config);
        assert!(check_allowed("postgres", true, "local.yaml").is_err());
        assert!(check_allowed("template1", true, "local.yaml").is_err());
        assert!(check_allowed("shop", true, "local.yaml").is_ok());
    }
}
