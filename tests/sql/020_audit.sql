-- 020_audit.sql: xinyu.audit_rows, the compliance audit (INDICATORS.md "Compliance audit"),
-- on hand-made schools of district 320197 for the review year T1 = 2023-2024-2,
-- T2 = 2024-2025-1 (20 weeks and 5 months a term: in grades 4-12 one lesson per class every two
-- weeks = 10 a term, in grades 1-3 one a month = 5 a term).
--
-- Every school but the last three starts from one that passes every clause with the
-- thresholds met exactly (equality passes), and changes what its name says:
--   primary school, grades 1 and 4 with 100 students and 2 classes each: E = 200, one stage;
--   T1 and T2 each: F 1, 1 all-staff session, 5 training hours (10 in the year), room open
--   10 h/week, funding 1000 (2000 / 200 = 10 元 per student in the year), 20 lessons per
--   grade (2 classes x 10); T1 only: 1 psychology training for parents, meeting minutes;
--   city awards 1, papers 2, books 0, 5 years of practice, a three-year plan, no incident.
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

INSERT INTO xinyu.district (district_code, district_name) VALUES ('320197', '审核区');

-- A school of district 320197 reporting T1 and T2: the passing baseline merged with the
-- given changes per term (a JSON null clears a field), or only enrollment when p_bare.
CREATE FUNCTION pg_temp.audit_school(p_code text, p_type text, p_grades jsonb, p_t1 jsonb,
                                     p_t2 jsonb, p_bare boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_base jsonb := '{"staff_psych_fulltime": 1, "training_all_staff_sessions": 1,
        "training_hours_psych_and_head": 5, "counseling_room": true,
        "counseling_open_hours_per_week": 10, "funding_psych_yuan": 1000,
        "home_school_psych_parent_trainings": 0, "research_city_awards": 1, "research_papers": 2,
        "research_books": 0, "research_years_of_practice": 5, "governance_three_year_plan": true,
        "governance_annual_meeting_minutes": false, "crisis_major_incident_school_fault": false}';
    v_t1 jsonb := '{"home_school_psych_parent_trainings": 1, "governance_annual_meeting_minutes": true}';
BEGIN
    INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
    VALUES (p_code, '学校 ' || p_code, '320197', p_type, true);
    IF p_bare THEN
        v_base := '{}';
        v_t1 := '{}';
    END IF;
    PERFORM pg_temp.submit(p_code, '2023-2024-2', '2024-07-01 10:00+08', p_grades, v_base || v_t1 || p_t1);
    PERFORM pg_temp.submit(p_code, '2024-2025-1', '2025-01-10 10:00+08', p_grades, v_base || p_t2);
END
$$;

\set primary '{"1": [100, 2, 20], "4": [100, 2, 20]}'

