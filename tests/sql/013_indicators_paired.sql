-- 013_indicators_paired.sql: paired inputs come from one term (INDICATORS.md, "Terms, years and
-- missing data"). fulltime_degree_rate, cert_a_coverage, cert_b_coverage, cert_c_coverage and
-- screening_coverage take each school's pair from one term, so a year's ratio never breaks a
-- rule that every submission obeys; every other use of a field keeps its own roll-up.
-- Hand-made schools of district 320197 for T1 = 2023-2024-2 and T2 = 2024-2025-1 (the
-- fixture's district 320199 is there as well; only 320197 is asserted here).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

INSERT INTO xinyu.district (district_code, district_name) VALUES ('320197', '成对区');
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active) VALUES
    ('3201970001', 'P1 小学', '320197', 'primary', true),
    ('3201970002', 'P2 小学', '320197', 'primary', true),
    ('3201970003', 'P3 小学', '320197', 'primary', true),
    ('3201970004', 'P4 小学', '320197', 'primary', true);

-- P1, the case of the issue: T1 sends every pair, T2 (a smaller school) the teacher counts
-- without the certified ones and no screening. Field by field the year had degree 3 / F 1,
-- certA 4 / (1 + 1), certB 10 / 4, certC 20 / 5 and screened 300 / E4 200: all above 100 %.
-- Every pair comes from T1: 3/3, 4/(3+2), 10/10, 20/20, 300/300.
SELECT pg_temp.submit('3201970001', '2023-2024-2', '2024-07-01 10:00+08', '{"4": [300, 6, null]}',
    '{"staff_psych_fulltime": 3, "staff_psych_parttime": 2, "staff_psych_fulltime_degree": 3,
      "staff_psych_cert_a": 4, "staff_head_teachers": 10, "staff_head_teachers_cert_b": 10,
      "staff_subject_teachers": 20, "staff_subject_teachers_cert_c": 20,
      "screening_students_screened": 300}');
SELECT pg_temp.submit('3201970001', '2024-2025-1', '2025-01-10 10:00+08', '{"4": [200, 4, null]}',
    '{"staff_psych_fulltime": 1, "staff_psych_parttime": 1, "staff_head_teachers": 4,
      "staff_subject_teachers": 5}');
-- P2 sends everything in both terms: each pair is T2's (the latest, not the largest), and the
-- screening tie (100 in both terms) goes to the latest term: 100 / T2's E4 110, not T1's 120.
SELECT pg_temp.submit('3201970002', '2023-2024-2', '2024-07-01 10:00+08', '{"5": [120, 3, null]}',
    '{"staff_psych_fulltime": 2, "staff_psych_parttime": 1, "staff_psych_fulltime_degree": 2,
      "staff_psych_cert_a": 3, "staff_head_teachers": 6, "staff_head_teachers_cert_b": 2,
      "staff_subject_teachers": 12, "staff_subject_teachers_cert_c": 3,
      "screening_students_screened": 100}');
SELECT pg_temp.submit('3201970002', '2024-2025-1', '2025-01-10 10:00+08', '{"5": [110, 3, null]}',
    '{"staff_psych_fulltime": 4, "staff_psych_parttime": 0, "staff_psych_fulltime_degree": 1,
      "staff_psych_cert_a": 2, "staff_head_teachers": 8, "staff_head_teachers_cert_b": 8,
      "staff_subject_teachers": 14, "staff_subject_teachers_cert_c": 7,
      "screening_students_screened": 100}');
-- P3: T2 sends the certified counts without the teacher counts (the cross-field rules of
-- SUBMISSION.md only bind fields that are both present) and screens fewer: every pair is T1's,
-- 1/2, 3/(2+2), 4/9, 9/18, and the most screened is T1's 200 over T1's E4 210.
-- Field by field: 2/2, 1/(2+3), 5/9, 6/18 and 200 / T2's E4 220.
SELECT pg_temp.submit('3201970003', '2023-2024-2', '2024-07-01 10:00+08', '{"6": [210, 5, null]}',
    '{"staff_psych_fulltime": 2, "staff_psych_parttime": 2, "staff_psych_fulltime_degree": 1,
      "staff_psych_cert_a": 3, "staff_head_teachers": 9, "staff_head_teachers_cert_b": 4,
      "staff_subject_teachers": 18, "staff_subject_teachers_cert_c": 9,
      "screening_students_screened": 200}');
SELECT pg_temp.submit('3201970003', '2024-2025-1', '2025-01-10 10:00+08', '{"6": [220, 5, null]}',
    '{"staff_psych_parttime": 3, "staff_psych_fulltime_degree": 2, "staff_psych_cert_a": 1,
      "staff_head_teachers_cert_b": 5, "staff_subject_teachers_cert_c": 6,
      "screening_students_screened": 150}');
-- P4 never sends a whole pair in one term: no_data for all five (field by field it had 1/2,
-- 1/(2+1), 3/5 and 4/10), and it never screens.
SELECT pg_temp.submit('3201970004', '2023-2024-2', '2024-07-01 10:00+08', '{"4": [80, 2, null]}',
    '{"staff_psych_fulltime": 2, "staff_psych_cert_a": 1, "staff_head_teachers_cert_b": 3,
      "staff_subject_teachers": 10}');
SELECT pg_temp.submit('3201970004', '2024-2025-1', '2025-01-10 10:00+08', '{"4": [90, 2, null]}',
    '{"staff_psych_fulltime_degree": 1, "staff_psych_parttime": 1, "staff_head_teachers": 5,
      "staff_subject_teachers_cert_c": 4}');

\set year 'ARRAY[''2023-2024-2'', ''2024-2025-1'']'
\set deadlines 'ARRAY[date ''2024-07-15'', date ''2025-01-20'']'

-- The pairs per school.
CREATE TEMP TABLE got_pairs AS
SELECT school_code, degree_psych_fulltime_degree, degree_psych_fulltime, cert_a_psych_cert_a,
       cert_a_psych_fulltime, cert_a_psych_parttime, cert_b_head_teachers_cert_b,
       cert_b_head_teachers, cert_c_subject_teachers_cert_c, cert_c_subject_teachers,
       screening_pair_screened, screening_pair_enrolled_grade4_up
FROM xinyu.school_facts(:year, NULL, NULL) WHERE school_code LIKE '320197%';
CREATE TEMP TABLE expected_pairs (LIKE got_pairs);
INSERT INTO expected_pairs VALUES
    ('3201970001', 3, 3, 4, 3, 2, 10, 10, 20, 20, 300, 300),
    ('3201970002', 1, 4, 2, 4, 0, 8, 8, 7, 14, 100, 110),
    ('3201970003', 1, 2, 3, 2, 2, 4, 9, 9, 18, 200, 210),
    ('3201970004', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT pg_temp.assert_same('paired: the pairs of the year per school', 'got_pairs', 'expected_pairs');

-- Whatever the schools sent, no school's pair breaks its rule (the fixture's schools included).
SELECT pg_temp.assert_eq('paired: no pair above 100 % in the year',
    (SELECT count(*) FROM xinyu.school_facts(:year, NULL, NULL)
     WHERE degree_psych_fulltime_degree > degree_psych_fulltime
        OR cert_a_psych_cert_a > cert_a_psych_fulltime + cert_a_psych_parttime
        OR cert_b_head_teachers_cert_b > cert_b_head_teachers
        OR cert_c_subject_teachers_cert_c > cert_c_subject_teachers
        OR screening_pair_screened > screening_pair_enrolled_grade4_up),
    0::bigint);

-- The year's ratios: P1 to P3 contribute, P4 is no_data.
--   degree 3 + 1 + 1 = 5 over F 3 + 4 + 2 = 9            (field by field 7/9 over 4 schools)
--   certA  4 + 2 + 3 = 9 over 5 + 4 + 4 = 13             (field by field 8/14)
--   certB 10 + 8 + 4 = 22 over 10 + 8 + 9 = 27          (field by field 26/26 over 4 schools)
--   certC 20 + 7 + 9 = 36 over 20 + 14 + 18 = 52         (field by field 37/47 over 4 schools)
--   screened 300 + 100 + 200 = 600 over E4 300 + 110 + 210 = 620   (field by field 600/530)
-- students_per_fulltime keeps F's own roll-up (latest where reported): E 200 + 110 + 220 + 90
-- = 620 over F 1 + 4 + 2 + 2 = 9, all four schools.
CREATE TEMP TABLE got AS
SELECT * FROM xinyu.indicator_rows(:year, :deadlines, '{}', false)
WHERE district_code = '320197'
  AND indicator IN ('students_per_fulltime', 'fulltime_degree_rate', 'cert_a_coverage',
                    'cert_b_coverage', 'cert_c_coverage', 'screening_coverage', 'psych_teacher_presence');
INSERT INTO expected_rows VALUES
    ('students_per_fulltime', '320197', NULL, 620, 9, 4, 0),
    ('fulltime_degree_rate', '320197', NULL, 5, 9, 3, 1),
    ('cert_a_coverage', '320197', NULL, 9, 13, 3, 1),
    ('cert_b_coverage', '320197', NULL, 22, 27, 3, 1),
    ('cert_c_coverage', '320197', NULL, 36, 52, 3, 1),
    ('screening_coverage', '320197', NULL, 600, 620, 3, 1),
    -- F + P with their own latest roll-ups: P1 1+1, P2 4+0, P3 2+3, P4 2+1, all >= 1
    ('psych_teacher_presence', '320197', NULL, 4, 4, 4, 0);
SELECT pg_temp.assert_same('paired: year ratios of 320197', 'got', 'expected_rows');

-- The city-wide rows add the fixture's 320199 (as in 011_indicators_year: degree 1/2, certA 3/8,
-- certB 25/38, certC 38/98, screening 1220/1250, each over 3 schools with 1 no_data).
SELECT pg_temp.assert_eq('paired: city-wide year ratios',
    (SELECT string_agg(indicator || '=' || numerator || '/' || denominator || ' ' || schools || '+' || schools_no_data,
                       ',' ORDER BY indicator)
     FROM xinyu.indicator_rows(:year, :deadlines, '{}', false)
     WHERE district_code IS NULL
       AND indicator IN ('fulltime_degree_rate', 'cert_a_coverage', 'cert_b_coverage',
                         'cert_c_coverage', 'screening_coverage')),
    'cert_a_coverage=12/21 6+2,cert_b_coverage=47/65 6+2,cert_c_coverage=74/150 6+2,'
    'fulltime_degree_rate=6/11 6+2,screening_coverage=1820/1870 6+2');

