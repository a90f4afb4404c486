CREATE FUNCTION next_code() RETURNS bigint LANGUAGE sql AS 'SELECT 2::bigint';
CREATE TABLE t (code int DEFAULT next_code());
