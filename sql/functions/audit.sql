-- audit.sql: the compliance audit of the characteristic-school standard
-- (INDICATORS.md "Compliance audit"), per active school and review year. The progress review
-- needs no SQL of its own: it is xinyu.indicator_rows once per review year.
--
--   xinyu.audit_rows(periods, deadlines, params[, codes])   one row per school and clause, plus one
--       row per school with clause 'overall'; the rule and its explanation side by side, so
--       that what the inspector reads is what was decided.
--
-- Thresholds are the standard's own (10 元 per student and year, 10 h/week, 10 training
-- hours, 5 years of practice): the standard is not a work-point targets file and does not
-- change with it. p_params carries only the term calendar (weeks_in_term, months_in_term)
-- and min_sessions_per_term, as for xinyu.school_facts.
--
-- A result is 'pass', 'fail' or 'unknown' (an input missing). Three-valued logic decides:
-- a rule made of two parts fails when one known part fails, whatever the other; it is
-- unknown only when no part fails and one is missing. A school that reported no term of the
-- year is 'unknown' on every clause with the detail 未上报 / not reported.

-- Formats a number for an explanation: at most two decimals, no trailing zeros (12.5, 10).
-- Comparisons are always made on the unrounded values.
CREATE OR REPLACE FUNCTION xinyu.audit_num(p_value numeric)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT trim_scale(round(p_value, 2))::text
$$;

-- The result word of a rule that is true, false or NULL (no data).
CREATE OR REPLACE FUNCTION xinyu.audit_result(p_ok boolean)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_ok THEN 'pass' WHEN NOT p_ok THEN 'fail' ELSE 'unknown' END
$$;

-- The form of three arguments of earlier versions is this one for every school (p_codes NULL).
-- Its result took the clause's place in the standard's table (clause_order), for the school
-- pages to order by: the form without it is dropped, the function made anew.
DROP FUNCTION IF EXISTS xinyu.audit_rows(text[], date[], jsonb);
DROP FUNCTION IF EXISTS xinyu.audit_rows(text[], date[], jsonb, text[]);
CREATE OR REPLACE FUNCTION xinyu.audit_rows(p_periods text[], p_deadlines date[], p_params jsonb,
                                            p_codes text[] DEFAULT NULL)
