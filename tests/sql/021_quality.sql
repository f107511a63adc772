-- 021_quality.sql: the data-quality lists of sql/functions/quality.sql (the outliers
-- as made there) on hand-made submissions of district 320196 (and
-- 320195 for an even-sized median): outliers against the district median and against the
-- previous term, late submissions, schools that did not report,
-- rejections with their reasons, warnings and the per-term reconciliation.
-- Terms: T0 = 2023-2024-1, T1 = 2023-2024-2, T2 = 2024-2025-1 (deadline 2025-01-20).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

INSERT INTO xinyu.district (district_code, district_name) VALUES ('320196', '质量区'), ('320195', '偶数区');
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
SELECT '32019600' || lpad(n::text, 2, '0'), '质量学校' || n, '320196', 'primary', n <> 9
FROM generate_series(1, 9) n;
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
SELECT '32019500' || lpad(n::text, 2, '0'), '偶数学校' || n, '320195', 'primary', true
FROM generate_series(1, 4) n;

\set g '{"1": [100, 2, 10]}'

-- T2 in district 320196, schools 01-05 (06 does not report T2, 07 only a superseded version,
-- 09 is inactive):
--   staff_psych_parttime 1 2 3 3 31: median 3, 31 > 30 is an outlier
--   funding_psych_yuan 100 x4 and 1000: median 100, exactly 10x is not an outlier
--   crisis_incidents 0 0 0 0 5: median 0 flags nothing
-- and against the previous term (T1), only pupils, classes and teachers from at least 10:
--   staff_head_teachers 12 -> 40 (more than 3x) and 30 -> 9 (less than a third) change;
--   10 -> 30 (exactly 3x) does not
--   staff_subject_teachers 3 -> 12: four times, but from a value under 10
--   staff_psych_fulltime 2 -> 7, 9 -> 2, 4 -> 1 and counseling_group_sessions 40 -> 0: the
--   term's activity and psychology staff are not compared with the previous term
SELECT pg_temp.submit('3201960001', '2024-2025-1', '2025-01-20 23:59:59+08', :'g',
    '{"staff_psych_parttime": 1, "funding_psych_yuan": 100, "crisis_incidents": 0, "staff_psych_fulltime": 7,
      "staff_head_teachers": 40}');
SELECT pg_temp.submit('3201960002', '2024-2025-1', '2025-01-21 00:00:00+08', :'g',
    '{"staff_psych_parttime": 2, "funding_psych_yuan": 100, "crisis_incidents": 0, "staff_psych_fulltime": 9,
      "staff_subject_teachers": 12}');
SELECT pg_temp.submit('3201960003', '2024-2025-1', '2025-01-25 10:00:00+08', :'g',
    '{"staff_psych_parttime": 3, "funding_psych_yuan": 100, "crisis_incidents": 0, "staff_psych_fulltime": 2,
      "staff_head_teachers": 9}');
SELECT pg_temp.submit('3201960004', '2024-2025-1', '2025-01-10 10:00:00+08', :'g',
    '{"staff_psych_parttime": 3, "funding_psych_yuan": 100, "crisis_incidents": 0, "staff_psych_fulltime": 5,
      "staff_head_teachers": 30}');
SELECT pg_temp.submit('3201960005', '2024-2025-1', '2025-01-10 10:00:00+08', '{"1": [400, 8, 10]}',
    '{"staff_psych_parttime": 31, "funding_psych_yuan": 1000, "crisis_incidents": 5, "staff_psych_fulltime": 1,
      "counseling_group_sessions": 0}');
-- a superseded late version with wild values counts for nothing
SELECT pg_temp.submit('3201960007', '2024-2025-1', '2025-03-01 10:00:00+08', :'g',
    '{"staff_psych_parttime": 900, "staff_psych_fulltime": 900, "staff_head_teachers": 900}', false);
-- the inactive school: late and wild, but out of every list but the warnings
SELECT pg_temp.submit('3201960009', '2024-2025-1', '2025-03-01 10:00:00+08', :'g',
    '{"staff_psych_parttime": 900, "staff_psych_fulltime": 900}');

