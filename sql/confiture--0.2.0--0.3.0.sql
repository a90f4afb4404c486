-- confiture 0.2.0 -> 0.3.0 (ALTER EXTENSION confiture UPDATE).

-- Mark registered migrations applied without running them: `confiture migrate baseline` (an
-- existing database adopted) and `confiture migrate import` (the Python confiture's history).
CREATE FUNCTION confiture.mark_applied(
    "versions" text[],
    "reason" text DEFAULT 'baseline'
) RETURNS TABLE ("version" text, "name" text, "status" text)
VOLATILE PARALLEL UNSAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'mark_applied_wrapper';
-- It changes the migration history: for the roles that run migrations.
REVOKE ALL ON FUNCTION confiture.mark_applied(text[], text) FROM PUBLIC;
