SELECT count(*) = 2 AND bool_and(history IS NULL OR history = '{sad,happy}') FROM people
