-- 025_problem_ledger.sql: the ledger of problems sent to schools (sql/014_problem_ledger.sql).
-- Issues written by the ingest role record one problem per submission; the problems due in a
-- nightly run's lists are those not yet sent (or sent by that run), of its terms, and what a
-- run saw first follows the same rules; marking them sent is done once; the two-argument
-- lists are unchanged.
-- T = 2024-2025-1 (the scope), T0 = 2023-2024-1 (outside it).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

\set g '{"1": [100, 2, 10]}'
-- run 2 receives (as the ingest role, as the merge writes them: a raw row, then its issues in
-- one statement): a rejection of school A in T with a warning beside its reason, one with no
-- readable school or term, one of school B in T0; an accepted version of G with a warning,
-- and one of D with a warning that a later version replaced
INSERT INTO xinyu.run (kind, host, pid) VALUES ('run', 'test', 2);
CREATE FUNCTION pg_temp.raw(p_school text, p_period text) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO xinyu.raw_submission (sha256, byte_size, source, ref, run_id, school_code, period, district_code)
    VALUES (NULL, 10, 'spool', 'r-' || coalesce(p_school, 'none'), (SELECT max(run_id) FROM xinyu.run),
            p_school, p_period, (SELECT district_code FROM xinyu.school WHERE school_code = p_school))
    RETURNING raw_id
$$;
GRANT EXECUTE ON FUNCTION pg_temp.raw(text, text) TO xinyu_ingest;
SET ROLE xinyu_ingest;
SELECT pg_temp.raw('3201990001', '2024-2025-1') AS rej_a \gset
INSERT INTO xinyu.submission_issue (raw_id, seq, severity, code, path, message) VALUES
    (:rej_a, 1, 'warning', 'unknown_field', 'x', 'unknown field; ignored'),
    (:rej_a, 2, 'reject', 'range', 'y', 'out of range');
SELECT pg_temp.raw(NULL, NULL) AS rej_none \gset
INSERT INTO xinyu.submission_issue (raw_id, seq, severity, code, path, message) VALUES
    (:rej_none, 1, 'reject', 'json', '', 'not valid JSON');
SELECT pg_temp.raw('3201990002', '2023-2024-1') AS rej_b \gset
INSERT INTO xinyu.submission_issue (raw_id, seq, severity, code, path, message) VALUES
    (:rej_b, 1, 'reject', 'future', 'submitted_at', 'in the future');
INSERT INTO xinyu.run_item (run_id, raw_id, source, ref, outcome, school_code, period)
SELECT r.run_id, r.raw_id, r.source, r.ref, 'rejected', r.school_code, r.period
FROM xinyu.raw_submission r WHERE r.raw_id IN (:rej_a, :rej_none, :rej_b);
RESET ROLE;
SELECT pg_temp.submit('3201980001', '2024-2025-1', '2025-01-10 10:00:00+08', :'g') AS sub_c \gset
SELECT pg_temp.submit('3201990004', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{}', false) AS sub_d \gset
SET ROLE xinyu_ingest;
INSERT INTO xinyu.submission_issue (raw_id, seq, severity, code, path, message)
SELECT s.raw_id, 1, 'warning', 'name_mismatch', 'school_name', 'differs from the registry'
FROM xinyu.submission s WHERE s.submission_id IN (:sub_c, :sub_d);
RESET ROLE;

SELECT pg_temp.assert_eq('ledger: one problem per submission, first seen by run 2, unsent',
    (SELECT string_agg(kind || ' ' || coalesce(school_code, '-') || ' ' || coalesce(period, '-')
                       || ' ' || first_seen_run || ' ' || coalesce(sent_run::text, 'unsent'),
                       ',' ORDER BY raw_id)
     FROM xinyu.problem_ledger),
    'rejection 3201990001 2024-2025-1 2 unsent,rejection - - 2 unsent,rejection 3201990002 2023-2024-1 2 unsent,'
    'warning 3201980001 2024-2025-1 2 unsent,warning 3201990004 2024-2025-1 2 unsent');

-- due in a later run 3 (which received nothing): the scope's rejections, the one without a
-- term, the warnings of the current version; not T0's, not the replaced version's
INSERT INTO xinyu.run (kind, host, pid) VALUES ('run', 'test', 3);
SELECT pg_temp.assert_eq('ledger: due in run 3',
    (SELECT string_agg(kind || ' ' || raw_id, ',' ORDER BY raw_id)
     FROM xinyu.problems_due(ARRAY['2024-2025-1'], 3)),
    format('rejection %s,rejection %s,warning %s', :rej_a, :rej_none,
           (SELECT raw_id FROM xinyu.submission WHERE submission_id = :sub_c)));
-- what run 2 saw first (its "new"): the same set as due, by the same rules
SELECT pg_temp.assert_eq('ledger: what run 2 saw first',
    (SELECT string_agg(kind || ' ' || raw_id, ',' ORDER BY kind, raw_id)
     FROM xinyu.quality_new(ARRAY['2024-2025-1'], 2)),
    format('rejection %s,rejection %s,warning %s', :rej_a, :rej_none,
           (SELECT raw_id FROM xinyu.submission WHERE submission_id = :sub_c)));
SELECT pg_temp.assert_eq('ledger: the lists of run 3 carry them, every reason',
    (SELECT string_agg(coalesce(school_code, '-') || ' ' || severity || ' ' || code, ',')
     FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], 3, true))
    || ' | ' ||
    (SELECT string_agg(school_code || ' ' || code, ',') FROM xinyu.quality_warnings(ARRAY['2024-2025-1'], 3, true)),
    '3201990001 reject range,3201990001 warning unknown_field,- reject json | 3201980001 name_mismatch');
