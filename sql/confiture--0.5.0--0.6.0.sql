-- confiture 0.5.0 -> 0.6.0 (ALTER EXTENSION confiture UPDATE).

-- Schema-to-schema migration (docs/schema-to-schema.md). What s2s_attach created, so that
-- s2s_detach removes exactly that; the plan of each target table with its copy progress, so that
-- a killed copy resumes; the foreign keys a copy set aside, until s2s_validate puts them back.
-- No password is ever stored here: postgres_fdw keeps it in its user mapping, which detach drops.
CREATE TABLE confiture.s2s_attachment (
    id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    server_name text NOT NULL,
    created_extension boolean NOT NULL,
    mapped_role oid NOT NULL,
    source jsonb NOT NULL,
    catalog_schema text NOT NULL,
    staging jsonb NOT NULL,
    foreign_tables text[] NOT NULL,
    attached_at timestamptz NOT NULL DEFAULT now(),
    attached_by text NOT NULL DEFAULT current_user
);

CREATE TABLE confiture.s2s_tables (
    target_table text PRIMARY KEY,
    position int NOT NULL,
    source_table text,
    plan jsonb NOT NULL,
    plan_hash text NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'copying', 'copied')),
    last_key text[],
    rows_copied bigint NOT NULL DEFAULT 0,
    -- Sum and xor of the hashes of the mapped source rows copied (s2s_verify's source side).
    copied_sum numeric NOT NULL DEFAULT 0,
    copied_xor bigint NOT NULL DEFAULT 0,
    batches int NOT NULL DEFAULT 0,
    started_at timestamptz,
    copied_at timestamptz
);

CREATE TABLE confiture.s2s_set_aside_constraints (
    target_table text NOT NULL,
    constraint_name text NOT NULL,
    definition text NOT NULL,
    set_aside_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_table, constraint_name)
);


CREATE FUNCTION confiture."s2s_attach"(
	"source" jsonb, /* Option < JsonText > */
	"source_schemas" TEXT[] DEFAULT '{public}', /* Option < TextArray > */
	"options" jsonb DEFAULT '{}' /* Option < JsonText > */
) RETURNS TABLE (
	"source_schema" TEXT,  /* String */
	"staging_schema" TEXT,  /* String */
	"tables" INT  /* i32 */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 's2s_attach_wrapper';

CREATE FUNCTION confiture."s2s_copy_by_oid"(
	"target" oid, /* Option < pg_sys :: Oid > */
	"options" jsonb DEFAULT '{}' /* Option < JsonText > */
) RETURNS TABLE (
	"target_table" TEXT,  /* String */
	"rows_copied" bigint,  /* i64 */
	"batch_rows" bigint,  /* i64 */
	"done" bool  /* bool */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 's2s_copy_by_oid_wrapper';

CREATE FUNCTION confiture."s2s_detach"() RETURNS SETOF TEXT /* String */
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 's2s_detach_wrapper';

CREATE FUNCTION confiture."s2s_plan"(
	"mapping" jsonb DEFAULT '{}' /* Option < JsonText > */
) RETURNS TABLE (
	"position" INT,  /* i32 */
	"target_table" TEXT,  /* Option < String > */
	"source_table" TEXT,  /* Option < String > */
	"columns" jsonb,  /* Option < JsonB > */
	"batch_key" TEXT[],  /* Vec < String > */
	"source_rows" bigint,  /* i64 */
	"hazards" TEXT[],  /* Vec < String > */
	"errors" TEXT[],  /* Vec < String > */
	"state" TEXT,  /* Option < String > */
	"rows_copied" bigint  /* i64 */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 's2s_plan_wrapper';

CREATE FUNCTION confiture."s2s_sync_sequences"() RETURNS TABLE (
	"sequence_name" TEXT,  /* String */
	"target_table" TEXT,  /* String */
	"column_name" TEXT,  /* String */
	"value" bigint  /* Option < i64 > */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 's2s_sync_sequences_wrapper';

CREATE FUNCTION confiture."s2s_validate"() RETURNS TABLE (
	"target_table" TEXT,  /* String */
	"constraint_name" TEXT,  /* String */
	"status" TEXT  /* String */
)
STRICT VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 's2s_validate_wrapper';

CREATE FUNCTION confiture."s2s_verify_by_oid"(
	"target" oid, /* Option < pg_sys :: Oid > */
	"mode" TEXT DEFAULT 'checksum' /* Option < & str > */
) RETURNS TABLE (
	"target_table" TEXT,  /* String */
	"source_table" TEXT,  /* Option < String > */
	"source_rows" bigint,  /* i64 */
	"target_rows" bigint,  /* i64 */
	"matches" bool,  /* bool */
	"differing" jsonb  /* JsonB */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 's2s_verify_by_oid_wrapper';

-- The copy and verify functions take the target table as regclass ('public.users' works). They
-- run under the caller's search_path, as s2s_plan checked the mapping's expressions.
CREATE FUNCTION confiture.s2s_copy(target regclass, options jsonb DEFAULT '{}')
RETURNS TABLE (target_table text, rows_copied bigint, batch_rows bigint, done boolean)
LANGUAGE sql VOLATILE
AS $$ SELECT * FROM confiture.s2s_copy_by_oid($1::oid, $2) $$;

CREATE FUNCTION confiture.s2s_verify(target regclass, mode text DEFAULT 'checksum')
RETURNS TABLE (target_table text, source_table text, source_rows bigint, target_rows bigint, matches boolean, differing jsonb)
LANGUAGE sql VOLATILE
AS $$ SELECT * FROM confiture.s2s_verify_by_oid($1::oid, $2) $$;

-- Copy a whole table, one committed batch at a time (a procedure may commit between calls; one
-- with a SET clause may not, so every name here is qualified). CALL it outside a transaction block.
CREATE PROCEDURE confiture.s2s_copy_table(target regclass, options jsonb DEFAULT '{}')
LANGUAGE plpgsql
AS $$
DECLARE
    finished boolean := false;
BEGIN
    WHILE NOT finished LOOP
        SELECT c.done INTO finished FROM confiture.s2s_copy(target, options) AS c;
        COMMIT;
    END LOOP;
END
$$;

-- Schema-to-schema migration creates a foreign server, a user mapping and schemas, and writes
-- tables: not for PUBLIC (docs/schema-to-schema.md lists what a granted role needs besides).
REVOKE ALL ON FUNCTION confiture.s2s_attach(jsonb, text[], jsonb), confiture.s2s_plan(jsonb), confiture.s2s_copy(regclass, jsonb),
    confiture.s2s_copy_by_oid(oid, jsonb), confiture.s2s_validate(), confiture.s2s_sync_sequences(), confiture.s2s_verify(regclass, text),
    confiture.s2s_verify_by_oid(oid, text), confiture.s2s_detach() FROM PUBLIC;
REVOKE ALL ON PROCEDURE confiture.s2s_copy_table(regclass, jsonb) FROM PUBLIC;
