-- A small multi-tenant library: every table carries its tenant, is commented, keyed by an
-- identity bigint, indexed for its foreign keys, and guarded by row-level security.
CREATE SCHEMA library;
COMMENT ON SCHEMA library IS 'A lending library shared by several organizations';
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE TABLE library.organization (
    organization_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE library.organization IS 'One library organization (the tenant)';
