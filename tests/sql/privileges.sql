-- Who may do what: build_from is not executable by PUBLIC; schema_hash is.
CREATE EXTENSION confiture;
CREATE ROLE confiture_nobody LOGIN;
SET ROLE confiture_nobody;
SELECT * FROM confiture.build_from(ARRAY['CREATE TABLE x (id int);']);
SELECT length(confiture.schema_hash(ARRAY['SELECT 1;'])) AS hash_length;
SELECT * FROM confiture.build_history;
RESET ROLE;

-- A deployer role gets what the docs say it needs, and builds run with its own rights.
CREATE ROLE confiture_deployer LOGIN;
CREATE SCHEMA deploy AUTHORIZATION confiture_deployer;
GRANT EXECUTE ON FUNCTION confiture.build_from(text[], text[]) TO confiture_deployer;
SET ROLE confiture_deployer;
-- Without rights on the history the build itself is refused, with the grant to give.
SELECT * FROM confiture.build_from(ARRAY['CREATE TABLE deploy.t (id int);']);
RESET ROLE;
GRANT SELECT, INSERT ON confiture.build_history TO confiture_deployer;
SET ROLE confiture_deployer;
SELECT statement_count, built_by FROM confiture.build_from(ARRAY['CREATE TABLE deploy.t (id int);']);
-- Its rights, not the extension owner's: it cannot create in a schema it does not own.
SELECT * FROM confiture.build_from(ARRAY['CREATE TABLE confiture.hijack (id int);'], ARRAY['evil.sql']);
RESET ROLE;
SELECT proname, proacl FROM pg_proc WHERE pronamespace = 'confiture'::regnamespace ORDER BY proname;

DROP SCHEMA deploy CASCADE;
DROP EXTENSION confiture;
DROP ROLE confiture_deployer;
DROP ROLE confiture_nobody;
