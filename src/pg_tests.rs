//! In-server tests (`cargo pgrx test`): what only a running backend can show.
//! pgrx runs them from schema `tests`, each in a transaction that is rolled back.

use pgrx::prelude::*;

#[pg_schema]
mod tests {
    use crate::server::error_position::ErrorPositionProbe;
    use crate::server::guc_scope::GucScope;
    use crate::server::parser::{split_statements, StatementKind};
    use crate::server::scope::Scope;
    use crate::server::scratch_context::ScratchContext;
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
        let failed = Scope::kept_on_success().run(|_| {
            Spi::run("INSERT INTO sub_t VALUES (1)").unwrap();
            Spi::run("SELECT 1 / 0").unwrap();
        });
        assert!(failed.is_err());
        assert_eq!(count("sub_t"), 0, "the failed subtransaction's insert must be gone");
        assert_eq!((context, owner), unsafe { (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner) });
        let kept = Scope::kept_on_success().run(|_| Spi::run("INSERT INTO sub_t VALUES (2)").unwrap());
        assert!(kept.is_ok());
        assert_eq!(count("sub_t"), 1, "a released subtransaction's insert stays");
        assert_eq!((context, owner), unsafe { (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner) });
    }

    #[pg_test]
    fn subtransactions_nest() {
        Spi::run("CREATE TABLE nest_t (id int)").unwrap();
        let outer = Scope::kept_on_success().run(|_| {
            Spi::run("INSERT INTO nest_t VALUES (1)").unwrap();
            let inner = Scope::kept_on_success().run(|_| {
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
            assert!(Scope::kept_on_success()
                .run(|_| Spi::run("SELECT no_such_column FROM nest_t").unwrap())
                .is_err());
        }
        assert_eq!(count("nest_t"), 2);
    }

    #[pg_test]
    fn a_scope_puts_settings_back_kept_or_rolled_back() {
        Spi::run("SET search_path = public").unwrap();
        let kept = Scope::kept_on_success().run(|_| Spi::run("SET search_path = pg_catalog").unwrap());
        assert!(kept.is_ok());
        let rolled = Scope::rolled_back()
            .run(|_| Spi::run("SELECT set_config('search_path', 'tests', false)").unwrap());
        assert!(rolled.is_ok());
        assert_eq!(Spi::get_one::<String>("SHOW search_path").unwrap().as_deref(), Some("public"));
    }

    #[pg_test]
    fn a_rolled_back_scope_leaves_no_rows() {
        Spi::run("CREATE TABLE rb_t (id int)").unwrap();
        let done = Scope::rolled_back().run(|_| Spi::run("INSERT INTO rb_t VALUES (1)").unwrap());
        assert!(done.is_ok());
        assert_eq!(count("rb_t"), 0);
    }

    #[pg_test]
    fn a_shared_settings_scope_hands_its_settings_to_the_enclosing_one() {
        Spi::run("SET search_path = public").unwrap();
        let outer = Scope::kept_on_success().run(|_| {
            let inner = Scope::kept_on_success()
                .sharing_settings()
                .run(|_| Spi::run("SET search_path = pg_catalog").unwrap());
            assert!(inner.is_ok());
            Spi::get_one::<String>("SHOW search_path").unwrap()
        });
        assert_eq!(outer.ok().flatten().as_deref(), Some("pg_catalog"));
        assert_eq!(Spi::get_one::<String>("SHOW search_path").unwrap().as_deref(), Some("public"));
        let alone = PgTryBuilder::new(|| {
            let _ = Scope::kept_on_success().sharing_settings().run(|_| ());
            false
        })
        .catch_others(|_| true)
        .execute();
        assert!(alone, "a sharing scope outside any scope is refused");
    }

    #[pg_test]
    fn a_scope_never_swallows_a_cancel() {
        // The timer of statement_timeout is only armed when a top-level statement starts, so the
        // backend cancels itself, as pg_cancel_backend from another session would.
        let code = PgTryBuilder::new(|| {
            let inner = Scope::kept_on_success().run(|_| {
                Spi::run("SELECT pg_cancel_backend(pg_backend_pid())").unwrap();
                Spi::run("SELECT pg_sleep(5)").unwrap()
            });
            format!("returned normally: {}", inner.is_ok())
        })
        .catch_others(|error| match error {
            pgrx::pg_sys::panic::CaughtError::PostgresError(report)
            | pgrx::pg_sys::panic::CaughtError::ErrorReport(report) => {
                crate::errors::sqlstate(report.sql_error_code())
            }
            other => format!("{other:?}"),
        })
        .execute();
        assert_eq!(code, "57014");
    }

    #[pg_test]
    fn sql_functions_return_the_columns_the_cli_reads() {
        use confiture_core::wire::columns;
        let cases: [(&str, &[&str]); 8] = [
            ("lint_schema", &columns::LINT),
            ("validate_seeds", &columns::SEED_FINDING),
            ("apply_seeds", &columns::SEED_APPLIED),
            ("migrate_up", &columns::STEP),
            ("migrate_down", &columns::STEP),
            ("migration_status", &columns::STATUS),
            ("migration_plan", &columns::PLAN),
            ("migration_statements", &columns::STATEMENT),
        ];
        for (function, expected) in cases {
            let names = Spi::get_one::<Vec<String>>(&format!(
                "SELECT array_agg(a.name ORDER BY a.n) FROM pg_proc p, \
                 unnest(p.proargnames, p.proargmodes::text[]) WITH ORDINALITY AS a(name, mode, n) \
                 WHERE p.oid = 'confiture.{function}'::regproc AND a.mode = 't'"
            ))
            .unwrap()
            .unwrap_or_default();
            assert_eq!(names, expected, "{function}");
        }
    }

    /// The loader reads columns and indexes from the catalogs' heaps; what it reads must be what
    /// the SQL it replaced read (kept here as the reference), on every kind of index.
    #[pg_test]
    fn the_catalog_is_read_directly_as_sql_reads_it() {
        use crate::server::catalog_direct::{columns, constraints, indexes, inherits};
        use std::collections::{BTreeSet, HashMap};
        Spi::run(
            "CREATE SCHEMA reads;
             CREATE TABLE reads.t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, gone int, a text COLLATE \"C\" NOT NULL,
                 b int, c jsonb, d numeric(10, 2), e varchar(20), UNIQUE NULLS NOT DISTINCT (b, e));
             ALTER TABLE reads.t DROP COLUMN gone;
             CREATE INDEX t_a_desc ON reads.t (a DESC NULLS FIRST, b) INCLUDE (d) WITH (fillfactor = 70);
             CREATE INDEX t_lower ON reads.t (lower(a)) WHERE b > 0;
             CREATE INDEX t_pattern ON reads.t (a text_pattern_ops);
             CREATE INDEX t_gin ON reads.t USING gin (c jsonb_path_ops);
             CREATE INDEX t_hash ON reads.t USING hash (e);
             CREATE TABLE reads.p (k int, v text, PRIMARY KEY (k)) PARTITION BY RANGE (k);
             CREATE TABLE reads.p1 PARTITION OF reads.p FOR VALUES FROM (0) TO (10);
             CREATE INDEX p_v ON reads.p (v);
             CREATE MATERIALIZED VIEW reads.m AS SELECT id, a FROM reads.t;
             CREATE UNIQUE INDEX m_id ON reads.m (id);
             ALTER TABLE reads.t ADD CHECK (b > -1), ADD CONSTRAINT t_p FOREIGN KEY (b) REFERENCES reads.p (k) NOT VALID;
             SELECT count(*) FROM reads.t WHERE id = 1;",
        )
        .unwrap();
        let oids: Vec<pg_sys::Oid> = Spi::get_one(
            "SELECT array_agg(oid ORDER BY oid) FROM pg_class WHERE relnamespace = 'reads'::regnamespace AND relkind IN ('r', 'p', 'm')",
        )
        .unwrap()
        .unwrap();
        let position: HashMap<u32, usize> = oids.iter().enumerate().map(|(i, o)| (o.to_u32(), i)).collect();
        // The loader reads with the statement's snapshot; this test's statement began before the
        // tables above were created: read with a snapshot that sees them, as a lint's would.
        // SAFETY: pushed here and popped at the end of the test.
        unsafe {
            pg_sys::CommandCounterIncrement();
            pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
        }

        let direct: BTreeSet<String> = columns(&position)
            .into_iter()
            .map(|(i, num, name, (type_oid, typmod), not_null, identity)| {
                format!("{} {num} {name} {type_oid} {typmod} {not_null} {identity}", oids[i].to_u32())
            })
            .collect();
        let by_sql: BTreeSet<String> = Spi::connect(|client| {
            client
                .select(
                    "SELECT format('%s %s %s %s %s %s %s', a.attrelid::int8, a.attnum, a.attname, a.atttypid::int8, a.atttypmod, a.attnotnull::text, (a.attidentity <> '')::text)
                     FROM pg_attribute a WHERE a.attrelid = ANY ($1) AND a.attnum > 0 AND NOT a.attisdropped",
                    None,
                    &[oids.clone().into()],
                )
                .unwrap()
                .map(|row| row.get::<String>(1).unwrap().unwrap())
                .collect()
        });
        assert_eq!(direct.len(), 12);
        assert_eq!(direct, by_sql);

        let (direct_constraints, constraint_indexes) = constraints(&position);
        let direct: BTreeSet<String> = direct_constraints
            .into_iter()
            .map(|(i, referenced, k)| {
                let (name, kind, keys, foreign, valid) =
                    (k.name, k.kind, k.columns, k.ref_columns, k.validated);
                format!("{} {name} {kind} {keys:?} {referenced} {foreign:?} {valid}", oids[i].to_u32())
            })
            .collect();
        let by_sql: BTreeSet<String> = Spi::connect(|client| {
            client
                .select(
                    "SELECT k.conrelid, k.conname::text, k.contype::text, k.conkey, k.confrelid, k.confkey, k.convalidated
                     FROM pg_constraint k WHERE k.conrelid = ANY ($1) AND k.contype IN ('p', 'f', 'c')",
                    None,
                    &[oids.clone().into()],
                )
                .unwrap()
                .map(|row| {
                    format!(
                        "{} {} {} {:?} {} {:?} {}",
                        row.get::<pg_sys::Oid>(1).unwrap().unwrap().to_u32(),
                        row.get::<String>(2).unwrap().unwrap(),
                        row.get::<String>(3).unwrap().unwrap(),
                        row.get::<Vec<i16>>(4).unwrap(),
                        row.get::<pg_sys::Oid>(5).unwrap().unwrap().to_u32(),
                        row.get::<Vec<i16>>(6).unwrap(),
                        row.get::<bool>(7).unwrap().unwrap(),
                    )
                })
                .collect()
        });
        // t: its primary key, a check and a foreign key (not valid) to p, which PostgreSQL
        // records once more for the partition p1; p and p1: their primary keys.
        assert_eq!(direct.len(), 6, "{direct:#?}");
        assert_eq!(direct, by_sql);

        let direct: BTreeSet<String> = indexes(&position, &constraint_indexes, &inherits())
            .into_iter()
            .map(|(i, x)| {
                format!(
                    "{} {} {:?} {} {} {} {} {} {} {} {} [{}] {:?} {:?} {:?} {} {} {:?} {:?} {:?} {:?} {}",
                    oids[i].to_u32(),
                    x.name,
                    x.columns,
                    x.key_columns,
                    x.unique,
                    x.primary,
                    x.valid,
                    x.nulls_not_distinct,
                    x.method,
                    x.expressions,
                    x.partial,
                    x.shape,
                    x.opclasses,
                    x.collations,
                    x.scans,
                    x.constraint,
                    x.attached,
                    x.pages,
                    x.tuples,
                    x.fillfactor,
                    x.rows_fetched,
                    x.oid
                )
            })
            .collect();
        let by_sql: BTreeSet<String> = Spi::connect(|client| {
            client
                .select(
                    "SELECT i.indrelid, ic.relname::text, i.indkey::int2[], i.indnkeyatts, i.indisunique, i.indisprimary,
                            i.indisvalid, i.indnullsnotdistinct, am.amname::text, i.indexprs IS NOT NULL, i.indpred IS NOT NULL,
                            concat_ws(' ', i.indoption::text, i.indexprs::text, i.indpred::text),
                            i.indclass::oid[]::int8[], i.indcollation::oid[]::int8[],
                            pg_stat_get_numscans(i.indexrelid),
                            i.indexrelid IN (SELECT conindid FROM pg_constraint WHERE conindid <> 0),
                            i.indexrelid IN (SELECT inhrelid FROM pg_inherits),
                            ic.relpages::int8, ic.reltuples::float8,
                            CASE WHEN ic.reloptions IS NOT NULL THEN
                                (SELECT o.option_value::int FROM pg_catalog.pg_options_to_table(ic.reloptions) o WHERE o.option_name = 'fillfactor') END,
                            pg_stat_get_tuples_fetched(i.indexrelid), i.indexrelid
                     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
                     WHERE i.indrelid = ANY ($1)",
                    None,
                    &[oids.clone().into()],
                )
                .unwrap()
                .map(|row| {
                    let oids = |n: usize| -> Vec<u32> {
                        row.get::<Vec<i64>>(n).unwrap().unwrap().into_iter().map(|o| o as u32).collect()
                    };
                    format!(
                        "{} {} {:?} {} {} {} {} {} {} {} {} [{}] {:?} {:?} {:?} {} {} {:?} {:?} {:?} {:?} {}",
                        row.get::<pg_sys::Oid>(1).unwrap().unwrap().to_u32(),
                        row.get::<String>(2).unwrap().unwrap(),
                        row.get::<Vec<i16>>(3).unwrap().unwrap(),
                        row.get::<i16>(4).unwrap().unwrap(),
                        row.get::<bool>(5).unwrap().unwrap(),
                        row.get::<bool>(6).unwrap().unwrap(),
                        row.get::<bool>(7).unwrap().unwrap(),
                        row.get::<bool>(8).unwrap().unwrap(),
                        row.get::<String>(9).unwrap().unwrap(),
                        row.get::<bool>(10).unwrap().unwrap(),
                        row.get::<bool>(11).unwrap().unwrap(),
                        row.get::<String>(12).unwrap().unwrap(),
                        oids(13),
                        oids(14),
                        row.get::<i64>(15).unwrap(),
                        row.get::<bool>(16).unwrap().unwrap(),
                        row.get::<bool>(17).unwrap().unwrap(),
                        row.get::<i64>(18).unwrap(),
                        row.get::<f64>(19).unwrap(),
                        row.get::<i32>(20).unwrap(),
                        row.get::<i64>(21).unwrap(),
                        row.get::<pg_sys::Oid>(22).unwrap().unwrap().to_u32(),
                    )
                })
                .collect()
        });
        assert_eq!(direct.len(), 12);
        assert_eq!(direct, by_sql);
        assert!(direct.iter().any(|i| i.contains(" t_a_desc ") && i.contains(" Some(70) ")), "{direct:#?}");
        // SAFETY: pushed above.
        unsafe { pg_sys::PopActiveSnapshot() };
    }

    /// The links from sequences to the columns they feed and from views to what they read come
    /// from one pass over pg_depend; they must be what the SQL they replaced found.
    #[pg_test]
    fn dependencies_are_read_directly_as_sql_reads_them() {
        use crate::server::catalog_loader::{load, Wanted};
        use std::collections::BTreeSet;
        Spi::run(
            "CREATE SCHEMA deps;
             CREATE ROLE deps_owner;
             CREATE SEQUENCE deps.shared;
             CREATE TABLE deps.s (id serial PRIMARY KEY, n int GENERATED BY DEFAULT AS IDENTITY, m bigint DEFAULT nextval('deps.shared'));
             CREATE SEQUENCE deps.owned OWNED BY deps.s.m;
             CREATE TABLE deps.\"Secret\" (id int, v text);
             REVOKE ALL ON deps.\"Secret\" FROM PUBLIC;
             CREATE TABLE deps.guarded (id int);
             ALTER TABLE deps.guarded ENABLE ROW LEVEL SECURITY;
             GRANT SELECT ON deps.guarded, deps.s TO PUBLIC;
             CREATE VIEW deps.v AS SELECT s.id, x.v, g.id AS g FROM deps.s, deps.\"Secret\" x, deps.guarded g;
             CREATE VIEW deps.open AS SELECT id FROM deps.s;
             CREATE MATERIALIZED VIEW deps.mv AS SELECT id FROM deps.guarded;",
        )
        .unwrap();
        // SAFETY: pushed here and popped below (see the_catalog_is_read_directly_as_sql_reads_it).
        unsafe {
            pg_sys::CommandCounterIncrement();
            pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
        }
        let catalog =
            load(&Wanted { column_stats: false, table_age: &|_, _| false, index_age: &|_, _| false })
                .unwrap();
        // SAFETY: pushed above.
        unsafe { pg_sys::PopActiveSnapshot() };

        let direct: BTreeSet<String> = catalog
            .sequences
            .iter()
            .filter(|s| s.schema == "deps")
            .map(|s| format!("{} {:?}", s.name, s.columns))
            .collect();
        let by_sql: BTreeSet<String> = Spi::connect(|client| {
            client
                .select(
                    "SELECT format('%s %s', c.relname, array_agg(format('(%s, %s)', l.tab, l.num) ORDER BY l.tab, l.num))
                     FROM (SELECT s.seqrelid AS seq, d.refobjid::int8 AS tab, d.refobjsubid::int2 AS num
                             FROM pg_sequence s JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                            WHERE d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
                           UNION
                           SELECT s.seqrelid, ad.adrelid::int8, ad.adnum
                             FROM pg_sequence s
                             JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = s.seqrelid AND d.refobjsubid = 0
                             JOIN pg_attrdef ad ON ad.oid = d.objid
                            WHERE d.classid = 'pg_attrdef'::regclass) AS l
                     JOIN pg_class c ON c.oid = l.seq
                     WHERE c.relnamespace = 'deps'::regnamespace
                     GROUP BY c.relname",
                    None,
                    &[],
                )
                .unwrap()
                .map(|row| row.get::<String>(1).unwrap().unwrap().replace('{', "[").replace('}', "]").replace('"', ""))
                .collect()
        });
        // s_id_seq (serial), s_n_seq (identity: an int4 one, kept), shared (a default), owned.
        assert_eq!(direct.len(), 4, "{direct:#?}");
        assert_eq!(direct, by_sql);

        let view = |name: &str| catalog.relation("deps", name).unwrap();
        assert_eq!(
            view("v").owner_rights_reads,
            [("deps", "Secret"), ("deps", "guarded")].map(|(s, n)| (s.to_string(), n.to_string()))
        );
        assert_eq!(view("v").reads_rls_tables, Some(vec!["deps.guarded".to_string()]));
        assert!(view("open").owner_rights_reads.is_empty());
        assert_eq!(view("open").reads_rls_tables, Some(vec![]));
        // A materialized view is not a window onto its tables: only its RLS reads are kept.
        assert!(view("mv").owner_rights_reads.is_empty());
        assert_eq!(view("mv").reads_rls_tables, Some(vec!["deps.guarded".to_string()]));
    }

    /// A catalog field read as a type it does not have is an error, never a misread.
    #[pg_test]
    fn a_catalog_field_read_as_another_type_is_an_error() {
        use crate::server::catalog_scan::{attno, scan, Constraints};
        Spi::run("CREATE TABLE typed (id int PRIMARY KEY)").unwrap();
        let conname = attno::<Constraints>(c"conname");
        let message = PgTryBuilder::new(|| {
            scan::<Constraints>(|row| {
                row.oid(conname);
            });
            String::new()
        })
        .catch_others(|e| format!("{e:?}"))
        .execute();
        assert!(message.contains("is not of the type read"), "{message}");
    }
}