-- T1: the previous values. School 05 had 100 pupils in T0 and 400 in T1, a change of T1 from
-- its previous term T0, which is outside a T1..T2 scope (its 400 in T2 are no change).
SELECT pg_temp.submit('3201960001', '2023-2024-2', '2024-07-01 10:00:00+08', :'g',
    '{"staff_psych_fulltime": 2, "staff_head_teachers": 12}');
SELECT pg_temp.submit('3201960002', '2023-2024-2', '2024-07-01 10:00:00+08', :'g',
    '{"staff_psych_fulltime": 3, "staff_subject_teachers": 3}');
SELECT pg_temp.submit('3201960003', '2023-2024-2', '2024-07-01 10:00:00+08', :'g',
    '{"staff_psych_fulltime": 9, "staff_head_teachers": 30}');
SELECT pg_temp.submit('3201960004', '2023-2024-2', '2024-07-01 10:00:00+08', :'g',
    '{"staff_psych_fulltime": 0, "staff_head_teachers": 10}');
SELECT pg_temp.submit('3201960005', '2023-2024-2', '2024-07-01 10:00:00+08', '{"1": [400, 8, 10]}',
    '{"staff_psych_fulltime": 4, "counseling_group_sessions": 40}');
SELECT pg_temp.submit('3201960005', '2023-2024-1', '2024-01-10 10:00:00+08', :'g', '{"staff_psych_fulltime": 1}');

-- T2 in district 320195, four schools: care_left_behind 1 2 4 100, median (2 + 4) / 2 = 3
SELECT pg_temp.submit('3201950001', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"care_left_behind": 1}');
SELECT pg_temp.submit('3201950002', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"care_left_behind": 2}');
SELECT pg_temp.submit('3201950003', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"care_left_behind": 4}');
SELECT pg_temp.submit('3201950004', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"care_left_behind": 100}');

-- Outliers of the two terms T1 and T2.
CREATE TEMP TABLE got_outliers AS
SELECT kind, period, school_code, field, path, value, reference, round(ratio::numeric, 4) AS ratio
FROM xinyu.quality_outliers(ARRAY['2023-2024-2', '2024-2025-1'], NULL)
WHERE district_code IN ('320196', '320195');
CREATE TEMP TABLE expected_outliers (LIKE got_outliers);
INSERT INTO expected_outliers VALUES
    ('district_median', '2024-2025-1', '3201950004', 'care_left_behind', 'care.left_behind', 100, 3, 33.3333),
    ('district_median', '2024-2025-1', '3201960005', 'staff_psych_parttime', 'staff.psych_parttime', 31, 3, 10.3333),
    ('term_change', '2024-2025-1', '3201960001', 'staff_head_teachers', 'staff.head_teachers', 40, 12, 3.3333),
    ('term_change', '2024-2025-1', '3201960003', 'staff_head_teachers', 'staff.head_teachers', 9, 30, 0.3),
    ('term_change', '2023-2024-2', '3201960005', 'enrolled_total', 'enrollment.by_grade', 400, 100, 4);
SELECT pg_temp.assert_same('quality: outliers of T1 and T2', 'got_outliers', 'expected_outliers');

-- Only the scope's terms are listed: T1 alone has the one change from T0.
SELECT pg_temp.assert_eq('quality: outliers of T1 alone',
    (SELECT string_agg(kind || ' ' || school_code || ' ' || field, ',')
     FROM xinyu.quality_outliers(ARRAY['2023-2024-2'], NULL) WHERE district_code = '320196'),
    'term_change 3201960005 enrolled_total');

-- Each term has its medians: with four schools of 320195 at 20 in T1, the median of both terms
-- pooled would be 20 and T2's 100 no outlier; T2's own median is still 3.
BEGIN;
SELECT pg_temp.submit('320195000' || n, '2023-2024-2', '2024-07-01 10:00:00+08', :'g',
    '{"care_left_behind": 20}')
