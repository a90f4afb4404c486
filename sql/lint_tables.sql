-- Lint configuration, waivers and custom rules (docs/lint.md).

-- Settings a DBA keeps in the database; lint_schema(config) merges its argument over the row
-- named 'default'.
CREATE TABLE lint_settings (
    name   text PRIMARY KEY DEFAULT 'default',
    config jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object')
);
COMMENT ON TABLE lint_settings IS 'Lint configuration; the row named default applies to every lint_schema() call';

-- A waived finding is not returned by lint_schema() (unless include_waived is set).
CREATE TABLE lint_waivers (
    cache_key  text PRIMARY KEY,
    reason     text NOT NULL CHECK (btrim(reason) <> ''),
    created_by name NOT NULL DEFAULT current_user,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE lint_waivers IS 'Lint findings accepted on purpose, by cache_key, with the reason';

-- Custom rules: SQL functions returning rows of the lint shape; see register_lint_rule().
CREATE TABLE lint_custom_rules (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    -- The function's signature (public.f()), resolved when the rule runs: not a regprocedure,
    -- which would make pg_upgrade refuse the cluster.
    function    text NOT NULL,
    level       text NOT NULL DEFAULT 'warning' CHECK (level IN ('error', 'warning', 'info')),
    category    text NOT NULL DEFAULT 'custom',
    description text,
    created_by  name NOT NULL DEFAULT current_user,
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE lint_custom_rules IS 'Custom lint rules registered with register_lint_rule()';

SELECT pg_catalog.pg_extension_config_dump('lint_settings', '');
SELECT pg_catalog.pg_extension_config_dump('lint_waivers', '');
SELECT pg_catalog.pg_extension_config_dump('lint_custom_rules', '');
