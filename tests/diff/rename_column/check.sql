SELECT count(*) = 1 FROM t WHERE full_name = 'ada'
