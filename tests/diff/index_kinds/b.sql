CREATE TABLE t (a int, b text, c jsonb, d int);
CREATE INDEX t_partial ON t (a) WHERE d > 0;
CREATE INDEX t_expression ON t (lower(b));
CREATE INDEX t_include ON t (a) INCLUDE (d);
CREATE INDEX t_opclass ON t (b text_pattern_ops);
CREATE INDEX t_collation ON t (b COLLATE "C" DESC NULLS LAST);
CREATE INDEX t_gin ON t USING gin (c jsonb_path_ops);
CREATE UNIQUE INDEX t_unique ON t (a, d) WITH (fillfactor = 80);
COMMENT ON INDEX t_unique IS 'one per pair';
