//! Connecting to the target database.

use crate::conninfo::{self, SslMode, Surroundings, Tls};
use crate::failure::{Failure, Kind, Result};
use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode};
use postgres::{Client, Config, NoTls};
use postgres_openssl::MakeTlsConnector;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The CA file OpenSSL would have loaded by default (the user's SSL_CERT_FILE, else the
/// library's compiled-in file), set when `defer_system_ca_bundle` pointed the default away.
static SYSTEM_CA_FILE: OnceLock<Option<PathBuf>> = OnceLock::new();

/// rust-openssl's `SslConnector::builder` loads the system's whole CA bundle (some 140
/// certificates, 25 ms on a small machine) into every connector, also for sslmode prefer and
/// require, which verify nothing; libpq does not. Called first thing in `main`, while the
/// process has one thread: OpenSSL's default CA file becomes an empty one for this process,
/// and the modes that verify against the system's store load the file it would have used
/// (`SYSTEM_CA_FILE`) themselves. The store's hashed directory (SSL_CERT_DIR) is read lazily
/// by OpenSSL and is left as it was.
pub fn defer_system_ca_bundle() {
    if !cfg!(unix) {
        return;
    }
    let file = match std::env::var_os("SSL_CERT_FILE") {
        Some(file) => Some(PathBuf::from(file)),
        // SAFETY: X509_get_default_cert_file returns a pointer to a static NUL-terminated
        // string built into the library; it is never freed or changed.
        None => unsafe { std::ffi::CStr::from_ptr(openssl_sys::X509_get_default_cert_file()) }
            .to_str()
            .ok()
            .map(PathBuf::from),
    };
    std::env::set_var("SSL_CERT_FILE", "/dev/null");
    let _ = SYSTEM_CA_FILE.set(file);
}

/// A parsed database URL, with a description that never shows the password.
#[derive(Clone)]
pub struct Target {
    pub config: Config,
    pub tls: Tls,
    pub description: String,
}

impl Target {
    /// A URL or `key=value` string, completed as libpq would (service file, `PG*` variables,
    /// password file: see conninfo.rs).
    pub fn parse(url: &str) -> Result<Self> {
        let variable = |name: &str| std::env::var(name).ok();
        let read_file = |path: &Path| std::fs::read_to_string(path).ok();
        let around = Surroundings {
            variable: &variable,
            home: std::env::var_os("HOME").map(Into::into),
            read_file: &read_file,
            private_file: &owner_only,
        };
        let conninfo::Resolved { mut config, tls } = conninfo::resolve(url, &around)?;
        if config.get_application_name().is_none() {
            config.application_name("confiture");
        }
        let description = describe(&config);
        Ok(Self { config, tls, description })
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
        Self { config, tls: self.tls.clone(), description }
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
        let connected = match self.tls.mode {
            SslMode::Disable => config.connect(NoTls),
            _ => config.connect(self.tls_connector()?),
        };
        let mut client = connected.map_err(|error| match error.as_db_error() {
            // The server answered but refused us (no such database, authentication...).
            Some(_) => {
                let mut failure = Failure::from_postgres(error, &self.description);
                failure.kind = Kind::Connection;
                failure.message = format!("cannot connect to {}: {}", self.description, failure.message);
                failure
            }
            None => {
                let mut failure = Failure::from_postgres(error, &self.description);
                if let Some(reason) = tls_reason(&failure.message) {
                    failure.message = format!("TLS with {} failed: {reason}", self.description);
                    failure = failure.with_hint(
                        "Check sslmode, sslrootcert and the server's certificate (verify-full also checks \
                         that the certificate names the host you connect to).",
                    );
                }
                failure
            }
        })?;
        // Migrations need READ COMMITTED (a snapshot older than the migration lock could miss a
        // migration another session just applied), whatever the role's or database's default.
        client
            .batch_execute("SET default_transaction_isolation = 'read committed'")
            .map_err(|error| Failure::from_postgres(error, &self.description))?;
        Ok(client)
    }
}

impl Target {
    /// Ask the server to cancel the query running on the session `token` belongs to.
    pub fn cancel(&self, token: &postgres::CancelToken) -> Result<()> {
        let sent = match self.tls.mode {
            SslMode::Disable => token.cancel_query(NoTls),
            _ => token.cancel_query(self.tls_connector()?),
        };
        sent.map_err(|e| Failure::from_postgres(e, &self.description))
    }

    /// OpenSSL set up as libpq would for this sslmode: no verification below verify-ca, the
    /// chain from verify-ca, the chain and the host name at verify-full.
    fn tls_connector(&self) -> Result<MakeTlsConnector> {
        let tls_failure = |what: String| {
            move |error: openssl::error::ErrorStack| {
                Failure::new(Kind::Config, format!("{what}: {error}"))
                    .with_hint("sslrootcert, sslcert and sslkey must name readable PEM files")
            }
        };
        let mut builder = SslConnector::builder(SslMethod::tls_client())
            .map_err(tls_failure("cannot set up TLS".into()))?;
        if self.tls.mode.verifies_chain() {
            match &self.tls.root_cert {
                Some(file) => builder
                    .set_ca_file(file)
                    .map_err(tls_failure(format!("cannot read sslrootcert {}", file.display())))?,
                None => {
                    builder
                        .set_default_verify_paths()
                        .map_err(tls_failure("cannot read the system's certificate store".into()))?;
                    // As OpenSSL does with its default file: one that is not there adds nothing.
                    let deferred = SYSTEM_CA_FILE.get().and_then(Option::as_ref).filter(|f| f.is_file());
                    if let Some(file) = deferred {
                        builder.set_ca_file(file).map_err(tls_failure(format!(
                            "cannot read the system's CA file {}",
                            file.display()
                        )))?;
                    }
                }
            }
        } else {
            builder.set_verify(SslVerifyMode::NONE);
        }
        if let Some(cert) = &self.tls.client_cert {
            builder
                .set_certificate_chain_file(cert)
                .map_err(tls_failure(format!("cannot read sslcert {}", cert.display())))?;
            let key = self.tls.client_key.clone().unwrap_or_else(|| cert.with_extension("key"));
            builder
                .set_private_key_file(&key, SslFiletype::PEM)
                .map_err(tls_failure(format!("cannot read sslkey {}", key.display())))?;
        }
        let mut connector = MakeTlsConnector::new(builder.build());
        let check_host_name = self.tls.mode == SslMode::VerifyFull;
        connector.set_callback(move |connect, _| {
            connect.set_verify_hostname(check_host_name);
            Ok(())
        });
        Ok(connector)
    }
}

/// The readable part of an OpenSSL handshake error: "certificate verify failed (IP address
/// mismatch)" rather than the library's error stack repeated three times.
fn tls_reason(message: &str) -> Option<String> {
    if !message.contains("TLS") && !message.contains("SSL") {
        return None;
    }
    let mut reasons: Vec<&str> = Vec::new();
    for part in message.split(": ").map(str::trim) {
        let part = part.trim_end_matches(':');
        let reason = match part.rsplit_once(':') {
            // "error:0A000086:SSL routines:...:certificate verify failed:../ssl/statem/x.c:1889:"
            _ if part.starts_with("error:") => part.split(':').nth(4).unwrap_or(part),
            _ if part.starts_with("../") || part.is_empty() || part.starts_with("error performing") => {
                continue
            }
            _ if part.starts_with("cannot reach") => continue,
            _ => part,
        };
        if !reason.is_empty() && !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    match reasons.as_slice() {
        [] => Some(message.to_string()),
        [first] => Some(first.to_string()),
        [first, rest @ ..] => Some(format!("{first} ({})", rest.join("; "))),
    }
}

/// libpq ignores a password file that its group or others can read.
fn owner_only(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|meta| meta.permissions().mode() & 0o077 == 0)
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
    fn tls_errors_read_as_one_reason() {
        let stack = "error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1889:";
        let message = format!("cannot reach database d on h:1: error performing TLS handshake: {stack}: IP address mismatch: {stack}");
        assert_eq!(tls_reason(&message).unwrap(), "certificate verify failed (IP address mismatch)");
        assert_eq!(tls_reason("connection refused"), None);
    }

    #[test]
    fn malformed_urls_are_config_errors() {
        let failure = Target::parse("postgresql://h:notaport/db").err().unwrap();
        assert_eq!(failure.kind, Kind::Config);
    }
}
