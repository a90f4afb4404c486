//! What libpq would connect to: a URL or `key=value` string completed as libpq completes it
//! (connection service file, `PG*` variables, `~/.pgpass`), and its TLS settings.
//!
//! tokio-postgres parses URLs and `sslmode=disable|prefer|require` but knows nothing of
//! `verify-ca`/`verify-full`, certificate files, services, the `PG*` variables or the password
//! file; those are taken out here, so the rest goes to its own parser unchanged. Pure: the
//! environment and the files come in through [`Surroundings`], so every rule is unit-tested.

use crate::failure::{Failure, Kind, Result};
use postgres::config::{Host, SslMode as WireSslMode};
use postgres::Config;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// libpq's `sslmode`, all six of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    const ALL: [Self; 6] =
        [Self::Disable, Self::Allow, Self::Prefer, Self::Require, Self::VerifyCa, Self::VerifyFull];

    fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.name() == value)
    }

    /// libpq's name for the mode.
    pub fn name(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Allow => "allow",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }

    pub fn verifies_chain(self) -> bool {
        matches!(self, Self::VerifyCa | Self::VerifyFull)
    }
}

/// How to speak TLS to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tls {
    pub mode: SslMode,
    /// Trusted roots; `None` with a verifying mode means the system's store (`sslrootcert=system`).
    pub root_cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

/// A connection string resolved: the driver's configuration and the TLS settings beside it.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub config: Config,
    pub tls: Tls,
}

/// What libpq reads besides the connection string.
pub struct Surroundings<'a> {
    pub variable: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<PathBuf>,
    pub read_file: &'a dyn Fn(&Path) -> Option<String>,
    /// Whether a password file may be read (libpq ignores one that others can read).
    pub private_file: &'a dyn Fn(&Path) -> bool,
}

/// Keywords tokio-postgres does not parse, or parses more narrowly than libpq.
const OURS: &[&str] = &["sslmode", "sslrootcert", "sslcert", "sslkey", "service", "passfile"];

