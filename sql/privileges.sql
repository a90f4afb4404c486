-- Functions that change the database are not executable by PUBLIC: a superuser grants them.
-- Pure functions stay open.
REVOKE ALL ON FUNCTION build_from(text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION schema_hash(text[], text[]) TO PUBLIC;
