//! Level 3, the pure part: what a resolver's body says. Its words (comments and strings left
//! out) tell which keys it resolves; its SQL statements are cut out for the server to analyse
//! against the catalog (`run`), which finds names that no longer exist.

use super::config::SeedConfig;
use super::schema::{Key, Tables};
use super::{Code, Finding};

/// A resolver function as pg_proc holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolver {
    /// `prep_seed.fn_resolve_tb_city()`, the finding's "file".
    pub signature: String,
    pub language: String,
    pub body: String,
    /// Names of its arguments and declared variables: not columns, whatever the analysis says.
    pub variables: Vec<String>,
}

/// One word of a body: an identifier (folded to lower case unless quoted), a keyword or a
/// symbol; with its byte offset.
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    pub text: String,
    pub at: usize,
}

/// The words of SQL or PL/pgSQL text, without comments, string constants and dollar quotes.
pub fn words(text: &str) -> Vec<Word> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &text[at..];
        let c = bytes[at];
        if c.is_ascii_whitespace() {
            at += 1;
        } else if rest.starts_with("--") {
            at += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            at += rest.find("*/").map_or(rest.len(), |end| end + 2);
        } else if c == b'\'' {
            at += 1 + closing_quote(&text[at + 1..], b'\'');
        } else if c == b'"' {
            let len = closing_quote(&text[at + 1..], b'"');
            out.push(Word { text: text[at + 1..at + len].replace("\"\"", "\""), at });
            at += 1 + len;
        } else if c == b'$' && dollar_tag(rest).is_some() {
            let tag = dollar_tag(rest).unwrap_or_default();
            let body = &rest[tag.len()..];
            at += tag.len() + body.find(tag).map_or(body.len(), |end| end + tag.len());
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let len =
                rest.find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '$')).unwrap_or(rest.len());
            out.push(Word { text: rest[..len].to_lowercase(), at });
            at += len;
        } else {
            let len = rest.chars().next().map_or(1, char::len_utf8);
            out.push(Word { text: rest[..len].to_string(), at });
            at += len;
        }
    }
    out
}

