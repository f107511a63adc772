-- runs.sql: closing run records and finding dead runs.

-- The warnings of a large run (xinyu.run_counts): its items joined to the warnings as sets,
-- never one lookup per item. Right after a load the statistics may still describe the tables
-- as nearly empty, and a plan made from those scanned the warnings once per item (20 s for a
-- 200,000-item run); without nested loops every plan is one pass over each side.
CREATE OR REPLACE FUNCTION xinyu.run_warnings_joined(p_run_id bigint)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
SET enable_nestloop = off
AS $$
SELECT count(*)::integer
FROM xinyu.run_item ri
WHERE ri.run_id = p_run_id
  AND ri.outcome IN ('loaded', 'superseded')
  AND EXISTS (SELECT FROM xinyu.submission_issue i
              WHERE i.raw_id = ri.raw_id AND i.severity = 'warning')
$$;

-- The counts of a run's items, as its record keeps them (made from the items, so they always
-- reconcile): received = loaded + duplicate +
-- superseded + rejected; warnings, the loaded and superseded versions with a warning. A run of
-- up to 20,000 items looks each item's warnings up by index, whatever the statistics say (a
-- condition inside an aggregate's FILTER is always a lookup per row); a larger one counts them
-- as a join (xinyu.run_warnings_joined): for a 400,000-item run the lookups were three
-- quarters of the count. The nightly run makes it once, when its ingest has ended (032).
-- (It returned its own TABLE of the same columns before xinyu.run_tally, 032.)
DROP FUNCTION IF EXISTS xinyu.run_counts(bigint);
CREATE OR REPLACE FUNCTION xinyu.run_counts(p_run_id bigint)
RETURNS SETOF xinyu.run_tally
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    v_received integer;
    v_loaded integer;
    v_duplicate integer;
    v_superseded integer;
    v_rejected integer;
    v_warnings integer;
BEGIN
    SELECT count(*)::integer,
           count(*) FILTER (WHERE ri.outcome = 'loaded')::integer,
           count(*) FILTER (WHERE ri.outcome = 'duplicate')::integer,
           count(*) FILTER (WHERE ri.outcome = 'superseded')::integer,
           count(*) FILTER (WHERE ri.outcome = 'rejected')::integer
    INTO v_received, v_loaded, v_duplicate, v_superseded, v_rejected
    FROM xinyu.run_item ri
    WHERE ri.run_id = p_run_id;
    IF v_received <= 20000 THEN
        SELECT count(*) FILTER (WHERE ri.outcome IN ('loaded', 'superseded')
                                  AND EXISTS (SELECT FROM xinyu.submission_issue i
                                              WHERE i.raw_id = ri.raw_id
                                                AND i.severity = 'warning'))::integer
        INTO v_warnings
        FROM xinyu.run_item ri
        WHERE ri.run_id = p_run_id;
    ELSE
        v_warnings := xinyu.run_warnings_joined(p_run_id);
    END IF;
    RETURN QUERY SELECT v_received, v_loaded, v_duplicate, v_superseded, v_rejected, v_warnings;
END
$$;

CREATE OR REPLACE FUNCTION xinyu.run_finish(p_run_id bigint, p_status text, p_message text,
                                 p_failed_sources integer, p_timings jsonb)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_counted boolean;
BEGIN
    UPDATE xinyu.run r
    SET status = p_status,
        finished_at = clock_timestamp(),
        message = p_message,
        failed_sources = p_failed_sources,
        timings = coalesce(p_timings, '{}')
    WHERE r.run_id = p_run_id
    RETURNING r.counted INTO v_counted;
    -- counted once already (xinyu.run_count) when nothing could change them since
    IF NOT v_counted THEN
        PERFORM xinyu.run_count(p_run_id);
    END IF;
END
$$;

