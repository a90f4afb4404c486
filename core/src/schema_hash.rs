//! The schema hash: SHA-256 over the canonical form of a build's sources, version 2.
//!
//! Canonical form v2: for each source, in build order, the bytes of its name (the path relative
//! to the project root, `/`-separated), one NUL byte, its content exactly as built, and one NUL
//! byte. The digest is written as 64 lowercase hex digits. (Version 1 collapsed CRLF to LF, but a
//! CR inside a string literal is built: CRLF and LF copies of a project could share a hash, and
//! so a template, while building different databases.)
//! NUL cannot occur in a PostgreSQL `text` value nor in a path, so the framing is unambiguous.
//!
//! The extension and the CLI both use this code, so both compute the identical value. Test
//! vectors live in docs/build.md.

use sha2::{Digest, Sha256};

/// Hash `(name, content)` pairs in order.
pub fn schema_hash<'a, I>(sources: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut hasher = Sha256::new();
    for (name, content) in sources {
        hasher.update(name.as_bytes());
        hasher.update([0u8]);
        hasher.update(content.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A migration's checksum: SHA-256 of its text with CRLF collapsed to LF, as 64 hex digits.
pub fn text_checksum(text: &str) -> String {
    let mut hasher = Sha256::new();
    let mut pieces = text.split("\r\n");
    if let Some(first) = pieces.next() {
        hasher.update(first.as_bytes());
    }
    for piece in pieces {
        hasher.update(b"\n");
        hasher.update(piece.as_bytes());
    }
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_checksums_ignore_line_endings() {
        // printf 'SELECT 1;\n' | sha256sum
        let expected = "b4e0497804e46e0a0b0b8c31975b062152d551bac49c3c2e80932567b4085dcd";
        assert_eq!(text_checksum("SELECT 1;\n"), expected);
        assert_eq!(text_checksum("SELECT 1;\r\n"), expected);
        assert_ne!(text_checksum("SELECT 2;\n"), expected);
    }

    #[test]
    fn empty_input_is_the_sha256_of_nothing() {
        assert_eq!(
            schema_hash(std::iter::empty()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn documented_test_vectors() {
        // Computed independently, see docs/build.md:
        //   printf 'a.sql\0SELECT 1;\n\0' | sha256sum
        assert_eq!(
            schema_hash([("a.sql", "SELECT 1;\n")]),
            "f28a3d2d127cbd737cd19177813c322ade87c4755dda40038b9658bed17c1375"
        );
        assert_eq!(
            schema_hash([
                ("db/schema/00_common/00_schema.sql", "CREATE SCHEMA app;\r\n"),
                (
                    "db/schema/10_tables/10_customer.sql",
                    "CREATE TABLE app.customer (id bigint PRIMARY KEY);\n"
                ),
            ]),
            "f443785aca5a23dfdff24090a8e7cf02b06638aaba7c6d9697e8abbd42f2d45c"
        );
    }

    #[test]
    fn crlf_and_lf_copies_differ_as_their_builds_may() {
        // COMMENT ON TABLE t IS 'a<CR><LF>b' keeps the CR in the comment: not the LF copy's build.
        let lf = schema_hash([("a.sql", "COMMENT ON TABLE t IS 'a\nb';\n")]);
        let crlf = schema_hash([("a.sql", "COMMENT ON TABLE t IS 'a\r\nb';\r\n")]);
        assert_ne!(lf, crlf);
    }

    #[test]
    fn a_lone_carriage_return_is_kept() {
        assert_ne!(schema_hash([("a.sql", "x\ry")]), schema_hash([("a.sql", "x\ny")]));
    }

    #[test]
    fn names_and_order_matter() {
        let ab = schema_hash([("a.sql", "1"), ("b.sql", "2")]);
        assert_ne!(ab, schema_hash([("b.sql", "2"), ("a.sql", "1")]));
        assert_ne!(ab, schema_hash([("a.sql", "1"), ("c.sql", "2")]));
    }

    #[test]
    fn framing_is_unambiguous() {
        // Moving bytes between a name and a content, or between sources, changes the hash.
        assert_ne!(schema_hash([("ab", "c")]), schema_hash([("a", "bc")]));
        assert_ne!(schema_hash([("a", "b"), ("c", "")]), schema_hash([("a", "bc")]));
    }
}
