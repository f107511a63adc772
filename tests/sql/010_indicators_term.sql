-- 010_indicators_term.sql: indicator_rows and school_facts for a term report (T2 = 2024-2025-1).
-- Fixture and data: fixtures/indicators_fixture.sql. Expected numbers are worked out by hand
-- from spec/INDICATORS.md; the arithmetic is in the comments.
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

-- T2 as the fixture has it (current versions only; B's superseded version and the inactive F
-- are not there):
--   A: E570 E4 260 F2 P NULL degree1 certA3 head12/B6 subj32/C12 funding 2500.00 theme50 classes11
--      room t 12h screened250 flagged25 archives18 ledger NULL parent3/psych0 sessions1 hours4
--      incidents0 research_group f; lessons g1 29 (needs 6x5 = 30), g4 60 (needs 5x10 = 50)
--   B: E450 E4 450 F0 P3 degree0 certA1 head12/B12 subj26/C6 funding 4500.00 theme60 classes12
--      room f, screening NULL, ledger f, parent3/psych0, sessions2 hours10 incidents2;
--      lessons g7 40 (needs 40), g8 absent = 0 (needs 40), g9 40 (needs 40)
--   C: E570 E4 570 F0 P2 degree0 certA0 head14/B7 subj40/C20 funding 6000.00 theme NULL
--      room t hours NULL screened570 flagged10 archives10 ledger t parent7/psych1 sessions1
--      hours12 incidents1 research_group f; no lessons reported
--   E: E80 E4 35, theme10 classes2, sessions1 hours10, lessons g1 5 (needs 1x5), g7 10 (needs 1x10);
--      everything else NULL
--   D, G: did not report.
CREATE TEMP TABLE got AS
SELECT * FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], '{}', false);

