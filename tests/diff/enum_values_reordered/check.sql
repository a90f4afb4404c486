SELECT count(*) = 1 FROM shirts WHERE s > 'small'
