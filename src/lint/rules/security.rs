use crate::lint::{Context, Level, Report, Rule, Site};
use serde_json::json;

fn contains_any(name: &str, patterns: &[String]) -> Option<String> {
    let name = name.to_lowercase();
    patterns.iter().find(|p| name.contains(&p.to_lowercase())).cloned()
}

pub const TENANT_TABLE_WITHOUT_TENANT_COLUMN: Rule = Rule {
    name: "tenant_table_without_tenant_column",
    category: "security",
    level: Level::Error,
    rationale: "In a multi-tenant schema, a tenant's table without the tenant column cannot be filtered or protected by row-level security per tenant.",
    remediation: "Add the tenant column (default tenant_id) with a foreign key to the tenant table, or configure tenant.table_patterns.",
    check: |ctx, report| {
        let tenant = &ctx.config.tenant;
        for table in ctx.tables() {
            let lower = table.name.to_lowercase();
            let Some(word) = contains_any(&table.name, &tenant.table_patterns) else { continue };
            // The table named after the word itself (tenant, tenants, ...) is the tenant.
            let word = word.to_lowercase();
            if lower == word || lower == format!("{word}s") {
                continue;
            }
            if !table.columns.iter().any(|c| c.name == tenant.column) {
                report.on_relation(
                    table,
                    None,
                    format!("table {} looks multi-tenant ({word}) but has no {} column", table.qualified(), tenant.column),
                    json!({"matched": word, "tenant_column": tenant.column}),
                );
            }
        }
    },
};

pub const SECRET_COLUMN_PLAIN_TEXT: Rule = Rule {
    name: "secret_column_plain_text",
    category: "security",
    level: Level::Error,
    rationale: "A password, token or key stored as text is readable by anyone who can read the table, its backups and its replicas.",
    remediation: "Store a salted hash (crypt() from pgcrypto) or an encrypted value in bytea; keep raw secrets out of the database.",
    check: |ctx, report| {
        const TEXT_TYPES: &[&str] = &["text", "varchar", "bpchar", "citext"];
        for table in ctx.tables() {
            for column in table.columns.iter().filter(|c| TEXT_TYPES.contains(&c.type_name.as_str())) {
                if let Some(word) = contains_any(&column.name, &ctx.config.secrets.column_patterns) {
                    report.on_relation(
                        table,
                        Some(&column.name),
                        format!("column {}.{} looks like a secret ({word}) stored as {}", table.qualified(), column.name, column.data_type),
                        json!({"column": column.name, "matched": word, "type": column.data_type}),
                    );
                }
            }
        }
    },
};

pub const POLICY_WITHOUT_RLS: Rule = Rule {
    name: "policy_without_rls",
    category: "security",
    level: Level::Error,
    rationale: "Policies do nothing until row-level security is enabled on the table: the rows they are meant to hide are visible.",
    remediation: "ALTER TABLE ... ENABLE ROW LEVEL SECURITY;",
    check: |ctx, report| {
        for table in ctx.tables().filter(|t| !t.rls_enabled && !t.policies.is_empty()) {
            let names: Vec<&str> = table.policies.iter().map(|p| p.name.as_str()).collect();
            report.on_relation(
                table,
                None,
                format!("table {} has policies ({}) but row-level security is disabled", table.qualified(), names.join(", ")),
                json!({"policies": names}),
            );
        }
    },
};

pub const RLS_WITHOUT_POLICY: Rule = Rule {
    name: "rls_without_policy",
    category: "security",
    level: Level::Warning,
    rationale: "With row-level security enabled and no policy, every row is hidden from every role but the owner and BYPASSRLS roles: usually a forgotten policy.",
    remediation: "CREATE POLICY ... ON the table, or DISABLE ROW LEVEL SECURITY if it is not wanted.",
    check: |ctx, report| {
        for table in ctx.tables().filter(|t| t.rls_enabled && t.policies.is_empty()) {
            report.on_relation(table, None, format!("table {} has row-level security enabled but no policy", table.qualified()), json!({}));
        }
    },
};