SELECT pg_temp.assert_eq('ledger: what run 3 received is nothing',
    (SELECT count(*) FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], 3))
  + (SELECT count(*) FROM xinyu.quality_warnings(ARRAY['2024-2025-1'], 3)), 0::bigint);

-- the two-argument lists are the three-argument ones without due, row for row, in order
SELECT pg_temp.assert_eq('ledger: two-argument lists unchanged',
    (SELECT string_agg(q::text, E'\n') FROM xinyu.quality_rejections(ARRAY['2024-2025-1', '2023-2024-1'], NULL) q)
    || E'\n' || (SELECT string_agg(q::text, E'\n') FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], 2) q)
    || E'\n' || (SELECT string_agg(q::text, E'\n') FROM xinyu.quality_warnings(ARRAY['2024-2025-1'], NULL) q),
    (SELECT string_agg(q::text, E'\n') FROM xinyu.quality_rejections(ARRAY['2024-2025-1', '2023-2024-1'], NULL, false) q)
    || E'\n' || (SELECT string_agg(q::text, E'\n') FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], 2, false) q)
    || E'\n' || (SELECT string_agg(q::text, E'\n') FROM xinyu.quality_warnings(ARRAY['2024-2025-1'], NULL, false) q));
SELECT pg_temp.assert_eq('ledger: the lists are not empty',
    (SELECT count(DISTINCT raw_id) FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], 2)) || ' '
    || (SELECT count(DISTINCT raw_id) FROM xinyu.quality_rejections(ARRAY['2024-2025-1', '2023-2024-1'], NULL)) || ' '
    || (SELECT count(*) FROM xinyu.quality_warnings(ARRAY['2024-2025-1'], NULL) WHERE code = 'name_mismatch'),
    '2 2 1');

-- the report role marks them sent by run 3, once; run 3's reports of other years still
-- carry them, a later run does not
SET ROLE xinyu_report;
SELECT pg_temp.assert_eq('ledger: run 3 marks three sent',
    xinyu.problems_mark_sent(ARRAY['2024-2025-1'], 3), 3::bigint);
SELECT pg_temp.assert_eq('ledger: marked once',
    xinyu.problems_mark_sent(ARRAY['2024-2025-1'], 3), 0::bigint);
SELECT pg_temp.assert_eq('ledger: still due in run 3',
    (SELECT count(*) FROM xinyu.problems_due(ARRAY['2024-2025-1'], 3)), 3::bigint);
RESET ROLE;
INSERT INTO xinyu.run (kind, host, pid) VALUES ('run', 'test', 4);
SELECT pg_temp.assert_eq('ledger: nothing due in run 4 of T',
    (SELECT count(*) FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], 4, true))
  + (SELECT count(*) FROM xinyu.quality_warnings(ARRAY['2024-2025-1'], 4, true)), 0::bigint);
SELECT pg_temp.assert_eq('ledger: T0''s rejection is due in run 4 of T0',
    (SELECT string_agg(DISTINCT school_code, ',') FROM xinyu.quality_rejections(ARRAY['2023-2024-1'], 4, true)),
    '3201990002');
SELECT pg_temp.assert_eq('ledger: sent by run 3, the rest unsent',
    (SELECT string_agg(coalesce(sent_run::text, 'unsent'), ',' ORDER BY raw_id) FROM xinyu.problem_ledger),
    '3,3,unsent,3,unsent');
