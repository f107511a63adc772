-- 011_indicators_year.sql: school_facts and indicator_rows for a review year of two terms
-- (T1 = 2023-2024-2, deadline 2024-07-15; T2 = 2024-2025-1, deadline 2025-01-20):
-- roll-ups latest/sum/max/any with a field missing in one term, the lesson and theme-meeting
-- rules summed over terms, per-term training rule, reporting/on-time over every term,
-- NULL deadlines, and the school-type breakdown. Fixture: fixtures/indicators_fixture.sql.
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

CREATE TEMP TABLE facts AS
SELECT * FROM xinyu.school_facts(ARRAY['2023-2024-2', '2024-2025-1'],
                                 ARRAY[date '2024-07-15', date '2025-01-20'], '{}');

-- Roll-ups per school (latest = latest term where non-NULL, sum/max over the terms where non-NULL):
-- A: E/E4/classes of T2 570/260/11; F latest T2 = 2; P NULL in T2 -> T1's 2;
--    funding 3500.50 + 2500.00 = 6000.50; theme 55 + 50 = 105 < (11 + 11) x 5 = 110 -> not ok;
--    ledger NULL in T2 -> T1's true; flagged max(20, 25) = 25; archives max(20, 18) = 20;
--    fault any(f, NULL) = f; hours 6.5 + 4.0 = 10.5; sessions 1 + 1 = 2, >= 1 in every term;
--    lessons total 31+50+29+60 = 170; g1 31+29 = 60 >= 30+30 = 60, g4 50+60 = 110 >= 50+50 -> ok
--    (though T2 alone fails); stages {primary} = 1.
-- B: on time in T2 only (T1 at 00:00:00+08:00 the day after the deadline) -> on_time_all f;
--    E 450 E4 450 classes 12; funding NULL in T1 -> 4500.00; theme NULL in T1 -> 60, compared with
--    T2's 12 x 5 = 60 only -> ok; ledger f; flagged/archives max(30, NULL) = 30; fault NULL;
--    hours 8 + 10 = 18; sessions 0 + 2 = 2 but 0 in T1 -> every term f;
--    lessons total 40+40+30 + 40+0+40 = 190; g8 40 + 0 < 40 + 40 -> not ok; stages {junior} = 1.
-- C: T2 only -> terms 1, not reported_all; no lessons reported -> lessons NULL; theme NULL;
--    sessions 1 in its only term -> every term t; stages {senior} = 1.
-- D, G: nothing reported: every roll-up NULL.
-- E: T1 all NULL; theme NULL + 10 = 10 vs T2 only 2 x 5 = 10 -> ok; hours NULL + 10 = 10;
--    sessions NULL in T1 -> every term NULL (no data); lessons only T2 (T1 reported none):
--    g1 5 >= 1x5, g7 10 >= 1x10 -> ok, total 15;
--    stages {primary, junior} = 2.
CREATE TEMP TABLE got_facts AS
SELECT school_code, terms_expected, terms_reported, reported_all, on_time_all, latest_period,
       enrolled_total, enrolled_grade4_up, classes_total, staff_psych_fulltime, staff_psych_parttime,
       funding_psych_yuan, curriculum_theme_meetings, care_ledger, screening_students_flagged,
       screening_archives, crisis_major_incident_school_fault, training_hours_psych_and_head,
       training_all_staff_sessions, lessons_total, stages_enrolled, lessons_ok,
       theme_meetings_ok, all_staff_sessions_every_term
