CREATE FUNCTION next_code() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TABLE t (code int DEFAULT next_code());
