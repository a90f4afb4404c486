CREATE SCHEMA core;
CREATE SCHEMA api;
CREATE TYPE core.status AS ENUM ('on', 'off');
CREATE TABLE core.accounts (id int PRIMARY KEY, status core.status NOT NULL DEFAULT 'on');
CREATE FUNCTION core.active_count() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM core.accounts WHERE status = 'on'; END;
CREATE VIEW api.accounts AS SELECT id, status, core.active_count() AS active FROM core.accounts;
