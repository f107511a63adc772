-- runs.sql: closing run records and finding dead runs.

-- The counts of a run come from its items, so they always reconcile.
CREATE OR REPLACE FUNCTION xinyu.run_finish(p_run_id bigint, p_status text, p_message text,
                                 p_failed_sources integer, p_timings jsonb)
RETURNS void
LANGUAGE sql AS $$
    UPDATE xinyu.run r
    SET status = p_status,
        finished_at = clock_timestamp(),
        message = p_message,
        failed_sources = p_failed_sources,
        timings = coalesce(p_timings, '{}'),
        received = c.received, loaded = c.loaded, duplicate = c.duplicate,
        superseded = c.superseded, rejected = c.rejected, warnings = c.warnings
    FROM (SELECT count(*)::integer AS received,
                 count(*) FILTER (WHERE outcome = 'loaded')::integer AS loaded,
                 count(*) FILTER (WHERE outcome = 'duplicate')::integer AS duplicate,
                 count(*) FILTER (WHERE outcome = 'superseded')::integer AS superseded,
                 count(*) FILTER (WHERE outcome = 'rejected')::integer AS rejected,
                 count(*) FILTER (WHERE outcome IN ('loaded', 'superseded')
                                  AND EXISTS (SELECT FROM xinyu.submission_issue i
                                              WHERE i.raw_id = ri.raw_id
                                                AND i.severity = 'warning'))::integer AS warnings
          FROM xinyu.run_item ri
          WHERE ri.run_id = p_run_id) c
    WHERE r.run_id = p_run_id;
$$;

-- Runs whose process died (its session is gone) are closed as aborted, with the counts
-- of what they committed; their unfinished files are simply pending again.
CREATE OR REPLACE FUNCTION xinyu.run_reap() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_run record;
    v_count integer := 0;
BEGIN
    FOR v_run IN
        SELECT r.run_id FROM xinyu.run r
        WHERE r.status = 'running'
          AND NOT EXISTS (SELECT FROM pg_stat_activity a
                          WHERE a.pid = r.backend_pid AND a.backend_start <= r.started_at)
        FOR UPDATE SKIP LOCKED
    LOOP
        PERFORM xinyu.run_finish(v_run.run_id, 'aborted',
                                 'the process ended before the run finished', 0, NULL);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

GRANT EXECUTE ON FUNCTION xinyu.run_finish(bigint, text, text, integer, jsonb),
    xinyu.run_reap() TO xinyu_ingest, xinyu_report;
