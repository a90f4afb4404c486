-- Masking in SQL: keyed (per call or per session), deterministic, NULL-preserving, errors that
-- name the problem and never show the key.
CREATE EXTENSION confiture;
\set key '\'\\x' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f '\'::bytea'
-- Same key, domain and value: the same output; another domain or key: another one.
SELECT confiture.mask_email('ann@corp.example', 'd', :key) = confiture.mask_email('ann@corp.example', 'd', :key) AS deterministic,
       confiture.mask_email('ann@corp.example', 'd', :key) <> confiture.mask_email('ann@corp.example', 'e', :key) AS per_domain,
       confiture.mask_email('ann@corp.example', 'd', :key) <> confiture.mask_email('ann@corp.example', 'd', sha256(:key)) AS per_key,
       confiture.mask_email('ann@corp.example', 'd', :key) LIKE '%@example.com' AS shaped;
-- Format-preserving: digits stay digits, letters letters, the rest in place.
SELECT regexp_replace(confiture.mask_phone('+33 6 12 34 56 78', 'p', :key), '[0-9]', '9', 'g') AS phone_shape,
       regexp_replace(regexp_replace(confiture.mask_text('AB-123456-c', 'preserve_format', '{}', 'n', :key),
                      '[0-9]', '9', 'g'), '[A-Z]', 'A', 'g') AS id_shape;
-- 10,000 distinct numbers give 10,000 distinct outputs.
SELECT count(DISTINCT confiture.mask_phone(lpad(g::text, 8, '0'), 'p', :key)) AS distinct_phones
FROM generate_series(1, 10000) g;
SELECT confiture.mask_text(NULL, 'email', '{}', 'd', :key) IS NULL AS null_stays_null,
       confiture.mask_text('secret', 'partial', '{"first": 1, "last": 2}', 'd', :key) AS partial,
       confiture.mask_text('x', 'redact', '{}', 'd', :key) AS redacted,
       length(confiture.mask_text('x', 'hash', '{"length": 20}', 'd', :key)) AS hash_length;
-- The session key, given at connection time in real use (SET is logged: docs/sync.md).
SELECT confiture.mask_key_fingerprint(convert_to('0123456789abcdef0123456789abcdef', 'UTF8')) AS fingerprint_of_call_key;
SET confiture.mask_key = '0123456789abcdef0123456789abcdef';
SELECT confiture.mask_key_fingerprint() AS fingerprint_of_session_key,
       confiture.mask_email('a@b.c', 'd') = confiture.mask_email('a@b.c', 'd', convert_to('0123456789abcdef0123456789abcdef', 'UTF8')) AS session_equals_call;
-- The setting stays out of SHOW ALL.
SELECT count(*) AS listed FROM pg_settings WHERE name = 'confiture.mask_key';
-- Errors: unknown strategy, bad option, a short key (not shown), no key, NULL domain, sql.
SELECT confiture.mask_text('x', 'scramble', '{}', 'd', :key);
SELECT confiture.mask_text('x', 'hash', '{"lenght": 3}', 'd', :key);
SELECT confiture.mask_email('x', 'd', convert_to('tooshortkey', 'UTF8'));
RESET confiture.mask_key;
SELECT confiture.mask_email('x');
SELECT confiture.mask_text('x', 'email', '{}', NULL, :key);
SELECT confiture.mask_text('x', 'sql', '{"expr": "1"}', 'd', :key);
SELECT confiture.mask_text('yesterday', 'date_shift', '{}', 'd', :key);
SELECT confiture.mask_text('x', 'redact', '{"unique": true}', 'd', :key);
DROP EXTENSION confiture;
