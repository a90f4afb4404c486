-- Register (or re-position) a hook: fn must be a function (context jsonb) RETURNS jsonb.
-- version NULL: every migration. Hooks of a phase run by position, then registration order.
CREATE FUNCTION register_hook(
    phase text,
    fn regprocedure,
    version text DEFAULT NULL,
    "position" integer DEFAULT 0
) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT confiture.register_hook_by_oid($1, $2::oid, $3, $4) $$;

CREATE FUNCTION unregister_hook(phase text, fn regprocedure, version text DEFAULT NULL) RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ WITH gone AS (DELETE FROM confiture.migration_hooks h
                     WHERE h.phase = $1 AND h.function = $2::text AND h.version IS NOT DISTINCT FROM $3 RETURNING 1)
      SELECT count(*) > 0 FROM gone $$;