/// Every keyword a service file or `PG*` variable may supply, with its variable.
const DEFAULTS: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("dbname", "PGDATABASE"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("passfile", "PGPASSFILE"),
    ("application_name", "PGAPPNAME"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("options", "PGOPTIONS"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslcert", "PGSSLCERT"),
    ("sslkey", "PGSSLKEY"),
    ("target_session_attrs", "PGTARGETSESSIONATTRS"),
];

fn invalid(message: impl Into<String>) -> Failure {
    Failure::new(Kind::Config, message).with_hint(
        "Expected postgresql://user[:password]@host[:port]/dbname[?sslmode=...] or host=... dbname=...",
    )
}

pub fn resolve(text: &str, around: &Surroundings) -> Result<Resolved> {
    let (base, mut given) = split_ours(text)?;
    // What the string leaves unsaid: first the service's settings, then the PG* variables.
    let service = given.get("service").cloned().or_else(|| (around.variable)("PGSERVICE"));
    let mut fallback = match service {
        Some(name) => service_settings(&name, around)?,
        None => BTreeMap::new(),
    };
    for (keyword, variable) in DEFAULTS {
        if let Some(value) = (around.variable)(variable).filter(|v| !v.is_empty()) {
            fallback.entry(keyword.to_string()).or_insert(value);
        }
    }
    let base = match fallback.get("port") {
        Some(port) => with_default_port(&base, port),
        None => base,
    };
    let mut config =
        Config::from_str(&base).map_err(|error| invalid(format!("invalid database URL: {error}")))?;
    for keyword in OURS {
        if let Some(value) = fallback.get(*keyword) {
            given.entry(keyword.to_string()).or_insert_with(|| value.clone());
        }
    }
    fill_driver_gaps(&mut config, &fallback)?;
    if config.get_user().is_none() {
        // libpq's default: the operating-system user.
        if let Some(user) = (around.variable)("USER").or_else(|| (around.variable)("LOGNAME")) {
            config.user(&user);
        }
    }
    if config.get_password().is_none() {
        let file = given
            .get("passfile")
            .map(PathBuf::from)
            .or_else(|| around.home.as_ref().map(|home| home.join(".pgpass")));
        if let Some(password) = file.and_then(|file| password_from_file(&file, &config, around)) {
            config.password(password);
        }
    }
    let tls = tls_settings(&given, around)?;
    config.ssl_mode(match tls.mode {
        SslMode::Disable => WireSslMode::Disable,
        SslMode::Allow | SslMode::Prefer => WireSslMode::Prefer,
        _ => WireSslMode::Require,
    });
    Ok(Resolved { config, tls })
}

/// Take our keywords out of the string: (what the driver parses, what we parse).
fn split_ours(text: &str) -> Result<(String, BTreeMap<String, String>)> {
    let text = text.trim();
    let mut ours = BTreeMap::new();
    if text.starts_with("postgresql://") || text.starts_with("postgres://") {
        let Some((base, query)) = text.split_once('?') else { return Ok((text.to_string(), ours)) };
        let mut kept = url::form_urlencoded::Serializer::new(String::new());
        let mut any_kept = false;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if OURS.contains(&key.as_ref()) {
                ours.insert(key.into_owned(), value.into_owned());
            } else {
                kept.append_pair(&key, &value);
                any_kept = true;
            }
        }
        let base = if any_kept { format!("{base}?{}", kept.finish()) } else { base.to_string() };
        return Ok((base, ours));
    }
    let mut kept = String::new();
    for (key, value) in key_value_pairs(text)? {
        if OURS.contains(&key.as_str()) {
            ours.insert(key, value);
        } else {
            let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
            kept.push_str(&format!("{key}='{quoted}' "));
        }
    }
    Ok((kept, ours))
}

/// The driver reads a URL host without a port as port 5432; libpq takes PGPORT (or the
/// service's port) first, so write that port in where the URL gives none.
fn with_default_port(url: &str, port: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (user, hosts) = match authority.rfind('@') {
        Some(at) => authority.split_at(at + 1),
        None => ("", authority),
    };
    let has_port = |host: &str| match host.rfind(']') {
        Some(close) => host[close..].contains(':'),
        None => host.contains(':'),
    };
    if hosts.is_empty() || hosts.split(',').any(has_port) {
        return url.to_string();
    }
    let hosts: Vec<String> = hosts.split(',').map(|host| format!("{host}:{port}")).collect();
    format!("{scheme}://{user}{}{tail}", hosts.join(","))
}

/// libpq's `key = value` syntax: values bare or single-quoted with backslash escapes.
fn key_value_pairs(text: &str) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(invalid(format!("invalid connection string: \"{key}\" has no value")));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.extend(chars.next()),
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => {
                        return Err(invalid(format!(
                            "invalid connection string: unterminated quote after {key}="
                        )))
                    }
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// The `[name]` section of the connection service file.
fn service_settings(name: &str, around: &Surroundings) -> Result<BTreeMap<String, String>> {
    let mut files: Vec<PathBuf> = Vec::new();
    match (around.variable)("PGSERVICEFILE") {
        Some(file) => files.push(file.into()),
        None => files.extend(around.home.as_ref().map(|home| home.join(".pg_service.conf"))),
    }
    if let Some(dir) = (around.variable)("PGSYSCONFDIR") {
        files.push(Path::new(&dir).join("pg_service.conf"));
    }
    for file in &files {
        let Some(text) = (around.read_file)(file) else { continue };
        let mut in_section = false;
        let mut settings = BTreeMap::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                if in_section {
                    break;
                }
                in_section = section == name;
            } else if in_section {
                let (key, value) = line.split_once('=').ok_or_else(|| {
                    invalid(format!("{}: line \"{line}\" of service {name} is not key=value", file.display()))
                })?;
                settings.insert(key.trim().to_string(), value.trim().to_string());
            }
        }
        if in_section {
            return Ok(settings);
        }
    }
    let looked = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
    Err(invalid(format!("connection service \"{name}\" not found (looked in {looked})")))
}

