-- 014_indicators_boundaries.sql: boundaries the fixture does not reach.
--   * large_school_fulltime counts schools with E > 500: a school of exactly 500 is outside
--     the indicator, one of 501 inside (E >= 500 or E > 501 must fail here).
--   * The lesson rule needs ceil(weeks_in_term / 2) lessons per class and term for grades
--     4-12: with 19 weeks that is 10, where floor gives 9 and weeks / 2 gives 9.5. Both the
--     indicator lesson_compliance and audit clause 11 (the same lesson rule)
--     use it; for a review year the requirement is the sum of each term's.
-- Hand-made schools of districts 320196 and 320195 for T1 = 2023-2024-2, T2 = 2024-2025-1
-- (the fixture's districts are there as well; only these two are asserted).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

INSERT INTO xinyu.district (district_code, district_name) VALUES ('320196', '大校区'), ('320195', '单周区');
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active) VALUES
    ('3201960001', 'L1 小学', '320196', 'primary', true),
    ('3201960002', 'L2 小学', '320196', 'primary', true),
    ('3201960003', 'L3 小学', '320196', 'primary', true),
    ('3201960004', 'L4 小学', '320196', 'primary', true),
    ('3201950001', 'W1 初中', '320195', 'junior', true),
    ('3201950002', 'W2 初中', '320195', 'junior', true),
    ('3201950003', 'W3 初中', '320195', 'junior', true),
    ('3201950004', 'W4 初中', '320195', 'junior', true);

-- L1: 600 students in T1, exactly 500 in T2, no full-time teacher: outside in T2 and in the
-- year (E is the latest term's), inside (and not met) in T1.
SELECT pg_temp.submit('3201960001', '2023-2024-2', '2024-07-01 10:00+08', '{"1": [600, 12, null]}',
    '{"staff_psych_fulltime": 0}');
SELECT pg_temp.submit('3201960001', '2024-2025-1', '2025-01-10 10:00+08', '{"1": [500, 10, null]}',
    '{"staff_psych_fulltime": 0}');
-- L2: 501 students with a full-time teacher: inside, met.
SELECT pg_temp.submit('3201960002', '2024-2025-1', '2025-01-10 10:00+08', '{"1": [300, 6, null], "4": [201, 4, null]}',
    '{"staff_psych_fulltime": 1}');
-- L3: 501 students without one: inside, not met.
SELECT pg_temp.submit('3201960003', '2024-2025-1', '2025-01-10 10:00+08', '{"1": [501, 10, null]}',
    '{"staff_psych_fulltime": 0}');
-- L4: exactly 500 with a full-time teacher: outside (not a met school either).
SELECT pg_temp.submit('3201960004', '2024-2025-1', '2025-01-10 10:00+08', '{"1": [500, 10, null]}',
    '{"staff_psych_fulltime": 1}');

SELECT pg_temp.assert_eq('boundary: large_school_fulltime in T2 (E > 500, not >= 500)',
    (SELECT (numerator, denominator, schools, schools_no_data)::text
     FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], NULL, '{}', false)
     WHERE indicator = 'large_school_fulltime' AND district_code = '320196'),
    '(1,2,2,0)');
SELECT pg_temp.assert_eq('boundary: large_school_fulltime in the year (latest E)',
    (SELECT (numerator, denominator, schools, schools_no_data)::text
     FROM xinyu.indicator_rows(ARRAY['2023-2024-2', '2024-2025-1'], NULL, '{}', false)
     WHERE indicator = 'large_school_fulltime' AND district_code = '320196'),
    '(1,2,2,0)');
SELECT pg_temp.assert_eq('boundary: large_school_fulltime in T1 (L1 with 600)',
    (SELECT (numerator, denominator, schools, schools_no_data)::text
     FROM xinyu.indicator_rows(ARRAY['2023-2024-2'], NULL, '{}', false)
     WHERE indicator = 'large_school_fulltime' AND district_code = '320196'),
    '(0,1,1,0)');

