//! What the roles an API uses can read directly (`exposure.schemas` and `exposure.roles`,
//! default: schema public and every role): relations that no row-level security guards.

use crate::catalog::Relation;
use crate::lint::{Context, Level, Report, Rule};
use serde_json::json;

/// `REVOKE SELECT ON relation FROM role, ...` (`public` written as the PUBLIC keyword).
fn revoke_select(ctx: &Context, relation: &Relation, roles: &[&str]) -> String {
    let grantees: Vec<String> = roles
        .iter()
        .map(|r| if *r == "public" { "PUBLIC".to_string() } else { ctx.catalog.ident(r) })
        .collect();
    format!(
        "REVOKE SELECT ON {} FROM {};",
        ctx.catalog.sql_name(&relation.schema, &relation.name),
        grantees.join(", ")
    )
}

/// Report each of `relations` that an exposure role may SELECT directly, when its schema is
/// exposed, saying `why` that matters; `fix` writes the remediation for it and those roles.
fn report_exposed<'a>(
    ctx: &Context,
    report: &mut Report,
    relations: impl Iterator<Item = &'a Relation>,
    why: &str,
    fix: impl Fn(&Relation, &[&str]) -> String,
) {
    for relation in relations {
        let roles = ctx.config.exposure.exposed_to(&relation.schema, &relation.readers);
        if roles.is_empty() {
            continue;
        }
        report.on_relation(
            relation,
            None,
            format!("{} {} is readable by {} {why}", relation.noun(), relation.qualified(), roles.join(", ")),
            json!({"roles": roles}),
        );
        report.remedy(fix(relation, &roles));
    }
}

pub const TABLE_EXPOSED_WITHOUT_RLS: Rule = Rule {
    name: "table_exposed_without_rls",
    category: "security",
    level: Level::Warning,
    rationale: "A table of an exposed schema that an API role may SELECT, without row-level security, shows every row to every caller of that API.",
    remediation: "Enable row-level security with policies for the API roles, or revoke their SELECT.",
    check: |ctx: &Context, report: &mut Report| {
        let tables = ctx.tables().filter(|t| !t.rls_enabled);
        report_exposed(ctx, report, tables, "without row-level security", |table, roles| {
            let name = ctx.catalog.sql_name(&table.schema, &table.name);
            format!("ALTER TABLE {name} ENABLE ROW LEVEL SECURITY; -- then CREATE POLICY ... for {}", roles.join(", "))
        });
    },
};

pub const MATERIALIZED_VIEW_EXPOSED: Rule = Rule {
    name: "materialized_view_exposed",
    category: "security",
    level: Level::Warning,
    rationale: "A materialized view has no row-level security and is filled with its owner's rights: an API role that may SELECT it sees every row it holds, whatever the policies of the tables it was built from.",
    remediation: "Revoke SELECT from the API roles, or move the materialized view to a schema the API does not expose.",
    check: |ctx: &Context, report: &mut Report| {
        let views = ctx.views().filter(|v| v.kind == "m");
        report_exposed(ctx, report, views, "and has no row-level security", |view, roles| revoke_select(ctx, view, roles));
    },
};

pub const FOREIGN_TABLE_EXPOSED: Rule = Rule {
    name: "foreign_table_exposed",
    category: "security",
    level: Level::Warning,
    rationale: "A foreign table has no row-level security: an API role that may SELECT it reads the remote data with the user mapping's rights.",
    remediation: "Revoke SELECT from the API roles, or move the foreign table to a schema the API does not expose.",
    check: |ctx: &Context, report: &mut Report| {
        let foreign = ctx.catalog.relations.iter().filter(|r| r.kind == "f" && !ctx.config.excludes(&r.schema, &r.name));
        report_exposed(ctx, report, foreign, "and has no row-level security", |table, roles| {
            revoke_select(ctx, table, roles)
        });
    },
};

