//! Presentation: tables for people, JSON for programs, a spinner only on a terminal.

use comfy_table::{presets::NOTHING, Table};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[value(alias = "text")]
    Table,
    Json,
    /// Comma-separated values with a header row (lists: status, lint findings, files).
    Csv,
    /// SARIF 2.1.0, for code-scanning tools (lint only).
    Sarif,
    /// An SQL script (diff only).
    Sql,
}

/// Rows as CSV with a header (RFC 4180 quoting).
pub fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    writer.write_record(header).expect("in-memory write");
    for row in rows {
        writer.write_record(&row).expect("in-memory write");
    }
    String::from_utf8(writer.into_inner().expect("in-memory flush")).expect("CSV of UTF-8 fields")
}

/// Key/value rows as an aligned two-column table.
pub fn key_values(rows: &[(&str, String)]) -> String {
    let mut table = Table::new();
    table.load_preset(NOTHING);
    for (key, value) in rows {
        table.add_row(vec![key.to_string(), value.clone()]);
    }
    table.to_string()
}

pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    pub fn start(message: String) -> Self {
        if !std::io::stderr().is_terminal() || std::env::var_os("CONFITURE_NO_PROGRESS").is_some() {
            return Self(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("static template"));
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.finish();
    }
}