FROM facts;
CREATE TEMP TABLE expected_facts (LIKE got_facts);
INSERT INTO expected_facts VALUES
    ('3201990001', 2, 2, true, true, '2024-2025-1', 570, 260, 11, 2, 2,
     6000.50, 105, true, 25, 20, false, 10.5, 2, 170, 1, true, false, true),
    ('3201990002', 2, 2, true, false, '2024-2025-1', 450, 450, 12, 0, 3,
     4500.00, 60, false, 30, 30, NULL, 18, 2, 190, 1, false, true, false),
    ('3201990003', 2, 1, false, false, '2024-2025-1', 570, 570, 14, 0, 2,
     6000.00, NULL, true, 10, 10, NULL, 12, 1, NULL, 1, NULL, NULL, true),
    ('3201990004', 2, 0, false, false, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    ('3201990005', 2, 2, true, true, '2024-2025-1', 80, 35, 2, NULL, NULL,
     NULL, 10, NULL, NULL, NULL, NULL, 10, 1, 15, 2, true, true, NULL),
    ('3201980001', 2, 0, false, false, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT pg_temp.assert_same('year: school_facts roll-ups', 'got_facts', 'expected_facts');

-- Stages are those of the latest term: E enrolled grade 10 in T1 only -> 2 for the year, 3 for T1 alone.
SELECT pg_temp.assert_eq('year: E stages enrolled in T1 alone',
    (SELECT stages_enrolled FROM xinyu.school_facts(ARRAY['2023-2024-2'], NULL, NULL) WHERE school_code = '3201990005'),
    3);

-- Latest of a few more fields: A research_group t (T1) then f (T2) -> f; A hours 8 then 12 -> 12.
SELECT pg_temp.assert_eq('year: A latest research_group and open hours',
    (SELECT (governance_research_group, counseling_open_hours_per_week, staff_psych_cert_a, screening_students_screened)::text
     FROM facts WHERE school_code = '3201990001'),
    '(f,12,3,250)');

CREATE TEMP TABLE got AS
SELECT * FROM xinyu.indicator_rows(ARRAY['2023-2024-2', '2024-2025-1'],
                                   ARRAY[date '2024-07-15', date '2025-01-20'], '{}', false);

INSERT INTO expected_rows VALUES
    -- reported every term: A, B, E (C only T2, D nothing) of 5
    ('reporting_rate', '320199', NULL, 3, 5, 5, 0),
    -- every term on time: A (T1 at 23:59:59+08:00 on the deadline) and E; B late in T1
    ('on_time_rate', '320199', NULL, 2, 5, 5, 0),
    -- the other indicators take A, B, C, E (reported at least one term).
    -- F+P: A 2+2 (P from T1) yes, B 0+3 yes, C 0+2 yes, E no_data
    ('psych_teacher_presence', '320199', NULL, 3, 3, 3, 1),
    -- E > 500 (latest term): A 570 F2 yes, C 570 F0 no
    ('large_school_fulltime', '320199', NULL, 1, 2, 2, 0),
    -- sum E (latest) 570+450+570 = 1590, sum F 2+0+0 = 2
    ('students_per_fulltime', '320199', NULL, 1590, 2, 3, 1),
    ('fulltime_degree_rate', '320199', NULL, 1, 2, 3, 1),
    -- certA with F and P of one term, the latest reporting all three: A T1 2/(1+2) (T2 has
    -- no P), B 1/(0+3), C 0/(0+2) -> 3/8
    ('cert_a_coverage', '320199', NULL, 3, 8, 3, 1),
    ('cert_b_coverage', '320199', NULL, 25, 38, 3, 1),
    ('cert_c_coverage', '320199', NULL, 38, 98, 3, 1),
    -- funding (sum): 6000.50 + 4500.00 + 6000.00 = 16500.50 over 1590
    ('funding_per_student', '320199', NULL, 16500.50, 1590, 3, 1),
    -- funding >= 10 x E: A 6000.50 >= 5700, B 4500.00 >= 4500, C 6000 >= 5700 -> 3/3
    ('funding_compliant_schools', '320199', NULL, 3, 3, 3, 1),
    -- lessons over the year: A yes, B no, E yes; C never reported lessons -> no_data
    ('lesson_compliance', '320199', NULL, 2, 3, 3, 1),
    -- theme: A 105 < 110 no, B 60 >= 60 yes, E 10 >= 10 yes, C no_data
    ('theme_meeting_compliance', '320199', NULL, 2, 3, 3, 1),
    ('room_rate', '320199', NULL, 2, 3, 3, 1),
    -- A room t, latest hours 12 yes; B no room; C hours NULL no_data; E no_data
    ('room_hours_compliance', '320199', NULL, 1, 2, 2, 2),
    -- must have a group: A (F2 + P2 = 4 >= 3, F >= 1) with research_group latest f -> 0/1;
    -- B, C F = 0 not required; E no_data
    ('research_group_compliance', '320199', NULL, 0, 1, 1, 1),
    -- screened (max) over that same term's E4: A T2 250/260, B T1 400/420 (T2 not screened),
    -- C 570/570 -> 1220/1250
    ('screening_coverage', '320199', NULL, 1220, 1250, 3, 1),
    -- archives/flagged (max): A 20/25, B 30/30, C 10/10 -> 60/65
    ('archive_rate', '320199', NULL, 60, 65, 3, 1),
    -- ledger (latest): A t (T1), B f, C t
    ('care_ledger_rate', '320199', NULL, 2, 3, 3, 1),
    -- trainings (sum) >= 7 and psych >= 1: A 4+3 = 7 / 1+0 = 1 yes (equality), B 8/2 yes, C 7/1 yes
    ('parent_training_compliance', '320199', NULL, 3, 3, 3, 1),
    -- sessions >= 1 every term and hours (sum) >= 10: A 1,1 / 10.5 yes; B 0 in T1 no; C 1 / 12 yes;
    -- E sessions NULL in T1 -> no_data
    ('teacher_training_compliance', '320199', NULL, 2, 3, 3, 1),
    -- incidents (sum): A 1+0, B 0+2, C 1 -> 4 x 10000 = 40000 over 1590
    ('crisis_rate_per_10k', '320199', NULL, 40000, 1590, 3, 1),

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

    -- city-wide: 6 active schools for the reporting rates, the rest as 320199
    ('reporting_rate', NULL, NULL, 3, 6, 6, 0),
    ('on_time_rate', NULL, NULL, 2, 6, 6, 0),
    ('psych_teacher_presence', NULL, NULL, 3, 3, 3, 1),
    ('large_school_fulltime', NULL, NULL, 1, 2, 2, 0),
    ('students_per_fulltime', NULL, NULL, 1590, 2, 3, 1),
    ('fulltime_degree_rate', NULL, NULL, 1, 2, 3, 1),
    ('cert_a_coverage', NULL, NULL, 3, 8, 3, 1),
    ('cert_b_coverage', NULL, NULL, 25, 38, 3, 1),
    ('cert_c_coverage', NULL, NULL, 38, 98, 3, 1),
    ('funding_per_student', NULL, NULL, 16500.50, 1590, 3, 1),
    ('funding_compliant_schools', NULL, NULL, 3, 3, 3, 1),
    ('lesson_compliance', NULL, NULL, 2, 3, 3, 1),
    ('theme_meeting_compliance', NULL, NULL, 2, 3, 3, 1),
    ('room_rate', NULL, NULL, 2, 3, 3, 1),
    ('room_hours_compliance', NULL, NULL, 1, 2, 2, 2),
    ('research_group_compliance', NULL, NULL, 0, 1, 1, 1),
    ('screening_coverage', NULL, NULL, 1220, 1250, 3, 1),
    ('archive_rate', NULL, NULL, 60, 65, 3, 1),
    ('care_ledger_rate', NULL, NULL, 2, 3, 3, 1),
    ('parent_training_compliance', NULL, NULL, 3, 3, 3, 1),
    ('teacher_training_compliance', NULL, NULL, 2, 3, 3, 1),
    ('crisis_rate_per_10k', NULL, NULL, 40000, 1590, 3, 1);

SELECT pg_temp.assert_same('year: all 66 rows (3 groups x 22 indicators)', 'got', 'expected_rows');

-- A deadline that is not known (NULL): a school that reported every term, none of it late on a
-- known deadline, is unknown (NULL) -> no_data for on_time_rate; a school late on a known deadline
-- or missing a term is not on time whatever the unknown deadline.
-- T1 deadline known, T2 unknown: A NULL, B f (late in T1), C f (no T1), D f, E NULL, G f
SELECT pg_temp.assert_eq('year: on_time_all with an unknown T2 deadline',
    (SELECT string_agg(school_code || ':' || coalesce(on_time_all::text, 'NULL'), ',' ORDER BY school_code)
     FROM xinyu.school_facts(ARRAY['2023-2024-2', '2024-2025-1'], ARRAY[date '2024-07-15', NULL], '{}')),
    '3201980001:false,3201990001:NULL,3201990002:false,3201990003:false,3201990004:false,3201990005:NULL');
-- on_time_rate 320199: on time none; known B C D -> 0/3, no_data A E = 2; city adds G -> 0/4
SELECT pg_temp.assert_eq('year: on_time_rate with an unknown T2 deadline',
    (SELECT string_agg(coalesce(district_code, 'city') || '=' || numerator || '/' || denominator
                       || ' schools ' || schools || ' no_data ' || schools_no_data, ',' ORDER BY district_code NULLS LAST)
     FROM xinyu.indicator_rows(ARRAY['2023-2024-2', '2024-2025-1'], ARRAY[date '2024-07-15', NULL], '{}', false)
     WHERE indicator = 'on_time_rate'),
    '320198=0/1 schools 1 no_data 0,320199=0/3 schools 3 no_data 2,city=0/4 schools 4 no_data 2');
-- no deadlines at all (NULL array): the same
SELECT pg_temp.assert_eq('year: on_time_all without deadlines',
    (SELECT string_agg(school_code || ':' || coalesce(on_time_all::text, 'NULL'), ',' ORDER BY school_code)
     FROM xinyu.school_facts(ARRAY['2023-2024-2', '2024-2025-1'], NULL, NULL) WHERE terms_reported > 0),
    '3201990001:NULL,3201990002:NULL,3201990003:false,3201990005:NULL');

-- By type: 12 groups x 22 indicators; selected rows worked out from the per-school roll-ups above.
CREATE TEMP TABLE got_type AS
SELECT * FROM xinyu.indicator_rows(ARRAY['2023-2024-2', '2024-2025-1'],
                                   ARRAY[date '2024-07-15', date '2025-01-20'], '{}', true);
SELECT pg_temp.assert_eq('year by type: 264 rows', (SELECT count(*) FROM got_type), 264::bigint);
SELECT pg_temp.assert_eq('year by type: the groups',
    (SELECT string_agg(coalesce(district_code, 'city') || '/' || coalesce(school_type, 'all'), ','
                       ORDER BY district_code NULLS LAST, school_type NULLS FIRST)
     FROM (SELECT DISTINCT district_code, school_type FROM got_type) x),
    '320198/all,320198/primary,320199/all,320199/junior,320199/nine_year,320199/primary,320199/senior,'
    'city/all,city/junior,city/nine_year,city/primary,city/senior');
SELECT pg_temp.assert_eq('year by type: 22 indicators in every group',
    (SELECT string_agg(DISTINCT n::text, ',') FROM (SELECT count(*) AS n FROM got_type GROUP BY district_code, school_type) x),
    '22');
CREATE TEMP VIEW got_type_totals AS SELECT * FROM got_type WHERE school_type IS NULL;
SELECT pg_temp.assert_same('year by type: totals unchanged', 'got_type_totals', 'got');
TRUNCATE expected_rows;
INSERT INTO expected_rows VALUES
    -- 320199 primary = A (both terms) and D (nothing)
    ('reporting_rate', '320199', 'primary', 1, 2, 2, 0),
    ('on_time_rate', '320199', 'primary', 1, 2, 2, 0),
    ('psych_teacher_presence', '320199', 'primary', 1, 1, 1, 0),
    ('students_per_fulltime', '320199', 'primary', 570, 2, 1, 0),
    ('lesson_compliance', '320199', 'primary', 1, 1, 1, 0),
    ('theme_meeting_compliance', '320199', 'primary', 0, 1, 1, 0),
    -- junior = B: E 450 -> nobody above 500: denominator 0; sum F = 0 -> denominator 0
    ('large_school_fulltime', '320199', 'junior', 0, 0, 0, 0),
    ('students_per_fulltime', '320199', 'junior', 450, 0, 1, 0),
    ('teacher_training_compliance', '320199', 'junior', 0, 1, 1, 0),
    ('on_time_rate', '320199', 'junior', 0, 1, 1, 0),
    -- senior = C: one term of two
    ('reporting_rate', '320199', 'senior', 0, 1, 1, 0),
    ('large_school_fulltime', '320199', 'senior', 0, 1, 1, 0),
    ('lesson_compliance', '320199', 'senior', 0, 0, 0, 1),
    -- nine_year = E: the no_data school
    ('reporting_rate', '320199', 'nine_year', 1, 1, 1, 0),
    ('psych_teacher_presence', '320199', 'nine_year', 0, 0, 0, 1),
    ('students_per_fulltime', '320199', 'nine_year', NULL, NULL, 0, 1),
    ('teacher_training_compliance', '320199', 'nine_year', 0, 0, 0, 1),
    ('lesson_compliance', '320199', 'nine_year', 1, 1, 1, 0),
    ('reporting_rate', '320198', 'primary', 0, 1, 1, 0),
    ('psych_teacher_presence', '320198', 'primary', 0, 0, 0, 0),
    -- city primary = A, D, G
    ('reporting_rate', NULL, 'primary', 1, 3, 3, 0),
    ('students_per_fulltime', NULL, 'primary', 570, 2, 1, 0),
    ('funding_per_student', NULL, 'primary', 6000.50, 570, 1, 0),
    ('students_per_fulltime', NULL, 'junior', 450, 0, 1, 0),
    ('crisis_rate_per_10k', NULL, 'senior', 10000, 570, 1, 0),
    ('lesson_compliance', NULL, 'nine_year', 1, 1, 1, 0);
CREATE TEMP VIEW got_type_subset AS
SELECT g.* FROM got_type g JOIN expected_rows e
    ON e.indicator = g.indicator AND e.district_code IS NOT DISTINCT FROM g.district_code
   AND e.school_type IS NOT DISTINCT FROM g.school_type;
SELECT pg_temp.assert_same('year by type: selected rows', 'got_type_subset', 'expected_rows');

-- A term listed twice must not count a submission twice (sums stay those of one term).
SELECT pg_temp.assert_eq('year: duplicate period in the list',
    (SELECT (numerator, denominator)::text
     FROM xinyu.indicator_rows(ARRAY['2024-2025-1', '2024-2025-1'], NULL, '{}', false)
     WHERE indicator = 'funding_per_student' AND district_code IS NULL),
    '(13000.00,1590)');
