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
        for table in ctx.tables() {
            for column in table.columns.iter().filter(|c| SECRET_TEXT_TYPES.contains(&c.type_name.as_str())) {
                // Where the table has rows, the values say: digests and password hashes are fine.
                let hashed = table.samples.get(&column.name).is_some_and(|values| {
                    !values.is_empty() && values.iter().all(|value| looks_hashed(value))
                });
                if let Some(word) = ctx.config.secrets.secret_word(&column.name).filter(|_| !hashed) {
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

/// The types a plain-text secret is stored as (the loader samples such columns).
pub const SECRET_TEXT_TYPES: &[&str] = &["text", "varchar", "bpchar", "citext"];

/// Whether a stored value has the shape of a password hash or a digest: crypt(3)-style hashes
/// (bcrypt, sha-crypt, scrypt, argon2, pbkdf2, Django's), or hex / base64 of 16 to 64 bytes.
pub fn looks_hashed(value: &str) -> bool {
    use std::sync::OnceLock;
    static SHAPES: OnceLock<regex::Regex> = OnceLock::new();
    let shapes = SHAPES.get_or_init(|| {
        regex::Regex::new(concat!(
            r"^(?:",
            r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}",
            r"|\$argon2(?:id|i|d)\$\S+",
            r"|\$(?:1|5|6|7|y|scrypt|pbkdf2(?:-sha\d+)?)\$\S+",
            r"|(?:pbkdf2_sha\d+|argon2|bcrypt(?:_sha256)?|scrypt|sha1|md5)\$\S+",
            r"|\{(?:SSHA|SHA|SSHA256|SSHA512|CRYPT)\}\S+",
            r"|(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})",
            r"|(?:[A-Za-z0-9+/]{22}==|[A-Za-z0-9+/]{43}=|[A-Za-z0-9+/]{64}|[A-Za-z0-9+/]{86}==)",
            r"|md5[0-9a-f]{32}|SCRAM-SHA-256\$\S+",
            r")$"
        ))
        .expect("a fixed, valid pattern")
    });
    shapes.is_match(value.trim())
}

pub const POLICY_WITHOUT_RLS: Rule = Rule {
    name: "policy_without_rls",
    category: "security",
    level: Level::Error,
    rationale: "Policies do nothing until row-level security is enabled on the table: the rows they are meant to hide are visible.",
    remediation: "Enable row-level security on the table.",
    check: |ctx, report| {
        for table in ctx.tables().filter(|t| !t.rls_enabled && !t.policies.is_empty()) {
            let names: Vec<&str> = table.policies.iter().map(|p| p.name.as_str()).collect();
            report.on_relation(
                table,
                None,
                format!("table {} has policies ({}) but row-level security is disabled", table.qualified(), names.join(", ")),
                json!({"policies": names}),
            );
            report.remedy(format!(
                "ALTER TABLE {} ENABLE ROW LEVEL SECURITY;",
                ctx.catalog.sql_name(&table.schema, &table.name)
            ));
        }
    },
};

pub const RLS_WITHOUT_POLICY: Rule = Rule {
    name: "rls_without_policy",
    category: "security",
    level: Level::Warning,
    rationale: "With row-level security enabled and no policy, every row is hidden from every role but the owner and BYPASSRLS roles: usually a forgotten policy.",
    remediation: "Create the policy the table needs, or disable row-level security if it is not wanted.",
    check: |ctx, report| {
        for table in ctx.tables().filter(|t| t.rls_enabled && t.policies.is_empty()) {
            report.on_relation(table, None, format!("table {} has row-level security enabled but no policy", table.qualified()), json!({}));
            let name = ctx.catalog.sql_name(&table.schema, &table.name);
            report.remedy(format!(
                "CREATE POLICY {} ON {name} USING (<which rows each role may see>); -- or: ALTER TABLE {name} DISABLE ROW LEVEL SECURITY;",
                ctx.catalog.ident(&format!("{}_access", table.name))
            ));
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
                if policy.always_true || always(&policy.using) || always(&policy.with_check) {
                    report.on_relation(
                        table,
                        Some(&policy.name),
                        format!("policy {} on {} is always true", policy.name, table.qualified()),
                        json!({"policy": policy.name, "command": policy.command}),
                    );
                    report.remedy(format!(
                        "DROP POLICY {} ON {}; -- or ALTER POLICY ... USING (<the condition it is meant to enforce>)",
                        ctx.catalog.ident(&policy.name),
                        ctx.catalog.sql_name(&table.schema, &table.name)
                    ));
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
    remediation: "Pin the function's search_path to pg_catalog, pg_temp and schema-qualify the names it uses.",
    check: |ctx: &Context, report: &mut Report| {
        for function in ctx.catalog.functions.iter().filter(|f| f.security_definer && !ctx.schema_excluded(&f.schema)) {
            let pinned = function.config.iter().flatten().any(|setting| setting.starts_with("search_path="));
            if !pinned {
                report.on_function(
                    function,
                    format!("SECURITY DEFINER function {} does not set search_path", function.signature),
                    json!({"language": function.language}),
                );
                report.remedy(format!(
                    "ALTER FUNCTION {} SET search_path = pg_catalog, pg_temp; -- and schema-qualify the names it uses",
                    function.sql_name
                ));
            }
        }
    },
};

pub const FUNCTION_MUTABLE_SEARCH_PATH: Rule = Rule {
    name: "function_mutable_search_path",
    category: "security",
    level: Level::Warning,
    rationale: "A SQL or PL/pgSQL function without its own search_path resolves the names in its body through the caller's: the same call can reach other tables or functions depending on who runs it (SECURITY DEFINER ones are security_definer_mutable_search_path, an error).",
    remediation: "Pin the function's search_path (to its schema and pg_catalog, or to '' with every name qualified).",
    check: |ctx: &Context, report: &mut Report| {
        let resolves_late = |f: &&crate::catalog::Function| {
            !f.security_definer && !f.atomic_body && (f.language == "sql" || f.language == "plpgsql")
        };
        for function in ctx.catalog.functions.iter().filter(resolves_late).filter(|f| !ctx.schema_excluded(&f.schema)) {
            if function.config.iter().flatten().any(|setting| setting.starts_with("search_path=")) {
                continue;
            }
            report.on_function(
                function,
                format!("function {} does not set search_path", function.signature),
                json!({"language": function.language}),
            );
            report.remedy(format!(
                "ALTER FUNCTION {} SET search_path = {}, pg_catalog;",
                function.sql_name,
                ctx.catalog.ident(&function.schema)
            ));
        }
    },
};

/// The data-changing statements a function body runs, as keywords outside comments and strings.
fn writes_in(body: &str) -> Vec<String> {
    const WRITES: &[&str] = &["insert", "update", "delete", "truncate", "merge"];
    let mut found: Vec<String> = confiture_core::seeds::resolvers::words(body)
        .into_iter()
        .map(|w| w.text)
        .filter(|w| WRITES.contains(&w.as_str()))
        .collect();
    found.sort();
    found.dedup();
    found
}

pub const PUBLIC_FUNCTION_WRITES_DATA: Rule = Rule {
    name: "public_function_writes_data",
    category: "security",
    level: Level::Warning,
    rationale: "A volatile function in schema public that writes data and that every role may execute is an open door: any account that connects can run those writes (with its own rights, or the owner's for SECURITY DEFINER), and public is where every role looks first.",
    remediation: "Move it to a schema of its own and revoke EXECUTE from PUBLIC, granting it to the roles meant to call it.",
    check: |ctx: &Context, report: &mut Report| {
        let candidates = ctx.catalog.functions.iter().filter(|f| {
            f.schema == "public" && f.public_execute && f.volatility == "v" && !f.trigger && !ctx.schema_excluded("public")
        });
        for function in candidates {
            let writes = writes_in(function.body.as_deref().unwrap_or_default());
            if writes.is_empty() {
                continue;
            }
            report.on_function(
                function,
                format!(
                    "function {} in schema public writes data ({}) and every role may execute it",
                    function.signature,
                    writes.join(", ").to_uppercase()
                ),
                json!({"writes": writes, "security_definer": function.security_definer}),
            );
            report.remedy(format!(
                "REVOKE EXECUTE ON FUNCTION {name} FROM PUBLIC; GRANT EXECUTE ON FUNCTION {name} TO <role>; -- and move it out of public",
                name = function.sql_name
            ));
        }
    },
};

pub const SECURITY_DEFINER_EXECUTABLE_BY_PUBLIC: Rule = Rule {
    name: "security_definer_executable_by_public",
    category: "security",
    level: Level::Error,
    rationale: "A SECURITY DEFINER function runs with its owner's rights, and PostgreSQL lets PUBLIC execute every new function: unless EXECUTE was revoked, every role that can connect gets the owner's rights for what the function does.",
    remediation: "Revoke EXECUTE from PUBLIC and grant it to the roles meant to call the function.",
    check: |ctx: &Context, report: &mut Report| {
        // A trigger function cannot be called directly: EXECUTE on it gives nothing.
        let exposed = ctx.catalog.functions.iter().filter(|f| f.security_definer && f.public_execute && !f.trigger);
        for function in exposed.filter(|f| !ctx.schema_excluded(&f.schema)) {
            report.on_function(
                function,
                format!("SECURITY DEFINER function {} is executable by PUBLIC", function.signature),
                json!({"language": function.language}),
            );
            report.remedy(format!(
                "REVOKE EXECUTE ON FUNCTION {name} FROM PUBLIC; GRANT EXECUTE ON FUNCTION {name} TO <role>;",
                name = function.sql_name
            ));
        }
    },
};

pub const SECURITY_DEFINER_EXECUTABLE_BY_LOGIN_ROLE: Rule = Rule {
    name: "security_definer_executable_by_login_role",
    category: "security",
    level: Level::Warning,
    rationale: "A SECURITY DEFINER function runs with its owner's rights: each role that can log in and may execute it gets those rights for what the function does, whatever its own grants say. Every such role should be one that needs to.",
    remediation: "Revoke EXECUTE from the grantees (roles or group roles) whose members do not need the function; keep the function's body narrow and its search_path fixed.",
    check: |ctx: &Context, report: &mut Report| {
        let granted = ctx.catalog.functions.iter().filter(|f| f.security_definer && !f.trigger && !f.definer_callers.is_empty());
        for function in granted.filter(|f| !ctx.schema_excluded(&f.schema)) {
            let roles = &function.definer_callers;
            report.on_function(
                function,
                format!(
                    "SECURITY DEFINER function {} gives its owner's rights to login role{} {}",
                    function.signature,
                    if roles.len() == 1 { "" } else { "s" },
                    roles.join(", ")
                ),
                json!({"language": function.language, "roles": roles, "granted_to": function.execute_grantees}),
            );
            // A role may hold EXECUTE through a group role: the REVOKE names the grantees.
            let revokes: Vec<String> = function
                .execute_grantees
                .iter()
                .map(|role| format!("REVOKE EXECUTE ON FUNCTION {} FROM {};", function.sql_name, ctx.catalog.ident(role)))
                .collect();
            if !revokes.is_empty() {
                report.remedy(revokes.join(" "));
            }
        }
    },
};

pub const VIEW_BYPASSES_RLS: Rule = Rule {
    name: "view_bypasses_rls",
    category: "security",
    level: Level::Error,
    rationale: "A view runs with its owner's rights unless security_invoker is set, so it shows the rows that row-level security hides from the caller.",
    remediation: "A view: set security_invoker (PostgreSQL 15+). A materialized view, which always reads with its owner's rights: revoke SELECT from the roles RLS restricts.",
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
                let name = ctx.catalog.sql_name(&view.schema, &view.name);
                report.remedy(if view.kind == "m" {
                    format!("REVOKE SELECT ON {name} FROM PUBLIC; -- a materialized view has no security_invoker: grant it only to roles that may see every row")
                } else {
                    format!("ALTER VIEW {name} SET (security_invoker = true);")
                });
            }
        }
    },
};

pub const EXTENSION_IN_PUBLIC: Rule = Rule {
    name: "extension_in_public",
    category: "security",
    level: Level::Warning,
    rationale: "Objects of an extension installed in public share a namespace that every role searches and, on old clusters, can create in.",
    remediation: "Move the extension to a schema of its own (if it is relocatable), or reinstall it there.",
    check: |ctx: &Context, report: &mut Report| {
        for extension in ctx.catalog.extensions.iter().filter(|e| e.schema == "public" && !ctx.schema_excluded("public")) {
            report.add(
                Site { schema: Some("public"), object: &extension.name, object_type: "extension", detail: None },
                format!("extension {} is installed in schema public", extension.name),
                json!({"relocatable": extension.relocatable}),
            );
            let name = ctx.catalog.ident(&extension.name);
            report.remedy(if extension.relocatable {
                format!("CREATE SCHEMA IF NOT EXISTS extensions; ALTER EXTENSION {name} SET SCHEMA extensions;")
            } else {
                format!("CREATE SCHEMA IF NOT EXISTS extensions; DROP EXTENSION {name}; CREATE EXTENSION {name} SCHEMA extensions; -- not relocatable: drops what depends on it, plan it")
            });
        }
    },
};

pub const PASSWORD_ENCRYPTION_MD5: Rule = Rule {
    name: "password_encryption_md5",
    category: "security",
    level: Level::Warning,
    rationale: "An MD5 password hash is what a client proves it knows: whoever reads it (a backup, pg_authid) can log in as the role without the password. SCRAM-SHA-256 stores a salted verifier instead; MD5 passwords are deprecated since PostgreSQL 18 and will be removed.",
    remediation: "ALTER SYSTEM SET password_encryption = 'scram-sha-256'; SELECT pg_reload_conf(); then set each MD5 role's password again (\\password in psql).",
    check: |ctx: &Context, report: &mut Report| {
        if !ctx.whole_server() {
            return;
        }
        let server = &ctx.catalog.server;
        if server.password_encryption == "md5" {
            report.add(
                Site { schema: None, object: "password_encryption", object_type: "setting", detail: None },
                "password_encryption is md5: new passwords are stored as MD5 hashes".into(),
                json!({"setting": server.password_encryption}),
            );
            report.remedy("ALTER SYSTEM SET password_encryption = 'scram-sha-256'; SELECT pg_reload_conf();".into());
        }
        for role in server.md5_password_roles.iter().flatten() {
            report.add(
                Site { schema: None, object: role, object_type: "role", detail: None },
                format!("login role {role} has an MD5 password hash"),
                json!({"role": role}),
            );
            // The new password cannot be written here: psql's \password asks for it and sends
            // only the SCRAM verifier.
            report.remedy(format!("SET password_encryption = 'scram-sha-256'; \\password {}", ctx.catalog.ident(role)));
        }
    },
};

pub const PG_HBA_INSECURE_METHOD: Rule = Rule {
    name: "pg_hba_insecure_method",
    category: "security",
    level: Level::Error,
    rationale: "A pg_hba.conf line with trust lets anyone who can reach the server from the network log in as any role it names, superusers included, without a password; password (cleartext) over a connection that may be unencrypted sends the password readable on the wire.",
    remediation: "Use scram-sha-256 (or cert) on the line in pg_hba.conf, then SELECT pg_reload_conf();",
    check: |ctx: &Context, report: &mut Report| {
        if !ctx.whole_server() {
            return;
        }
        for line in ctx.catalog.server.hba_lines.iter().flatten() {
            let address = line.address.as_deref().unwrap_or("all");
            if loopback_only(address, line.netmask.as_deref()) {
                continue;
            }
            let why = match line.method.as_str() {
                "trust" => "lets it in without a password",
                // hostssl and hostgssenc lines only match encrypted connections.
                "password" if !matches!(line.kind.as_str(), "hostssl" | "hostgssenc") => {
                    "sends the password in clear text on a connection that may be unencrypted"
                }
                _ => continue,
            };
            let source = match &line.netmask {
                Some(netmask) => format!("{address}/{netmask}"),
                None => address.to_string(),
            };
            let content = format!(
                "{} {} {} {source} {}",
                line.kind,
                line.databases.join(","),
                line.users.join(","),
                line.method
            );
            report.add(
                Site { schema: None, object: "pg_hba.conf", object_type: "setting", detail: Some(&content) },
                format!("pg_hba.conf line {} ({content}) accepts network connections from {source} and {why}", line.line_number),
                json!({"line_number": line.line_number, "type": line.kind, "databases": line.databases,
                       "users": line.users, "address": line.address, "netmask": line.netmask, "method": line.method}),
            );
            report.remedy(format!(
                "-- pg_hba.conf line {}: replace {} with scram-sha-256 (or cert), then:\nSELECT pg_reload_conf();",
                line.line_number, line.method
            ));
        }
    },
};

/// Whether a pg_hba.conf address admits only connections from this machine: a loopback
/// address whose mask stays within the loopback range, localhost, or samehost.
pub fn loopback_only(address: &str, netmask: Option<&str>) -> bool {
    use std::net::IpAddr;
    match address {
        "samehost" | "localhost" => true,
        _ => match (address.parse::<IpAddr>(), netmask.map(str::parse::<IpAddr>)) {
            (Ok(IpAddr::V4(ip)), Some(Ok(IpAddr::V4(mask)))) => {
                ip.is_loopback() && u32::from(mask).leading_ones() >= 8
            }
            (Ok(IpAddr::V6(ip)), Some(Ok(IpAddr::V6(mask)))) => {
                ip.is_loopback() && u128::from(mask).leading_ones() == 128
            }
            // all, samenet, another host name or domain: the network.
            _ => false,
        },
    }
}

pub const EXTENSION_UPDATE_AVAILABLE: Rule = Rule {
    name: "extension_update_available",
    category: "security",
    level: Level::Info,
    rationale: "The server has a newer version of the extension than the database runs: its fixes (security ones included) only apply after ALTER EXTENSION ... UPDATE.",
    remediation: "ALTER EXTENSION name UPDATE; after reading the extension's release notes.",
    check: |ctx: &Context, report: &mut Report| {
        for extension in ctx.catalog.extensions.iter().filter(|e| !ctx.schema_excluded(&e.schema)) {
            let Some(available) = extension.default_version.as_deref().filter(|v| *v != extension.version) else {
                continue;
            };
            report.add(
                Site { schema: Some(&extension.schema), object: &extension.name, object_type: "extension", detail: None },
                format!("extension {} is at version {}; the server offers {available}", extension.name, extension.version),
                json!({"installed": extension.version, "available": available}),
            );
            report.remedy(format!("ALTER EXTENSION {} UPDATE TO '{available}';", ctx.catalog.ident(&extension.name)));
        }
    },
};

pub const SCHEMA_CREATE_BY_PUBLIC: Rule = Rule {
    name: "schema_create_by_public",
    category: "security",
    level: Level::Warning,
    rationale: "When every role may create objects in a schema, any of them can shadow a function or table that others find through search_path.",
    remediation: "Revoke CREATE on the schema from PUBLIC (the default since PostgreSQL 15 for public).",
    check: |ctx: &Context, report: &mut Report| {
        for schema in ctx.catalog.schemas.iter().filter(|s| s.public_can_create && !ctx.schema_excluded(&s.name)) {
            report.on_schema(&schema.name, None, format!("every role may create objects in schema {}", schema.name), json!({}));
            report.remedy(format!("REVOKE CREATE ON SCHEMA {} FROM PUBLIC;", ctx.catalog.ident(&schema.name)));
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
                {"schema": "app", "signature": "app.risky()", "security_definer": true, "config": null, "language": "sql", "public_execute": true},
                {"schema": "app", "signature": "app.pinned()", "security_definer": true, "config": ["search_path=pg_catalog, pg_temp"], "language": "sql"},
                {"schema": "app", "signature": "app.invoker()", "security_definer": false, "config": null, "language": "sql"},
                {"schema": "app", "signature": "app.atomic()", "security_definer": false, "config": null, "language": "sql", "atomic_body": true},
                {"schema": "app", "signature": "app.native()", "security_definer": false, "config": null, "language": "c"},
                {"schema": "app", "signature": "app.pinned_invoker()", "security_definer": false, "config": ["search_path=app, pg_catalog"], "language": "plpgsql"},
            ],
            "extensions": [
                {"name": "pgcrypto", "schema": "public", "version": "1.3", "default_version": "1.3"},
                {"name": "citext", "schema": "extensions", "version": "1.5", "default_version": "1.6"},
            ],
            "schemas": [{"name": "public", "public_can_create": true}, {"name": "app", "public_can_create": false}],
        }));
        assert_eq!(findings_of("security_definer_mutable_search_path", &catalog), ["app.app.risky()"]);
        assert_eq!(findings_of("security_definer_executable_by_public", &catalog), ["app.app.risky()"]);
        assert_eq!(findings_of("function_mutable_search_path", &catalog), ["app.app.invoker()"]);
        let writer = |name: &str, body: &str, volatility: &str, trigger: bool| {
            json!({"schema": "public", "signature": format!("{name}()"), "language": "plpgsql", "public_execute": true,
                   "volatility": volatility, "trigger": trigger, "body": body})
        };
        let public = crate::lint::rules::testing::catalog(json!({"functions": [
            writer("add_note", "BEGIN INSERT INTO note VALUES (1); END", "v", false),
            writer("stamp", "BEGIN NEW.last_update = now(); UPDATE audit SET n = n + 1; RETURN NEW; END", "v", true),
            writer("reader", "BEGIN RETURN (SELECT count(*) FROM note); END", "v", false),
            writer("says_insert", "BEGIN RAISE NOTICE 'insert nothing'; -- update later\n END", "v", false),
            writer("stable_insert", "SELECT 1 /* INSERT */", "s", false),
        ]}));
        assert_eq!(findings_of("public_function_writes_data", &public), ["public.add_note()"]);
        assert_eq!(findings_of("extension_in_public", &catalog), ["public.pgcrypto"]);
        assert_eq!(findings_of("extension_update_available", &catalog), ["extensions.citext"]);
        assert_eq!(findings_of("schema_create_by_public", &catalog), ["public"]);
    }

    #[test]
    fn security_definer_functions_reachable_by_login_roles() {
        let definer = |name: &str, public: bool, trigger: bool, callers: &[&str]| {
            json!({"schema": "app", "signature": format!("app.{name}()"), "sql_name": format!("app.{name}()"),
                   "security_definer": true, "config": ["search_path=pg_catalog"], "language": "sql",
                   "public_execute": public, "trigger": trigger, "definer_callers": callers})
        };
        let mut granted = definer("granted", false, false, &["app_user", "Reporting"]);
        granted["execute_grantees"] = json!(["app_user", "Reporting"]);
        let catalog = catalog(json!({"functions": [
            granted,
            definer("revoked", false, false, &[]),
            definer("open", true, false, &[]),
            definer("audit_trigger", true, true, &[]),
            definer("trigger_granted", false, true, &["app_user"]),
        ]}));
        assert_eq!(findings_of("security_definer_executable_by_login_role", &catalog), ["app.app.granted()"]);
        // PUBLIC's case is its own rule; a trigger function cannot be called directly.
        assert_eq!(findings_of("security_definer_executable_by_public", &catalog), ["app.app.open()"]);
        let finding = all_findings(&catalog)
            .into_iter()
            .find(|f| f.rule == "security_definer_executable_by_login_role")
            .unwrap();
        assert_eq!(finding.metadata["roles"], json!(["app_user", "Reporting"]));
        assert_eq!(
            finding.remediation,
            r#"REVOKE EXECUTE ON FUNCTION app.granted() FROM app_user; REVOKE EXECUTE ON FUNCTION app.granted() FROM "Reporting";"#
        );
    }

    #[test]
    fn md5_password_hashing() {
        let md5 = catalog(
            json!({"server": {"password_encryption": "md5", "md5_password_roles": ["app", "Legacy"]}}),
        );
        assert_eq!(findings_of("password_encryption_md5", &md5), ["Legacy", "app", "password_encryption"]);
        let legacy = all_findings(&md5).into_iter().find(|f| f.object_name == "Legacy").unwrap();
        assert_eq!(legacy.remediation, "SET password_encryption = 'scram-sha-256'; \\password \"Legacy\"");
        // SCRAM, and roles unknown (the caller may not read pg_authid): nothing.
        let scram =
            catalog(json!({"server": {"password_encryption": "scram-sha-256", "md5_password_roles": null}}));
        assert!(findings_of("password_encryption_md5", &scram).is_empty());
        assert!(findings_with("password_encryption_md5", &md5, json!({"schemas": ["app"]})).is_empty());
    }

    #[test]
    fn pg_hba_lines_open_to_the_network() {
        let line = |n: i32, kind: &str, address: &str, netmask: Option<&str>, method: &str| {
            json!({"line_number": n, "kind": kind, "databases": ["all"], "users": ["all"],
                   "address": address, "netmask": netmask, "method": method})
        };
        let catalog = catalog(json!({"server": {"hba_lines": [
            line(1, "host", "127.0.0.1", Some("255.255.255.255"), "trust"),
            line(2, "host", "::1", Some("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "trust"),
            line(3, "host", "samehost", None, "trust"),
            line(4, "host", "0.0.0.0", Some("0.0.0.0"), "trust"),
            line(5, "host", "10.0.0.0", Some("255.0.0.0"), "scram-sha-256"),
            line(6, "hostnossl", "10.0.0.0", Some("255.0.0.0"), "password"),
            line(7, "hostssl", "10.0.0.0", Some("255.0.0.0"), "password"),
            line(10, "hostgssenc", "10.0.0.0", Some("255.0.0.0"), "password"),
            line(8, "host", "all", None, "trust"),
            line(9, "host", "127.0.0.0", Some("0.0.0.0"), "trust"),
        ]}}));
        let mut found: Vec<i64> = all_findings(&catalog)
            .iter()
            .filter(|f| f.rule == "pg_hba_insecure_method")
            .map(|f| f.metadata["line_number"].as_i64().unwrap())
            .collect();
        found.sort();
        assert_eq!(found, [4, 6, 8, 9]);
        assert!(super::loopback_only("127.1.2.3", Some("255.255.0.0")));
        assert!(!super::loopback_only("db.example.com", None));
        // Unreadable (not a superuser), or a lint restricted to schemas: nothing.
        let unreadable = crate::lint::rules::testing::catalog(json!({"server": {"hba_lines": null}}));
        assert!(findings_of("pg_hba_insecure_method", &unreadable).is_empty());
        assert!(findings_with("pg_hba_insecure_method", &catalog, json!({"schemas": ["app"]})).is_empty());
    }
}
