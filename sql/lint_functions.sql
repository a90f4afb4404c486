-- Register (or replace) a custom lint rule. fn must take no argument and return
-- TABLE (object_name text, message text[, level, schema_name, object_type, remediation,
-- cache_key text, metadata jsonb]). Every check runs before anything is stored.
CREATE FUNCTION register_lint_rule(
    name text,
    fn regprocedure,
    level text DEFAULT 'warning',
    category text DEFAULT 'custom',
    description text DEFAULT NULL
) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT confiture.register_lint_rule_by_oid($1, $2::oid, $3, $4, $5) $$;

CREATE FUNCTION unregister_lint_rule(name text) RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ WITH gone AS (DELETE FROM confiture.lint_custom_rules WHERE lint_custom_rules.name = $1 RETURNING 1)
      SELECT count(*) > 0 FROM gone $$;

-- The JSON form of lint_schema(), for programs.
CREATE FUNCTION lint_schema_json(config jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce(jsonb_agg(to_jsonb(l)), '[]'::jsonb) FROM confiture.lint_schema($1) AS l $$;
