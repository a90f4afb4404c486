//! `build --fresh`: replace the target database with a new one built from the schema, or cloned
//! from the template kept for its schema hash when one exists.
//!
//! The new database is prepared under a staging name and swapped in by renaming only once it is
//! complete, so a failed build or clone leaves the target exactly as it was.
//!
//! Only databases that are provably confiture's are ever dropped: each staging database,
//! retired copy and template carries a COMMENT naming its role and the target, checked before
//! any DROP; a database of that name without it is a clear error, never dropped. Derived names
//! end with a hash of the target's full name, so truncation to 63 bytes can make them neither
//! equal to the target nor to the names derived for another database.

use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use postgres::Client;

/// Databases --fresh never replaces.
const PROTECTED: &[&str] = &["postgres", "template0", "template1"];
/// Marks a template in its COMMENT, so that only confiture's own templates are ever dropped.
const TEMPLATE_MARK: &str = "confiture template";

/// `database` + `suffix` + a hash of `database`, shortening `database` (by whole characters) so
/// the result fits PostgreSQL's 63 bytes.
pub(crate) fn derived_name(database: &str, suffix: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(database.as_bytes());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let suffix = format!("{suffix}_{tag}");
    let mut prefix = database.to_string();
    while prefix.len() + suffix.len() > 63 {
        prefix.pop();
    }
    format!("{prefix}{suffix}")
}

/// The template of `database` for `schema_hash`.
pub fn template_name(database: &str, schema_hash: &str) -> String {
    derived_name(database, &format!("_tpl_{}", &schema_hash[..12]))
}

fn staging_name(database: &str) -> String {
    derived_name(database, "_cft_new")
}

fn retired_name(database: &str) -> String {
    derived_name(database, "_cft_old")
}

pub(crate) fn template_comment(database: &str, schema_hash: &str) -> String {
    format!("{TEMPLATE_MARK} of database {database} for schema {schema_hash}")
}

fn staging_comment(database: &str) -> String {
    format!("confiture staging database for {database}: dropped or renamed by confiture build --fresh")
}

