CREATE FUNCTION f(a int) RETURNS bigint LANGUAGE sql AS 'SELECT a::bigint';