/// Give the driver what the service file and variables say, where the string said nothing.
fn fill_driver_gaps(config: &mut Config, fallback: &BTreeMap<String, String>) -> Result<()> {
    let get = |key: &str| fallback.get(key).map(String::as_str);
    if config.get_hosts().is_empty() {
        if let Some(hosts) = get("host") {
            for host in hosts.split(',') {
                config.host(host);
            }
        }
        if let Some(address) = get("hostaddr") {
            let address = address.parse().map_err(|_| invalid(format!("invalid hostaddr \"{address}\"")))?;
            config.hostaddr(address);
        }
    }
    if config.get_ports().is_empty() {
        if let Some(ports) = get("port") {
            for port in ports.split(',') {
                config.port(port.parse().map_err(|_| invalid(format!("invalid port \"{port}\"")))?);
            }
        }
    }
    if config.get_dbname().is_none() {
        if let Some(dbname) = get("dbname") {
            config.dbname(dbname);
        }
    }
    if config.get_user().is_none() {
        if let Some(user) = get("user") {
            config.user(user);
        }
    }
    if config.get_password().is_none() {
        if let Some(password) = get("password") {
            config.password(password);
        }
    }
    if config.get_application_name().is_none() {
        if let Some(name) = get("application_name") {
            config.application_name(name);
        }
    }
    if config.get_connect_timeout().is_none() {
        if let Some(seconds) = get("connect_timeout").and_then(|s| s.parse::<u64>().ok()).filter(|s| *s > 0) {
            config.connect_timeout(std::time::Duration::from_secs(seconds));
        }
    }
    if config.get_options().is_none() {
        if let Some(options) = get("options") {
            config.options(options);
        }
    }
    Ok(())
}

/// The first `host:port:database:user:password` line that matches, as libpq reads it.
fn password_from_file(file: &Path, config: &Config, around: &Surroundings) -> Option<String> {
    let text = (around.read_file)(file)?;
    if !(around.private_file)(file) {
        eprintln!(
            "warning: password file {} has group or world access; it is ignored (chmod 0600 it)",
            file.display()
        );
        return None;
    }
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => host.clone(),
        // libpq matches a socket connection against "localhost".
        Some(Host::Unix(_)) | None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
    let user = config.get_user()?.to_string();
    let database = config.get_dbname().map(str::to_string).unwrap_or_else(|| user.clone());
    let wanted = [host, port, database, user];
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#') && !line.trim().is_empty())
        .map(pgpass_fields)
        .find(|fields| {
            fields.len() == 5
                && fields.iter().zip(&wanted).all(|(field, value)| field == "*" || field == value)
        })
        .map(|fields| fields[4].clone())
}

/// Split a password-file line on unescaped `:`; `\:` and `\\` are the field's characters.
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().unwrap().extend(chars.next()),
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