FROM generate_series(1, 4) n;
SELECT pg_temp.assert_eq('quality: the medians are of one term',
    (SELECT string_agg(period || ' ' || school_code || ' ' || field || ' ' || reference, ',')
     FROM xinyu.quality_outliers(ARRAY['2023-2024-2', '2024-2025-1'], NULL)
     WHERE district_code = '320195'),
    '2024-2025-1 3201950004 care_left_behind 3');
ROLLBACK;

-- A run's outliers: those among what it loaded, against the medians of the whole district.
INSERT INTO xinyu.run (kind, host, pid) VALUES ('run', 'test', 2);
UPDATE xinyu.submission SET run_id = (SELECT max(run_id) FROM xinyu.run)
WHERE school_code = '3201950004' AND period = '2024-2025-1';
SELECT pg_temp.assert_eq('quality: outliers of a run',
    (SELECT string_agg(kind || ' ' || school_code || ' ' || field || ' ' || reference, ',')
     FROM xinyu.quality_outliers(ARRAY['2023-2024-2', '2024-2025-1'], (SELECT max(run_id) FROM xinyu.run))),
    'district_median 3201950004 care_left_behind 3');
-- the term before a term: the autumn term before the spring one of its year, the spring term
-- of the year before before the autumn one; a string that is no term has none
SELECT pg_temp.assert_eq('quality: the terms before terms and strings that are none',
    (SELECT string_agg(coalesce(xinyu.previous_period(x), 'NULL'), ' ' ORDER BY n)
     FROM unnest(ARRAY['2024-2025-2', '2024-2025-1', '2024-2025-1x', '2024-2025-3', 'term', ''])
          WITH ORDINALITY AS t(x, n)),
    '2024-2025-1 2023-2024-2 NULL NULL NULL NULL');
-- a term that is no term (a caller's typing, not the CLI's, which checks it): nothing, no error
SELECT pg_temp.assert_eq('quality: a string that is no term has no outliers',
    (SELECT count(*) FROM xinyu.quality_outliers(ARRAY['2024-2025-1x', 'term', ''], NULL))::text, '0');
SELECT pg_temp.assert_eq('quality: a run that loaded nothing has no outliers',
    (SELECT count(*) FROM xinyu.quality_outliers(ARRAY['2024-2025-1'], -1))::text, '0');

-- Late: the accepted version after the end of 2025-01-20 in UTC+8. 23:59:59 is on time,
-- 00:00:00 the next day is one day late; superseded versions and inactive schools do not count.
CREATE TEMP TABLE got_late AS
SELECT period, deadline, district_code, district_name, school_code, school_name, submitted_at, days_late
FROM xinyu.quality_late(ARRAY['2023-2024-2', '2024-2025-1'], ARRAY[date '2024-07-15', date '2025-01-20'])
WHERE district_code = '320196';
CREATE TEMP TABLE expected_late (LIKE got_late);
INSERT INTO expected_late VALUES
    ('2024-2025-1', '2025-01-20', '320196', '质量区', '3201960002', '质量学校2', '2025-01-21T00:00:00+08:00', 1),
    ('2024-2025-1', '2025-01-20', '320196', '质量区', '3201960003', '质量学校3', '2025-01-25T10:00:00+08:00', 5);
SELECT pg_temp.assert_same('quality: late submissions', 'got_late', 'expected_late');
-- the rule itself, as the problems seen record it: the same schools, with the raw submission
-- of each current (not superseded) version
SELECT pg_temp.assert_eq('quality: late_current names the current version of each late school',
    (SELECT string_agg(l.school_code || ' ' || (l.raw_id = s.raw_id)::text, ',' ORDER BY l.school_code)
     FROM xinyu.late_current(ARRAY['2023-2024-2', '2024-2025-1'], ARRAY[date '2024-07-15', date '2025-01-20']) l
     JOIN xinyu.submission s ON s.school_code = l.school_code AND s.period = l.period AND s.is_current
     WHERE l.district_code = '320196'),
    '3201960002 true,3201960003 true');
