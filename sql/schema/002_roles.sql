-- 002_roles.sql: least-privilege roles. The owner (who runs migrations) keeps DDL;
-- xinyu_ingest loads raw, staging and core tables; xinyu_report reads core tables and
-- writes only report tables. Roles are cluster-wide, so they are created only if missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'xinyu_ingest') THEN
        CREATE ROLE xinyu_ingest NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'xinyu_report') THEN
        CREATE ROLE xinyu_report NOLOGIN;
    END IF;
    -- staging tables are temporary tables of the ingest session
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO xinyu_ingest', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO xinyu_ingest, xinyu_report', current_database());
END
$$;

REVOKE ALL ON SCHEMA xinyu FROM PUBLIC;

GRANT USAGE ON SCHEMA xinyu TO xinyu_ingest, xinyu_report;

-- ingest: reads the registry to check submissions, never changes it
GRANT SELECT ON xinyu.district, xinyu.school TO xinyu_ingest;

GRANT SELECT, INSERT ON xinyu.raw_submission, xinyu.run_item, xinyu.submission,
    xinyu.submission_grade, xinyu.submission_issue, xinyu.run_event TO xinyu_ingest;

GRANT UPDATE (is_current) ON xinyu.submission TO xinyu_ingest;

GRANT UPDATE (outcome) ON xinyu.run_item TO xinyu_ingest;

GRANT SELECT, INSERT, UPDATE ON xinyu.run, xinyu.ingest_file, xinyu.source_state TO xinyu_ingest;

GRANT USAGE ON SEQUENCE xinyu.raw_submission_raw_id_seq, xinyu.run_item_item_id_seq,
    xinyu.submission_submission_id_seq, xinyu.run_run_id_seq,
    xinyu.ingest_file_file_id_seq TO xinyu_ingest;

-- report: reads what was loaded, writes reports and its own run records
GRANT SELECT ON xinyu.district, xinyu.school, xinyu.submission, xinyu.submission_grade,
    xinyu.submission_issue, xinyu.run_item, xinyu.run_event, xinyu.ingest_file,
    xinyu.source_state, xinyu.submission_history TO xinyu_report;

GRANT SELECT (raw_id, sha256, byte_size, source, ref, received_at, run_id, school_code, period,
              district_code) ON xinyu.raw_submission TO xinyu_report;

GRANT SELECT, INSERT, UPDATE ON xinyu.run TO xinyu_report;

GRANT SELECT, INSERT, UPDATE, DELETE ON xinyu.report TO xinyu_report;

GRANT USAGE ON SEQUENCE xinyu.run_run_id_seq, xinyu.report_report_id_seq TO xinyu_report;
