CREATE TABLE clients (id int PRIMARY KEY, name text);
CREATE INDEX customers_name ON clients (name);