-- The counts of a run all of whose items are recorded (the nightly run's once its ingest has
-- ended: its report adds none) made and kept in its record (032), where run_finish and
-- xinyu.run_counts_kept find them; returned as run_counts returns them.
CREATE OR REPLACE FUNCTION xinyu.run_count(p_run_id bigint)
RETURNS SETOF xinyu.run_tally
LANGUAGE sql AS $$
    UPDATE xinyu.run r
    SET received = c.received, loaded = c.loaded, duplicate = c.duplicate,
        superseded = c.superseded, rejected = c.rejected, warnings = c.warnings,
        counted = true
    FROM xinyu.run_counts(p_run_id) c
    WHERE r.run_id = p_run_id
    RETURNING r.received, r.loaded, r.duplicate, r.superseded, r.rejected, r.warnings;
$$;

-- A run's counts: those of its record when they are final (xinyu.run.counted), else made from
-- its items (a run still loading, or one whose process died before it finished). The items
-- are not read when the record's counts are final (the second branch's condition is a
-- one-time filter, decided before its scan).
CREATE OR REPLACE FUNCTION xinyu.run_counts_kept(p_run_id bigint)
RETURNS SETOF xinyu.run_tally
LANGUAGE sql STABLE
AS $$
    SELECT r.received, r.loaded, r.duplicate, r.superseded, r.rejected, r.warnings
    FROM xinyu.run r
    WHERE r.run_id = p_run_id AND r.counted
    UNION ALL
    SELECT c.received, c.loaded, c.duplicate, c.superseded, c.rejected, c.warnings
    FROM xinyu.run_counts(p_run_id) c
    WHERE NOT EXISTS (SELECT FROM xinyu.run r WHERE r.run_id = p_run_id AND r.counted);
$$;

