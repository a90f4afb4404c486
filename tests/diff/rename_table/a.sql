CREATE TABLE customers (id int PRIMARY KEY, name text);
CREATE INDEX customers_name ON customers (name);
