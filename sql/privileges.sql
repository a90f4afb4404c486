-- Functions that change the database are not executable by PUBLIC: a superuser grants them
-- (docs/privileges.md). Pure functions stay open; so does the schema, so that they resolve.
GRANT USAGE ON SCHEMA confiture TO PUBLIC;
REVOKE ALL ON FUNCTION build_from(text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION schema_hash(text[], text[]) TO PUBLIC;
