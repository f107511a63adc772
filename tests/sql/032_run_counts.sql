-- 032_run_counts.sql: a run's counts (xinyu.run_counts, which run_finish writes into the run's
-- record) for a small run, whose warnings are looked up item by item, and for a large one (more
-- than 20,000 items), whose warnings are counted as a join: the same rule either way. A
-- version with two warnings counts once; a rejected one with a warning beside its reason does
-- not count; duplicates have no raw row of their own here and count as received only.
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

-- a run of p_items items: every item loaded but the first few, which are, in order: loaded
-- with two warnings, loaded with one, superseded with one, rejected with a warning and a
-- reason, a duplicate, superseded without any
CREATE FUNCTION pg_temp.make_run(p_items integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_run bigint;
BEGIN
    INSERT INTO xinyu.run (kind, host, pid) VALUES ('run', 'test', 3) RETURNING run_id INTO v_run;
    CREATE TEMP TABLE items ON COMMIT DROP AS
    SELECT n, CASE n WHEN 3 THEN 'superseded' WHEN 4 THEN 'rejected' WHEN 5 THEN 'duplicate'
                     WHEN 6 THEN 'superseded' ELSE 'loaded' END AS outcome,
           NULL::bigint AS raw_id
    FROM generate_series(1, p_items) n;
    UPDATE items SET raw_id = r.raw_id
    FROM (SELECT i.n, nextval('xinyu.raw_submission_raw_id_seq') AS raw_id FROM items i WHERE i.n <> 5) r
    WHERE r.n = items.n;
    INSERT INTO xinyu.raw_submission (raw_id, sha256, byte_size, source, ref, run_id, school_code,
                                      period, district_code)
    SELECT i.raw_id, NULL, 10, 'spool', 'r-' || i.n, v_run, '3201990001', '2024-2025-1', '320199'
    FROM items i WHERE i.raw_id IS NOT NULL;
    INSERT INTO xinyu.run_item (run_id, raw_id, source, ref, outcome)
    SELECT v_run, i.raw_id, 'spool', 'r-' || i.n, i.outcome FROM items i;
    INSERT INTO xinyu.submission_issue (raw_id, seq, severity, code, path, message)
    SELECT i.raw_id, x.seq, x.severity, 'c', 'p', 'm'
    FROM items i
    JOIN (VALUES (1, 1, 'warning'), (1, 2, 'warning'), (2, 1, 'warning'), (3, 1, 'warning'),
                 (4, 1, 'warning'), (4, 2, 'reject')) AS x(n, seq, severity) ON x.n = i.n;
    DROP TABLE items;
    RETURN v_run;
END
$$;

BEGIN;
SELECT pg_temp.make_run(10) AS small \gset
COMMIT;
BEGIN;
SELECT pg_temp.make_run(20010) AS large \gset
COMMIT;

-- counts as text, as every counting function returns them (xinyu.run_tally), and a run's
-- record: its status, whether its counts are final, and those counts
CREATE FUNCTION pg_temp.tally(t xinyu.run_tally) RETURNS text
LANGUAGE sql AS $$
SELECT concat_ws(' ', t.received, t.loaded, t.duplicate, t.superseded, t.rejected, t.warnings)
$$;
CREATE FUNCTION pg_temp.record(p_run bigint) RETURNS text
LANGUAGE sql AS $$
SELECT concat_ws(' ', r.status, r.counted::text, r.received, r.loaded, r.duplicate,
                 r.superseded, r.rejected, r.warnings)
FROM xinyu.run r WHERE r.run_id = p_run
$$;
-- run_finish of p_run with p_status, with the rights of p_role; the record after it
CREATE FUNCTION pg_temp.finish_as(p_role text, p_run bigint, p_status text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    PERFORM xinyu.run_finish(p_run, p_status, NULL, 0, NULL);
    RESET ROLE;
    RETURN pg_temp.record(p_run);
END
$$;

SELECT pg_temp.assert_eq('run counts: a small run',
    (SELECT pg_temp.tally(c) FROM xinyu.run_counts(:small) c), '10 6 1 2 1 3');
SELECT pg_temp.assert_eq('run counts: a large run',
    (SELECT pg_temp.tally(c) FROM xinyu.run_counts(:large) c), '20010 20006 1 2 1 3');
-- run_finish keeps them in the run's record, final, with the ingest role's rights
SELECT pg_temp.assert_eq('run counts: kept by run_finish',
    pg_temp.finish_as('xinyu_ingest', :large, 'ok'), 'ok true 20010 20006 1 2 1 3');

-- a run still loading: nothing kept, its counts made from its items wherever they are asked
SELECT pg_temp.assert_eq('run counts: a running run not counted yet',
    pg_temp.record(:small) || ' / ' || (SELECT pg_temp.tally(c) FROM xinyu.run_counts_kept(:small) c),
    'running false 0 0 0 0 0 0 / 10 6 1 2 1 3');
-- its ingest has ended (the nightly run): counted into its record, with the ingest role's
-- rights, and returned
SET ROLE xinyu_ingest;
SELECT pg_temp.assert_eq('run counts: counted into the record',
    (SELECT pg_temp.tally(c) FROM xinyu.run_count(:small) c), '10 6 1 2 1 3');
RESET ROLE;
SELECT pg_temp.assert_eq('run counts: the record holds them, final, still running',
    pg_temp.record(:small), 'running true 10 6 1 2 1 3');
-- an item recorded after the count (which the nightly run's report never does) shows that what
-- follows reads the record instead of counting again: neither the report's counts nor
-- run_finish see it
INSERT INTO xinyu.run_item (run_id, raw_id, source, ref, outcome)
VALUES (:small, NULL, 'spool', 'late', 'duplicate');
SELECT pg_temp.assert_eq('run counts: the report reads the kept ones',
    (SELECT pg_temp.tally(c) FROM xinyu.run_counts_kept(:small) c), '10 6 1 2 1 3');
SELECT pg_temp.assert_eq('run counts: run_finish keeps the counted ones',
    pg_temp.finish_as('xinyu_report', :small, 'partial'), 'partial true 10 6 1 2 1 3');
-- made from the items they were
SELECT pg_temp.assert_eq('run counts: the items have one more since',
    (SELECT pg_temp.tally(c) FROM xinyu.run_counts(:small) c), '11 6 2 2 1 3');
