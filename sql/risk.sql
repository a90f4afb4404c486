-- Migration risk: the throughputs confiture.calibrate() measured on this server; estimates use
-- the latest row (docs/risk.md).
CREATE TABLE risk_calibration (
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
COMMENT ON TABLE risk_calibration IS 'Throughputs measured by confiture.calibrate(); migration estimates use the latest';
SELECT pg_catalog.pg_extension_config_dump('risk_calibration', '');
REVOKE ALL ON TABLE risk_calibration FROM PUBLIC;
GRANT SELECT ON TABLE risk_calibration TO PUBLIC;
