SELECT count(*) = 1 FROM t WHERE k = 'b'
