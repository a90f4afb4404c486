CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE people (id int PRIMARY KEY, m mood NOT NULL DEFAULT 'sad', history mood[]);
CREATE INDEX people_m ON people (m);
CREATE VIEW happy_people AS SELECT id FROM people WHERE m = 'happy';
CREATE FUNCTION is_sad(m mood) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$SELECT m = 'sad'$$;
