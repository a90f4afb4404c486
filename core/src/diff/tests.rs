//! The planner over hand-written snapshots: order, online patterns, hazards, renames.
//! (The round trip over real databases is the CLI tier's, tests/cli/diff.rs.)

use super::*;
use serde_json::json;

fn snapshot(value: serde_json::Value) -> Snapshot {
    let mut value = value;
    value["server_version_num"] = json!(150000);
    serde_json::from_value(value).unwrap()
}

fn table(name: &str, columns: serde_json::Value) -> serde_json::Value {
    json!({"schema": "public", "name": name, "kind": "r", "columns": columns})
}

fn column(name: &str, data_type: &str) -> serde_json::Value {
    json!({"name": name, "type": data_type, "local": true})
}

fn ddl(statements: &[Statement]) -> Vec<String> {
    statements.iter().map(|s| s.ddl.clone()).collect()
}

fn allow_all() -> Options {
    Options { allow_hazards: vec!["all".into()], ..Options::default() }
}

#[test]
fn identical_snapshots_give_no_statement() {
    let s = snapshot(json!({"relations": [table("t", json!([column("id", "integer")]))]}));
    assert!(plan(&s, &s, &Options::default()).unwrap().is_empty());
}

#[test]
fn something_that_is_not_a_snapshot_is_refused_rather_than_read_as_empty() {
    let s = snapshot(json!({"relations": [table("t", json!([column("id", "integer")]))]}));
    let error = plan(&s, &Snapshot::default(), &allow_all()).unwrap_err();
    assert!(
        matches!(error, DiffError::Options(ref m) if m.contains("desired is not a catalog snapshot")),
        "{error}"
    );
}

#[test]
fn dropping_a_column_is_refused_unless_allowed() {
    let before =
        snapshot(json!({"relations": [table("t", json!([column("id", "integer"), column("old", "text")]))]}));
    let after = snapshot(json!({"relations": [table("t", json!([column("id", "integer")]))]}));
    let error = plan(&before, &after, &Options::default()).unwrap_err();
    assert_eq!(
        error,
        DiffError::Refused {
            hazard: Hazard::DeletesData,
            statements: vec!["ALTER TABLE public.t DROP COLUMN old".into()]
        }
    );
    let allowed = Options { allow_hazards: vec!["deletes_data".into()], ..Options::default() };
    assert_eq!(ddl(&plan(&before, &after, &allowed).unwrap()), vec!["ALTER TABLE public.t DROP COLUMN old"]);
}

#[test]
fn unknown_hazard_names_are_refused() {
    let s = snapshot(json!({}));
    let options = Options { allow_hazards: vec!["deletes".into()], ..Options::default() };
    assert!(
        matches!(plan(&s, &s, &options), Err(DiffError::Options(m)) if m.contains("unknown hazard \"deletes\""))
    );
}

#[test]
fn creates_follow_dependencies_and_drops_go_in_reverse() {
    let schema = json!({"name": "app"});
    let typ = json!({"schema": "app", "name": "mood", "kind": "e", "enum_values": ["a", "b"]});
    let t = json!({"schema": "app", "name": "t", "kind": "r", "columns": [column("m", "app.mood")]});
    let view = json!({"schema": "app", "name": "v", "kind": "v", "definition": " SELECT t.m FROM app.t;",
                      "columns": [column("m", "app.mood")]});
    let deps = json!([
        [["type", "app", "mood", ""], ["schema", "app", "", ""]],
        [["relation", "app", "t", ""], ["schema", "app", "", ""]],
        [["column", "app", "t", "m"], ["type", "app", "mood", ""]],
        [["relation", "app", "v", ""], ["column", "app", "t", "m"]]
    ]);
    let empty = snapshot(json!({}));
    let full =
        snapshot(json!({"schemas": [schema], "types": [typ], "relations": [view, t], "dependencies": deps}));
    let up = ddl(&plan(&empty, &full, &Options::default()).unwrap());
    assert_eq!(up[0], "CREATE SCHEMA app");
    assert_eq!(up[1], "CREATE TYPE app.mood AS ENUM ('a', 'b')");
    assert!(up[2].starts_with("CREATE TABLE app.t ("), "{up:?}");
    assert!(up[3].starts_with("CREATE VIEW app.v AS\nSELECT t.m FROM app.t"), "{up:?}");
    let down = ddl(&plan(&full, &empty, &allow_all()).unwrap());
    assert_eq!(down, vec!["DROP VIEW app.v", "DROP TABLE app.t", "DROP TYPE app.mood", "DROP SCHEMA app"]);
}