fn tls_settings(given: &BTreeMap<String, String>, around: &Surroundings) -> Result<Tls> {
    let mode = match given.get("sslmode") {
        Some(value) => SslMode::parse(value).ok_or_else(|| {
            invalid(format!(
                "invalid sslmode \"{value}\": one of disable, allow, prefer, require, verify-ca, verify-full"
            ))
        })?,
        None => SslMode::Prefer,
    };
    let in_home = |name: &str| {
        around
            .home
            .as_ref()
            .map(|home| home.join(".postgresql").join(name))
            .filter(|file| (around.read_file)(file).is_some())
    };
    let root_cert = match given.get("sslrootcert").map(String::as_str) {
        Some("system") => None,
        Some(file) => Some(PathBuf::from(file)),
        None => in_home("root.crt"),
    };
    if mode.verifies_chain()
        && root_cert.is_none()
        && given.get("sslrootcert").map(String::as_str) != Some("system")
    {
        return Err(Failure::new(
            Kind::Config,
            format!("sslmode={} needs the certificate authority to trust", if mode == SslMode::VerifyCa { "verify-ca" } else { "verify-full" }),
        )
        .with_hint("Give sslrootcert=/path/to/ca.crt (or sslrootcert=system for the system's store), or put it at ~/.postgresql/root.crt"));
    }
    // As libpq: `require` with a root certificate on hand verifies the chain.
    let mode = if mode == SslMode::Require && root_cert.is_some() && given.contains_key("sslrootcert") {
        SslMode::VerifyCa
    } else {
        mode
    };
    let client_cert = given.get("sslcert").map(PathBuf::from).or_else(|| in_home("postgresql.crt"));
    let client_key = given.get("sslkey").map(PathBuf::from).or_else(|| in_home("postgresql.key"));
    Ok(Tls { mode, root_cert, client_cert, client_key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct World {
        variables: HashMap<&'static str, &'static str>,
        files: HashMap<PathBuf, &'static str>,
        public: Vec<PathBuf>,
    }

    impl World {
        fn new() -> Self {
            Self { variables: HashMap::new(), files: HashMap::new(), public: Vec::new() }
        }
        fn resolve(&self, text: &str) -> Result<Resolved> {
            let variable = |name: &str| self.variables.get(name).map(|v| v.to_string());
            let read_file = |path: &Path| self.files.get(path).map(|v| v.to_string());
            let private_file = |path: &Path| !self.public.iter().any(|p| p == path);
            resolve(
                text,
                &Surroundings {
                    variable: &variable,
                    home: Some("/home/u".into()),
                    read_file: &read_file,
                    private_file: &private_file,
                },
            )
        }
    }

    fn host(config: &Config) -> String {
        match &config.get_hosts()[0] {
            Host::Tcp(host) => host.clone(),
            Host::Unix(path) => path.display().to_string(),
        }
    }

    #[test]
    fn verify_modes_and_certificates_come_out_of_the_url() {
        let world = World::new();
        let resolved = world
            .resolve("postgresql://app@db.example:6543/shop?sslmode=verify-full&sslrootcert=/ca.crt&sslcert=/c.crt&sslkey=/c.key&application_name=x")
            .unwrap();
        assert_eq!(resolved.tls.mode, SslMode::VerifyFull);
        assert_eq!(resolved.tls.root_cert.as_deref(), Some(Path::new("/ca.crt")));
        assert_eq!(resolved.tls.client_cert.as_deref(), Some(Path::new("/c.crt")));
        assert_eq!(resolved.tls.client_key.as_deref(), Some(Path::new("/c.key")));
        assert_eq!(resolved.config.get_ssl_mode(), WireSslMode::Require);
        assert_eq!(resolved.config.get_application_name(), Some("x"));
        assert_eq!(host(&resolved.config), "db.example");
    }

    #[test]
    fn key_value_strings_work_too() {
        let world = World::new();
        let resolved = world
            .resolve("host=h port=5433 dbname='my db' user=u password='it\\'s' sslmode=require")
            .unwrap();
        assert_eq!(resolved.tls.mode, SslMode::Require);
        assert_eq!(resolved.config.get_dbname(), Some("my db"));
        assert_eq!(resolved.config.get_password(), Some(&b"it's"[..]));
        assert_eq!(resolved.config.get_ports(), [5433]);
    }

    #[test]
    fn variables_fill_only_what_the_string_leaves_out() {
        let mut world = World::new();
        world.variables.extend([
            ("PGHOST", "envhost"),
            ("PGPORT", "7777"),
            ("PGUSER", "envuser"),
            ("PGDATABASE", "envdb"),
            ("PGSSLMODE", "require"),
            ("PGPASSWORD", "pw"),
        ]);
        let from_url = world.resolve("postgresql://urluser@urlhost/urldb").unwrap();
        assert_eq!(
            (host(&from_url.config).as_str(), from_url.config.get_user()),
            ("urlhost", Some("urluser"))
        );
        assert_eq!(from_url.config.get_ports(), [7777]);
        assert_eq!(from_url.tls.mode, SslMode::Require);
        assert_eq!(world.resolve("postgresql://u@[::1]/x").unwrap().config.get_ports(), [7777]);
        assert_eq!(world.resolve("postgresql://u@h:5432/x").unwrap().config.get_ports(), [5432]);
        let bare = world.resolve("postgresql://").unwrap();
        assert_eq!(host(&bare.config), "envhost");
        assert_eq!(bare.config.get_dbname(), Some("envdb"));
        assert_eq!(bare.config.get_password(), Some(&b"pw"[..]));
    }

    #[test]
    fn a_service_file_is_read_below_the_string_and_above_the_variables() {
        let mut world = World::new();
        world.variables.extend([("PGSERVICE", "prod"), ("PGPORT", "1111")]);
        world.files.insert(
            "/home/u/.pg_service.conf".into(),
            "# services\n[dev]\nhost=devhost\n[prod]\nhost=prodhost\nport=2222\ndbname=shop\nsslmode=verify-ca\nsslrootcert=/etc/ca.crt\n",
        );
        let resolved = world.resolve("postgresql://u@/other").unwrap();
        assert_eq!(host(&resolved.config), "prodhost");
        assert_eq!(resolved.config.get_ports(), [2222]);
        assert_eq!(resolved.config.get_dbname(), Some("other"));
        assert_eq!(resolved.tls.mode, SslMode::VerifyCa);
        let missing = world.resolve("service=nope").unwrap_err();
        assert!(missing.message.contains("connection service \"nope\" not found"), "{}", missing.message);
    }

    #[test]
    fn the_password_file_is_matched_field_by_field_and_ignored_when_public() {
        let mut world = World::new();
        world.files.insert(
            "/home/u/.pgpass".into(),
            "# comment\nother:5432:*:u:wrong\ndb.example:6543:shop:u:p\\:ss\n*:*:*:u:fallback\n",
        );
        let exact = world.resolve("postgresql://u@db.example:6543/shop").unwrap();
        assert_eq!(exact.config.get_password(), Some(&b"p:ss"[..]));
        let wildcard = world.resolve("postgresql://u@elsewhere/x").unwrap();
        assert_eq!(wildcard.config.get_password(), Some(&b"fallback"[..]));
        let given = world.resolve("postgresql://u:given@db.example:6543/shop").unwrap();
        assert_eq!(given.config.get_password(), Some(&b"given"[..]));
        world.public.push("/home/u/.pgpass".into());
        assert_eq!(world.resolve("postgresql://u@db.example:6543/shop").unwrap().config.get_password(), None);
        world.files.insert("/elsewhere/pass".into(), "*:*:*:*:fromPGPASSFILE\n");
        world.variables.insert("PGPASSFILE", "/elsewhere/pass");
        assert_eq!(
            world.resolve("postgresql://u@h/x").unwrap().config.get_password(),
            Some(&b"fromPGPASSFILE"[..])
        );
    }

    #[test]
    fn bad_tls_settings_are_refused_by_name() {
        let world = World::new();
        let bad_mode = world.resolve("postgresql://u@h/x?sslmode=verify").unwrap_err();
        assert!(bad_mode.message.contains("invalid sslmode \"verify\""), "{}", bad_mode.message);
        let no_ca = world.resolve("postgresql://u@h/x?sslmode=verify-full").unwrap_err();
        assert!(no_ca.message.contains("needs the certificate authority"), "{}", no_ca.message);
        let system = world.resolve("postgresql://u@h/x?sslmode=verify-full&sslrootcert=system").unwrap();
        assert_eq!((system.tls.mode, system.tls.root_cert), (SslMode::VerifyFull, None));
        let upgraded = world.resolve("postgresql://u@h/x?sslmode=require&sslrootcert=/ca").unwrap();
        assert_eq!(upgraded.tls.mode, SslMode::VerifyCa);
        assert_eq!(world.resolve("postgresql://u@h/x").unwrap().tls.mode, SslMode::Prefer);
    }
}