SELECT pg_temp.assert_eq('quality: late_current and quality_late agree',
    (SELECT count(*) FROM (
        SELECT period, school_code FROM xinyu.late_current(ARRAY['2023-2024-2', '2024-2025-1'], ARRAY[date '2024-07-15', date '2025-01-20'])
        EXCEPT
        SELECT period, school_code FROM xinyu.quality_late(ARRAY['2023-2024-2', '2024-2025-1'], ARRAY[date '2024-07-15', date '2025-01-20'])) x),
    0::bigint);
-- whatever the session's time zone
SET TIME ZONE 'America/New_York';
SELECT pg_temp.assert_eq('quality: late in another session time zone',
    (SELECT string_agg(school_code || ' ' || submitted_at, ',' ORDER BY school_code)
     FROM xinyu.quality_late(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']) WHERE district_code = '320196'),
    '3201960002 2025-01-21T00:00:00+08:00,3201960003 2025-01-25T10:00:00+08:00');
RESET TIME ZONE;
SELECT pg_temp.assert_eq('quality: no deadline, nobody late',
    (SELECT count(*) FROM xinyu.quality_late(ARRAY['2024-2025-1'], NULL)), 0::bigint);

-- Not reported in T2: 06, 07 (only a superseded version) and 08 (never) of 320196; 09 is inactive.
SELECT pg_temp.assert_eq('quality: not reported',
    (SELECT string_agg(school_code || ' ' || school_name || ' ' || district_name, ',' ORDER BY school_code)
     FROM xinyu.quality_not_reported(ARRAY['2024-2025-1']) WHERE district_code = '320196'),
    '3201960006 质量学校6 质量区,3201960007 质量学校7 质量区,3201960008 质量学校8 质量区');

-- Rejections: school 06 sent a T2 submission rejected for two reasons (in run 2) that stays
-- unresolved; school 07 was rejected in T2 (run 2) and a later version was accepted; one
-- unreadable item of run 2 has no school and no term; school 04 was rejected in T0.
INSERT INTO xinyu.run (kind, host, pid) VALUES ('ingest', 'test', 2);
CREATE FUNCTION pg_temp.reject(p_school text, p_period text, p_issues jsonb)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_run bigint;
    v_raw bigint;
BEGIN
    SELECT max(run_id) INTO STRICT v_run FROM xinyu.run;
    INSERT INTO xinyu.raw_submission (sha256, byte_size, source, ref, run_id, school_code, period, district_code)
    VALUES (NULL, 10, 'spool', 'r-' || coalesce(p_school, 'none'), v_run, p_school, p_period,
            (SELECT district_code FROM xinyu.school WHERE school_code = p_school))
    RETURNING raw_id INTO v_raw;
    INSERT INTO xinyu.run_item (run_id, raw_id, source, ref, outcome, school_code, period)
    VALUES (v_run, v_raw, 'spool', 'r-' || coalesce(p_school, 'none'), 'rejected', p_school, p_period);
    INSERT INTO xinyu.submission_issue (raw_id, seq, severity, code, path, message)
    SELECT v_raw, (i.ord)::integer, i.e ->> 0, i.e ->> 1, i.e ->> 2, i.e ->> 3
    FROM jsonb_array_elements(p_issues) WITH ORDINALITY AS i(e, ord);
    RETURN v_raw;
END
$$;
SELECT pg_temp.reject('3201960006', '2024-2025-1',
    '[["reject", "cross_field", "staff.psych_cert_a", "4 exceeds psych_fulltime + psych_parttime (3)"],
      ["reject", "type", "staff.head_teachers", "expected a non-negative integer, got string \"18\""],
      ["warning", "unknown_field", "staff.extra", "unknown field; ignored"]]');
SELECT pg_temp.reject('3201960007', '2024-2025-1', '[["reject", "range", "counseling.open_hours_per_week", "200 is outside 0..168"]]');
SELECT pg_temp.reject(NULL, NULL, '[["reject", "json", "", "not valid JSON"]]');
SELECT pg_temp.submit('3201960007', '2024-2025-1', '2025-01-12 10:00:00+08', :'g', '{}');
INSERT INTO xinyu.run (kind, host, pid) VALUES ('ingest', 'test', 3);
SELECT pg_temp.reject('3201960004', '2023-2024-1', '[["reject", "future", "submitted_at", "in the future"]]');

CREATE TEMP TABLE got_rejections AS
SELECT school_code, school_name, period, resolved, severity, seq, code, path, message
FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], NULL);
CREATE TEMP TABLE expected_rejections (LIKE got_rejections);
INSERT INTO expected_rejections VALUES
    ('3201960006', '质量学校6', '2024-2025-1', false, 'reject', 1, 'cross_field', 'staff.psych_cert_a',
     '4 exceeds psych_fulltime + psych_parttime (3)'),
    ('3201960006', '质量学校6', '2024-2025-1', false, 'reject', 2, 'type', 'staff.head_teachers',
     'expected a non-negative integer, got string "18"'),
    ('3201960006', '质量学校6', '2024-2025-1', false, 'warning', 3, 'unknown_field', 'staff.extra',
     'unknown field; ignored'),
    ('3201960007', '质量学校7', '2024-2025-1', true, 'reject', 1, 'range', 'counseling.open_hours_per_week',
     '200 is outside 0..168');
