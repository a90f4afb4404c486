//! Row-level security policies that cost more than they need to: several permissive policies
//! checked for one role and action, and functions evaluated once per row.

use crate::catalog::Policy;
use crate::lint::{Context, Level, Report, Rule};
use serde_json::json;

/// The actions a policy's command covers: `*` (ALL) is every one.
fn actions(command: &str) -> &'static [(&'static str, &'static str)] {
    const ALL: [(&str, &str); 4] = [("r", "SELECT"), ("a", "INSERT"), ("w", "UPDATE"), ("d", "DELETE")];
    match command {
        "*" => &ALL,
        "r" => &ALL[0..1],
        "a" => &ALL[1..2],
        "w" => &ALL[2..3],
        "d" => &ALL[3..4],
        _ => &[],
    }
}

fn shares_a_role(a: &Policy, b: &Policy) -> bool {
    let public = |p: &Policy| p.roles.is_empty() || p.roles.iter().any(|r| r == "public");
    public(a) || public(b) || a.roles.iter().any(|r| b.roles.contains(r))
}

pub const MULTIPLE_PERMISSIVE_POLICIES: Rule = Rule {
    name: "multiple_permissive_policies",
    category: "performance",
    level: Level::Warning,
    rationale: "Permissive policies combine with OR: every one that applies to a role and action is evaluated for every row, so two of them cost two checks per row, and the rows they let through are easy to misjudge.",
    remediation: "Merge them into one policy whose condition ORs theirs, or make the extra ones RESTRICTIVE if they were meant to narrow.",
    check: |ctx: &Context, report: &mut Report| {
        for table in ctx.tables() {
            let permissive: Vec<&Policy> = table.policies.iter().filter(|p| p.permissive).collect();
            for (action, verb) in actions("*") {
                let applying: Vec<&Policy> = permissive
                    .iter()
                    .copied()
                    .filter(|p| actions(&p.command).iter().any(|(a, _)| a == action))
                    .collect();
                let overlapping: Vec<&str> = applying
                    .iter()
                    .filter(|p| applying.iter().any(|q| !std::ptr::eq(*p, q) && shares_a_role(p, q)))
                    .map(|p| p.name.as_str())
                    .collect();
                if overlapping.len() < 2 {
                    continue;
                }
                report.on_relation(
                    table,
                    Some(verb),
                    format!(
                        "{} permissive policies on {} apply to {verb} for the same roles: {}",
                        overlapping.len(),
                        table.qualified(),
                        overlapping.join(", ")
                    ),
                    json!({"action": verb, "policies": overlapping}),
                );
                report.remedy(format!(
                    "-- merge {} into one {verb} policy on {} whose USING ORs their conditions",
                    overlapping.join(", "),
                    ctx.catalog.sql_name(&table.schema, &table.name)
                ));
            }
        }
    },
};

/// Calls in a policy expression that do not depend on the row: `f()` with no argument, and
/// `current_setting(...)`, unless already wrapped as `(SELECT ...)`, which PostgreSQL evaluates
/// once per statement (an initplan).
pub fn per_row_calls(expression: &str) -> Vec<String> {
    let bytes = expression.as_bytes();
    let mut calls = Vec::new();
    let mut at = 0;
    while let Some(open) = expression[at..].find('(').map(|i| at + i) {
        at = open + 1;
        let name_start = expression[..open]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '"'))
            .map_or(0, |i| i + 1);
        let name = &expression[name_start..open];
        if name.is_empty() || name.eq_ignore_ascii_case("select") {
            continue;
        }
        let no_argument = expression[open + 1..].trim_start().starts_with(')');
        let setting = name.rsplit('.').next().is_some_and(|n| n.eq_ignore_ascii_case("current_setting"));
        if !(no_argument || setting) || in_subselect(&bytes[..name_start]) {
            continue;
        }
        calls.push(name.to_string());
    }
    calls.sort();
    calls.dedup();
    calls
}

