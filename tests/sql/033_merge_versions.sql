-- 033_merge_versions.sql: the stored versions whose place a batch changed
-- (xinyu.merge_versions). The demoted lose it and the promoted take it; the items this run
-- loaded of the demoted become superseded, and no others: not another run's item of the same
-- submission, nor an item of this run with another outcome. Each item is found by its raw id:
-- on a first load, whose thousands of items have no statistics yet, the index of the run and
-- outcome is not read (it was read whole for every batch, 0.1 s each at 400,000 items).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

-- an earlier run loaded D's version of T2; this run loads G's versions of T1 and T2, G's T1
-- one stored but not current (an earlier version that lost its place)
INSERT INTO xinyu.run (kind, host, pid) VALUES ('run', 'test', 4);
SELECT max(run_id) AS earlier FROM xinyu.run \gset
SELECT pg_temp.submit('3201990004', '2024-2025-1', '2025-01-10 10:00+08', '{"4": [100, 2, 10]}')
    AS d1 \gset
INSERT INTO xinyu.run (kind, host, pid) VALUES ('run', 'test', 5);
SELECT max(run_id) AS run FROM xinyu.run \gset
SELECT pg_temp.submit('3201980001', '2024-2025-1', '2025-01-10 10:00+08', '{"4": [100, 2, 10]}')
    AS g1 \gset
SELECT pg_temp.submit('3201980001', '2023-2024-2', '2024-07-01 10:00+08', '{"4": [90, 2, 10]}',
                      '{}', false) AS g0 \gset

INSERT INTO xinyu.run_item (run_id, raw_id, source, ref, outcome)
SELECT :earlier, s.raw_id, 'spool', 'd1', 'loaded' FROM xinyu.submission s WHERE s.submission_id = :d1
UNION ALL
-- this run received D's version again (a duplicate of the stored copy) and loaded G's
SELECT :run, s.raw_id, 'spool', 'd1-again', 'duplicate' FROM xinyu.submission s WHERE s.submission_id = :d1
UNION ALL
SELECT :run, s.raw_id, 'spool', 'g1', 'loaded' FROM xinyu.submission s WHERE s.submission_id = :g1;
-- and 20,000 other items, loaded, of which the statistics know nothing yet (as in a first load)
INSERT INTO xinyu.raw_submission (raw_id, sha256, byte_size, source, ref, run_id)
SELECT nextval('xinyu.raw_submission_raw_id_seq'), NULL, 10, 'spool', 'x-' || n, :run
FROM generate_series(1, 20000) n;
INSERT INTO xinyu.run_item (run_id, raw_id, source, ref, outcome)
SELECT :run, r.raw_id, 'spool', r.ref, 'loaded'
FROM xinyu.raw_submission r WHERE r.run_id = :run AND r.ref LIKE 'x-%';

BEGIN;
-- a later batch of this run: D's and G's T2 versions corrected, G's T1 version current again
SET ROLE xinyu_ingest;
SELECT xinyu.merge_versions(:run, ARRAY[:d1, :g1]::bigint[], ARRAY[:g0]::bigint[]);
RESET ROLE;
SELECT pg_temp.assert_eq('merge_versions: the run and outcome index not read',
    pg_stat_get_xact_numscans('xinyu.run_item_run'::regclass), 0::bigint);
SELECT pg_temp.assert_eq('merge_versions: one lookup per demoted raw id',
    pg_stat_get_xact_numscans('xinyu.run_item_raw'::regclass), 2::bigint);
COMMIT;

SELECT pg_temp.assert_eq('merge_versions: the places',
    (SELECT string_agg(s.submission_id || ' ' || s.is_current, ', ' ORDER BY s.submission_id)
     FROM xinyu.submission s WHERE s.submission_id IN (:d1, :g1, :g0)),
    concat(:d1, ' false, ', :g1, ' false, ', :g0, ' true'));
SELECT pg_temp.assert_eq('merge_versions: only this run''s loaded item is superseded',
    (SELECT string_agg(ri.ref || ' ' || ri.outcome, ', ' ORDER BY ri.ref)
     FROM xinyu.run_item ri WHERE ri.ref NOT LIKE 'x-%'),
    'd1 loaded, d1-again duplicate, g1 superseded');
SELECT pg_temp.assert_eq('merge_versions: the other items untouched',
    (SELECT count(*) FROM xinyu.run_item ri WHERE ri.ref LIKE 'x-%' AND ri.outcome = 'loaded'),
    20000::bigint);
