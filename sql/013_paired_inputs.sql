-- 013_paired_inputs.sql: paired inputs come from one term (INDICATORS.md, "Terms, years and
-- missing data", and SUBMISSION.md section 2).
--
-- Every submission obeys its cross-field rules (psych_fulltime_degree <= psych_fulltime,
-- psych_cert_a <= fulltime + parttime, head_teachers_cert_b <= head_teachers,
-- subject_teachers_cert_c <= subject_teachers, students_screened <= E4), but a year's
-- roll-up taken field by field need not: a school that sends {F 3, degree 3} in one term and
-- {F 1} without the degree in the next had degree 3 (latest where reported) over F 1, a
-- rate of 300 %. The ratios that divide one such field by the other now take the whole
-- pair from one term:
--   fulltime_degree_rate  psych_fulltime_degree and F from the latest term that reported both
--   cert_a_coverage       psych_cert_a, F and P from the latest term that reported all three
--   cert_b_coverage       head_teachers_cert_b and head_teachers, latest term with both
--   cert_c_coverage       subject_teachers_cert_c and subject_teachers, latest term with both
--   screening_coverage    students_screened and that term's E4, from the term with the most
--                         students screened (the latest of them on a tie)
-- A school without such a term is no_data for that ratio, as before. Every other use of a
-- field keeps its own roll-up in xinyu.school_facts (F in students_per_fulltime, the audit's
-- clause 6, the overview), which is unchanged. For one term nothing changes: the pair of a
-- term is the term's own values.
--
--   xinyu.school_paired_inputs(periods)   the pairs per school that reported a term
--   xinyu.indicator_rows(...)             as in 003, the five ratios from those pairs
--
-- The compliance audit (006) uses none of these pairs; the quality checks (007, 009, 011)
-- compare one term's fields and roll nothing up.

-- One row per school with a current submission in p_periods. Each pair is NULL as a whole
-- when no term reported all of its fields. "Latest" is xinyu.latest_pack's max() restricted
-- to the terms that reported the whole pair, so every member comes from the same term; the
-- screening pair is the max() of ARRAY[screened, term_key, E4], which orders by the number
-- screened and then by term.
CREATE FUNCTION xinyu.school_paired_inputs(p_periods text[])
RETURNS TABLE (
    school_code text,
    degree_psych_fulltime_degree integer,   -- fulltime_degree_rate
    degree_psych_fulltime integer,
    cert_a_psych_cert_a integer,            -- cert_a_coverage
    cert_a_psych_fulltime integer,
    cert_a_psych_parttime integer,
    cert_b_head_teachers_cert_b integer,    -- cert_b_coverage
    cert_b_head_teachers integer,
    cert_c_subject_teachers_cert_c integer, -- cert_c_coverage
    cert_c_subject_teachers integer,
    screening_students_screened integer,    -- screening_coverage
    screening_enrolled_grade4_up integer
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH term AS (
    -- DISTINCT: a period listed twice must not count its submissions twice
    SELECT DISTINCT t.period,
           left(t.period, 4)::integer * 10 + right(t.period, 1)::integer AS term_key
    FROM unnest(p_periods) AS t(period)
    WHERE t.period IS NOT NULL
),
pair AS (
    SELECT s.school_code,
           max(xinyu.latest_pack(term.term_key, s.staff_psych_fulltime_degree))
               FILTER (WHERE num_nulls(s.staff_psych_fulltime_degree, s.staff_psych_fulltime) = 0) AS degree_d,
           max(xinyu.latest_pack(term.term_key, s.staff_psych_fulltime))
               FILTER (WHERE num_nulls(s.staff_psych_fulltime_degree, s.staff_psych_fulltime) = 0) AS degree_f,
           max(xinyu.latest_pack(term.term_key, s.staff_psych_cert_a))
               FILTER (WHERE num_nulls(s.staff_psych_cert_a, s.staff_psych_fulltime, s.staff_psych_parttime) = 0) AS cert_a_a,
           max(xinyu.latest_pack(term.term_key, s.staff_psych_fulltime))
               FILTER (WHERE num_nulls(s.staff_psych_cert_a, s.staff_psych_fulltime, s.staff_psych_parttime) = 0) AS cert_a_f,
           max(xinyu.latest_pack(term.term_key, s.staff_psych_parttime))
               FILTER (WHERE num_nulls(s.staff_psych_cert_a, s.staff_psych_fulltime, s.staff_psych_parttime) = 0) AS cert_a_p,
           max(xinyu.latest_pack(term.term_key, s.staff_head_teachers_cert_b))
               FILTER (WHERE num_nulls(s.staff_head_teachers_cert_b, s.staff_head_teachers) = 0) AS cert_b_b,
           max(xinyu.latest_pack(term.term_key, s.staff_head_teachers))
               FILTER (WHERE num_nulls(s.staff_head_teachers_cert_b, s.staff_head_teachers) = 0) AS cert_b_h,
           max(xinyu.latest_pack(term.term_key, s.staff_subject_teachers_cert_c))
               FILTER (WHERE num_nulls(s.staff_subject_teachers_cert_c, s.staff_subject_teachers) = 0) AS cert_c_c,
           max(xinyu.latest_pack(term.term_key, s.staff_subject_teachers))
               FILTER (WHERE num_nulls(s.staff_subject_teachers_cert_c, s.staff_subject_teachers) = 0) AS cert_c_s,
           -- a NULL element would sort above every number: only the terms that screened
           max(ARRAY[s.screening_students_screened, term.term_key, s.enrolled_grade4_up])
               FILTER (WHERE s.screening_students_screened IS NOT NULL) AS screening
    FROM xinyu.submission s
    JOIN term ON term.period = s.period
    WHERE s.period = ANY (p_periods) AND s.is_current
    GROUP BY s.school_code
)
SELECT p.school_code,
       xinyu.latest_unpack(p.degree_d),
       xinyu.latest_unpack(p.degree_f),
       xinyu.latest_unpack(p.cert_a_a),
       xinyu.latest_unpack(p.cert_a_f),
       xinyu.latest_unpack(p.cert_a_p),
       xinyu.latest_unpack(p.cert_b_b),
       xinyu.latest_unpack(p.cert_b_h),
       xinyu.latest_unpack(p.cert_c_c),
       xinyu.latest_unpack(p.cert_c_s),
       p.screening[1],
       p.screening[3]
FROM pair p
$$;

COMMENT ON FUNCTION xinyu.school_paired_inputs(text[]) IS
    'Per school, the inputs of the five ratios of paired fields, each pair from one term (INDICATORS.md "Paired inputs come from one term").';

-- Numerator and denominator of every indicator of INDICATORS.md, exact and unrounded, as in
-- 003_indicators.sql; only the five ratios of paired inputs changed.
CREATE OR REPLACE FUNCTION xinyu.indicator_rows(p_periods text[], p_deadlines date[], p_params jsonb, p_by_type boolean)
RETURNS TABLE (
    indicator text,
    district_code text,
    school_type text,
    numerator numeric,
    denominator numeric,
    schools integer,
    schools_no_data integer
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH prm AS (
    SELECT coalesce((p_params ->> 'hours_per_week')::numeric, 10) AS hours_per_week,
           coalesce((p_params ->> 'min_trainings')::numeric, 7) AS min_trainings,
           coalesce((p_params ->> 'min_psych')::numeric, 1) AS min_psych,
           coalesce((p_params ->> 'min_hours')::numeric, 10) AS min_hours,
           coalesce((p_params ->> 'funding_min')::numeric, 10) AS funding_min
),
-- One row per active school: its state for each school-share indicator
-- (xinyu.indicator_state) and the inputs of the sum-ratio indicators. The five ratios of
-- paired inputs take them from xinyu.school_paired_inputs (one term per pair); every other
-- use of a field, F in students_per_fulltime among them, keeps the roll-up of school_facts.
fact AS (
    SELECT sf.district_code,
           sf.school_type,
           sf.reported_all,
           sf.on_time_all,
           sf.terms_reported > 0 AS took_part,
           sf.enrolled_total AS e,
           sf.staff_psych_fulltime AS f,
           sf.staff_psych_parttime AS p,
           pr.degree_psych_fulltime_degree,
           pr.degree_psych_fulltime,
           pr.cert_a_psych_cert_a,
           pr.cert_a_psych_fulltime,
           pr.cert_a_psych_parttime,
           pr.cert_b_head_teachers_cert_b,
           pr.cert_b_head_teachers,
           pr.cert_c_subject_teachers_cert_c,
           pr.cert_c_subject_teachers,
           sf.funding_psych_yuan,
           pr.screening_students_screened,
           pr.screening_enrolled_grade4_up,
           sf.screening_students_flagged,
           sf.screening_archives,
           sf.crisis_incidents,
           xinyu.indicator_state(sf.terms_reported > 0,
               sf.staff_psych_fulltime + sf.staff_psych_parttime >= 1) AS psych_teacher_presence,
           xinyu.indicator_state(sf.terms_reported > 0 AND sf.enrolled_total > 500,
               sf.staff_psych_fulltime >= 1) AS large_school_fulltime,
           -- own funding per student; E = 0 has no per-student amount: no data.
           -- Compared as funding >= funding_min x E to stay exact.
           xinyu.indicator_state(sf.terms_reported > 0,
               CASE WHEN sf.enrolled_total > 0
                    THEN sf.funding_psych_yuan >= prm.funding_min * sf.enrolled_total END) AS funding_compliant_schools,
           xinyu.indicator_state(sf.terms_reported > 0, sf.lessons_ok) AS lesson_compliance,
           xinyu.indicator_state(sf.terms_reported > 0, sf.theme_meetings_ok) AS theme_meeting_compliance,
           xinyu.indicator_state(sf.terms_reported > 0, sf.counseling_room) AS room_rate,
           -- no room: not met whatever the hours; room unknown: no data
           xinyu.indicator_state(sf.terms_reported > 0,
               CASE WHEN sf.counseling_room THEN sf.counseling_open_hours_per_week >= prm.hours_per_week
                    ELSE sf.counseling_room END) AS room_hours_compliance,
           -- only schools that must have a group (F+P >= 3 and F >= 1); F or P unknown: no data
           xinyu.indicator_state(sf.terms_reported > 0
                   AND CASE WHEN sf.staff_psych_fulltime IS NOT NULL AND sf.staff_psych_parttime IS NOT NULL
                            THEN sf.staff_psych_fulltime + sf.staff_psych_parttime >= 3
                                 AND sf.staff_psych_fulltime >= 1 END,
               sf.governance_research_group) AS research_group_compliance,
           xinyu.indicator_state(sf.terms_reported > 0, sf.care_ledger) AS care_ledger_rate,
           -- both inputs are needed: one missing is no data, not a fail
           xinyu.indicator_state(sf.terms_reported > 0,
               CASE WHEN sf.home_school_parent_trainings IS NOT NULL AND sf.home_school_psych_parent_trainings IS NOT NULL
                    THEN sf.home_school_parent_trainings >= prm.min_trainings
                         AND sf.home_school_psych_parent_trainings >= prm.min_psych END) AS parent_training_compliance,
           xinyu.indicator_state(sf.terms_reported > 0,
               CASE WHEN sf.all_staff_sessions_every_term IS NOT NULL AND sf.training_hours_psych_and_head IS NOT NULL
                    THEN sf.all_staff_sessions_every_term
                         AND sf.training_hours_psych_and_head >= prm.min_hours END) AS teacher_training_compliance
    FROM xinyu.school_facts(p_periods, p_deadlines, p_params) sf
    CROSS JOIN prm
    LEFT JOIN xinyu.school_paired_inputs(p_periods) pr ON pr.school_code = sf.school_code
),
grouped AS (
    SELECT fact.district_code,
           fact.school_type,
           count(*) AS schools_active,
           count(*) FILTER (WHERE fact.took_part) AS schools_took_part,
           count(*) FILTER (WHERE fact.reported_all) AS reporting_rate_num,
           count(*) FILTER (WHERE fact.on_time_all) AS on_time_rate_num,
           count(*) FILTER (WHERE fact.on_time_all IS NOT NULL) AS on_time_rate_den,
           count(*) FILTER (WHERE fact.on_time_all IS NULL) AS on_time_rate_no_data,

           count(*) FILTER (WHERE fact.psych_teacher_presence = 1) AS psych_teacher_presence_num,
           count(*) FILTER (WHERE fact.psych_teacher_presence >= 0) AS psych_teacher_presence_den,
           count(*) FILTER (WHERE fact.psych_teacher_presence = -1) AS psych_teacher_presence_no_data,
           count(*) FILTER (WHERE fact.large_school_fulltime = 1) AS large_school_fulltime_num,
           count(*) FILTER (WHERE fact.large_school_fulltime >= 0) AS large_school_fulltime_den,
           count(*) FILTER (WHERE fact.large_school_fulltime = -1) AS large_school_fulltime_no_data,
           count(*) FILTER (WHERE fact.funding_compliant_schools = 1) AS funding_compliant_schools_num,
           count(*) FILTER (WHERE fact.funding_compliant_schools >= 0) AS funding_compliant_schools_den,
           count(*) FILTER (WHERE fact.funding_compliant_schools = -1) AS funding_compliant_schools_no_data,
           count(*) FILTER (WHERE fact.lesson_compliance = 1) AS lesson_compliance_num,
           count(*) FILTER (WHERE fact.lesson_compliance >= 0) AS lesson_compliance_den,
           count(*) FILTER (WHERE fact.lesson_compliance = -1) AS lesson_compliance_no_data,
           count(*) FILTER (WHERE fact.theme_meeting_compliance = 1) AS theme_meeting_compliance_num,
           count(*) FILTER (WHERE fact.theme_meeting_compliance >= 0) AS theme_meeting_compliance_den,
           count(*) FILTER (WHERE fact.theme_meeting_compliance = -1) AS theme_meeting_compliance_no_data,
           count(*) FILTER (WHERE fact.room_rate = 1) AS room_rate_num,
           count(*) FILTER (WHERE fact.room_rate >= 0) AS room_rate_den,
           count(*) FILTER (WHERE fact.room_rate = -1) AS room_rate_no_data,
           count(*) FILTER (WHERE fact.room_hours_compliance = 1) AS room_hours_compliance_num,
           count(*) FILTER (WHERE fact.room_hours_compliance >= 0) AS room_hours_compliance_den,
           count(*) FILTER (WHERE fact.room_hours_compliance = -1) AS room_hours_compliance_no_data,
           count(*) FILTER (WHERE fact.research_group_compliance = 1) AS research_group_compliance_num,
           count(*) FILTER (WHERE fact.research_group_compliance >= 0) AS research_group_compliance_den,
           count(*) FILTER (WHERE fact.research_group_compliance = -1) AS research_group_compliance_no_data,
           count(*) FILTER (WHERE fact.care_ledger_rate = 1) AS care_ledger_rate_num,
           count(*) FILTER (WHERE fact.care_ledger_rate >= 0) AS care_ledger_rate_den,
           count(*) FILTER (WHERE fact.care_ledger_rate = -1) AS care_ledger_rate_no_data,
           count(*) FILTER (WHERE fact.parent_training_compliance = 1) AS parent_training_compliance_num,
           count(*) FILTER (WHERE fact.parent_training_compliance >= 0) AS parent_training_compliance_den,
           count(*) FILTER (WHERE fact.parent_training_compliance = -1) AS parent_training_compliance_no_data,
           count(*) FILTER (WHERE fact.teacher_training_compliance = 1) AS teacher_training_compliance_num,
           count(*) FILTER (WHERE fact.teacher_training_compliance >= 0) AS teacher_training_compliance_den,
           count(*) FILTER (WHERE fact.teacher_training_compliance = -1) AS teacher_training_compliance_no_data,

           -- sum-ratio indicators: a school contributes only with all its inputs
           sum(fact.e) FILTER (WHERE fact.took_part AND fact.f IS NOT NULL) AS students_per_fulltime_num,
           sum(fact.f) FILTER (WHERE fact.took_part AND fact.f IS NOT NULL) AS students_per_fulltime_den,
           count(*) FILTER (WHERE fact.took_part AND fact.f IS NOT NULL) AS students_per_fulltime_schools,
           -- paired inputs: a pair is non-NULL as a whole or NULL as a whole
           sum(fact.degree_psych_fulltime_degree)
               FILTER (WHERE fact.took_part AND fact.degree_psych_fulltime_degree IS NOT NULL) AS fulltime_degree_rate_num,
           sum(fact.degree_psych_fulltime)
               FILTER (WHERE fact.took_part AND fact.degree_psych_fulltime_degree IS NOT NULL) AS fulltime_degree_rate_den,
           count(*)
               FILTER (WHERE fact.took_part AND fact.degree_psych_fulltime_degree IS NOT NULL) AS fulltime_degree_rate_schools,
           sum(fact.cert_a_psych_cert_a)
               FILTER (WHERE fact.took_part AND fact.cert_a_psych_cert_a IS NOT NULL) AS cert_a_coverage_num,
           sum(fact.cert_a_psych_fulltime + fact.cert_a_psych_parttime)
               FILTER (WHERE fact.took_part AND fact.cert_a_psych_cert_a IS NOT NULL) AS cert_a_coverage_den,
           count(*)
               FILTER (WHERE fact.took_part AND fact.cert_a_psych_cert_a IS NOT NULL) AS cert_a_coverage_schools,
           sum(fact.cert_b_head_teachers_cert_b)
               FILTER (WHERE fact.took_part AND fact.cert_b_head_teachers_cert_b IS NOT NULL) AS cert_b_coverage_num,
           sum(fact.cert_b_head_teachers)
               FILTER (WHERE fact.took_part AND fact.cert_b_head_teachers_cert_b IS NOT NULL) AS cert_b_coverage_den,
           count(*)
               FILTER (WHERE fact.took_part AND fact.cert_b_head_teachers_cert_b IS NOT NULL) AS cert_b_coverage_schools,
           sum(fact.cert_c_subject_teachers_cert_c)
               FILTER (WHERE fact.took_part AND fact.cert_c_subject_teachers_cert_c IS NOT NULL) AS cert_c_coverage_num,
           sum(fact.cert_c_subject_teachers)
               FILTER (WHERE fact.took_part AND fact.cert_c_subject_teachers_cert_c IS NOT NULL) AS cert_c_coverage_den,
           count(*)
               FILTER (WHERE fact.took_part AND fact.cert_c_subject_teachers_cert_c IS NOT NULL) AS cert_c_coverage_schools,
           sum(fact.funding_psych_yuan) FILTER (WHERE fact.took_part AND fact.funding_psych_yuan IS NOT NULL) AS funding_per_student_num,
           sum(fact.e) FILTER (WHERE fact.took_part AND fact.funding_psych_yuan IS NOT NULL) AS funding_per_student_den,
           count(*) FILTER (WHERE fact.took_part AND fact.funding_psych_yuan IS NOT NULL) AS funding_per_student_schools,
           sum(fact.screening_students_screened)
               FILTER (WHERE fact.took_part AND fact.screening_students_screened IS NOT NULL) AS screening_coverage_num,
           sum(fact.screening_enrolled_grade4_up)
               FILTER (WHERE fact.took_part AND fact.screening_students_screened IS NOT NULL) AS screening_coverage_den,
           count(*) FILTER (WHERE fact.took_part AND fact.screening_students_screened IS NOT NULL) AS screening_coverage_schools,
           sum(fact.screening_archives)
               FILTER (WHERE fact.took_part AND fact.screening_archives IS NOT NULL AND fact.screening_students_flagged IS NOT NULL) AS archive_rate_num,
           sum(fact.screening_students_flagged)
               FILTER (WHERE fact.took_part AND fact.screening_archives IS NOT NULL AND fact.screening_students_flagged IS NOT NULL) AS archive_rate_den,
           count(*)
               FILTER (WHERE fact.took_part AND fact.screening_archives IS NOT NULL AND fact.screening_students_flagged IS NOT NULL) AS archive_rate_schools,
           sum(fact.crisis_incidents) FILTER (WHERE fact.took_part AND fact.crisis_incidents IS NOT NULL) AS crisis_rate_per_10k_num,
           sum(fact.e) FILTER (WHERE fact.took_part AND fact.crisis_incidents IS NOT NULL) AS crisis_rate_per_10k_den,
           count(*) FILTER (WHERE fact.took_part AND fact.crisis_incidents IS NOT NULL) AS crisis_rate_per_10k_schools
    FROM fact
    GROUP BY GROUPING SETS ((fact.district_code), (fact.district_code, fact.school_type), (fact.school_type), ())
    -- the per-type sets are computed either way (cheap: a handful of groups) and dropped here
    HAVING p_by_type OR GROUPING(fact.school_type) = 1
)
SELECT v.indicator,
       g.district_code,
       g.school_type,
       v.numerator,
       v.denominator,
       v.schools::integer,
       v.schools_no_data::integer
FROM grouped g
CROSS JOIN LATERAL (VALUES
    (1, 'reporting_rate', g.reporting_rate_num::numeric, g.schools_active::numeric,
        g.schools_active, 0::bigint),
    (2, 'on_time_rate', g.on_time_rate_num, g.on_time_rate_den,
        g.on_time_rate_den, g.on_time_rate_no_data),
    (3, 'psych_teacher_presence', g.psych_teacher_presence_num, g.psych_teacher_presence_den,
        g.psych_teacher_presence_den, g.psych_teacher_presence_no_data),
    (4, 'large_school_fulltime', g.large_school_fulltime_num, g.large_school_fulltime_den,
        g.large_school_fulltime_den, g.large_school_fulltime_no_data),
    (5, 'students_per_fulltime', g.students_per_fulltime_num, g.students_per_fulltime_den,
        g.students_per_fulltime_schools, g.schools_took_part - g.students_per_fulltime_schools),
    (6, 'fulltime_degree_rate', g.fulltime_degree_rate_num, g.fulltime_degree_rate_den,
        g.fulltime_degree_rate_schools, g.schools_took_part - g.fulltime_degree_rate_schools),
    (7, 'cert_a_coverage', g.cert_a_coverage_num, g.cert_a_coverage_den,
        g.cert_a_coverage_schools, g.schools_took_part - g.cert_a_coverage_schools),
    (8, 'cert_b_coverage', g.cert_b_coverage_num, g.cert_b_coverage_den,
        g.cert_b_coverage_schools, g.schools_took_part - g.cert_b_coverage_schools),
    (9, 'cert_c_coverage', g.cert_c_coverage_num, g.cert_c_coverage_den,
        g.cert_c_coverage_schools, g.schools_took_part - g.cert_c_coverage_schools),
    (10, 'funding_per_student', g.funding_per_student_num, g.funding_per_student_den,
        g.funding_per_student_schools, g.schools_took_part - g.funding_per_student_schools),
    (11, 'funding_compliant_schools', g.funding_compliant_schools_num, g.funding_compliant_schools_den,
        g.funding_compliant_schools_den, g.funding_compliant_schools_no_data),
    (12, 'lesson_compliance', g.lesson_compliance_num, g.lesson_compliance_den,
        g.lesson_compliance_den, g.lesson_compliance_no_data),
    (13, 'theme_meeting_compliance', g.theme_meeting_compliance_num, g.theme_meeting_compliance_den,
        g.theme_meeting_compliance_den, g.theme_meeting_compliance_no_data),
    (14, 'room_rate', g.room_rate_num, g.room_rate_den,
        g.room_rate_den, g.room_rate_no_data),
    (15, 'room_hours_compliance', g.room_hours_compliance_num, g.room_hours_compliance_den,
        g.room_hours_compliance_den, g.room_hours_compliance_no_data),
    (16, 'research_group_compliance', g.research_group_compliance_num, g.research_group_compliance_den,
        g.research_group_compliance_den, g.research_group_compliance_no_data),
    (17, 'screening_coverage', g.screening_coverage_num, g.screening_coverage_den,
        g.screening_coverage_schools, g.schools_took_part - g.screening_coverage_schools),
    (18, 'archive_rate', g.archive_rate_num, g.archive_rate_den,
        g.archive_rate_schools, g.schools_took_part - g.archive_rate_schools),
    (19, 'care_ledger_rate', g.care_ledger_rate_num, g.care_ledger_rate_den,
        g.care_ledger_rate_den, g.care_ledger_rate_no_data),
    (20, 'parent_training_compliance', g.parent_training_compliance_num, g.parent_training_compliance_den,
        g.parent_training_compliance_den, g.parent_training_compliance_no_data),
    (21, 'teacher_training_compliance', g.teacher_training_compliance_num, g.teacher_training_compliance_den,
        g.teacher_training_compliance_den, g.teacher_training_compliance_no_data),
    (22, 'crisis_rate_per_10k', g.crisis_rate_per_10k_num * 10000, g.crisis_rate_per_10k_den,
        g.crisis_rate_per_10k_schools, g.schools_took_part - g.crisis_rate_per_10k_schools)
) AS v(ord, indicator, numerator, denominator, schools, schools_no_data)
ORDER BY v.ord, g.district_code NULLS LAST, g.school_type NULLS FIRST
$$;

COMMENT ON FUNCTION xinyu.indicator_rows(text[], date[], jsonb, boolean) IS
    'Exact numerator and denominator of every indicator (INDICATORS.md) per district, city-wide and optionally per school type.';

GRANT EXECUTE ON FUNCTION xinyu.school_paired_inputs(text[]) TO xinyu_report;
