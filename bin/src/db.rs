//! Connecting to the target database.

use crate::failure::{Failure, Kind, Result};
use postgres::{Client, Config, NoTls};
use std::str::FromStr;

/// A parsed database URL, with a description that never shows the password.
#[derive(Clone)]
pub struct Target {
    pub config: Config,
    pub description: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Self> {
        let mut config = Config::from_str(url).map_err(|error| {
            Failure::new(Kind::Config, format!("invalid database URL: {error}"))
                .with_hint("Expected postgresql://user[:password]@host[:port]/dbname")
        })?;
        if config.get_application_name().is_none() {
            config.application_name("confiture");
        }
        let description = describe(&config);
        Ok(Self { config, description })
    }

    pub fn database(&self) -> String {
        self.config
            .get_dbname()
            .map(str::to_string)
            .or_else(|| self.config.get_user().map(str::to_string))
            .unwrap_or_default()
    }

    /// The same server, another database (for CREATE/DROP DATABASE).
    pub fn with_database(&self, database: &str) -> Self {
        let mut config = self.config.clone();
        config.dbname(database);
        let description = describe(&config);
        Self { config, description }
    }

    pub fn connect(&self) -> Result<Client> {
        self.connect_with(self.config.clone())
    }

    /// Connect, handing every notice and warning the server sends to `on_notice`.
    pub fn connect_with_notices(
        &self,
        on_notice: impl Fn(postgres::error::DbError) + Send + Sync + 'static,
    ) -> Result<Client> {
        let mut config = self.config.clone();
        config.notice_callback(on_notice);
        self.connect_with(config)
    }

    fn connect_with(&self, config: Config) -> Result<Client> {
        let mut client = config.connect(NoTls).map_err(|error| match error.as_db_error() {
            // The server answered but refused us (no such database, authentication...).
            Some(_) => {
                let mut failure = Failure::from_postgres(error, &self.description);
                failure.kind = Kind::Connection;
                failure.message = format!("cannot connect to {}: {}", self.description, failure.message);
                failure
            }
            None => Failure::from_postgres(error, &self.description),
        })?;
        // Migrations need READ COMMITTED (a snapshot older than the migration lock could miss a
        // migration another session just applied), whatever the role's or database's default.
        client
            .batch_execute("SET default_transaction_isolation = 'read committed'")
            .map_err(|error| Failure::from_postgres(error, &self.description))?;
        Ok(client)
    }
}

fn describe(config: &Config) -> String {
    use postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config.get_dbname().or(config.get_user()).unwrap_or("?");
    format!("database {database} on {host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_hide_the_password() {
        let target = Target::parse("postgresql://app:s3cret@db.example:6543/shop").unwrap();
        assert_eq!(target.description, "database shop on db.example:6543");
        assert_eq!(target.database(), "shop");
        assert_eq!(target.with_database("postgres").description, "database postgres on db.example:6543");
    }

    #[test]
    fn malformed_urls_are_config_errors() {
        let failure = Target::parse("postgresql://h:notaport/db").err().unwrap();
        assert_eq!(failure.kind, Kind::Config);
    }
}
