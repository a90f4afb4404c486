//! In-server tests (`cargo pgrx test`): what only a running backend can show.
//! pgrx runs them from schema `tests`, each in a transaction that is rolled back.

use pgrx::prelude::*;

#[pg_schema]
mod tests {
    use crate::server::error_position::ErrorPositionProbe;
    use crate::server::guc_scope::GucScope;
    use crate::server::parser::{split_statements, StatementKind};
    use crate::server::scratch_context::ScratchContext;
    use crate::server::subtransaction::in_subtransaction;
    use pgrx::prelude::*;
    use pgrx::PgTryBuilder;

    #[pg_test]
    fn build_from_applies_and_records() {
        let hash = Spi::get_one::<String>(
            "SELECT schema_hash FROM confiture.build_from(ARRAY['CREATE TABLE t1 (id int);'], ARRAY['a.sql'])",
        )
        .unwrap()
        .unwrap();
        let expected = Spi::get_one::<String>(
            "SELECT confiture.schema_hash(ARRAY['CREATE TABLE t1 (id int);'], ARRAY['a.sql'])",
        );
        assert_eq!(Some(hash), expected.unwrap());
        assert_eq!(Spi::get_one::<i64>("SELECT count(*) FROM confiture.build_history").unwrap(), Some(1));
        assert_eq!(Spi::get_one::<bool>("SELECT to_regclass('t1') IS NOT NULL").unwrap(), Some(true));
    }

    #[pg_test]
    fn the_scratch_context_is_switched_back_when_an_error_unwinds() {
        let before = unsafe { pg_sys::CurrentMemoryContext };
        PgTryBuilder::new(|| {
            let _scratch = ScratchContext::enter();
            assert_ne!(before, unsafe { pg_sys::CurrentMemoryContext });
            pgrx::error!("raised inside the scratch context");
        })
        .catch_others(|_| ())
        .execute();
        assert_eq!(before, unsafe { pg_sys::CurrentMemoryContext });
    }

    #[pg_test]
    fn the_probe_reads_positions_and_pops_itself() {
        let before = unsafe { pg_sys::error_context_stack };
        {
            let probe = ErrorPositionProbe::install();
            PgTryBuilder::new(|| Spi::run("SELECT 1 FROM no_such_table").map_err(|e| e.to_string()))
                .catch_others(|_| Ok(()))
                .execute()
                .unwrap();
            // SPI reports the position in the query it ran: "no_such_table" starts at char 15.
            assert_eq!(probe.position().internal, 15);
            probe.clear();
            assert_eq!(probe.position().internal, 0);
        }
        assert_eq!(before, unsafe { pg_sys::error_context_stack });
    }

    #[pg_test]
    fn statements_come_with_postgres_locations_and_kinds() {
        let text = "CREATE TABLE a (v text DEFAULT ';');\nBEGIN;\nCOPY a FROM STDIN;\nCOPY a FROM '/tmp/x';";
        let statements = split_statements(text, || None).unwrap_or_else(|_| panic!("parse failed"));
        let kinds: Vec<StatementKind> = statements.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                StatementKind::Plain,
                StatementKind::TransactionControl,
                StatementKind::CopyWithClient,
                StatementKind::Plain
            ]
        );
        assert_eq!(&text[statements[0].start..statements[0].end], "CREATE TABLE a (v text DEFAULT ';')");
        // Locations include what precedes the first token; the `;` is not part of a statement.
        assert_eq!(&text[statements[3].start..statements[3].end], "\nCOPY a FROM '/tmp/x'");
        // A last statement without `;` runs to the end of the text.
        let unterminated =
            split_statements("SELECT 1; SELECT 2", || None).unwrap_or_else(|_| panic!("parse failed"));
        assert_eq!(unterminated[1].end, "SELECT 1; SELECT 2".len());
    }

    #[pg_test]
    fn a_syntax_error_points_at_its_statement() {
        let text = "SELECT 1;\nSELECT 2;\nSELEC 3;";
        let error = split_statements(text, || Some(20)).expect_err("a syntax error");
        assert_eq!(error.error_at, Some(20));
        assert_eq!(error.statement_from, 19); // just past the second ';'
    }

    #[pg_test]
    fn the_guc_scope_undoes_session_settings() {
        Spi::run("SET statement_timeout = '7min'").unwrap();
        let scope = GucScope::enter(&[(c"check_function_bodies", c"off")]);
        assert_eq!(Spi::get_one::<String>("SHOW check_function_bodies").unwrap().as_deref(), Some("off"));
        Spi::run("SET statement_timeout = 0").unwrap();
        scope.leave();
        assert_eq!(Spi::get_one::<String>("SHOW statement_timeout").unwrap().as_deref(), Some("7min"));
        assert_eq!(Spi::get_one::<String>("SHOW check_function_bodies").unwrap().as_deref(), Some("on"));
    }

    fn count(table: &str) -> i64 {
        Spi::get_one::<i64>(&format!("SELECT count(*) FROM {table}")).unwrap().unwrap()
    }

    #[pg_test]
    fn a_failing_subtransaction_is_rolled_back_and_the_session_goes_on() {
        Spi::run("CREATE TABLE sub_t (id int)").unwrap();
        let (context, owner) = unsafe { (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner) };
        let failed = in_subtransaction(|| {
            Spi::run("INSERT INTO sub_t VALUES (1)").unwrap();
            Spi::run("SELECT 1 / 0").unwrap();
        });
        assert!(failed.is_err());
        assert_eq!(count("sub_t"), 0, "the failed subtransaction's insert must be gone");
        assert_eq!((context, owner), unsafe { (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner) });
        let kept = in_subtransaction(|| Spi::run("INSERT INTO sub_t VALUES (2)").unwrap());
        assert!(kept.is_ok());
        assert_eq!(count("sub_t"), 1, "a released subtransaction's insert stays");
        assert_eq!((context, owner), unsafe { (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner) });
    }

    #[pg_test]
    fn subtransactions_nest() {
        Spi::run("CREATE TABLE nest_t (id int)").unwrap();
        let outer = in_subtransaction(|| {
            Spi::run("INSERT INTO nest_t VALUES (1)").unwrap();
            let inner = in_subtransaction(|| {
                Spi::run("INSERT INTO nest_t VALUES (2)").unwrap();
                pgrx::error!("inner failure");
            });
            assert!(inner.is_err());
            Spi::run("INSERT INTO nest_t VALUES (3)").unwrap();
        });
        assert!(outer.is_ok());
        assert_eq!(Spi::get_one::<i64>("SELECT sum(id) FROM nest_t").unwrap(), Some(4));
        // After many failures the backend is still healthy (no leaked resource owners or SPI frames).
        for _ in 0..100 {
            assert!(in_subtransaction(|| Spi::run("SELECT no_such_column FROM nest_t").unwrap()).is_err());
        }
        assert_eq!(count("nest_t"), 2);
    }
}