RETURNS TABLE (
    school_code text,
    district_code text,
    school_type text,
    school_name text,
    clause text,      -- '6', '7', '9', '10', '11', '14', '15', '16', '17', '2/4', '18', 'overall'
    result text,      -- 'pass', 'fail', 'unknown'
    detail_zh text,
    detail_en text,
    clause_order integer -- the clause's place in the standard's table, 1 to 11; overall 12
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH prm AS (
    -- the lesson rule of the work points (八), as in school_facts: per class and term,
    -- months_in_term lessons in grades 1-3 and ceil(weeks_in_term / 2) in grades 4-12
    SELECT coalesce((p_params ->> 'months_in_term')::numeric, 5) AS months_in_term,
           ceil(coalesce((p_params ->> 'weeks_in_term')::numeric, 20) / 2) AS lessons_biweekly
),
fact AS (
    SELECT sf.*, sc.school_name
    FROM xinyu.school_facts(p_periods, p_deadlines, p_params, p_codes) sf
    JOIN xinyu.school sc ON sc.school_code = sf.school_code
),
-- Clause 11 says which grades fall short: per school and grade, the lessons of the
-- lessons-reported terms against the lesson rule over the terms in which the grade was
-- enrolled, exactly as school_facts computes lessons_ok (INDICATORS.md, clause 11: the
-- standard's "every two weeks" made specific by the work points for grades 1-3).
short_grade AS (
    SELECT g.school_code,
           string_agg(format('%s 年级 %s 节 < 应开 %s 节', g.grade, g.lessons, g.needed), ';' ORDER BY g.grade) AS zh,
           string_agg(format('grade %s: %s lessons < %s required', g.grade, g.lessons, g.needed), '; ' ORDER BY g.grade) AS en
    FROM (SELECT sg.school_code,
                 sg.grade,
                 sum(coalesce(sg.lessons, 0)) AS lessons,
                 sum(coalesce(sg.classes, 0)) FILTER (WHERE sg.enrolled > 0)
                     * CASE WHEN sg.grade <= 3 THEN prm.months_in_term ELSE prm.lessons_biweekly END
                     AS needed
          FROM xinyu.submission_grade sg
          CROSS JOIN prm
          WHERE sg.period = ANY (p_periods) AND sg.is_current AND sg.lessons_reported
            AND (p_codes IS NULL OR sg.school_code = ANY (p_codes))
          GROUP BY sg.school_code, sg.grade, prm.months_in_term, prm.lessons_biweekly) g
    WHERE g.lessons < g.needed
    GROUP BY g.school_code
),
clause_result AS (
    SELECT f.school_code, f.district_code, f.school_type, f.school_name, f.terms_reported,
           v.ord, v.clause, v.ok, v.zh, v.en
    FROM fact f
    LEFT JOIN short_grade sg ON sg.school_code = f.school_code
    CROSS JOIN LATERAL (VALUES
        -- 6 配齐配好教师: F >= stages enrolled (stages_enrolled is known whenever the school reported)
        (1, '6', f.staff_psych_fulltime >= f.stages_enrolled,
         CASE WHEN f.staff_psych_fulltime IS NULL THEN '未填报专职心理教师人数(staff.psych_fulltime)'
              ELSE format('专职心理教师 %s 人 %s 学段数 %s', f.staff_psych_fulltime,
                          CASE WHEN f.staff_psych_fulltime >= f.stages_enrolled THEN '≥' ELSE '<' END,
                          f.stages_enrolled) END,
         CASE WHEN f.staff_psych_fulltime IS NULL THEN 'staff.psych_fulltime not reported'
              ELSE format('%s full-time psychology teacher(s) %s %s stage(s) enrolled', f.staff_psych_fulltime,
                          CASE WHEN f.staff_psych_fulltime >= f.stages_enrolled THEN '>=' ELSE '<' END,
                          f.stages_enrolled) END),
        -- 7 培养培训: >= 1 all-staff session in every term reported, and >= 10 hours in the year
        (2, '7', f.all_staff_sessions_every_term AND f.training_hours_psych_and_head >= 10,
         concat_ws(';',
             CASE WHEN f.all_staff_sessions_every_term THEN '每学期全员心理健康培训均不少于 1 次'
                  WHEN NOT f.all_staff_sessions_every_term THEN '有学期全员心理健康培训少于 1 次'
                  ELSE '有学期未填报全员心理健康培训次数(training.all_staff_sessions)' END,
             CASE WHEN f.training_hours_psych_and_head IS NULL
                  THEN '未填报专兼职心理教师和班主任人均培训课时(training.hours_psych_and_head)'
                  ELSE format('人均培训 %s 课时 %s 10 课时', xinyu.audit_num(f.training_hours_psych_and_head::numeric),
                              CASE WHEN f.training_hours_psych_and_head >= 10 THEN '≥' ELSE '<' END) END),
         concat_ws('; ',
             CASE WHEN f.all_staff_sessions_every_term THEN 'at least 1 all-staff session in every term'
                  WHEN NOT f.all_staff_sessions_every_term THEN 'fewer than 1 all-staff session in a term'
                  ELSE 'training.all_staff_sessions not reported for a term' END,
             CASE WHEN f.training_hours_psych_and_head IS NULL THEN 'training.hours_psych_and_head not reported'
                  ELSE format('%s training hours per teacher %s 10', xinyu.audit_num(f.training_hours_psych_and_head::numeric),
                              CASE WHEN f.training_hours_psych_and_head >= 10 THEN '>=' ELSE '<' END) END)),
        -- 9 阵地建设: a counseling room
        (3, '9', f.counseling_room,
         CASE WHEN f.counseling_room THEN '建有心理辅导室' WHEN NOT f.counseling_room THEN '未建心理辅导室'
              ELSE '未填报是否建有心理辅导室(counseling.room)' END,
         CASE WHEN f.counseling_room THEN 'has a counseling room' WHEN NOT f.counseling_room THEN 'no counseling room'
              ELSE 'counseling.room not reported' END),
        -- 10 经费投入: the year's funding / E >= 10, compared as funding >= 10 x E to stay exact;
        -- E = 0 has no per-student amount
        (4, '10', CASE WHEN f.enrolled_total > 0 THEN f.funding_psych_yuan >= 10 * f.enrolled_total END,
         CASE WHEN f.funding_psych_yuan IS NULL THEN '未填报心理健康专项经费(funding.psych_yuan)'
              WHEN f.enrolled_total = 0 THEN '在校生人数为 0,无法计算生均经费'
              ELSE format('生均经费 %s 元 %s 10 元', to_char(f.funding_psych_yuan / f.enrolled_total, 'FM999999999990.00'),
                          CASE WHEN f.funding_psych_yuan >= 10 * f.enrolled_total THEN '≥' ELSE '<' END) END,
         CASE WHEN f.funding_psych_yuan IS NULL THEN 'funding.psych_yuan not reported'
              WHEN f.enrolled_total = 0 THEN 'no students enrolled: no amount per student'
              ELSE format('%s yuan per student %s 10', to_char(f.funding_psych_yuan / f.enrolled_total, 'FM999999999990.00'),
                          CASE WHEN f.funding_psych_yuan >= 10 * f.enrolled_total THEN '>=' ELSE '<' END) END),
        -- 11 课堂教学: every enrolled grade meets the lesson rule of the work points (八)
        (5, '11', f.lessons_ok,
         CASE WHEN f.lessons_ok THEN '各年级心理健康课均达到工作要点(八)的要求:1-3 年级每班每月 1 节,4-12 年级每班每两周 1 节'
              WHEN NOT f.lessons_ok THEN '未达到工作要点(八)的要求(1-3 年级每班每月 1 节,4-12 年级每班每两周 1 节):' || coalesce(sg.zh, '')
              ELSE '未填报各年级心理健康课课时(curriculum.lessons_by_grade)' END,
         CASE WHEN f.lessons_ok THEN 'every enrolled grade meets the work points'' lesson rule (grades 1-3: 1 lesson per class a month; grades 4-12: 1 every two weeks)'
              WHEN NOT f.lessons_ok THEN 'below the work points'' lesson rule (grades 1-3: 1 lesson per class a month; grades 4-12: 1 every two weeks): ' || coalesce(sg.en, '')
              ELSE 'curriculum.lessons_by_grade not reported' END),
        -- 14 心理辅导: the room open >= 10 h/week; no room fails whatever the hours
        (6, '14', CASE WHEN NOT f.counseling_room THEN false ELSE f.counseling_open_hours_per_week >= 10 END,
         CASE WHEN NOT f.counseling_room THEN '未建心理辅导室'
              WHEN f.counseling_open_hours_per_week IS NULL THEN '未填报辅导室每周开放时长(counseling.open_hours_per_week)'
              ELSE format('辅导室每周开放 %s 小时 %s 10 小时', xinyu.audit_num(f.counseling_open_hours_per_week::numeric),
                          CASE WHEN f.counseling_open_hours_per_week >= 10 THEN '≥' ELSE '<' END) END,
         CASE WHEN NOT f.counseling_room THEN 'no counseling room'
              WHEN f.counseling_open_hours_per_week IS NULL THEN 'counseling.open_hours_per_week not reported'
              ELSE format('room open %s h/week %s 10', xinyu.audit_num(f.counseling_open_hours_per_week::numeric),
                          CASE WHEN f.counseling_open_hours_per_week >= 10 THEN '>=' ELSE '<' END) END),
        -- 15 社会合作: >= 1 psychology training for parents in the year
        (7, '15', f.home_school_psych_parent_trainings >= 1,
         CASE WHEN f.home_school_psych_parent_trainings IS NULL
              THEN '未填报心理健康专题家长培训场次(home_school.psych_parent_trainings)'
              ELSE format('心理健康专题家长培训 %s 场 %s 1 场', f.home_school_psych_parent_trainings,
                          CASE WHEN f.home_school_psych_parent_trainings >= 1 THEN '≥' ELSE '<' END) END,
         CASE WHEN f.home_school_psych_parent_trainings IS NULL THEN 'home_school.psych_parent_trainings not reported'
              ELSE format('%s psychology training(s) for parents %s 1', f.home_school_psych_parent_trainings,
                          CASE WHEN f.home_school_psych_parent_trainings >= 1 THEN '>=' ELSE '<' END) END),
        -- 16 科学研究: city awards >= 1 and (papers >= 2 or books >= 1)
        (8, '16', f.research_city_awards >= 1 AND (f.research_papers >= 2 OR f.research_books >= 1),
         concat_ws(',',
             CASE WHEN f.research_city_awards IS NULL THEN '地市级以上获奖成果未填报(research.city_awards)' ELSE format('地市级以上获奖成果 %s 项', f.research_city_awards) END,
             CASE WHEN f.research_papers IS NULL THEN '论文数未填报(research.papers)' ELSE format('论文 %s 篇', f.research_papers) END,
             CASE WHEN f.research_books IS NULL THEN '著作数未填报(research.books)' ELSE format('著作 %s 部', f.research_books) END)
         || CASE WHEN f.research_city_awards >= 1 AND (f.research_papers >= 2 OR f.research_books >= 1) THEN ''
                 ELSE '(需获奖 ≥ 1 项,且论文 ≥ 2 篇或著作 ≥ 1 部)' END,
         concat_ws(', ',
             CASE WHEN f.research_city_awards IS NULL THEN 'research.city_awards not reported' ELSE format('%s city award(s)', f.research_city_awards) END,
             CASE WHEN f.research_papers IS NULL THEN 'research.papers not reported' ELSE format('%s paper(s)', f.research_papers) END,
             CASE WHEN f.research_books IS NULL THEN 'research.books not reported' ELSE format('%s book(s)', f.research_books) END)
         || CASE WHEN f.research_city_awards >= 1 AND (f.research_papers >= 2 OR f.research_books >= 1) THEN ''
                 ELSE ' (needs awards >= 1, and papers >= 2 or books >= 1)' END),
        -- 17 提高实效: >= 5 years of practice
        (9, '17', f.research_years_of_practice >= 5,
         CASE WHEN f.research_years_of_practice IS NULL THEN '未填报开展心理健康工作年数(research.years_of_practice)'
              ELSE format('开展心理健康工作 %s 年 %s 5 年', f.research_years_of_practice,
                          CASE WHEN f.research_years_of_practice >= 5 THEN '≥' ELSE '<' END) END,
         CASE WHEN f.research_years_of_practice IS NULL THEN 'research.years_of_practice not reported'
              ELSE format('%s year(s) of practice %s 5', f.research_years_of_practice,
                          CASE WHEN f.research_years_of_practice >= 5 THEN '>=' ELSE '<' END) END),
        -- 2/4 规划与机构: a three-year plan and minutes of the annual meeting
        (10, '2/4', f.governance_three_year_plan AND f.governance_annual_meeting_minutes,
         concat_ws(';',
             CASE WHEN f.governance_three_year_plan THEN '有三年以上发展规划'
                  WHEN NOT f.governance_three_year_plan THEN '无三年以上发展规划'
                  ELSE '未填报是否有三年以上发展规划(governance.three_year_plan)' END,
             CASE WHEN f.governance_annual_meeting_minutes THEN '召开专题工作会议并有纪要'
                  WHEN NOT f.governance_annual_meeting_minutes THEN '无专题工作会议纪要'
                  ELSE '未填报是否有专题工作会议纪要(governance.annual_meeting_minutes)' END),
         concat_ws('; ',
             CASE WHEN f.governance_three_year_plan THEN 'has a three-year plan'
                  WHEN NOT f.governance_three_year_plan THEN 'no three-year plan'
                  ELSE 'governance.three_year_plan not reported' END,
             CASE WHEN f.governance_annual_meeting_minutes THEN 'has minutes of the annual meeting'
                  WHEN NOT f.governance_annual_meeting_minutes THEN 'no minutes of the annual meeting'
                  ELSE 'governance.annual_meeting_minutes not reported' END)),
        -- 18 一票否决: no major incident by the school's fault. Not reported is unknown, not a
        -- pass: the veto needs the school's statement.
        (11, '18', NOT f.crisis_major_incident_school_fault,
         CASE WHEN f.crisis_major_incident_school_fault THEN '发生因学校原因导致的重大恶性事件(一票否决)'
              WHEN NOT f.crisis_major_incident_school_fault THEN '未发生因学校原因导致的重大恶性事件'
              ELSE '未填报是否发生因学校原因导致的重大恶性事件(crisis.major_incident_school_fault)' END,
         CASE WHEN f.crisis_major_incident_school_fault THEN 'a major incident caused by the school (one-vote veto)'
              WHEN NOT f.crisis_major_incident_school_fault THEN 'no major incident caused by the school'
              ELSE 'crisis.major_incident_school_fault not reported' END)
    ) AS v(ord, clause, ok, zh, en)
),
-- A school that reported no term has nothing to judge: every clause unknown, "not reported".
judged AS (
    SELECT c.school_code, c.district_code, c.school_type, c.school_name, c.ord, c.clause,
           CASE WHEN c.terms_reported > 0 THEN c.ok END AS ok,
           CASE WHEN c.terms_reported > 0 THEN c.zh ELSE '未上报' END AS zh,
           CASE WHEN c.terms_reported > 0 THEN c.en ELSE 'not reported' END AS en,
           c.terms_reported
    FROM clause_result c
)
SELECT u.school_code, u.district_code, u.school_type, u.school_name, u.clause, u.result, u.zh, u.en,
       u.ord
FROM (
    SELECT j.school_code, j.district_code, j.school_type, j.school_name, j.ord, j.clause,
           xinyu.audit_result(j.ok) AS result, j.zh, j.en
    FROM judged j
    UNION ALL
    -- overall: fail when any clause fails (the veto among them), pass when every clause passes,
    -- unknown otherwise (bool_and would skip the unknown clauses, hence every(... IS ...))
    SELECT j.school_code, j.district_code, j.school_type, j.school_name, 12, 'overall',
           CASE WHEN bool_or(NOT j.ok) THEN 'fail' WHEN every(j.ok IS NOT NULL) THEN 'pass' ELSE 'unknown' END,
           CASE WHEN max(j.terms_reported) = 0 THEN '未上报'
                WHEN every(j.ok IS TRUE) THEN '全部条款通过'
                ELSE concat_ws(';',
                    CASE WHEN bool_or(NOT j.ok AND j.clause = '18') THEN '一票否决(条款 18)' END,
                    '未通过条款:' || string_agg(j.clause, '、' ORDER BY j.ord) FILTER (WHERE NOT j.ok),
                    '数据不全的条款:' || string_agg(j.clause, '、' ORDER BY j.ord) FILTER (WHERE j.ok IS NULL))
           END,
           CASE WHEN max(j.terms_reported) = 0 THEN 'not reported'
                WHEN every(j.ok IS TRUE) THEN 'every clause passes'
                ELSE concat_ws('; ',
                    CASE WHEN bool_or(NOT j.ok AND j.clause = '18') THEN 'one-vote veto (clause 18)' END,
                    'failed clauses: ' || string_agg(j.clause, ', ' ORDER BY j.ord) FILTER (WHERE NOT j.ok),
                    'clauses without data: ' || string_agg(j.clause, ', ' ORDER BY j.ord) FILTER (WHERE j.ok IS NULL))
           END
    FROM judged j
    GROUP BY j.school_code, j.district_code, j.school_type, j.school_name
) AS u (school_code, district_code, school_type, school_name, ord, clause, result, zh, en)
-- by district and school, clauses in the order of the standard's table, overall last
ORDER BY u.district_code, u.school_code, u.ord
$$;

COMMENT ON FUNCTION xinyu.audit_rows(text[], date[], jsonb, text[]) IS
    'Compliance audit (INDICATORS.md): per active school each clause pass/fail/unknown with a Chinese and an English detail, and overall.';

GRANT EXECUTE ON FUNCTION xinyu.audit_num(numeric), xinyu.audit_result(boolean),
    xinyu.audit_rows(text[], date[], jsonb, text[]) TO xinyu_report;