/// Whether the innermost open parenthesis before this point starts a `SELECT`.
fn in_subselect(before: &[u8]) -> bool {
    let mut depth = 0;
    for (i, &c) in before.iter().enumerate().rev() {
        match c {
            b')' => depth += 1,
            b'(' if depth > 0 => depth -= 1,
            b'(' => {
                let inside = String::from_utf8_lossy(&before[i + 1..]);
                return inside.trim_start().get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select"));
            }
            _ => {}
        }
    }
    false
}

pub const POLICY_FUNCTION_PER_ROW: Rule = Rule {
    name: "policy_function_per_row",
    category: "performance",
    level: Level::Warning,
    rationale: "A function call that does not depend on the row (auth.uid(), current_setting('app.tenant')) is evaluated again for every row the policy checks; wrapped as (SELECT f()) it runs once per statement.",
    remediation: "Wrap the call in a scalar subquery: USING (owner_id = (SELECT auth.uid())).",
    check: |ctx: &Context, report: &mut Report| {
        for table in ctx.tables() {
            for policy in &table.policies {
                let mut calls: Vec<String> =
                    [&policy.using, &policy.with_check].into_iter().flatten().flat_map(|e| per_row_calls(e)).collect();
                calls.sort();
                calls.dedup();
                if calls.is_empty() {
                    continue;
                }
                report.on_relation(
                    table,
                    Some(&policy.name),
                    format!(
                        "policy {} on {} calls {} for every row",
                        policy.name,
                        table.qualified(),
                        calls.iter().map(|c| format!("{c}()")).collect::<Vec<_>>().join(", ")
                    ),
                    json!({"policy": policy.name, "calls": calls}),
                );
                report.remedy(format!(
                    "ALTER POLICY {} ON {} USING (...); -- write each call as (SELECT {}(...))",
                    ctx.catalog.ident(&policy.name),
                    ctx.catalog.sql_name(&table.schema, &table.name),
                    calls[0]
                ));
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rules::testing::{catalog, findings_of, table};
    use serde_json::json;

    #[test]
    fn calls_that_do_not_depend_on_the_row() {
        assert_eq!(per_row_calls("(owner_id = auth.uid())"), ["auth.uid"]);
        assert_eq!(per_row_calls("(tenant = current_setting('app.tenant'::text))"), ["current_setting"]);
        assert!(per_row_calls("(owner_id = ( SELECT auth.uid() AS uid))").is_empty());
        assert!(per_row_calls("(lower(name) = 'x'::text)").is_empty(), "depends on the row");
        assert!(per_row_calls("(owner = CURRENT_USER)").is_empty());
    }

    #[test]
    fn overlapping_permissive_policies_and_per_row_calls() {
        let mut shared = table("shared", &[("id", "int8", "bigint", true)]);
        shared["policies"] = json!([
            {"name": "own", "command": "r", "permissive": true, "using": "(owner_id = ( SELECT auth.uid() AS uid))", "roles": ["app"]},
            {"name": "admins", "command": "*", "permissive": true, "using": "(owner_id = auth.uid())", "roles": ["public"]},
            {"name": "narrow", "command": "r", "permissive": false, "using": "true", "roles": ["app"]},
        ]);
        let mut separate = table("separate", &[("id", "int8", "bigint", true)]);
        separate["policies"] = json!([
            {"name": "readers", "command": "r", "permissive": true, "using": "true", "roles": ["reader"]},
            {"name": "writers", "command": "r", "permissive": true, "using": "true", "roles": ["writer"]},
        ]);
        let catalog = catalog(json!({"relations": [shared, separate]}));
        assert_eq!(findings_of("multiple_permissive_policies", &catalog), ["app.shared.SELECT"]);
        assert_eq!(findings_of("policy_function_per_row", &catalog), ["app.shared.admins"]);
    }
}