pub const SECURITY_DEFINER_VIEW_EXPOSED: Rule = Rule {
    name: "security_definer_view_exposed",
    category: "security",
    level: Level::Warning,
    rationale: "A view without security_invoker reads its tables with its owner's rights: an API role that may SELECT it bypasses the grants and row-level security of those tables.",
    remediation: "Set security_invoker on the view (PostgreSQL 15+), or revoke SELECT from the API roles.",
    check: |ctx: &Context, report: &mut Report| {
        for view in ctx.views().filter(|v| v.kind == "v" && !v.security_invoker) {
            // Through the view a role sees, with the owner's rights, what it reads: a relation
            // with row-level security, or one the role may not read itself. A view over what
            // its readers can read anyway gives them nothing more.
            let hidden_from = |role: &str| -> Vec<String> {
                let readable = |schema: &str, name: &str| {
                    ctx.catalog.relation(schema, name).is_some_and(|r| {
                        !r.rls_enabled && (r.public_select || r.readers.iter().any(|reader| reader == role))
                    })
                };
                view.owner_rights_reads
                    .iter()
                    .filter(|(schema, name)| role == "public" || !readable(schema, name))
                    .map(|(schema, name)| format!("{schema}.{name}"))
                    .collect()
            };
            let exposed: Vec<(&str, Vec<String>)> = ctx
                .config
                .exposure
                .exposed_to(&view.schema, &view.readers)
                .into_iter()
                .map(|role| (role, hidden_from(role)))
                .filter(|(_, hidden)| !hidden.is_empty())
                .collect();
            if exposed.is_empty() {
                continue;
            }
            let roles: Vec<&str> = exposed.iter().map(|(role, _)| *role).collect();
            let mut reads: Vec<String> = exposed.into_iter().flat_map(|(_, hidden)| hidden).collect();
            reads.sort();
            reads.dedup();
            report.on_relation(
                view,
                None,
                format!(
                    "view {} is readable by {} and runs with its owner's rights over {}",
                    view.qualified(),
                    roles.join(", "),
                    reads.join(", ")
                ),
                json!({"roles": roles, "reads": reads}),
            );
            report.remedy(format!("ALTER VIEW {} SET (security_invoker = true);", ctx.catalog.sql_name(&view.schema, &view.name)));
        }
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{catalog, findings_of, findings_with, table};
    use serde_json::json;

    fn relation(
        name: &str,
        kind: &str,
        schema: &str,
        readers: &[&str],
        extra: serde_json::Value,
    ) -> serde_json::Value {
        let mut r = table(name, &[("id", "int8", "bigint", true)]);
        r["kind"] = json!(kind);
        r["schema"] = json!(schema);
        r["readers"] = json!(readers);
        for (key, value) in extra.as_object().unwrap() {
            r[key] = value.clone();
        }
        r
    }

    #[test]
    fn relations_an_api_role_reads_directly() {
        let catalog = catalog(json!({"relations": [
            relation("open", "r", "public", &["public"], json!({})),
            relation("guarded", "r", "public", &["public"], json!({"rls_enabled": true})),
            relation("private", "r", "public", &[], json!({})),
            relation("elsewhere", "r", "internal", &["public"], json!({})),
            relation("totals", "m", "public", &["public"], json!({})),
            relation("remote", "f", "public", &["public"], json!({})),
            relation("definer_view", "v", "public", &["public"], json!({"owner_rights_reads": [["public", "private"]]})),
            relation("invoker_view", "v", "public", &["public"], json!({"security_invoker": true})),
            relation("api_table", "r", "api", &["web_anon"], json!({})),
            relation("api_secret", "r", "api", &[], json!({})),
            // Over a table its readers may read anyway: nothing more through the view.
            relation("api_view", "v", "api", &["web_anon"], json!({"owner_rights_reads": [["api", "api_table"]]})),
            relation("api_view_secret", "v", "api", &["web_anon"], json!({"owner_rights_reads": [["api", "api_table"], ["api", "api_secret"]]})),
        ]}));
        assert_eq!(findings_of("table_exposed_without_rls", &catalog), ["public.open"]);
        assert_eq!(findings_of("materialized_view_exposed", &catalog), ["public.totals"]);
        assert_eq!(findings_of("foreign_table_exposed", &catalog), ["public.remote"]);
        assert_eq!(findings_of("security_definer_view_exposed", &catalog), ["public.definer_view"]);
        let api = findings_with(
            "table_exposed_without_rls",
            &catalog,
            json!({"exposure": {"schemas": ["api"], "roles": ["web_anon"]}}),
        );
        assert_eq!(api, ["api.api_table"]);
        let api_views = findings_with(
            "security_definer_view_exposed",
            &catalog,
            json!({"exposure": {"schemas": ["api"], "roles": ["web_anon"]}}),
        );
        assert_eq!(api_views, ["api.api_view_secret"]);
    }
}