-- A period listed twice counts its submissions once.
SELECT pg_temp.assert_eq('paired: a period listed twice',
    (SELECT (numerator, denominator, schools)::text
     FROM xinyu.indicator_rows(ARRAY['2024-2025-1', '2024-2025-1'], NULL, '{}', false)
     WHERE indicator = 'screening_coverage' AND district_code = '320197'),
    '(250,330,2)');

-- A term report is unchanged: each pair is the term's own values. T2 alone: only P2 has the
-- staff pairs (P1 and P4 lack the certified counts, P3 the teacher counts); P2 and P3 screened.
TRUNCATE got, expected_rows;
INSERT INTO got
SELECT * FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], '{}', false)
WHERE district_code = '320197'
  AND indicator IN ('students_per_fulltime', 'fulltime_degree_rate', 'cert_a_coverage',
                    'cert_b_coverage', 'cert_c_coverage', 'screening_coverage', 'psych_teacher_presence');
INSERT INTO expected_rows VALUES
    -- F in T2: P1 1, P2 4 (P3 and P4 did not say): E 200 + 110 over 5
    ('students_per_fulltime', '320197', NULL, 310, 5, 2, 2),
    ('fulltime_degree_rate', '320197', NULL, 1, 4, 1, 3),
    ('cert_a_coverage', '320197', NULL, 2, 4, 1, 3),
    ('cert_b_coverage', '320197', NULL, 8, 8, 1, 3),
    ('cert_c_coverage', '320197', NULL, 7, 14, 1, 3),
    ('screening_coverage', '320197', NULL, 250, 330, 2, 2),
    ('psych_teacher_presence', '320197', NULL, 2, 2, 2, 2);