-- 19 weeks a term: grade 7 (as every grade >= 4) needs 10 lessons per class and term
-- (ceil(19 / 2)).
--   W1 1 class, 9 lessons in T2: 9 < 10, fails (floor would need 9)
--   W2 2 classes, 19 lessons in T2: 19 < 20, fails (19 / 2 x 2 would need 19)
--   W3 1 class, 10 lessons in T2: passes (equality)
--   W4 1 class in both terms, 10 + 9 = 19 lessons: the year needs 10 + 10 = 20, fails
--      (ceil of the year's 38 weeks / 2 would need 19)
SELECT pg_temp.submit('3201950001', '2024-2025-1', '2025-01-10 10:00+08', '{"7": [30, 1, 9]}');
SELECT pg_temp.submit('3201950002', '2024-2025-1', '2025-01-10 10:00+08', '{"7": [60, 2, 19]}');
SELECT pg_temp.submit('3201950003', '2024-2025-1', '2025-01-10 10:00+08', '{"7": [30, 1, 10]}');
SELECT pg_temp.submit('3201950004', '2023-2024-2', '2024-07-01 10:00+08', '{"7": [30, 1, 10]}');
SELECT pg_temp.submit('3201950004', '2024-2025-1', '2025-01-10 10:00+08', '{"7": [30, 1, 9]}');

\set weeks19 '''{"weeks_in_term": 19}'''

SELECT pg_temp.assert_eq('boundary: lesson_compliance in T2 with 19 weeks',
    (SELECT (numerator, denominator, schools, schools_no_data)::text
     FROM xinyu.indicator_rows(ARRAY['2024-2025-1'], NULL, :weeks19, false)
     WHERE indicator = 'lesson_compliance' AND district_code = '320195'),
    '(1,4,4,0)');
SELECT pg_temp.assert_eq('boundary: lesson_compliance in the year with 19 weeks',
    (SELECT (numerator, denominator, schools, schools_no_data)::text
     FROM xinyu.indicator_rows(ARRAY['2023-2024-2', '2024-2025-1'], NULL, :weeks19, false)
     WHERE indicator = 'lesson_compliance' AND district_code = '320195'),
    '(1,4,4,0)');
-- T1 alone: W4's 10 lessons for 1 class pass
SELECT pg_temp.assert_eq('boundary: lesson_compliance in T1 with 19 weeks',
    (SELECT (numerator, denominator)::text
     FROM xinyu.indicator_rows(ARRAY['2023-2024-2'], NULL, :weeks19, false)
     WHERE indicator = 'lesson_compliance' AND district_code = '320195'),
    '(1,1)');

-- Audit clause 11, the same requirement and its explanation.
SELECT pg_temp.assert_eq('boundary: audit clause 11 in T2 with 19 weeks',
    (SELECT string_agg(school_code || ' ' || result || ' ' || detail_zh, E'\n' ORDER BY school_code)
     FROM xinyu.audit_rows(ARRAY['2024-2025-1'], NULL, :weeks19)
     WHERE clause = '11' AND district_code = '320195'),
    E'3201950001 fail 未达到工作要点(八)的要求(1-3 年级每班每月 1 节,4-12 年级每班每两周 1 节):7 年级 9 节 < 应开 10 节\n'
    '3201950002 fail 未达到工作要点(八)的要求(1-3 年级每班每月 1 节,4-12 年级每班每两周 1 节):7 年级 19 节 < 应开 20 节\n'
    '3201950003 pass 各年级心理健康课均达到工作要点(八)的要求:1-3 年级每班每月 1 节,4-12 年级每班每两周 1 节\n'
    '3201950004 fail 未达到工作要点(八)的要求(1-3 年级每班每月 1 节,4-12 年级每班每两周 1 节):7 年级 9 节 < 应开 10 节');
SELECT pg_temp.assert_eq('boundary: audit clause 11 in the year with 19 weeks',
    (SELECT result || ' ' || detail_en
     FROM xinyu.audit_rows(ARRAY['2023-2024-2', '2024-2025-1'], NULL, :weeks19)
     WHERE clause = '11' AND school_code = '3201950004'),
    'fail below the work points'' lesson rule (grades 1-3: 1 lesson per class a month; grades 4-12: 1 every two weeks): grade 7: 19 lessons < 20 required');
