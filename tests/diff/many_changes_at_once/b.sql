CREATE TYPE kind AS ENUM ('a', 'b', 'c');
CREATE TABLE owners (id bigint PRIMARY KEY, name text NOT NULL, email text UNIQUE);
CREATE TABLE pets (id int PRIMARY KEY, owner_id bigint REFERENCES owners(id) ON DELETE CASCADE, kind kind NOT NULL DEFAULT 'a', age smallint CHECK (age >= 0));
CREATE VIEW pet_owners AS SELECT p.id, o.name, o.email, p.age FROM pets p JOIN owners o ON o.id = p.owner_id;
CREATE INDEX pets_age ON pets (age) WHERE age > 1;
CREATE INDEX pets_kind ON pets (kind);
