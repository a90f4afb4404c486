-- confiture 0.4.0 -> 0.5.0 (ALTER EXTENSION confiture UPDATE).

-- Keyed masking (docs/sync.md): the same masks as confiture sync. They compute text from their
-- arguments and the caller's own key: open to every role.
CREATE FUNCTION confiture.mask_text(
    "value" text,
    "strategy" text,
    "options" jsonb,
    "domain" text,
    "key" bytea DEFAULT NULL
) RETURNS text
STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'mask_text_wrapper';

CREATE FUNCTION confiture.mask_email(
    "value" text,
    "domain" text DEFAULT 'email',
    "key" bytea DEFAULT NULL
) RETURNS text
STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'mask_email_wrapper';

CREATE FUNCTION confiture.mask_phone(
    "value" text,
    "domain" text DEFAULT 'phone',
    "key" bytea DEFAULT NULL
) RETURNS text
STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'mask_phone_wrapper';

CREATE FUNCTION confiture.mask_key_fingerprint(
    "key" bytea DEFAULT NULL
) RETURNS text
STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'mask_key_fingerprint_wrapper';

GRANT EXECUTE ON FUNCTION confiture.mask_text(text, text, jsonb, text, bytea), confiture.mask_email(text, text, bytea),
    confiture.mask_phone(text, text, bytea), confiture.mask_key_fingerprint(bytea) TO PUBLIC;
