CREATE TYPE kind AS ENUM ('a', 'b');
CREATE TABLE owners (id int PRIMARY KEY, name text);
CREATE TABLE pets (id int PRIMARY KEY, owner_id int REFERENCES owners(id), kind kind, age int);
CREATE VIEW pet_owners AS SELECT p.id, o.name, p.age FROM pets p JOIN owners o ON o.id = p.owner_id;
CREATE INDEX pets_age ON pets (age);