-- The advisory lock a run's session holds while the run is open (xinyu.run_begin), in its
-- two-key form: class 5790032 (common/db.h: the run lock is 5790030, the merge's school terms
-- 5790031) and the run's id. Taken and looked for through this alone.
-- (run_alive_key gave the key only; the class was written out where it was used.)
DROP FUNCTION IF EXISTS xinyu.run_alive_key(bigint);
CREATE OR REPLACE FUNCTION xinyu.run_alive_lock(p_run_id bigint, OUT class integer,
                                                OUT key integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 5790032, (p_run_id % 2147483648)::integer $$;

-- Whether run p_run_id's session still holds the lock xinyu.run_begin took: the run's process
-- lives. pg_locks shows every session's locks to every role.
CREATE OR REPLACE FUNCTION xinyu.run_lives(p_run_id bigint)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
SELECT EXISTS (SELECT FROM pg_locks l, xinyu.run_alive_lock(p_run_id) k
               WHERE l.locktype = 'advisory'
                 AND l.database = (SELECT d.oid FROM pg_database d
                                   WHERE d.datname = current_database())
                 AND l.classid = k.class::oid
                 AND l.objid = k.key::oid
                 AND l.objsubid = 2
                 AND l.granted)
$$;

-- A new run record of p_kind, its id returned, with its session holding the run's advisory
-- lock from the same transaction on, until it ends: the sign that the run's process lives,
-- which xinyu.run_reap reads from pg_locks, where every role sees every session's locks.
CREATE OR REPLACE FUNCTION xinyu.run_begin(p_kind text, p_host text, p_pid integer, p_args text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_run_id bigint;
BEGIN
    INSERT INTO xinyu.run (kind, host, pid, args)
    VALUES (p_kind, p_host, p_pid, p_args)
    RETURNING run_id INTO v_run_id;
    PERFORM pg_advisory_lock(k.class, k.key) FROM xinyu.run_alive_lock(v_run_id) k;
    RETURN v_run_id;
END
$$;

-- Runs whose process died (its session is gone) are closed as aborted, with the counts
-- of what they committed; their unfinished files are simply pending again. A run lives while
-- its session holds the lock xinyu.run_begin took (xinyu.run_lives). A run begun without it
-- (by an earlier version of Xinyu) lives while its session does, as pg_stat_activity shows
-- it: only to a role that may see that session's start, which a least-privilege role may not
-- (to xinyu_ingest, another login's sessions show no start), so that the lock is what counts.
CREATE OR REPLACE FUNCTION xinyu.run_reap() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_run record;
    v_count integer := 0;
BEGIN
    FOR v_run IN
        SELECT r.run_id FROM xinyu.run r
        WHERE r.status = 'running'
          AND NOT xinyu.run_lives(r.run_id)
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

GRANT EXECUTE ON FUNCTION xinyu.run_alive_lock(bigint), xinyu.run_lives(bigint),
    xinyu.run_begin(text, text, integer, text) TO xinyu_ingest, xinyu_report;

GRANT EXECUTE ON FUNCTION xinyu.run_counts(bigint), xinyu.run_warnings_joined(bigint),
    xinyu.run_finish(bigint, text, text, integer, jsonb), xinyu.run_count(bigint),
    xinyu.run_counts_kept(bigint),
    xinyu.run_reap() TO xinyu_ingest, xinyu_report;

-- Xinyu's tables that changed as much since their statistics were made as would have
-- autovacuum make them again, analyzed now; returns how many. The nightly run calls it
-- between loading and reporting: after a large load the report's statements would be planned
-- from the statistics of nearly empty tables, and autovacuum, coming meanwhile, would take
-- one of the two cores from the report. With its owner's rights, so that the ingest role
-- can analyze Xinyu's tables and nothing else. The tables named in p_later (NULL: none) are
-- left for a later call: the run analyzes the others while the loaded submissions are
-- vacuumed, then those (a VACUUM and an ANALYZE of one table wait for each other, or skip it).
DROP FUNCTION IF EXISTS xinyu.analyze_changed();
CREATE OR REPLACE FUNCTION xinyu.analyze_changed(p_later text[] DEFAULT '{}')
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog
-- a table left to autovacuum is no news for the person running xinyu
SET client_min_messages = error
AS $$
DECLARE
    v_table regclass;
    v_count integer := 0;
BEGIN
    FOR v_table IN
        SELECT c.oid::regclass
        FROM pg_class c
        JOIN pg_namespace ns ON ns.oid = c.relnamespace
        JOIN pg_stat_all_tables st ON st.relid = c.oid
        WHERE ns.nspname = 'xinyu'
          AND c.relkind = 'r'
          AND c.relname <> ALL (coalesce(p_later, '{}'))
          AND st.n_mod_since_analyze
              > current_setting('autovacuum_analyze_threshold')::integer
                + current_setting('autovacuum_analyze_scale_factor')::double precision
                  * greatest(c.reltuples, 0)
        ORDER BY c.relname
    LOOP
        -- a regclass prints as a quoted, qualified name; a table autovacuum is working on
        -- is left to it (waiting for it took a second each, until the server cancelled it)
        EXECUTE format('ANALYZE (SKIP_LOCKED) %s', v_table);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END
$$;

REVOKE ALL ON FUNCTION xinyu.analyze_changed(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xinyu.analyze_changed(text[]) TO xinyu_ingest;

-- Whether the rows inserted into p_table since it was last vacuumed are more than the share of
-- its rows at which autovacuum vacuums a table for its inserts (without autovacuum's floor of a
-- thousand rows, so that a small table's first load counts). The nightly run vacuums the
-- loaded submissions before its report when this holds (cli/cmd_run.c): a first night, a new
-- term of every school; a night's corrections are left to autovacuum. A table never counted
-- (reltuples -1) is due with its first row.
CREATE OR REPLACE FUNCTION xinyu.vacuum_due(p_table regclass)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
SELECT st.n_ins_since_vacuum
       > current_setting('autovacuum_vacuum_insert_scale_factor')::double precision
         * greatest(c.reltuples, 0)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_stat_all_tables st ON st.relid = c.oid
WHERE c.oid = p_table
$$;

REVOKE ALL ON FUNCTION xinyu.vacuum_due(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xinyu.vacuum_due(regclass) TO xinyu_ingest;
