-- column_stats.sql read from pg_statistic directly, for a caller allowed to (a superuser): the
-- same rows without the view's joins and per-column privilege checks.
SELECT s.starelid, s.staattnum, s.stawidth::float8, s.stanullfrac::float8
FROM pg_statistic s
WHERE s.starelid = ANY ($1) AND NOT s.stainherit
