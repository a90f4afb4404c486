-- Seed files registered in the database: what validate_seeds() and apply_seeds() use when they
-- are given none. `confiture seed apply` records each file it applied here.
CREATE TABLE seeds (
    name text PRIMARY KEY CHECK (name <> ''),
    sql text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    registered_by text NOT NULL DEFAULT current_user,
    applied_at timestamptz
);
SELECT pg_catalog.pg_extension_config_dump('seeds', '');

-- Register (or replace) a seed file without applying it.
CREATE FUNCTION register_seed(name text, sql text) RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ INSERT INTO confiture.seeds AS s (name, sql) VALUES ($1, $2)
      ON CONFLICT (name) DO UPDATE SET sql = excluded.sql, registered_at = now(), registered_by = current_user $$;
