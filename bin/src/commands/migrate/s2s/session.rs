//! The target session: connecting with the source password kept out of every statement, Ctrl-C,
//! the copy loop, and detaching.

use super::report::{PlanRow, Verified};
use crate::db::Target;
use crate::failure::{Failure, Kind, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use postgres::config::Host;
use postgres::Client;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

/// `options` text for libpq's startup packet: spaces and backslashes escaped.
fn escape_option(value: &str) -> String {
    value.replace('\\', "\\\\").replace(' ', "\\ ")
}

/// The target session. The source's password travels as the setting
/// confiture.s2s_source_password in the connection's startup options, which no statement log,
/// pg_stat_activity or pg_stat_statements records (a SET or a bind parameter would be logged).
pub fn connect_target(target: &Target, source: &Target) -> Result<Client> {
    let mut with_password = target.clone();
    if let Some(password) = source.config.get_password() {
        let password = String::from_utf8(password.to_vec())
            .map_err(|_| Failure::new(Kind::Config, "the source password is not UTF-8"))?;
        let setting = format!("-c confiture.s2s_source_password={}", escape_option(&password));
        let options = match target.config.get_options() {
            Some(existing) if !existing.is_empty() => format!("{existing} {setting}"),
            _ => setting,
        };
        with_password.config.options(&options);
    }
    with_password.connect()
}

pub fn ensure_extension(client: &mut Client, target: &Target) -> Result<()> {
    let installed: bool = client
        .query_one("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'confiture')", &[])
        .map_err(|e| Failure::from_postgres(e, &target.description))?
        .get(0);
    if installed {
        return Ok(());
    }
    Err(Failure::new(Kind::NotInitialized, format!("the confiture extension is not installed in {}", target.description))
        .with_hint("CREATE EXTENSION confiture (as a superuser), or give --to an environment to build it from the files."))
}

/// The source's connection settings for s2s_attach, without the password.
pub fn source_settings(source: &Target, host_override: Option<&str>) -> serde_json::Value {
    let mut settings = serde_json::Map::new();
    let host = host_override.map(str::to_string).or_else(|| {
        source.config.get_hosts().first().map(|host| match host {
            Host::Tcp(name) => name.clone(),
            Host::Unix(path) => path.display().to_string(),
        })
    });
    if let Some(host) = host {
        settings.insert("host".into(), host.into());
    }
    if let Some(port) = source.config.get_ports().first() {
        settings.insert("port".into(), port.to_string().into());
    }
    settings.insert("dbname".into(), source.database().into());
    if let Some(user) = source.config.get_user() {
        settings.insert("user".into(), user.into());
    }
    settings.insert("sslmode".into(), source.tls.mode.name().into());
    for (key, path) in [
        ("sslrootcert", &source.tls.root_cert),
        ("sslcert", &source.tls.client_cert),
        ("sslkey", &source.tls.client_key),
    ] {
        if let Some(path) = path {
            settings.insert(key.into(), path.display().to_string().into());
        }
    }
    serde_json::Value::Object(settings)
}

/// Ctrl-C: noted, and the queries running on the target cancelled (the main session's and the
/// verifier's), so the run stops at once and detaches instead of dying with the source attached.
pub struct Interrupted {
    flag: Arc<AtomicBool>,
    sessions: Arc<Mutex<Vec<postgres::CancelToken>>>,
}

impl Interrupted {
    pub fn watch(client: &Client, target: &Target) -> Result<Self> {
        let flag = Arc::new(AtomicBool::new(false));
        let sessions = Arc::new(Mutex::new(vec![client.cancel_token()]));
        let (seen, tokens, target) = (flag.clone(), sessions.clone(), target.clone());
        ctrlc::set_handler(move || {
            seen.store(true, Ordering::SeqCst);
            if let Ok(tokens) = tokens.lock() {
                for token in tokens.iter() {
                    let _ = target.cancel(token);
                }
            }
        })
        .map_err(|e| Failure::new(Kind::Config, format!("cannot watch for Ctrl-C: {e}")))?;
        Ok(Self { flag, sessions })
    }

    fn also_cancel(&self, client: &Client) {
        if let Ok(mut tokens) = self.sessions.lock() {
            tokens.push(client.cancel_token());
        }
    }

    pub fn happened(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

/// Verification on a session of its own: a table is verified while the next ones copy (the copy
/// keeps one core busy in the target and little in the source; the checksums use the other).
pub struct Verifier {
    tables: Option<mpsc::Sender<String>>,
    worker: Option<std::thread::JoinHandle<Result<Vec<Verified>>>>,
    session: (Target, postgres::CancelToken),
    stop: Arc<AtomicBool>,
}

impl Verifier {
    pub fn start(target: &Target, interrupted: &Interrupted, mode: &str) -> Result<Self> {
        let mut client = target.connect()?;
        interrupted.also_cancel(&client);
        let session = (target.clone(), client.cancel_token());
        let (sender, receiver) = mpsc::channel::<String>();
        let target = target.clone();
        let mode = mode.to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let worker = std::thread::spawn(move || {
            let mut verified = Vec::new();
            for table in receiver {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let row = client
                    .query_one("SELECT * FROM confiture.s2s_verify($1::text::regclass, $2)", &[&table, &mode])
                    .map_err(|e| Failure::from_postgres(e, &target.description))?;
                verified.push(Verified::from_row(&row));
            }
            Ok(verified)
        });
        Ok(Self { tables: Some(sender), worker: Some(worker), session, stop })
    }

    /// Verify this table (copied and committed) once the ones before it are.
    pub fn verify(&self, table: &str) {
        if let Some(sender) = &self.tables {
            // A send fails only when the worker stopped on an error, which finish() returns.
            let _ = sender.send(table.to_string());
        }
    }

    /// Every table's verdict, once the last is verified.
    pub fn finish(mut self) -> Result<Vec<Verified>> {
        self.tables = None;
        match self.worker.take().map(std::thread::JoinHandle::join) {
            Some(Ok(outcome)) => outcome,
            _ => Err(Failure::new(Kind::Migration, "the verification stopped unexpectedly")),
        }
    }
}

/// A run that stops early cancels the verification in flight: detach must not wait for it.
impl Drop for Verifier {
    fn drop(&mut self) {
        self.tables = None;
        if let Some(worker) = self.worker.take() {
            self.stop.store(true, Ordering::SeqCst);
            let (target, token) = &self.session;
            let _ = target.cancel(token);
            let _ = worker.join();
        }
    }
}

/// Detach on this session, or on a new one when this one is gone or in a failed state.
pub fn detach(client: &mut Client, target: &Target) -> Result<()> {
    const DETACH: &str = "SELECT count(*) FROM confiture.s2s_detach()";
    if client.query_one(DETACH, &[]).is_ok() {
        return Ok(());
    }
    let mut fresh = target.connect()?;
    fresh.query_one(DETACH, &[]).map_err(|e| Failure::from_postgres(e, &target.description))?;
    Ok(())
}

/// Copy each planned table, parents first, one committed batch per call. Returns the rows each
/// table holds once copied.
pub fn copy_all(
    client: &mut Client,
    target: &Target,
    plan: &[PlanRow],
    batch_rows: i64,
    interrupted: &Interrupted,
    verifier: &Verifier,
) -> Result<Vec<(String, i64, f64)>> {
    let estimated: i64 = plan.iter().map(|r| r.source_rows.max(0)).sum();
    let bar = ProgressBar::new(estimated.max(1) as u64);
    if !std::io::stderr().is_terminal() || std::env::var_os("CONFITURE_NO_PROGRESS").is_some() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{msg:30!} {bar:30} {human_pos}/{human_len} rows ({per_sec}, {eta})")
            .expect("static template"),
    );
    let options = serde_json::json!({"batch_rows": batch_rows});
    let mut copied = Vec::new();
    for row in plan {
        let Some(name) = row.target_table.as_deref() else { continue };
        bar.set_message(name.to_string());
        let started = std::time::Instant::now();
        let mut total = row.rows_copied;
        bar.inc(total.max(0) as u64);
        loop {
            if interrupted.happened() {
                return Err(Failure::new(Kind::Migration, "interrupted"));
            }
            let done = client
                .query_one(
                    "SELECT * FROM confiture.s2s_copy($1::text::regclass, $2::jsonb)",
                    &[&name, &options],
                )
                .map_err(|e| Failure::from_postgres(e, &target.description))?;
            let batch: i64 = done.get("batch_rows");
            total = done.get("rows_copied");
            bar.inc(batch.max(0) as u64);
            if done.get::<_, bool>("done") {
                break;
            }
        }
        copied.push((name.to_string(), total, started.elapsed().as_secs_f64()));
        verifier.verify(name);
    }
    bar.finish_and_clear();
    Ok(copied)
}

#[cfg(test)]
mod tests {
    #[test]
    fn options_escape_spaces_and_backslashes() {
        assert_eq!(super::escape_option(r"a b\c"), r"a\ b\\c");
    }
}
