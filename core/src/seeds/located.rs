//! Finding the seed line behind a row that failed at level 5: the resolvers' errors and the
//! checks name values (a UUID, a key); the line is where a seed statement loading that table
//! spells the value.

use super::statements::SeedFile;

/// The line where a statement writing `schema.table` contains `value` as a quoted literal
/// (compared ignoring ASCII case, as UUIDs are); the last such line when `last` (the second of
/// two duplicates).
pub fn line_of_value<'a>(
    files: &'a [SeedFile],
    schema: &str,
    table: &str,
    value: &str,
    last: bool,
) -> Option<(&'a str, usize)> {
    // ASCII lower-casing keeps every byte offset, so offsets in the copy are offsets in the file.
    let needle = format!("'{}'", value.replace('\'', "''")).to_ascii_lowercase();
    let mut found = None;
    for file in files {
        for statement in file.statements_writing(schema, table) {
            let text = file.text[statement.start..statement.end].to_ascii_lowercase();
            for (offset, _) in text.match_indices(&needle) {
                let line = crate::sql_text::line_of_byte(&file.text, statement.start + offset);
                found = Some((file.name.as_str(), line));
                if !last {
                    return found;
                }
            }
        }
    }
    found
}

/// The UUIDs a message or detail names, in order (`Failing row contains (1, 4b0f...)`).
pub fn uuids_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at + 36 <= bytes.len() {
        let candidate = &text[at..at + 36];
        let boundary = at == 0 || !bytes[at - 1].is_ascii_hexdigit();
        if boundary && text.is_char_boundary(at + 36) && super::files::is_uuid(candidate) {
            out.push(candidate.to_string());
            at += 36;
        } else {
            at += 1;
        }
        while at < bytes.len() && !text.is_char_boundary(at) {
            at += 1;
        }
    }
    out
}

/// The columns and value of a key in a constraint error's detail:
/// `Key (code)=(FR) already exists.` -> (`code`, `FR`);
/// `Key (fk_city)=(0) is not present in table "tb_city".` -> (`fk_city`, `0`).
pub fn key_of(detail: &str) -> Option<(String, String)> {
    let rest = detail.strip_prefix("Key (")?;
    let split = rest.find(")=(")?;
    let value = &rest[split + 3..];
    let end = value.rfind(") already exists").or_else(|| value.rfind(") is not present"))?;
    Some((rest[..split].to_string(), value[..end].to_string()))
}

/// The column of a not-null violation: `null value in column "fk_region" of relation ...`.
pub fn quoted_column(message: &str) -> Option<String> {
    let start = message.find("column \"")? + 8;
    let end = message[start..].find('"')?;
    Some(message[start..start + end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds::statements::{Action, SeedStatement, Target};

    fn seed(name: &str, text: &str, schema: &str, table: &str) -> SeedFile {
        let statement = SeedStatement {
            start: 0,
            end: text.len(),
            line: 1,
            action: Action::Insert,
            target: Some(Target { schema: Some(schema.into()), table: table.into(), resolved_schema: None }),
            columns: vec![],
            rows: vec![],
            unions: vec![],
            uuid_casts: vec![],
            refused: None,
        };
        SeedFile { name: name.into(), text: text.into(), parsed: Ok(vec![statement]) }
    }

    #[test]
    fn values_are_found_in_the_statements_of_their_table() {
        let files = vec![
            seed("a.sql", "INSERT INTO s.t VALUES\n('X'),\n('x');", "s", "t"),
            seed("b.sql", "INSERT INTO s.u VALUES ('X');", "s", "u"),
        ];
        assert_eq!(line_of_value(&files, "s", "t", "X", false), Some(("a.sql", 2)));
        assert_eq!(line_of_value(&files, "s", "t", "X", true), Some(("a.sql", 3)));
        assert_eq!(line_of_value(&files, "s", "u", "X", false), Some(("b.sql", 1)));
        assert_eq!(line_of_value(&files, "s", "v", "X", false), None);
        // Lower-casing that changes byte lengths (İ is 2 bytes, its lower case 3) must not shift lines.
        let turkish = vec![seed("c.sql", "INSERT INTO s.t VALUES ('İİİİ'),\n('AB');", "s", "t")];
        assert_eq!(line_of_value(&turkish, "s", "t", "ab", false), Some(("c.sql", 2)));
    }

    #[test]
    fn error_details_give_their_values() {
        let detail = "Failing row contains (3, 0b1e6f52-8c3a-4d7e-9f10-2a4b6c8d0e1f, null).";
        assert_eq!(uuids_in(detail), vec!["0b1e6f52-8c3a-4d7e-9f10-2a4b6c8d0e1f"]);
        let key = |columns: &str, value: &str| Some((columns.to_string(), value.to_string()));
        assert_eq!(key_of("Key (code)=(FR) already exists."), key("code", "FR"));
        assert_eq!(key_of("Key (a, b)=(1, x) already exists."), key("a, b", "1, x"));
        assert_eq!(key_of("Key (fk_city)=(0) is not present in table \"tb_city\"."), key("fk_city", "0"));
        assert_eq!(key_of("Failing row contains (1)."), None);
        let message =
            "null value in column \"fk_region\" of relation \"tb_city\" violates not-null constraint";
        assert_eq!(quoted_column(message), Some("fk_region".into()));
    }
}
