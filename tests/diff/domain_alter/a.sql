CREATE DOMAIN code AS text CONSTRAINT code_len CHECK (length(VALUE) < 10);
CREATE TABLE c (c code);
