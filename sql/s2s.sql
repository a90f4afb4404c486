-- Schema-to-schema migration (docs/schema-to-schema.md). What s2s_attach created, so that
-- s2s_detach removes exactly that; the plan of each target table with its copy progress, so that
-- a killed copy resumes; the foreign keys a copy set aside, until s2s_validate puts them back.
-- No password is ever stored here: postgres_fdw keeps it in its user mapping, which detach drops.
CREATE TABLE s2s_attachment (
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

CREATE TABLE s2s_tables (
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

CREATE TABLE s2s_set_aside_constraints (
    target_table text NOT NULL,
    constraint_name text NOT NULL,
    definition text NOT NULL,
    set_aside_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_table, constraint_name)
);