#[test]
fn a_view_is_dropped_and_recreated_around_a_column_type_change() {
    let deps = json!([[["relation", "public", "v", ""], ["column", "public", "t", "n"]]]);
    let view = |t: &str| json!({"schema": "public", "name": "v", "kind": "v", "definition": " SELECT t.n FROM public.t;", "columns": [column("n", t)]});
    let before = snapshot(
        json!({"relations": [table("t", json!([column("n", "integer")])), view("integer")], "dependencies": deps}),
    );
    let after = snapshot(
        json!({"relations": [table("t", json!([column("n", "bigint")])), view("bigint")], "dependencies": deps}),
    );
    let statements = plan(&before, &after, &Options::default()).unwrap();
    assert_eq!(
        ddl(&statements),
        vec![
            "DROP VIEW public.v",
            "ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint",
            "CREATE VIEW public.v AS\nSELECT t.n FROM public.t",
        ]
    );
    // The type change is what recreates the view: it says so.
    assert!(statements[1].hazards.contains(&Hazard::ImpactsDependents), "{:?}", statements[1].hazards);
    assert!(statements[1].hazards.contains(&Hazard::RewritesTable));
}

#[test]
fn online_patterns_on_existing_tables_and_plain_statements_on_new_ones() {
    let index = json!({"schema": "public", "table": "t", "name": "t_n", "definition": "CREATE INDEX t_n ON public.t USING btree (n)"});
    let fk = json!({"schema": "public", "table": "t", "name": "t_fk", "kind": "f", "definition": "FOREIGN KEY (n) REFERENCES public.p(id)", "validated": true, "local": true});
    let before = snapshot(
        json!({"relations": [table("t", json!([column("n", "integer")])), table("p", json!([column("id", "integer")]))]}),
    );
    let after = snapshot(
        json!({"relations": [table("t", json!([column("n", "integer")])), table("p", json!([column("id", "integer")]))],
                                "indexes": [index], "constraints": [fk]}),
    );
    let statements = plan(&before, &after, &Options::default()).unwrap();
    assert_eq!(
        ddl(&statements),
        vec![
            "CREATE INDEX CONCURRENTLY t_n ON public.t USING btree (n)",
            "ALTER TABLE public.t ADD CONSTRAINT t_fk FOREIGN KEY (n) REFERENCES public.p(id) NOT VALID",
            "ALTER TABLE public.t VALIDATE CONSTRAINT t_fk",
        ]
    );
    assert!(!statements[0].transactional);
    assert_eq!(statements[1].lock_mode, Some("SHARE ROW EXCLUSIVE"));
    let offline = Options { online: Some(false), ..Options::default() };
    assert_eq!(
        ddl(&plan(&before, &after, &offline).unwrap())[0],
        "CREATE INDEX t_n ON public.t USING btree (n)"
    );
    // On a table the plan creates, nothing to protect: plain statements.
    let empty = snapshot(json!({}));
    let fresh = ddl(&plan(&empty, &after, &Options::default()).unwrap());
    assert!(fresh.contains(&"CREATE INDEX t_n ON public.t USING btree (n)".to_string()), "{fresh:?}");
}

#[test]
fn set_not_null_goes_through_a_validated_check() {
    let before = snapshot(json!({"relations": [table("t", json!([column("n", "integer")]))]}));
    let after = snapshot(
        json!({"relations": [table("t", json!([{"name": "n", "type": "integer", "local": true, "not_null": true}]))]}),
    );
    assert_eq!(
        ddl(&plan(&before, &after, &Options::default()).unwrap()),
        vec![
            "ALTER TABLE public.t ADD CONSTRAINT t_n_not_null CHECK (n IS NOT NULL) NOT VALID",
            "ALTER TABLE public.t VALIDATE CONSTRAINT t_n_not_null",
            "ALTER TABLE public.t ALTER COLUMN n SET NOT NULL",
            "ALTER TABLE public.t DROP CONSTRAINT t_n_not_null",
        ]
    );
}

