-- 005_runs_registry.sql: closing run records, finding dead runs, and applying the registry.

-- The counts of a run come from its items, so they always reconcile.
CREATE FUNCTION xinyu.run_finish(p_run_id bigint, p_status text, p_message text,
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
CREATE FUNCTION xinyu.run_reap() RETURNS integer
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

-- The registry file as read by the C side (checked there, with line numbers).
CREATE FUNCTION xinyu.create_registry_staging() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS stage_school (
        school_code text NOT NULL,
        school_name text NOT NULL,
        district_code text NOT NULL,
        district_name text NOT NULL,
        school_type text NOT NULL,
        active boolean NOT NULL
    ) ON COMMIT DELETE ROWS;
END
$$;

-- Makes the registry equal to the staged file: new and changed rows are written,
-- schools missing from the file become inactive (their submissions stay).
CREATE FUNCTION xinyu.registry_apply()
RETURNS TABLE (districts_changed integer, schools_changed integer, schools_deactivated integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_districts integer;
    v_schools integer;
    v_deactivated integer;
BEGIN
    INSERT INTO xinyu.district (district_code, district_name)
    SELECT DISTINCT district_code, district_name FROM stage_school
    ON CONFLICT (district_code) DO UPDATE SET district_name = excluded.district_name
    WHERE xinyu.district.district_name IS DISTINCT FROM excluded.district_name;
    GET DIAGNOSTICS v_districts = ROW_COUNT;

    INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
    SELECT school_code, school_name, district_code, school_type, active FROM stage_school
    ON CONFLICT (school_code) DO UPDATE
    SET school_name = excluded.school_name, district_code = excluded.district_code,
        school_type = excluded.school_type, active = excluded.active, updated_at = now()
    WHERE (xinyu.school.school_name, xinyu.school.district_code, xinyu.school.school_type,
           xinyu.school.active)
          IS DISTINCT FROM (excluded.school_name, excluded.district_code, excluded.school_type,
                            excluded.active);
    GET DIAGNOSTICS v_schools = ROW_COUNT;

    UPDATE xinyu.school s SET active = false, updated_at = now()
    WHERE s.active AND NOT EXISTS (SELECT FROM stage_school st WHERE st.school_code = s.school_code);
    GET DIAGNOSTICS v_deactivated = ROW_COUNT;

    RETURN QUERY SELECT v_districts, v_schools, v_deactivated;
END
$$;

-- The last registry file applied, so that an unchanged file costs nothing.
CREATE TABLE xinyu.registry_load (
    run_id bigint PRIMARY KEY REFERENCES xinyu.run,
    sha256 bytea NOT NULL,
    path text NOT NULL,
    schools integer NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

GRANT EXECUTE ON FUNCTION xinyu.run_finish(bigint, text, text, integer, jsonb),
    xinyu.run_reap() TO xinyu_ingest, xinyu_report;
GRANT SELECT ON xinyu.registry_load TO xinyu_ingest, xinyu_report;
