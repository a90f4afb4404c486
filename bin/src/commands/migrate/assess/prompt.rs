//! `migrate up --interactive`: each pending migration shown with its statements' assessment and
//! the hooks that will run, then a question: yes / no / all / quit. Migrations apply in version
//! order, so a "no" also stops the ones after it. A critical statement is confirmed by typing
//! the name of the table it weighs on. Colours follow the terminal (and NO_COLOR).

use super::report::{rewrites, seconds, table_size};
use confiture_core::risk::{Answer, AssessedStatement, Level};
use dialoguer::console::{style, Style, Term};
use dialoguer::theme::ColorfulTheme;
use dialoguer::Input;

/// One pending migration as the prompt shows it.
pub struct Pending<'a> {
    pub version: &'a str,
    pub name: &'a str,
    pub statements: Vec<&'a AssessedStatement>,
    /// "phase: function" of each hook that will run.
    pub hooks: Vec<String>,
}

fn level_style(level: Level) -> Style {
    match level {
        Level::Low => Style::new().green(),
        Level::Medium => Style::new().yellow(),
        Level::High => Style::new().red(),
        Level::Critical => Style::new().red().bold().reverse(),
    }
}

fn show(term: &Term, migration: &Pending) -> std::io::Result<()> {
    term.write_line(&format!(
        "\n{}",
        style(format!("migration {}_{}", migration.version, migration.name)).bold()
    ))?;
    if !migration.hooks.is_empty() {
        term.write_line(&format!("  hooks: {}", migration.hooks.join(", ")))?;
    }
    for row in &migration.statements {
        term.write_line(&format!(
            "\n  #{} (line {})  {}  risk {}",
            row.statement_no,
            row.line,
            level_style(row.level()).apply_to(&row.level),
            row.risk
        ))?;
        for line in row.statement.lines() {
            term.write_line(&format!("    {}", style(line).cyan()))?;
        }
        term.write_line(&format!(
            "    lock {} on {}; rewrite {}; table {}; estimated {}{}",
            row.lock_mode.as_deref().unwrap_or("none"),
            if row.locked_relations.is_empty() { "-".into() } else { row.locked_relations.join(", ") },
            rewrites(row),
            table_size(row),
            seconds(row.est_seconds),
            if row.observed { "" } else { " (from the model)" },
        ))?;
        if let Some(blockers) = row.blocked_by.as_array().filter(|b| !b.is_empty()) {
            for blocker in blockers {
                term.write_line(&format!(
                    "    {} session {} holds {} for {} s",
                    style("blocked now:").red(),
                    blocker["pid"],
                    blocker["mode"].as_str().unwrap_or("?"),
                    blocker["seconds"]
                ))?;
            }
        }
        if !row.advice.is_empty() {
            term.write_line(&format!("    advice: {}", row.advice))?;
        }
    }
    Ok(())
}

/// Ask about `migration`. A critical statement needs its table's name typed to go ahead.
pub fn ask(term: &Term, migration: &Pending) -> std::io::Result<Answer> {
    show(term, migration)?;
    let theme = ColorfulTheme::default();
    let answer = Input::<String>::with_theme(&theme)
        .with_prompt(format!("Apply {}_{}? [yes/no/all/quit]", migration.version, migration.name))
        .validate_with(|text: &String| {
            Answer::parse(text).map(|_| ()).ok_or("answer yes, no, all or quit (y/n/a/q)")
        })
        .interact_text_on(term)
        .map_err(|dialoguer::Error::IO(e)| e)?;
    let answer = Answer::parse(&answer).unwrap_or(Answer::Quit);
    if !matches!(answer, Answer::Yes | Answer::All) {
        return Ok(answer);
    }
    let critical = migration.statements.iter().find(|r| r.level() == Level::Critical);
    let Some(critical) = critical else { return Ok(answer) };
    let name = critical
        .locked_relations
        .first()
        .cloned()
        .unwrap_or_else(|| format!("{}_{}", migration.version, migration.name));
    let typed = Input::<String>::with_theme(&theme)
        .with_prompt(format!("Statement #{} is critical: type {name} to confirm", critical.statement_no))
        .allow_empty(true)
        .interact_text_on(term)
        .map_err(|dialoguer::Error::IO(e)| e)?;
    if typed.trim() == name {
        Ok(answer)
    } else {
        term.write_line("not confirmed: not applied")?;
        Ok(Answer::No)
    }
}
