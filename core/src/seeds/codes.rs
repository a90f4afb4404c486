//! The finding codes: stable names (documented in docs/seeds.md), each with its level, severity
//! and the advice that goes with it.

use super::Severity;

macro_rules! codes {
    ($($variant:ident = ($name:literal, $level:expr, $severity:ident, $hint:expr);)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name),* }
            }

            pub fn level(self) -> i32 {
                match self { $(Code::$variant => $level),* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity),* }
            }

            pub fn hint(self) -> &'static str {
                match self { $(Code::$variant => $hint),* }
            }
        }
    };
}

codes! {
    SeedUnparseable = ("SEED_UNPARSEABLE", 1, Error,
        "Fix the syntax error; until then no statement of the file is checked or run.");
    PrepSeedTargetMismatch = ("PREP_SEED_TARGET_MISMATCH", 1, Error,
        "Seed files load the staging schema; the resolvers copy the rows into the final tables.");
    InvalidUuidFormat = ("INVALID_UUID_FORMAT", 1, Error,
        "A UUID is 32 hexadecimal digits, grouped 8-4-4-4-12: 0b1e6f52-8c3a-4d7e-9f10-2a4b6c8d0e1f.");
    UnionTypeMismatch = ("UNION_TYPE_MISMATCH", 1, Error,
        "Give the column the same type in every branch of the UNION, with explicit casts.");
    UnionUncastNull = ("UNION_UNCAST_NULL", 1, Warning,
        "Write the NULL with the column's type (NULL::uuid, NULL::timestamptz) so every branch agrees.");
    InvalidFkNaming = ("INVALID_FK_NAMING", 1, Error,
        "A staging column holding a parent's UUID is named fk_<parent>_id; the final column fk_<parent>.");
    MissingTargetTable = ("MISSING_TARGET_TABLE", 2, Error,
        "Create the table (in db/schema/) or correct the name in the seed file.");
    MissingTargetColumn = ("MISSING_TARGET_COLUMN", 2, Error,
        "Add the column to the table or correct the name in the seed file.");
    MissingFinalTable = ("MISSING_FINAL_TABLE", 2, Error,
        "Every staging table needs its final table of the same name in the final schema.");
    MissingFkMapping = ("MISSING_FK_MAPPING", 2, Error,
        "Add the BIGINT column fk_<parent> to the final table, or rename the staging column.");
    MissingParentTable = ("MISSING_PARENT_TABLE", 2, Error,
        "Declare the final column with REFERENCES <parent table>, or name it after an existing table.");
    MissingFinalColumn = ("MISSING_FINAL_COLUMN", 2, Warning,
        "The resolver has nowhere to copy this staging column: add it to the final table or drop it.");
    MissingResolverFunction = ("MISSING_RESOLVER_FUNCTION", 3, Error,
        "Create the resolver: it inserts the staging rows into the final table, joining each parent.");
    MissingFkTransformation = ("MISSING_FK_TRANSFORMATION", 3, Error,
        "Join the parent's final table on id = fk_<parent>_id and insert its pk_<parent> as fk_<parent>.");
    SchemaDriftInResolver = ("SCHEMA_DRIFT_IN_RESOLVER", 3, Critical,
        "The resolver names a table or column that is not in the database any more: update it.");
    ResolverNotRead = ("RESOLVER_NOT_READ", 3, Warning,
        "Write the resolver in LANGUAGE sql or plpgsql without dynamic SQL so that it can be checked.");
    SeedStatementFailed = ("SEED_STATEMENT_FAILED", 4, Error,
        "Fix the statement; the statements after it were run against the effects of those before.");
    SequenceNotRestored = ("SEQUENCE_NOT_RESTORED", 4, Warning,
        "The seeds drew from a sequence that no table they write owns; it was not put back, since another session may use it. Own it (ALTER SEQUENCE ... OWNED BY) or leave nextval() out of the seeds.");
    ResolverFailed = ("RESOLVER_FAILED", 5, Error,
        "Run the resolver on a copy of the data to see the failing statement; fix it or the seed rows.");
    NullFkAfterResolution = ("NULL_FK_AFTER_RESOLUTION", 5, Critical,
        "The row names a parent UUID that no seed row has: add the parent row or correct the UUID.");
    UniqueConstraintViolation = ("UNIQUE_CONSTRAINT_VIOLATION", 5, Error,
        "Two seed rows carry the same key: remove the duplicate or change one of them.");
    CheckConstraintViolation = ("CHECK_CONSTRAINT_VIOLATION", 5, Error,
        "Correct the row's values so that the CHECK constraint holds.");
    NotNullViolation = ("NOT_NULL_VIOLATION", 5, Error,
        "Give the column a value in the seed row, or have the resolver fill it.");
    FkConstraintViolation = ("FK_CONSTRAINT_VIOLATION", 5, Error,
        "The referenced row does not exist after the seeds and resolvers ran: add it or fix the key.");
    RowCount = ("ROW_COUNT", 5, Info,
        "How many rows each table holds after the seeds and resolvers ran (rolled back).");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_screaming_snake_case_and_unique() {
        assert_eq!(Code::SeedUnparseable.name(), "SEED_UNPARSEABLE");
        assert_eq!(Code::NullFkAfterResolution.name(), "NULL_FK_AFTER_RESOLUTION");
        let mut names: Vec<_> = Code::ALL.iter().map(|c| c.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }

    #[test]
    fn levels_run_one_to_five() {
        assert!(Code::ALL.iter().all(|c| (1..=5).contains(&c.level())));
        assert_eq!(Code::SchemaDriftInResolver.severity(), Severity::Critical);
    }
}