-- 01 passes every clause
SELECT pg_temp.audit_school('3201970001', 'primary', :'primary', '{}', '{}');
-- 02 clause 6: a nine-year school enrolling two stages with one full-time teacher
SELECT pg_temp.audit_school('3201970002', 'nine_year', '{"1": [100, 2, 20], "7": [100, 2, 20]}', '{}', '{}');
-- 03 clause 7: no all-staff session in T2 (the year's total of 1 does not help)
SELECT pg_temp.audit_school('3201970003', 'primary', :'primary', '{}', '{"training_all_staff_sessions": 0}');
-- 04 clause 7: 9.5 training hours in the year
SELECT pg_temp.audit_school('3201970004', 'primary', :'primary', '{}', '{"training_hours_psych_and_head": 4.5}');
-- 05 clause 9: no counseling room in the latest term (then clause 14 fails too: no room is open)
SELECT pg_temp.audit_school('3201970005', 'primary', :'primary', '{}', '{"counseling_room": false}');
-- 06 clause 10: 620 + 620 = 1240 元 for 200 students, 6.20 元 per student
SELECT pg_temp.audit_school('3201970006', 'primary', :'primary', '{"funding_psych_yuan": 620}', '{"funding_psych_yuan": 620}');
-- 07 clause 11: grade 4 has 19 lessons in T2, 39 in the year for 40 needed
SELECT pg_temp.audit_school('3201970007', 'primary', :'primary', '{}', '{}');
UPDATE xinyu.submission SET grade_lessons[4] = 19, lessons_total = lessons_total - grade_lessons[4] + 19
WHERE school_code = '3201970007' AND period = '2024-2025-1';
-- 08 clause 14: the room is open 9.5 hours a week in the latest term
SELECT pg_temp.audit_school('3201970008', 'primary', :'primary', '{"counseling_open_hours_per_week": 20}', '{"counseling_open_hours_per_week": 9.5}');
-- 09 clause 15: no psychology training for parents in the year
SELECT pg_temp.audit_school('3201970009', 'primary', :'primary', '{"home_school_psych_parent_trainings": 0}', '{}');
-- 10 clause 16: one paper and no book
SELECT pg_temp.audit_school('3201970010', 'primary', :'primary', '{}', '{"research_papers": 1}');
-- 11 clause 17: four years of practice
SELECT pg_temp.audit_school('3201970011', 'primary', :'primary', '{}', '{"research_years_of_practice": 4}');
-- 12 clause 2/4: no three-year plan
SELECT pg_temp.audit_school('3201970012', 'primary', :'primary', '{}', '{"governance_three_year_plan": false}');
-- 13 the veto alone: a major incident in T1 (any term counts), every other clause passes
SELECT pg_temp.audit_school('3201970013', 'primary', :'primary', '{"crisis_major_incident_school_fault": true}', '{}');
-- 14 inputs missing: years of practice never reported -> clause 17 unknown, overall unknown
SELECT pg_temp.audit_school('3201970014', 'primary', :'primary', '{"research_years_of_practice": null}', '{"research_years_of_practice": null}');
-- 15 three-valued rules: no award with papers unknown fails 16; sessions fine with hours
--    unknown is unknown for 7; a known fail decides overall
SELECT pg_temp.audit_school('3201970015', 'primary', :'primary',
    '{"research_city_awards": 0, "research_papers": null, "training_hours_psych_and_head": null}',
    '{"research_city_awards": 0, "research_papers": null, "training_hours_psych_and_head": null}');
-- 16 reports enrollment only: every clause unknown, lessons not reported
SELECT pg_temp.audit_school('3201970016', 'primary', '{"1": [100, 2], "4": [100, 2]}', '{}', '{}', true);
-- 18 clause 11 by the work points' lesson rule: grade 1 gives one lesson per class a month
--    (2 classes x 5 = 10 a term), which passes; the standard's "every two weeks" alone (20)
--    would fail it
SELECT pg_temp.audit_school('3201970018', 'primary', '{"1": [100, 2, 10], "4": [100, 2, 20]}', '{}', '{}');
-- 19 the same with 9 lessons in grade 1 in T2: 19 in the year for 20 needed
SELECT pg_temp.audit_school('3201970019', 'primary', '{"1": [100, 2, 10], "4": [100, 2, 20]}', '{}', '{}');
UPDATE xinyu.submission SET grade_lessons[1] = 9, lessons_total = lessons_total - grade_lessons[1] + 9
WHERE school_code = '3201970019' AND period = '2024-2025-1';
-- 17 never reports
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
VALUES ('3201970017', '学校 3201970017', '320197', 'primary', true);

CREATE TEMP TABLE audit AS
SELECT * FROM xinyu.audit_rows(ARRAY['2023-2024-2', '2024-2025-1'],
                               ARRAY[date '2024-07-15', date '2025-01-20'], '{}')
WHERE district_code = '320197';

-- The results of every clause of every school: pass unless listed (clause NULL: every clause).
CREATE TEMP TABLE got_results AS SELECT school_code, clause, result FROM audit;
CREATE TEMP TABLE expected_results AS
WITH school (code, overall) AS (VALUES
    ('3201970001', 'pass'), ('3201970002', 'fail'), ('3201970003', 'fail'), ('3201970004', 'fail'),
    ('3201970005', 'fail'), ('3201970006', 'fail'), ('3201970007', 'fail'), ('3201970008', 'fail'),
    ('3201970009', 'fail'), ('3201970010', 'fail'), ('3201970011', 'fail'), ('3201970012', 'fail'),
    ('3201970013', 'fail'), ('3201970014', 'unknown'), ('3201970015', 'fail'),
    ('3201970016', 'unknown'), ('3201970017', 'unknown'), ('3201970018', 'pass'),
    ('3201970019', 'fail')),
clause (clause) AS (VALUES ('6'), ('7'), ('9'), ('10'), ('11'), ('14'), ('15'), ('16'), ('17'), ('2/4'), ('18')),
exception (code, clause, result) AS (VALUES
    ('3201970002', '6', 'fail'),
    ('3201970003', '7', 'fail'),
    ('3201970004', '7', 'fail'),
    ('3201970005', '9', 'fail'), ('3201970005', '14', 'fail'),
    ('3201970006', '10', 'fail'),
    ('3201970007', '11', 'fail'),
    ('3201970008', '14', 'fail'),
    ('3201970009', '15', 'fail'),
    ('3201970010', '16', 'fail'),
    ('3201970011', '17', 'fail'),
    ('3201970012', '2/4', 'fail'),
    ('3201970013', '18', 'fail'),
    ('3201970014', '17', 'unknown'),
    ('3201970015', '16', 'fail'), ('3201970015', '7', 'unknown'),
    ('3201970016', NULL, 'unknown'),
    ('3201970017', NULL, 'unknown'),
    ('3201970019', '11', 'fail'))
SELECT s.code AS school_code, c.clause,
       coalesce((SELECT e.result FROM exception e
                 WHERE e.code = s.code AND (e.clause = c.clause OR e.clause IS NULL)), 'pass') AS result
FROM school s CROSS JOIN clause c
UNION ALL
SELECT s.code, 'overall', s.overall FROM school s;
SELECT pg_temp.assert_same('audit: result of every clause', 'got_results', 'expected_results');

-- Order: by school, clauses in the order of the standard's table, overall last.
SELECT pg_temp.assert_eq('audit: clause order of a school',
    (SELECT string_agg(clause, ' ') FROM (SELECT clause FROM xinyu.audit_rows(ARRAY['2023-2024-2', '2024-2025-1'], NULL, '{}')
                                           WHERE school_code = '3201970001') x),
    '6 7 9 10 11 14 15 16 17 2/4 18 overall');

-- The school pages' audit (xinyu.school_page_audit) is the audit's rows of the schools asked
-- for, each school's clauses in the audit's order: schools in byte order, and a school asked
-- for twice, or one the registry does not know, changes nothing.
CREATE TEMP TABLE page_audit AS
SELECT p.ordinality AS n, p.school_code, p.clause, p.result, p.detail_zh, p.detail_en
FROM xinyu.school_page_audit(ARRAY['3201970011', '3201970002', '3201970011', '3209999999'],
                             ARRAY['2023-2024-2', '2024-2025-1'],
                             ARRAY[date '2024-07-15', date '2025-01-20'], '{}') WITH ORDINALITY p;
CREATE TEMP TABLE audit_of_two AS
SELECT row_number() OVER (ORDER BY a.school_code COLLATE "C", a.ordinality) AS n, a.school_code,
       a.clause, a.result, a.detail_zh, a.detail_en
FROM xinyu.audit_rows(ARRAY['2023-2024-2', '2024-2025-1'],
                      ARRAY[date '2024-07-15', date '2025-01-20'], '{}') WITH ORDINALITY a
WHERE a.school_code IN ('3201970002', '3201970011');
SELECT pg_temp.assert_same('audit: the school pages'' rows and their order', 'page_audit',
                           'audit_of_two');
SELECT pg_temp.assert_eq('audit: the school pages'' audit has 12 rows a school',
    (SELECT count(*) FROM page_audit), 24::bigint);

-- The details say why, in Chinese and in English, with the unrounded comparison.
CREATE TEMP TABLE got_details AS
SELECT school_code, clause, detail_zh, detail_en FROM audit
WHERE (school_code, clause) IN (('3201970001', '10'), ('3201970001', 'overall'), ('3201970002', '6'),
                                ('3201970003', '7'), ('3201970004', '7'), ('3201970006', '10'),
                                ('3201970007', '11'), ('3201970008', '14'), ('3201970010', '16'),
                                ('3201970013', '18'), ('3201970013', 'overall'), ('3201970014', '17'),
                                ('3201970014', 'overall'), ('3201970015', 'overall'),
                                ('3201970016', '11'), ('3201970017', '6'), ('3201970017', 'overall'),
                                ('3201970018', '11'), ('3201970019', '11'));
CREATE TEMP TABLE expected_details (LIKE got_details);
INSERT INTO expected_details VALUES
    ('3201970001', '10', '生均经费 10.00 元 ≥ 10 元', '10.00 yuan per student >= 10'),
    ('3201970001', 'overall', '全部条款通过', 'every clause passes'),
    ('3201970002', '6', '专职心理教师 1 人 < 学段数 2', '1 full-time psychology teacher(s) < 2 stage(s) enrolled'),
    ('3201970003', '7', '有学期全员心理健康培训少于 1 次;人均培训 10 课时 ≥ 10 课时',
     'fewer than 1 all-staff session in a term; 10 training hours per teacher >= 10'),
    ('3201970004', '7', '每学期全员心理健康培训均不少于 1 次;人均培训 9.5 课时 < 10 课时',
     'at least 1 all-staff session in every term; 9.5 training hours per teacher < 10'),
    ('3201970006', '10', '生均经费 6.20 元 < 10 元', '6.20 yuan per student < 10'),
    ('3201970007', '11', '未达到工作要点(八)的要求(1-3 年级每班每月 1 节,4-12 年级每班每两周 1 节):4 年级 39 节 < 应开 40 节',
     'below the work points'' lesson rule (grades 1-3: 1 lesson per class a month; grades 4-12: 1 every two weeks): grade 4: 39 lessons < 40 required'),
    ('3201970008', '14', '辅导室每周开放 9.5 小时 < 10 小时', 'room open 9.5 h/week < 10'),
    ('3201970010', '16', '地市级以上获奖成果 1 项,论文 1 篇,著作 0 部(需获奖 ≥ 1 项,且论文 ≥ 2 篇或著作 ≥ 1 部)',
     '1 city award(s), 1 paper(s), 0 book(s) (needs awards >= 1, and papers >= 2 or books >= 1)'),
    ('3201970013', '18', '发生因学校原因导致的重大恶性事件(一票否决)',
     'a major incident caused by the school (one-vote veto)'),
    ('3201970013', 'overall', '一票否决(条款 18);未通过条款:18',
     'one-vote veto (clause 18); failed clauses: 18'),
    ('3201970014', '17', '未填报开展心理健康工作年数(research.years_of_practice)',
     'research.years_of_practice not reported'),
    ('3201970014', 'overall', '数据不全的条款:17', 'clauses without data: 17'),
    ('3201970015', 'overall', '未通过条款:16;数据不全的条款:7', 'failed clauses: 16; clauses without data: 7'),
    ('3201970016', '11', '未填报各年级心理健康课课时(curriculum.lessons_by_grade)',
     'curriculum.lessons_by_grade not reported'),
    ('3201970018', '11', '各年级心理健康课均达到工作要点(八)的要求:1-3 年级每班每月 1 节,4-12 年级每班每两周 1 节',
     'every enrolled grade meets the work points'' lesson rule (grades 1-3: 1 lesson per class a month; grades 4-12: 1 every two weeks)'),
    ('3201970019', '11', '未达到工作要点(八)的要求(1-3 年级每班每月 1 节,4-12 年级每班每两周 1 节):1 年级 19 节 < 应开 20 节',
     'below the work points'' lesson rule (grades 1-3: 1 lesson per class a month; grades 4-12: 1 every two weeks): grade 1: 19 lessons < 20 required'),
    ('3201970017', '6', '未上报', 'not reported'),
    ('3201970017', 'overall', '未上报', 'not reported');
SELECT pg_temp.assert_same('audit: details', 'got_details', 'expected_details');

-- Schools of the registry only while active; every active school has 12 rows.
UPDATE xinyu.school SET active = false WHERE school_code = '3201970017';
SELECT pg_temp.assert_eq('audit: inactive schools are left out',
    (SELECT count(*) FROM xinyu.audit_rows(ARRAY['2023-2024-2', '2024-2025-1'], NULL, '{}')
     WHERE school_code = '3201970017'), 0::bigint);
SELECT pg_temp.assert_eq('audit: 12 rows per active school',
    (SELECT count(*) FROM xinyu.audit_rows(ARRAY['2023-2024-2', '2024-2025-1'], NULL, '{}')),
    12::bigint * (SELECT count(*) FROM xinyu.school WHERE active));

-- A term on its own is audited as well: in T2 alone, school 01 gave no parent training.
SELECT pg_temp.assert_eq('audit: T2 alone',
    (SELECT result FROM xinyu.audit_rows(ARRAY['2024-2025-1'], NULL, '{}')
     WHERE school_code = '3201970001' AND clause = '15'), 'fail');

-- The report role may run it.
SET ROLE xinyu_report;
SELECT pg_temp.assert_eq('audit: the report role runs it',
    (SELECT count(*) FROM xinyu.audit_rows(ARRAY['2023-2024-2'], NULL, '{}') WHERE clause = 'overall' AND district_code = '320197'),
    18::bigint);
RESET ROLE;
