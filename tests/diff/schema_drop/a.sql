CREATE SCHEMA old;
CREATE TABLE old.t (id int);
