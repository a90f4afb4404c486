CREATE TABLE events (id bigint, kind text) PARTITION BY LIST (kind);
CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a', 'aa');
CREATE TABLE events_b (id bigint, kind text);
CREATE TABLE events_c PARTITION OF events FOR VALUES IN ('c');
