-- confiture 0.6.0 -> 0.7.0 (ALTER EXTENSION confiture UPDATE).

-- Migration risk: the throughputs confiture.calibrate() measured on this server; estimates use
-- the latest row (docs/risk.md).
CREATE TABLE confiture.risk_calibration (
    id                            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    measured_at                   timestamptz NOT NULL DEFAULT clock_timestamp(),
    measured_by                   name NOT NULL DEFAULT current_user,
    rows                          bigint NOT NULL,
    table_bytes                   bigint NOT NULL,
    index_bytes                   bigint NOT NULL,
    rewrite_bytes_per_second      double precision NOT NULL CHECK (rewrite_bytes_per_second > 0),
    scan_bytes_per_second         double precision NOT NULL CHECK (scan_bytes_per_second > 0),
    index_bytes_per_second        double precision NOT NULL CHECK (index_bytes_per_second > 0),
    foreign_key_bytes_per_second  double precision NOT NULL CHECK (foreign_key_bytes_per_second > 0)
);
COMMENT ON TABLE confiture.risk_calibration IS 'Throughputs measured by confiture.calibrate(); migration estimates use the latest';
SELECT pg_catalog.pg_extension_config_dump('confiture.risk_calibration', '');
REVOKE ALL ON TABLE confiture.risk_calibration FROM PUBLIC;
GRANT SELECT ON TABLE confiture.risk_calibration TO PUBLIC;

COMMENT ON TABLE confiture.migration_events IS 'Structured events: migration_*, hook_*, dry_run_* (started, completed, failed), migration_answered';

CREATE FUNCTION confiture."assess_migration"(
	"sql" TEXT, /* Option < String > */
	"name" TEXT DEFAULT NULL, /* Option < String > */
	"options" jsonb DEFAULT '{}' /* Option < JsonText > */
) RETURNS TABLE (
	"version" TEXT,  /* Option < String > */
	"statement_no" INT,  /* i32 */
	"line" INT,  /* i32 */
	"statement" TEXT,  /* String */
	"lock_mode" TEXT,  /* Option < String > */
	"locked_relations" TEXT[],  /* Vec < String > */
	"rewrites" bool,  /* Option < bool > */
	"scans" bool,  /* bool */
	"table_bytes" bigint,  /* i64 */
	"table_rows" bigint,  /* i64 */
	"est_seconds" double precision,  /* f64 */
	"blocked_by" jsonb,  /* JsonB */
	"hazards" TEXT[],  /* Vec < String > */
	"risk" INT,  /* i32 */
	"level" TEXT,  /* String */
	"advice" TEXT,  /* String */
	"observed" bool  /* bool */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'assess_migration_wrapper';

CREATE FUNCTION confiture."assess_migrations"(
	"target" TEXT DEFAULT NULL, /* Option < String > */
	"options" jsonb DEFAULT '{}' /* Option < JsonText > */
) RETURNS TABLE (
	"version" TEXT,  /* Option < String > */
	"statement_no" INT,  /* i32 */
	"line" INT,  /* i32 */
	"statement" TEXT,  /* String */
	"lock_mode" TEXT,  /* Option < String > */
	"locked_relations" TEXT[],  /* Vec < String > */
	"rewrites" bool,  /* Option < bool > */
	"scans" bool,  /* bool */
	"table_bytes" bigint,  /* i64 */
	"table_rows" bigint,  /* i64 */
	"est_seconds" double precision,  /* f64 */
	"blocked_by" jsonb,  /* JsonB */
	"hazards" TEXT[],  /* Vec < String > */
	"risk" INT,  /* i32 */
	"level" TEXT,  /* String */
	"advice" TEXT,  /* String */
	"observed" bool  /* bool */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'assess_migrations_wrapper';

CREATE FUNCTION confiture."calibrate"(
	"rows" bigint DEFAULT 500000 /* Option < i64 > */
) RETURNS TABLE (
	"rows" bigint,  /* i64 */
	"table_bytes" bigint,  /* i64 */
	"rewrite_bytes_per_second" double precision,  /* f64 */
	"scan_bytes_per_second" double precision,  /* f64 */
	"index_bytes_per_second" double precision,  /* f64 */
	"foreign_key_bytes_per_second" double precision  /* f64 */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'calibrate_wrapper';

CREATE FUNCTION confiture."record_migration_answer"(
	"version" TEXT, /* Option < & str > */
	"answer" TEXT, /* Option < & str > */
	"detail" jsonb DEFAULT '{}' /* Option < JsonText > */
) RETURNS void
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'record_migration_answer_wrapper';

GRANT EXECUTE ON FUNCTION confiture.assess_migration(text, text, jsonb) TO PUBLIC;
REVOKE ALL ON FUNCTION confiture.assess_migrations(text, jsonb), confiture.calibrate(bigint),
    confiture.record_migration_answer(text, text, jsonb) FROM PUBLIC;

-- Lint rows carry each rule's title, description, categories and facing; lint_rules() too, with
-- where the rule is documented (docs/lint.md). Their result types change: dropped and created.
DROP FUNCTION confiture.lint_schema(jsonb);
DROP FUNCTION confiture.lint_rules();
CREATE FUNCTION confiture."lint_schema"(
	"config" jsonb DEFAULT '{}' /* Option < JsonText > */
) RETURNS TABLE (
	"rule" TEXT,  /* String */
	"level" TEXT,  /* String */
	"category" TEXT,  /* String */
	"schema_name" TEXT,  /* Option < String > */
	"object_name" TEXT,  /* String */
	"object_type" TEXT,  /* String */
	"message" TEXT,  /* String */
	"remediation" TEXT,  /* String */
	"cache_key" TEXT,  /* String */
	"metadata" jsonb,  /* pgrx :: JsonB */
	"waived" bool,  /* bool */
	"title" TEXT,  /* String */
	"description" TEXT,  /* String */
	"categories" TEXT[],  /* Vec < String > */
	"facing" TEXT  /* String */
)
VOLATILE PARALLEL UNSAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'lint_schema_wrapper';

CREATE FUNCTION confiture."lint_rules"() RETURNS TABLE (
	"name" TEXT,  /* String */
	"level" TEXT,  /* String */
	"category" TEXT,  /* String */
	"rationale" TEXT,  /* String */
	"custom" bool,  /* bool */
	"title" TEXT,  /* String */
	"categories" TEXT[],  /* Vec < String > */
	"facing" TEXT,  /* String */
	"docs_url" TEXT  /* Option < String > */
)
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'lint_rules_wrapper';

GRANT EXECUTE ON FUNCTION confiture.lint_schema(jsonb), confiture.lint_rules() TO PUBLIC;