INSERT INTO expected_rows VALUES
    -- reported T2: A B C E of A B C D E
    ('reporting_rate', '320199', NULL, 4, 5, 5, 0),
    -- on time (deadline 2025-01-20, end of day UTC+8): A 01-10 yes; B 01-20 23:59:59+08 yes;
    -- C 01-21 00:00:00+08 no; E 01-05 yes; D not reported -> 3 of 5
    ('on_time_rate', '320199', NULL, 3, 5, 5, 0),
    -- F+P >= 1: A P NULL -> no_data; B 0+3 yes; C 0+2 yes; E NULL -> no_data
    ('psych_teacher_presence', '320199', NULL, 2, 2, 2, 2),
    -- E > 500: A (570, F2) yes, C (570, F0) no; B 450 and E 80 are not in the population
    ('large_school_fulltime', '320199', NULL, 1, 2, 2, 0),
    -- F known: A, B, C; E no_data. sum E = 570+450+570 = 1590, sum F = 2+0+0 = 2
    ('students_per_fulltime', '320199', NULL, 1590, 2, 3, 1),
    -- degree/F: A 1/2, B 0/0, C 0/0
    ('fulltime_degree_rate', '320199', NULL, 1, 2, 3, 1),
    -- certA/(F+P): A P NULL -> no_data; B 1/3, C 0/2 -> 1/5; E no_data
    ('cert_a_coverage', '320199', NULL, 1, 5, 2, 2),
    -- certB/head: A 6/12, B 12/12, C 7/14 -> 25/38
    ('cert_b_coverage', '320199', NULL, 25, 38, 3, 1),
    -- certC/subj: A 12/32, B 6/26, C 20/40 -> 38/98
    ('cert_c_coverage', '320199', NULL, 38, 98, 3, 1),
    -- funding/E: 2500.00+4500.00+6000.00 = 13000.00 over 570+450+570 = 1590
    ('funding_per_student', '320199', NULL, 13000.00, 1590, 3, 1),
    -- funding >= 10 x E: A 2500 < 5700 no; B 4500 >= 4500 yes (equality); C 6000 >= 5700 yes
    ('funding_compliant_schools', '320199', NULL, 2, 3, 3, 1),
    -- lessons: A g1 29 < 30 no; B g8 0 < 40 no; C no lessons reported -> no_data; E 5>=5, 10>=10 yes
    ('lesson_compliance', '320199', NULL, 1, 3, 3, 1),
    -- theme >= classes x 5: A 50 < 55 no; B 60 >= 60 yes; C NULL no_data; E 10 >= 10 yes
    ('theme_meeting_compliance', '320199', NULL, 2, 3, 3, 1),
    -- room: A t, B f, C t, E NULL
    ('room_rate', '320199', NULL, 2, 3, 3, 1),
    -- room and hours >= 10: A t/12 yes; B no room -> not met; C t/NULL -> no_data; E NULL -> no_data
    ('room_hours_compliance', '320199', NULL, 1, 2, 2, 2),
    -- must have a group (F+P >= 3 and F >= 1): A P NULL -> no_data; B, C F = 0 -> not required;
    -- E no_data -> denominator 0
    ('research_group_compliance', '320199', NULL, 0, 0, 0, 2),
    -- screened/E4: A 250/260, C 570/570 -> 820/830; B, E no_data
    ('screening_coverage', '320199', NULL, 820, 830, 2, 2),
    -- archives/flagged: A 18/25, C 10/10 -> 28/35
    ('archive_rate', '320199', NULL, 28, 35, 2, 2),
    -- ledger: A NULL no_data, B f, C t, E no_data
    ('care_ledger_rate', '320199', NULL, 1, 2, 2, 2),
    -- trainings >= 7 and psych >= 1: A 3/0 no, B 3/0 no, C 7/1 yes, E no_data
    ('parent_training_compliance', '320199', NULL, 1, 3, 3, 1),
    -- sessions >= 1 and hours >= 10: A 1/4 no, B 2/10 yes, C 1/12 yes, E 1/10 yes
    ('teacher_training_compliance', '320199', NULL, 3, 4, 4, 0),
    -- incidents x 10000 / E: (0+2+1) x 10000 = 30000 over 1590; E no_data
    ('crisis_rate_per_10k', '320199', NULL, 30000, 1590, 3, 1),

    -- 320198: G is active and did not report: only the reporting rates count it; counts are
    -- 0/0 and sums NULL/NULL (no school contributes)
    ('reporting_rate', '320198', NULL, 0, 1, 1, 0),
    ('on_time_rate', '320198', NULL, 0, 1, 1, 0),
    ('psych_teacher_presence', '320198', NULL, 0, 0, 0, 0),
    ('large_school_fulltime', '320198', NULL, 0, 0, 0, 0),
    ('students_per_fulltime', '320198', NULL, NULL, NULL, 0, 0),
    ('fulltime_degree_rate', '320198', NULL, NULL, NULL, 0, 0),
    ('cert_a_coverage', '320198', NULL, NULL, NULL, 0, 0),
    ('cert_b_coverage', '320198', NULL, NULL, NULL, 0, 0),
    ('cert_c_coverage', '320198', NULL, NULL, NULL, 0, 0),
    ('funding_per_student', '320198', NULL, NULL, NULL, 0, 0),
    ('funding_compliant_schools', '320198', NULL, 0, 0, 0, 0),
    ('lesson_compliance', '320198', NULL, 0, 0, 0, 0),
    ('theme_meeting_compliance', '320198', NULL, 0, 0, 0, 0),
    ('room_rate', '320198', NULL, 0, 0, 0, 0),
    ('room_hours_compliance', '320198', NULL, 0, 0, 0, 0),
    ('research_group_compliance', '320198', NULL, 0, 0, 0, 0),
    ('screening_coverage', '320198', NULL, NULL, NULL, 0, 0),
    ('archive_rate', '320198', NULL, NULL, NULL, 0, 0),
    ('care_ledger_rate', '320198', NULL, 0, 0, 0, 0),
    ('parent_training_compliance', '320198', NULL, 0, 0, 0, 0),
    ('teacher_training_compliance', '320198', NULL, 0, 0, 0, 0),
    ('crisis_rate_per_10k', '320198', NULL, NULL, NULL, 0, 0),

    -- city-wide = 320199 + 320198: only the reporting rates change (6 active schools)
    ('reporting_rate', NULL, NULL, 4, 6, 6, 0),
    ('on_time_rate', NULL, NULL, 3, 6, 6, 0),
    ('psych_teacher_presence', NULL, NULL, 2, 2, 2, 2),
    ('large_school_fulltime', NULL, NULL, 1, 2, 2, 0),
    ('students_per_fulltime', NULL, NULL, 1590, 2, 3, 1),
    ('fulltime_degree_rate', NULL, NULL, 1, 2, 3, 1),
    ('cert_a_coverage', NULL, NULL, 1, 5, 2, 2),
    ('cert_b_coverage', NULL, NULL, 25, 38, 3, 1),
    ('cert_c_coverage', NULL, NULL, 38, 98, 3, 1),
    ('funding_per_student', NULL, NULL, 13000.00, 1590, 3, 1),
    ('funding_compliant_schools', NULL, NULL, 2, 3, 3, 1),
    ('lesson_compliance', NULL, NULL, 1, 3, 3, 1),
    ('theme_meeting_compliance', NULL, NULL, 2, 3, 3, 1),
    ('room_rate', NULL, NULL, 2, 3, 3, 1),
    ('room_hours_compliance', NULL, NULL, 1, 2, 2, 2),
    ('research_group_compliance', NULL, NULL, 0, 0, 0, 2),
    ('screening_coverage', NULL, NULL, 820, 830, 2, 2),
    ('archive_rate', NULL, NULL, 28, 35, 2, 2),
    ('care_ledger_rate', NULL, NULL, 1, 2, 2, 2),
    ('parent_training_compliance', NULL, NULL, 1, 3, 3, 1),
    ('teacher_training_compliance', NULL, NULL, 3, 4, 4, 0),
    ('crisis_rate_per_10k', NULL, NULL, 30000, 1590, 3, 1);

