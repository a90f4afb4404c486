-- confiture 0.3.0 -> 0.4.0 (ALTER EXTENSION confiture UPDATE).

-- Schema diff (docs/diff.md): the catalog snapshot and the plan between two snapshots. Both only
-- read the catalog or compute text: open to every role.
CREATE FUNCTION confiture.catalog_snapshot(
    "schemas" text[] DEFAULT NULL
) RETURNS jsonb
STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'catalog_snapshot_wrapper';

CREATE FUNCTION confiture.schema_diff(
    "current" jsonb,
    "desired" jsonb,
    "options" jsonb DEFAULT '{}'
) RETURNS TABLE ("seq" integer, "object_kind" text, "object_name" text, "ddl" text,
                 "transactional" boolean, "hazards" text[], "lock_mode" text)
IMMUTABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'schema_diff_wrapper';

GRANT EXECUTE ON FUNCTION confiture.catalog_snapshot(text[]), confiture.schema_diff(jsonb, jsonb, jsonb) TO PUBLIC;
