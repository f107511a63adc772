-- 024_value_statistics.sql: no planner statistics for the figures of a submission and the bytes
-- of a raw one.
--
-- The report's statements sum, count and compare the figures, but never select rows by them:
-- the planner has no use for their statistics, and making them was most of what ANALYZE of
-- xinyu.submission cost (a sample of every one of its sixty columns sorted), whether the
-- nightly run does it before its report (xinyu.analyze_changed) or autovacuum does. The
-- columns rows are found and joined by keep theirs.
DO $$
DECLARE
    v_column record;
BEGIN
    FOR v_column IN
        SELECT a.attrelid::regclass AS tab, a.attname
        FROM pg_attribute a
        WHERE a.attnum > 0
          AND NOT a.attisdropped
          AND ((a.attrelid = 'xinyu.submission'::regclass
                AND a.attname NOT IN ('submission_id', 'raw_id', 'school_code', 'district_code',
                                      'period', 'submitted_at', 'received_at', 'run_id',
                                      'is_current', 'received_seq', 'received_item'))
               OR (a.attrelid = 'xinyu.raw_submission'::regclass
                   AND a.attname IN ('byte_size', 'body_gz', 'ref', 'received_at')))
    LOOP
        EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS 0', v_column.tab,
                       v_column.attname);
    END LOOP;
END
$$;