SELECT pg_temp.assert_same('term T2: all 66 rows (3 groups x 22 indicators)', 'got', 'expected_rows');

-- The rows come in the order of INDICATORS.md, per indicator the districts then the city.
SELECT pg_temp.assert_eq('term: first row',
    (SELECT indicator || '/' || district_code FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], '{}', false) LIMIT 1),
    'reporting_rate/320198');

-- school_facts for the term: on-time at the deadline boundary, superseded and inactive ignored.
CREATE TEMP TABLE facts_t2 AS
SELECT * FROM xinyu.school_facts(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], NULL);
SELECT pg_temp.assert_eq('facts: one row per active school (F inactive)', (SELECT count(*) FROM facts_t2), 6::bigint);
SELECT pg_temp.assert_eq('facts: inactive F absent',
    (SELECT count(*) FROM facts_t2 WHERE school_code = '3201990006'), 0::bigint);
SELECT pg_temp.assert_eq('facts: B 2025-01-20 23:59:59+08:00 is on time',
    (SELECT on_time_all FROM facts_t2 WHERE school_code = '3201990002'), true);
SELECT pg_temp.assert_eq('facts: C 2025-01-21 00:00:00+08:00 is late',
    (SELECT on_time_all FROM facts_t2 WHERE school_code = '3201990003'), false);
SELECT pg_temp.assert_eq('facts: D did not report -> not on time',
    (SELECT (terms_reported, reported_all, on_time_all)::text FROM facts_t2 WHERE school_code = '3201990004'),
    '(0,f,f)');
-- the superseded version of B says F9 P9, room t, funding 99999; the current one F0 P3 room f 4500.00
SELECT pg_temp.assert_eq('facts: B uses its current version, not the superseded one',
    (SELECT (staff_psych_fulltime, staff_psych_parttime, counseling_room, funding_psych_yuan, enrolled_total)::text
     FROM facts_t2 WHERE school_code = '3201990002'),
    '(0,3,f,4500.00,450)');
SELECT pg_temp.assert_eq('facts: A lessons in T2 (g1 29 < 6 x 5)',
    (SELECT (lessons_ok, lessons_total, theme_meetings_ok)::text FROM facts_t2 WHERE school_code = '3201990001'),
    '(f,89,f)');

-- On-time boundary in both directions with a 1-term scope whose deadline moves by one day:
-- with deadline 2025-01-19, B (01-20 23:59:59+08) is late; with 2025-01-21, C (01-21 00:00+08) is on time.
SELECT pg_temp.assert_eq('facts: deadline 2025-01-19 makes B late',
    (SELECT on_time_all FROM xinyu.school_facts(ARRAY['2024-2025-1'], ARRAY[date '2025-01-19'], NULL)
     WHERE school_code = '3201990002'), false);
SELECT pg_temp.assert_eq('facts: deadline 2025-01-21 makes C on time',
    (SELECT on_time_all FROM xinyu.school_facts(ARRAY['2024-2025-1'], ARRAY[date '2025-01-21'], NULL)
     WHERE school_code = '3201990003'), true);
-- the session time zone must not matter: the cutoff is an explicit UTC instant
SET TIME ZONE 'America/New_York';
SELECT pg_temp.assert_eq('facts: on-time independent of the session time zone',
    (SELECT string_agg(school_code || ':' || on_time_all, ',' ORDER BY school_code)
     FROM xinyu.school_facts(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], NULL) WHERE terms_reported > 0),
    '3201990001:true,3201990002:true,3201990003:false,3201990005:true');