#[test]
fn a_declared_rename_keeps_the_table_and_is_never_guessed() {
    let before = snapshot(json!({"relations": [table("customers", json!([column("id", "integer")]))]}));
    let after = snapshot(json!({"relations": [table("clients", json!([column("id", "integer")]))]}));
    // Undeclared: a drop and a create, which deletes data and is refused by default.
    assert!(matches!(plan(&before, &after, &Options::default()), Err(DiffError::Refused { .. })));
    let renamed = Options {
        renames: vec![Rename {
            kind: "table".into(),
            from: "public.customers".into(),
            to: "public.clients".into(),
        }],
        ..Options::default()
    };
    assert_eq!(
        ddl(&plan(&before, &after, &renamed).unwrap()),
        vec!["ALTER TABLE public.customers RENAME TO clients"]
    );
    // Already applied: the declaration is a no-op.
    assert!(plan(&after, &after, &renamed).unwrap().is_empty());
}

#[test]
fn names_are_quoted_as_the_server_would() {
    let after = snapshot(json!({"reserved_words": ["select", "user"],
        "relations": [{"schema": "My Schema", "name": "select", "kind": "r", "columns": [column("user", "text"), column("a\"b", "integer")]}]}));
    let statements = ddl(&plan(&snapshot(json!({})), &after, &Options::default()).unwrap());
    assert_eq!(
        statements[0],
        "CREATE TABLE \"My Schema\".\"select\" (\n    \"user\" text,\n    \"a\"\"b\" integer\n)"
    );
}

#[test]
fn the_plan_is_the_same_every_time() {
    let after =
        snapshot(json!({"relations": [table("b", json!([])), table("a", json!([])), table("c", json!([]))]}));
    let first = ddl(&plan(&snapshot(json!({})), &after, &Options::default()).unwrap());
    for _ in 0..5 {
        assert_eq!(ddl(&plan(&snapshot(json!({})), &after, &Options::default()).unwrap()), first);
    }
    assert!(first[0].contains("public.a") && first[1].contains("public.b") && first[2].contains("public.c"));
}

#[test]
fn an_enum_value_removed_while_a_column_uses_it_rebuilds_the_type_and_converts_the_column() {
    let typ = |values: serde_json::Value| json!({"schema": "public", "name": "mood", "kind": "e", "enum_values": values});
    let deps = json!([[["column", "public", "t", "m"], ["type", "public", "mood", ""]]]);
    let t = table("t", json!([column("m", "public.mood")]));
    let before =
        snapshot(json!({"types": [typ(json!(["a", "b"]))], "relations": [t.clone()], "dependencies": deps}));
    let after = snapshot(json!({"types": [typ(json!(["a"]))], "relations": [t], "dependencies": deps}));
    assert_eq!(
        ddl(&plan(&before, &after, &Options::default()).unwrap()),
        vec![
            "ALTER TYPE public.mood RENAME TO mood_cft_old",
            "CREATE TYPE public.mood AS ENUM ('a')",
            "ALTER TABLE public.t ALTER COLUMN m TYPE public.mood USING m::text::public.mood",
            "DROP TYPE public.mood_cft_old",
        ]
    );
}

#[test]
fn a_domain_whose_base_type_changes_under_a_column_is_refused_naming_both() {
    let domain = |base: &str| json!({"schema": "public", "name": "code", "kind": "d", "base_type": base});
    let deps = json!([[["column", "public", "t", "c"], ["type", "public", "code", ""]]]);
    let t = table("t", json!([column("c", "public.code")]));
    let before =
        snapshot(json!({"types": [domain("integer")], "relations": [t.clone()], "dependencies": deps}));
    let after = snapshot(json!({"types": [domain("bigint")], "relations": [t], "dependencies": deps}));
    let error = plan(&before, &after, &allow_all()).unwrap_err();
    assert!(
        matches!(&error, DiffError::Unsupported(m) if m.contains("public.t.c") && m.contains("public.code")),
        "{error}"
    );
}

#[test]
fn a_type_change_moves_off_a_dropped_type_before_the_drop() {
    let typ = json!({"schema": "public", "name": "mood", "kind": "e", "enum_values": ["a"]});
    let before =
        snapshot(json!({"types": [typ], "relations": [table("t", json!([column("m", "public.mood")]))],
        "dependencies": [[["column", "public", "t", "m"], ["type", "public", "mood", ""]]]}));
    let after = snapshot(json!({"relations": [table("t", json!([column("m", "text")]))]}));
    assert_eq!(
        ddl(&plan(&before, &after, &allow_all()).unwrap()),
        vec!["ALTER TABLE public.t ALTER COLUMN m TYPE text USING m::text", "DROP TYPE public.mood"]
    );
}
