SELECT count(*) = 1 FROM clients WHERE name = 'ada'
