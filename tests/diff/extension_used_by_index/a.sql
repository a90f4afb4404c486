CREATE TABLE d (body text);