fn retired_comment(database: &str) -> String {
    format!("confiture retired copy of {database}: dropped by confiture build --fresh")
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
pub(crate) fn run_formatted(
    client: &mut Client,
    format: &str,
    names: &[&str],
    target: &Target,
) -> Result<()> {
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

/// None when there is no such database; else its comment ("" for none).
fn comment_of(client: &mut Client, name: &str, target: &Target) -> Result<Option<String>> {
    client
        .query_opt(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .map(|row| row.map(|r| r.get(0)))
        .map_err(|e| Failure::from_postgres(e, &target.description))
}

/// Whether `name` exists and carries `mark`: a database of that name without it is not ours, and
/// is an error whenever confiture would drop or use it.
pub(crate) fn exists_and_ours(client: &mut Client, name: &str, mark: &str, target: &Target) -> Result<bool> {
    let database = target.database();
    match comment_of(client, name, target)? {
        None => Ok(false),
        Some(comment) if comment == mark => Ok(true),
        Some(_) => Err(Failure::new(
            Kind::Config,
            format!("database {name} exists and is not confiture's: build --fresh will not drop or use it"),
        )
        .with_hint(format!(
            "confiture derives that name from {database} and marks its own databases with a comment. \
             Rename or drop that database yourself if it may go."
        ))),
    }
}

/// Drop `name` if it exists and is ours; refuse if it is not.
fn drop_if_ours(client: &mut Client, name: &str, mark: &str, target: &Target) -> Result<()> {
    if exists_and_ours(client, name, mark, target)? {
        run_formatted(client, "DROP DATABASE %I", &[name], target)?;
    }
    Ok(())
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
    drop_if_ours(&mut client, &staging, &staging_comment(&database), target)?;
    let cloned_from =
        if exists_and_ours(&mut client, &template, &template_comment(&database, schema_hash), target)? {
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
    run_formatted(
        &mut client,
        "COMMENT ON DATABASE %I IS %L",
        &[&staging, &staging_comment(&database)],
        target,
    )?;
    Ok(Staging { target: target.clone(), staging: target.with_database(&staging), cloned_from })
}

impl Staging {
    /// Give up: drop the staging database; the target was never touched.
    pub fn abandon(&self) {
        if let Ok(mut client) = maintenance(&self.target) {
            let mark = staging_comment(&self.target.database());
            let _ = drop_if_ours(&mut client, &self.staging.database(), &mark, &self.target);
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
        if !exists_and_ours(&mut client, &template, &template_comment(&database, schema_hash), &self.target)?
        {
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

    /// Put the staging database in the target's place: mark the target as retired and rename
    /// it away, rename the staging database to the target's name (with the target's comment),
    /// drop the retired one. If the second rename fails, the target gets its name and comment back.
    pub fn swap_in(&self) -> Result<()> {
        let database = self.target.database();
        let (staging, retired) = (self.staging.database(), retired_name(&database));
        let target = &self.target;
        let mut client = maintenance(target)?;
        drop_if_ours(&mut client, &retired, &retired_comment(&database), target)?;
        let original_comment = comment_of(&mut client, &database, target)?;
        let set_comment = |client: &mut Client, name: &str, comment: &str| {
            run_formatted(client, "COMMENT ON DATABASE %I IS %L", &[name, comment], target)
        };
        if original_comment.is_some() {
            // Marked before the rename: a run killed right after it leaves a copy provably ours.
            set_comment(&mut client, &database, &retired_comment(&database))?;
            let renamed =
                run_formatted(&mut client, "ALTER DATABASE %I RENAME TO %I", &[&database, &retired], target);
            if let Err(mut failure) = renamed {
                let _ = set_comment(&mut client, &database, original_comment.as_deref().unwrap_or_default());
                failure.hint =
                    Some(format!("Close the other sessions connected to {database} and run again."));
                return Err(failure);
            }
        }
        if let Err(failure) =
            run_formatted(&mut client, "ALTER DATABASE %I RENAME TO %I", &[&staging, &database], target)
        {
            if let Some(comment) = &original_comment {
                let _ = run_formatted(
                    &mut client,
                    "ALTER DATABASE %I RENAME TO %I",
                    &[&retired, &database],
                    target,
                );
                let _ = set_comment(&mut client, &database, comment);
            }
            return Err(failure);
        }
        set_comment(&mut client, &database, original_comment.as_deref().unwrap_or_default())?;
        if original_comment.is_some() {
            drop_if_ours(&mut client, &retired, &retired_comment(&database), target)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn derived_names_fit_postgres_limit_and_never_collide() {
        assert!(template_name("shop", HASH).starts_with("shop_tpl_0123456789ab_"));
        assert!(staging_name("shop").starts_with("shop_cft_new_"));
        // A user's database named like the old fixed suffixes is not what confiture derives.
        assert_ne!(staging_name("shop"), "shop_cft_new");
        assert_ne!(retired_name("shop"), "shop_cft_old");
        let long = "x".repeat(63);
        let names = [template_name(&long, HASH), staging_name(&long), retired_name(&long)];
        for name in &names {
            assert!(name.len() <= 63, "{name}");
            assert_ne!(name, &long, "a derived name equal to the target");
        }
        // Two 63-byte targets sharing their first 50 bytes get different staging names.
        let (a, b) = (format!("{}a", "y".repeat(62)), format!("{}b", "y".repeat(62)));
        assert_ne!(staging_name(&a), staging_name(&b));
        assert_ne!(retired_name(&a), retired_name(&b));
        // Multi-byte names are cut on character boundaries.
        assert!(staging_name(&"é".repeat(40)).len() <= 63);
    }

    #[test]
    fn resets_need_permission_and_spare_system_databases() {
        assert_eq!(check_allowed("shop", false, "local.yaml").unwrap_err().kind, Kind::Config);
        assert!(check_allowed("postgres", true, "local.yaml").is_err());
        assert!(check_allowed("template1", true, "local.yaml").is_err());
        assert!(check_allowed("shop", true, "local.yaml").is_ok());
    }
}
