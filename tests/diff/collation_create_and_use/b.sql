CREATE COLLATION posix_c (provider = libc, locale = 'POSIX');
CREATE COLLATION natural_sort (provider = icu, locale = 'en-u-kn-true', deterministic = false);
COMMENT ON COLLATION natural_sort IS 'numbers sort by value';
CREATE TABLE t (a text COLLATE posix_c, b text COLLATE natural_sort);