pub const POLICY_ALWAYS_TRUE: Rule = Rule {
    name: "policy_always_true",
    category: "security",
    level: Level::Warning,
    rationale: "A permissive policy whose USING or WITH CHECK is just true opens every row to the roles it applies to, whatever the other policies say.",
    remediation: "Write the condition the policy is meant to enforce, or drop the policy.",
    check: |ctx, report| {
        for table in ctx.tables() {
            for policy in table.policies.iter().filter(|p| p.permissive) {
                let always = |e: &Option<String>| e.as_deref().is_some_and(|e| e.trim() == "true");
                if always(&policy.using) || always(&policy.with_check) {
                    report.on_relation(
                        table,
                        Some(&policy.name),
                        format!("policy {} on {} is always true", policy.name, table.qualified()),
                        json!({"policy": policy.name, "command": policy.command}),
                    );
                }
            }
        }
    },
};

pub const SECURITY_DEFINER_MUTABLE_SEARCH_PATH: Rule = Rule {
    name: "security_definer_mutable_search_path",
    category: "security",
    level: Level::Error,
    rationale: "A SECURITY DEFINER function without its own search_path resolves names in the caller's search_path: a caller can plant an object that runs with the owner's rights.",
    remediation: "ALTER FUNCTION ... SET search_path = pg_catalog, pg_temp (and schema-qualify the names it uses).",
    check: |ctx: &Context, report: &mut Report| {
        for function in ctx.catalog.functions.iter().filter(|f| f.security_definer && !ctx.schema_excluded(&f.schema)) {
            let pinned = function.config.iter().flatten().any(|setting| setting.starts_with("search_path="));
            if !pinned {
                report.add(
                    Site { schema: Some(&function.schema), object: &function.signature, object_type: "function", detail: None },
                    format!("SECURITY DEFINER function {} does not set search_path", function.signature),
                    json!({"language": function.language}),
                );
            }
        }
    },
};

pub const VIEW_BYPASSES_RLS: Rule = Rule {
    name: "view_bypasses_rls",
    category: "security",
    level: Level::Error,
    rationale: "A view runs with its owner's rights unless security_invoker is set, so it shows the rows that row-level security hides from the caller.",
    remediation: "ALTER VIEW ... SET (security_invoker = true) (PostgreSQL 15+), or revoke SELECT on the view.",
    check: |ctx, report| {
        for view in ctx.views().filter(|v| !v.security_invoker) {
            let tables = view.reads_rls_tables.clone().unwrap_or_default();
            if !tables.is_empty() {
                report.on_relation(
                    view,
                    None,
                    format!("view {} reads tables with row-level security ({}) with its owner's rights", view.qualified(), tables.join(", ")),
                    json!({"tables": tables}),
                );
            }
        }
    },
};

pub const EXTENSION_IN_PUBLIC: Rule = Rule {
    name: "extension_in_public",
    category: "security",
    level: Level::Warning,
    rationale: "Objects of an extension installed in public share a namespace that every role searches and, on old clusters, can create in.",
    remediation: "Install extensions in their own schema: CREATE SCHEMA extensions; ALTER EXTENSION ... SET SCHEMA extensions (if relocatable).",
    check: |ctx: &Context, report: &mut Report| {
        for extension in ctx.catalog.extensions.iter().filter(|e| e.schema == "public") {
            report.add(
                Site { schema: Some("public"), object: &extension.name, object_type: "extension", detail: None },
                format!("extension {} is installed in schema public", extension.name),
                json!({"relocatable": extension.relocatable}),
            );
        }
    },
};

