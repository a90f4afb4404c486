INSERT INTO people VALUES (1, 'happy', '{sad,happy}'), (2, 'sad', NULL);
