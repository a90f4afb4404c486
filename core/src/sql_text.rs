//! Pure helpers over SQL text: quoting names, and where things are for error messages.
//! Parsing itself is PostgreSQL's (see `server::parser`); this only maps offsets to lines and
//! trims what PostgreSQL counts as part of a statement (leading blanks and comments).

/// `name` as an SQL identifier, as PostgreSQL's quote_ident writes it: bare when it is a plain
/// lower-case name that `is_reserved` does not flag (the server's non-unreserved keywords),
/// double-quoted otherwise.
pub fn quote_ident(name: &str, is_reserved: impl Fn(&str) -> bool) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
        && !is_reserved(name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// An SQL string literal (standard_conforming_strings: only quotes are doubled; E'' when a
/// backslash must survive either setting).
pub fn literal(text: &str) -> String {
    if text.contains('\\') {
        format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// `t`, `s.t`, `"S x".t`, `s."T.y"`: the schema (if any) and the table, unquoted (an unquoted
/// part keeps its case as written).
pub fn split_qualified(name: &str) -> Result<(Option<String>, String), String> {
    let mut parts = Vec::new();
    let mut chars = name.trim().chars().peekable();
    let mut current = String::new();
    let mut quoted_part = false;
    while let Some(c) = chars.next() {
        match c {
            '"' if current.is_empty() && !quoted_part => {
                quoted_part = true;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            current.push('"');
                        }
                        Some('"') => break,
                        Some(c) => current.push(c),
                        None => return Err(format!("table name {name:?}: unclosed quote")),
                    }
                }
            }
            '.' => {
                parts.push(std::mem::take(&mut current));
                quoted_part = false;
            }
            c if quoted_part => return Err(format!("table name {name:?}: {c:?} after a quoted part")),
            c => current.push(c),
        }
    }
    parts.push(current);
    if parts.iter().any(String::is_empty) || parts.len() > 2 {
        return Err(format!("table name {name:?}: expected table or schema.table"));
    }
    let table = parts.pop().unwrap_or_default();
    Ok((parts.pop(), table))
}

/// 1-based line number of a byte offset (an offset past the end counts as the last line).
pub fn line_of_byte(text: &str, byte_offset: usize) -> usize {
    let end = byte_offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Line numbers of many offsets in one text, each found by binary search: a seed file of 100,000
/// rows asks for hundreds of thousands of them.
pub struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        LineIndex {
            newlines: text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect(),
        }
    }

    /// As `line_of_byte`.
    pub fn line_of(&self, byte_offset: usize) -> usize {
        self.newlines.partition_point(|&newline| newline < byte_offset) + 1
    }
}

/// Byte offset of a PostgreSQL error position: 1-based and counted in characters.
/// `None` when the position is unset (0) or beyond the text.
pub fn byte_of_char_position(text: &str, position: i32) -> Option<usize> {
    if position <= 0 {
        return None;
    }
    let index = (position - 1) as usize;
    if index == text.chars().count() {
        return Some(text.len()); // "at end of input"
    }
    text.char_indices().nth(index).map(|(byte, _)| byte)
}

/// Skip whitespace, `-- line` comments and (nested) `/* block */` comments from `start`:
/// PostgreSQL's statement locations include what precedes the first token.
pub fn skip_blanks_and_comments(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = start.min(bytes.len());
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if bytes[at..].starts_with(b"--") {
            match bytes[at..].iter().position(|&b| b == b'\n') {
                Some(newline) => at += newline + 1,
                None => return bytes.len(),
            }
        } else if bytes[at..].starts_with(b"/*") {
            let mut depth = 0usize;
            while at < bytes.len() {
                if bytes[at..].starts_with(b"/*") {
                    depth += 1;
                    at += 2;
                } else if bytes[at..].starts_with(b"*/") {
                    depth -= 1;
                    at += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    at += 1;
                }
            }
        } else {
            return at;
        }
    }
}

/// The first line of the statement starting at `start`, shortened for a message.
pub fn excerpt(text: &str, start: usize) -> String {
    const MAX_CHARS: usize = 80;
    let rest = &text[start.min(text.len())..];
    let line = rest.lines().next().unwrap_or("").trim_end();
    if line.chars().count() > MAX_CHARS {
        let cut: String = line.chars().take(MAX_CHARS).collect();
        format!("{cut}...")
    } else {
        line.to_string()
    }
}

/// True when nothing but blanks and comments remain in `text`.
pub fn is_blank(text: &str) -> bool {
    skip_blanks_and_comments(text, 0) == text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one() {
        let text = "a\nb\nc";
        assert_eq!(line_of_byte(text, 0), 1);
        assert_eq!(line_of_byte(text, 2), 2);
        assert_eq!(line_of_byte(text, 4), 3);
        assert_eq!(line_of_byte(text, 999), 3);
    }

    #[test]
    fn the_line_index_agrees_with_line_of_byte() {
        let text = "a\nbc\n\nd";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(index.line_of(offset), line_of_byte(text, offset), "offset {offset}");
        }
    }

    #[test]
    fn char_positions_become_byte_offsets() {
        let text = "SELECT 'é', x";
        assert_eq!(byte_of_char_position(text, 1), Some(0));
        // 'é' is two bytes: the 13th character (x) is at byte 13, not 12.
        assert_eq!(byte_of_char_position(text, 13), Some(13));
        assert_eq!(byte_of_char_position(text, 14), Some(text.len()));
        assert_eq!(byte_of_char_position(text, 15), None);
        assert_eq!(byte_of_char_position(text, 0), None);
        assert_eq!(byte_of_char_position(text, -3), None);
    }

    #[test]
    fn leading_comments_are_skipped() {
        let text = ";\n  -- a comment\n/* block /* nested */ still */\nCREATE TABLE t ();";
        let at = skip_blanks_and_comments(text, 1);
        assert!(text[at..].starts_with("CREATE TABLE"));
        assert_eq!(line_of_byte(text, at), 4);
    }

    #[test]
    fn unterminated_comments_reach_the_end() {
        assert_eq!(skip_blanks_and_comments("-- only", 0), 7);
        assert_eq!(skip_blanks_and_comments("/* open", 0), 7);
        assert!(is_blank("  \n-- nothing\n/* here */\n"));
        assert!(!is_blank("-- x\nSELECT 1"));
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("CREATE TABLE t (\n  id int);", 0), "CREATE TABLE t (");
        let long = format!("SELECT {}", "x".repeat(200));
        let short = excerpt(&long, 0);
        assert!(short.ends_with("...") && short.chars().count() == 83);
    }
}
