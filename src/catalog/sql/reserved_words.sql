SELECT word FROM pg_get_keywords() WHERE catcode = 'R'