SELECT pg_temp.assert_same('paired: term T2 ratios of 320197', 'got', 'expected_rows');

-- T1 alone: every school but P4 sent every pair.
SELECT pg_temp.assert_eq('paired: term T1 ratios of 320197',
    (SELECT string_agg(indicator || '=' || numerator || '/' || denominator || ' ' || schools || '+' || schools_no_data,
                       ',' ORDER BY indicator)
     FROM xinyu.indicator_rows(ARRAY['2023-2024-2'], NULL, '{}', false)
     WHERE district_code = '320197'
       AND indicator IN ('fulltime_degree_rate', 'cert_a_coverage', 'cert_b_coverage',
                         'cert_c_coverage', 'screening_coverage')),
    'cert_a_coverage=10/12 3+1,cert_b_coverage=16/25 3+1,cert_c_coverage=32/50 3+1,'
    'fulltime_degree_rate=6/7 3+1,screening_coverage=600/630 3+1');

-- The overview of the year's latest term sums that term's fields, untouched by the pairs:
-- E 200 + 110 + 220 + 90 = 620, F 1 + 4 = 5 (P3 and P4 did not say), P 1 + 0 + 3 + 1 = 5.
SELECT pg_temp.assert_eq('paired: overview of T2 for 320197',
    (SELECT (schools_active, schools_reported, students, psych_fulltime, psych_parttime)::text
     FROM xinyu.overview_rows('2024-2025-1') WHERE district_code = '320197' AND school_type IS NULL),
    '(4,4,620,5,5)');

-- The audit keeps F's own roll-up (clause 6): P3's F is T1's 2 (T2 did not say), P4's T1's 2.
SELECT pg_temp.assert_eq('paired: audit clause 6 keeps F latest',
    (SELECT string_agg(school_code || ' ' || result || ' ' || detail_en, '; ' ORDER BY school_code)
     FROM xinyu.audit_rows(:year, :deadlines, '{}')
     WHERE clause = '6' AND school_code IN ('3201970003', '3201970004')),
    '3201970003 pass 2 full-time psychology teacher(s) >= 1 stage(s) enrolled; '
    '3201970004 pass 2 full-time psychology teacher(s) >= 1 stage(s) enrolled');