pub const SCHEMA_CREATE_BY_PUBLIC: Rule = Rule {
    name: "schema_create_by_public",
    category: "security",
    level: Level::Warning,
    rationale: "When every role may create objects in a schema, any of them can shadow a function or table that others find through search_path.",
    remediation: "REVOKE CREATE ON SCHEMA ... FROM PUBLIC; (the default since PostgreSQL 15 for public).",
    check: |ctx: &Context, report: &mut Report| {
        for schema in ctx.catalog.schemas.iter().filter(|s| s.public_can_create && !ctx.schema_excluded(&s.name)) {
            report.add(
                Site { schema: None, object: &schema.name, object_type: "schema", detail: None },
                format!("every role may create objects in schema {}", schema.name),
                json!({}),
            );
        }
    },
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::*;
    use serde_json::json;

    #[test]
    fn tenant_tables_need_the_tenant_column() {
        let catalog = catalog(json!({"relations": [
            table("tenant_account_0003", &[("id", "int8", "bigint", true)]),
            table("tenant_account_0004", &[("id", "int8", "bigint", true), ("tenant_id", "uuid", "uuid", true)]),
            table("tenants", &[("id", "int8", "bigint", true)]),
            table("invoice", &[("id", "int8", "bigint", true)]),
        ]}));
        assert_eq!(findings_of("tenant_table_without_tenant_column", &catalog), ["app.tenant_account_0003"]);
        let custom = findings_with(
            "tenant_table_without_tenant_column",
            &catalog,
            json!({"tenant": {"table_patterns": ["invoice_"]}}),
        );
        assert!(custom.is_empty());
    }

    #[test]
    fn secrets_in_text_columns() {
        let catalog = catalog(json!({"relations": [table("users", &[
            ("password", "text", "text", false),
            ("API_Key", "varchar", "character varying(40)", false),
            ("password_hash", "bytea", "bytea", false),
            ("name", "text", "text", false),
        ])]}));
        assert_eq!(
            findings_of("secret_column_plain_text", &catalog),
            ["app.users.API_Key", "app.users.password"]
        );
    }

    #[test]
    fn row_level_security_rules() {
        let mut no_rls = table("no_rls", &[("id", "int8", "bigint", true)]);
        no_rls["policies"] = json!([{"name": "own_rows", "command": "*", "permissive": true, "using": "(owner = CURRENT_USER)"}]);
        let mut no_policy = table("no_policy", &[("id", "int8", "bigint", true)]);
        no_policy["rls_enabled"] = json!(true);
        let mut open = table("open", &[("id", "int8", "bigint", true)]);
        open["rls_enabled"] = json!(true);
        open["policies"] = json!([
            {"name": "anyone", "command": "r", "permissive": true, "using": "true"},
            {"name": "restrictive", "command": "r", "permissive": false, "using": "true"},
        ]);
        let mut fine = table("fine", &[("id", "int8", "bigint", true)]);
        fine["rls_enabled"] = json!(true);
        fine["policies"] = json!([{"name": "own_rows", "command": "*", "permissive": true, "using": "(owner = CURRENT_USER)"}]);
        let catalog = catalog(json!({"relations": [no_rls, no_policy, open, fine,
            {"oid": 9, "schema": "app", "name": "v_open", "kind": "v", "reads_rls_tables": ["app.open"]},
            {"oid": 10, "schema": "app", "name": "v_safe", "kind": "v", "security_invoker": true, "reads_rls_tables": ["app.open"]},
            {"oid": 11, "schema": "app", "name": "v_plain", "kind": "v", "reads_rls_tables": []},
        ]}));
        assert_eq!(findings_of("policy_without_rls", &catalog), ["app.no_rls"]);
        assert_eq!(findings_of("rls_without_policy", &catalog), ["app.no_policy"]);
        assert_eq!(findings_of("policy_always_true", &catalog), ["app.open.anyone"]);
        assert_eq!(findings_of("view_bypasses_rls", &catalog), ["app.v_open"]);
    }

    #[test]
    fn functions_extensions_and_schemas() {
        let catalog = catalog(json!({
            "functions": [
                {"schema": "app", "signature": "app.risky()", "security_definer": true, "config": null, "language": "sql"},
                {"schema": "app", "signature": "app.pinned()", "security_definer": true, "config": ["search_path=pg_catalog, pg_temp"], "language": "sql"},
                {"schema": "app", "signature": "app.invoker()", "security_definer": false, "config": null, "language": "sql"},
            ],
            "extensions": [{"name": "pgcrypto", "schema": "public"}, {"name": "citext", "schema": "extensions"}],
            "schemas": [{"name": "public", "public_can_create": true}, {"name": "app", "public_can_create": false}],
        }));
        assert_eq!(findings_of("security_definer_mutable_search_path", &catalog), ["app.app.risky()"]);
        assert_eq!(findings_of("extension_in_public", &catalog), ["public.pgcrypto"]);
        assert_eq!(findings_of("schema_create_by_public", &catalog), ["public"]);
    }
}