/// Bytes up to and including the closing quote (a doubled quote does not close).
fn closing_quote(rest: &str, quote: u8) -> usize {
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// `$$` or `$tag$` at the start of `rest`.
fn dollar_tag(rest: &str) -> Option<&str> {
    let end = rest[1..].find(|c: char| !(c.is_alphanumeric() || c == '_'))? + 1;
    (rest.as_bytes().get(end) == Some(&b'$')).then(|| &rest[..=end])
}

const SQL_STARTS: &[&str] = &["insert", "update", "delete", "with", "select", "merge", "perform"];
const BLOCK_WORDS: &[&str] = &["begin", "then", "else", "loop", "declare"];

/// The SQL statements of a body, as (byte offset, text). A LANGUAGE sql body is all SQL; in
/// PL/pgSQL, a statement is what follows block words (BEGIN, THEN, LOOP...) up to its `;`,
/// when it starts like SQL; PERFORM becomes SELECT.
pub fn sql_statements(language: &str, body: &str) -> Vec<(usize, String)> {
    if language == "sql" {
        return vec![(0, body.to_string())];
    }
    let words = words(body);
    let mut out = Vec::new();
    let mut segment_start = 0;
    for (index, word) in words.iter().enumerate() {
        if word.text != ";" {
            continue;
        }
        let segment = &words[segment_start..index];
        segment_start = index + 1;
        let Some(first) = segment.iter().find(|w| !BLOCK_WORDS.contains(&w.text.as_str())) else { continue };
        if !SQL_STARTS.contains(&first.text.as_str()) {
            continue;
        }
        let text = &body[first.at..word.at];
        let text = match text.get(..7) {
            Some(head) if head.eq_ignore_ascii_case("perform") => format!("SELECT{}", &text[7..]),
            _ => text.to_string(),
        };
        out.push((first.at, text));
    }
    out
}

/// Names declared between DECLARE and the first BEGIN: each declaration's first word.
pub fn declared_variables(body: &str) -> Vec<String> {
    let words = words(body);
    let Some(declare) = words.iter().position(|w| w.text == "declare") else { return Vec::new() };
    let mut names = Vec::new();
    let mut expect_name = true;
    for word in &words[declare + 1..] {
        match word.text.as_str() {
            "begin" => break,
            ";" => expect_name = true,
            name if expect_name => {
                names.push(name.to_string());
                expect_name = false;
            }
            _ => {}
        }
    }
    names
}

/// What an error in a resolver statement's analysis means: a name that does not exist (any
/// more) is SCHEMA_DRIFT_IN_RESOLVER, unless it is one of the resolver's own variables (which
/// the analysis of the statement alone cannot know); any other error, a statement that could
/// not be checked. `line` is the error's line in the body.
pub fn drift_finding(resolver: &Resolver, sqlstate: &str, message: &str, line: usize) -> Option<Finding> {
    const DRIFT: &[&str] = &["42P01", "42703", "42883", "3F000", "42704"];
    let names_variable = super::located::quoted_column(message)
        .is_some_and(|column| resolver.variables.iter().any(|v| v.eq_ignore_ascii_case(&column)));
    if names_variable {
        return None;
    }
    let at = Some((resolver.signature.as_str(), line));
    Some(if DRIFT.contains(&sqlstate) {
        Finding::new(
            Code::SchemaDriftInResolver,
            at,
            resolver.signature.clone(),
            format!("{}: {message}", resolver.signature),
        )
    } else {
        Finding::new(
            Code::ResolverNotRead,
            at,
            resolver.signature.clone(),
            format!("{}: a statement could not be checked ({sqlstate}: {message})", resolver.signature),
        )
    })
}

/// Line (1-based) of a byte offset in a body.
pub fn body_line(body: &str, at: usize) -> usize {
    crate::sql_text::line_of_byte(body, at)
}

/// Level 3 coverage for one staging table: a resolver exists (`None` = missing) and its body
/// names each staging key together with the parent's final table.
pub fn check_resolver(
    table: &str,
    staging_columns: &[String],
    resolver: Option<&Resolver>,
    tables: &Tables,
    config: &SeedConfig,
) -> Vec<Finding> {
    let final_table = tables.get(&(config.final_schema.clone(), table.to_string()));
    let Some(resolver) = resolver else {
        let name = format!("{}.{}()", config.resolver_schema(), config.resolver_name(table));
        return vec![Finding::new(
            Code::MissingResolverFunction,
            None,
            name.clone(),
            format!("staging table {}.{table} has no resolver {name}", config.staging_schema),
        )];
    };
    let mut findings = Vec::new();
    if !["sql", "plpgsql"].contains(&resolver.language.as_str()) {
        findings.push(Finding::new(
            Code::ResolverNotRead,
            Some((&resolver.signature, 1)),
            resolver.signature.clone(),
            format!("{} is LANGUAGE {}: its body cannot be read", resolver.signature, resolver.language),
        ));
        return findings;
    }
    let words = words(&resolver.body);
    if let Some(execute) =
        words.iter().find(|w| w.text == "execute").filter(|_| resolver.language == "plpgsql")
    {
        findings.push(Finding::new(
            Code::ResolverNotRead,
            Some((&resolver.signature, body_line(&resolver.body, execute.at))),
            resolver.signature.clone(),
            format!("{} builds SQL at run time (EXECUTE): that part is not checked", resolver.signature),
        ));
    }
    let Some(final_table) = final_table else { return findings };
    let final_at = words.iter().find(|w| w.text == table).map_or(1, |w| body_line(&resolver.body, w.at));
    let keys = staging_columns.iter().filter_map(|column| Key::of(config, column, final_table));
    for Key { column, final_column: key, parent: (_, parent) } in
        keys.filter(|k| k.resolvable(final_table, tables))
    {
        let names_key = words.iter().any(|w| w.text == column);
        let names_parent = words.iter().any(|w| w.text == parent);
        if !(names_key && names_parent) {
            findings.push(Finding::new(
                Code::MissingFkTransformation,
                Some((&resolver.signature, final_at)),
                format!("{}.{table}.{key}", config.final_schema),
                format!(
                    "{} never joins {}.{parent} on {column}: {key} is not resolved",
                    resolver.signature, config.final_schema
                ),
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "\nDECLARE\n    n integer;\nBEGIN\n    -- fk_ghost_id in a comment\n    INSERT INTO catalog.tb_city (id, fk_region)\n    SELECT s.id, r.pk_region FROM prep_seed.tb_city s\n    LEFT JOIN catalog.\"tb_region\" r ON r.id = s.fk_region_id;\n    PERFORM 'tb_ghost; not a table';\n    GET DIAGNOSTICS n = ROW_COUNT;\n    IF n = 0 THEN RAISE NOTICE 'none'; END IF;\nEND;\n";

    #[test]
    fn words_leave_out_comments_and_strings() {
        let words: Vec<String> = words(BODY).into_iter().map(|w| w.text).collect();
        assert!(words.contains(&"fk_region_id".to_string()) && words.contains(&"tb_region".to_string()));
        assert!(!words.iter().any(|w| w.contains("ghost")));
        let dollar: Vec<String> = words_of("SELECT $x$ a;b $x$, $1");
        assert_eq!(dollar, ["select", ",", "$", "1"]);
    }

    fn words_of(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn plpgsql_bodies_give_their_sql_statements() {
        let statements = sql_statements("plpgsql", BODY);
        let texts: Vec<&str> = statements.iter().map(|(_, text)| text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[0].starts_with("INSERT INTO catalog.tb_city"));
        assert_eq!(texts[1], "SELECT 'tb_ghost; not a table'");
        assert_eq!(body_line(BODY, statements[0].0), 6);
        assert_eq!(declared_variables(BODY), ["n"]);
        assert_eq!(sql_statements("sql", "SELECT 1"), [(0, "SELECT 1".to_string())]);
    }
}