RESET TIME ZONE;

-- By type (term T2): 12 groups (320199 + its 4 active types, 320198 + primary, the city + 4 types;
-- no 'special' group: F is inactive) x 22 indicators.
CREATE TEMP TABLE got_type AS
SELECT * FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], '{}', true);
SELECT pg_temp.assert_eq('term by type: 264 rows', (SELECT count(*) FROM got_type), 264::bigint);
SELECT pg_temp.assert_eq('term by type: no special group',
    (SELECT count(*) FROM got_type WHERE school_type = 'special'), 0::bigint);
-- the rows without a type are those of the report without breakdown
CREATE TEMP VIEW got_type_totals AS SELECT * FROM got_type WHERE school_type IS NULL;
SELECT pg_temp.assert_same('term by type: totals unchanged', 'got_type_totals', 'got');
TRUNCATE expected_rows;
INSERT INTO expected_rows VALUES
    -- primary in 320199: A reported, D not
    ('reporting_rate', '320199', 'primary', 1, 2, 2, 0),
    -- city primary: A, D, G
    ('reporting_rate', NULL, 'primary', 1, 3, 3, 0),
    ('large_school_fulltime', '320199', 'primary', 1, 1, 1, 0),
    -- junior: B has 450 students: no school with E > 500 -> denominator 0
    ('large_school_fulltime', '320199', 'junior', 0, 0, 0, 0),
    ('large_school_fulltime', '320199', 'senior', 0, 1, 1, 0),
    -- junior: sum F = 0 -> denominator 0 (value NULL in C), B still counted
    ('students_per_fulltime', '320199', 'junior', 450, 0, 1, 0),
    ('students_per_fulltime', NULL, 'junior', 450, 0, 1, 0),
    -- nine_year: E has no F -> no_data, nothing summed
    ('students_per_fulltime', '320199', 'nine_year', NULL, NULL, 0, 1),
    ('lesson_compliance', '320199', 'nine_year', 1, 1, 1, 0),
    ('reporting_rate', '320198', 'primary', 0, 1, 1, 0);
CREATE TEMP VIEW got_type_subset AS
SELECT g.* FROM got_type g JOIN expected_rows e
    ON e.indicator = g.indicator AND e.district_code IS NOT DISTINCT FROM g.district_code
   AND e.school_type IS NOT DISTINCT FROM g.school_type;
SELECT pg_temp.assert_same('term by type: selected rows', 'got_type_subset', 'expected_rows');

-- Parameters: hours_per_week 12 (A open 12 h: equality meets it), 12.5 (A fails);
-- months_in_term 4: theme A 50 >= 11x4 = 44, B 60 >= 48, E 10 >= 8 -> 3/3;
-- lessons A g1 29 >= 6x4 = 24 and g4 60 >= 50 -> met; B g8 still 0 < 40; E met -> 2/3.
SELECT pg_temp.assert_eq('params: hours_per_week 12',
    (SELECT (numerator, denominator)::text FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'],
        '{"hours_per_week": 12}', false) WHERE indicator = 'room_hours_compliance' AND district_code = '320199'),
    '(1,2)');
SELECT pg_temp.assert_eq('params: hours_per_week 12.5',
    (SELECT (numerator, denominator)::text FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'],
        '{"hours_per_week": 12.5}', false) WHERE indicator = 'room_hours_compliance' AND district_code = '320199'),
    '(0,2)');
SELECT pg_temp.assert_eq('params: months_in_term 4',
    (SELECT string_agg(indicator || '=' || numerator || '/' || denominator, ',' ORDER BY indicator)
     FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], '{"months_in_term": 4}', false)
     WHERE indicator IN ('lesson_compliance', 'theme_meeting_compliance') AND district_code = '320199'),
    'lesson_compliance=2/3,theme_meeting_compliance=3/3');
-- funding_min 4.38: A 2500 >= 4.38 x 570 = 2496.6, B 4500 >= 1971, C 6000 >= 2496.6 -> 3/3 (default 10: 2/3)
SELECT pg_temp.assert_eq('params: funding_min 4.38',
    (SELECT (numerator, denominator)::text FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'],
        '{"funding_min": 4.38}', false) WHERE indicator = 'funding_compliant_schools' AND district_code IS NULL),
    '(3,3)');
