CREATE TYPE address AS (street text, city text COLLATE "C", zip varchar(10));