SELECT pg_temp.assert_same('quality: rejections of T2 with every reason', 'got_rejections', 'expected_rejections');
-- by run: what that run received of the scope's terms, and what has no term at all
SELECT pg_temp.assert_eq('quality: rejections of run 2',
    (SELECT string_agg(DISTINCT coalesce(school_code, 'none'), ',')
     FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], (SELECT max(run_id) - 1 FROM xinyu.run))),
    '3201960006,3201960007,none');
SELECT pg_temp.assert_eq('quality: rejections of run 3 in T2',
    (SELECT count(*) FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], (SELECT max(run_id) FROM xinyu.run))),
    0::bigint);

-- Warnings of the current submissions only; an inactive school's warnings are listed.
INSERT INTO xinyu.submission_issue (raw_id, seq, severity, code, path, message)
SELECT s.raw_id, 1, 'warning', 'district_mismatch', 'district_code', '320100 differs from the registry (320196)'
FROM xinyu.submission s WHERE s.school_code IN ('3201960001', '3201960009', '3201960007') AND s.period = '2024-2025-1';
SELECT pg_temp.assert_eq('quality: warnings of current submissions',
    (SELECT string_agg(school_code || ' ' || path, ',' ORDER BY school_code)
     FROM xinyu.quality_warnings(ARRAY['2024-2025-1'], NULL) WHERE district_code = '320196'),
    '3201960001 district_code,3201960007 district_code,3201960009 district_code');

-- Reconciliation of T2, city-wide (the shared fixture's schools included):
-- active = reported + not reported, and the counts of the fixture's other schools add up.
SELECT pg_temp.assert_eq('quality: T2 reconciles',
    (SELECT (schools_active = schools_reported + schools_not_reported
             AND schools_not_reported = (SELECT count(*) FROM xinyu.quality_not_reported(ARRAY['2024-2025-1']))
             AND schools_late = (SELECT count(*) FROM xinyu.quality_late(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']))
             AND rejected_submissions = 2)
     FROM xinyu.quality_terms(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'])),
    true);

-- The report role may run every list.
SET ROLE xinyu_report;
SELECT pg_temp.assert_eq('quality: the report role runs the lists',
    (SELECT (SELECT count(*) FROM xinyu.quality_outliers(ARRAY['2024-2025-1'], NULL))
          + (SELECT count(*) FROM xinyu.quality_rejections(ARRAY['2024-2025-1'], NULL))
          + (SELECT count(*) FROM xinyu.quality_warnings(ARRAY['2024-2025-1'], NULL))
          + (SELECT count(*) FROM xinyu.quality_terms(ARRAY['2024-2025-1'], NULL)) > 0),
    true);
RESET ROLE;
