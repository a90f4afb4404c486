CREATE EXTENSION postgres_fdw;
CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'x');
CREATE FOREIGN TABLE ft (id int, name text) SERVER remote OPTIONS (table_name 'things');
