CREATE DOMAIN positive AS int DEFAULT 1 NOT NULL CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE TABLE m (n positive);
