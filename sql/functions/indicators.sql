-- indicators.sql: the district indicators of spec/INDICATORS.md as set-based SQL.
--
--   xinyu.school_facts(periods, deadlines, params)       one row per active school: the
--       fields rolled up over the scope's terms (SUBMISSION.md section 2) and per-rule results;
--       shared by the indicator report and the compliance audit.
--   xinyu.indicator_rows(periods, deadlines, params, by_type)
--       exact numerator and denominator of every indicator per district, city-wide and
--       optionally per school type; the C report computes value, status and gap from them.
--   xinyu.overview_rows(period)                           the district overview of one term.
-- Helpers: xinyu.indicator_state (a school's state for a school-share indicator) and
-- xinyu.latest_pack / xinyu.latest_unpack (the "latest" roll-up as a plain max()).
--
-- A term report passes one period, a review year the periods of its targets file.
-- Only the current submission (is_current) of a school and period counts. Each function
-- reads submission and submission_grade in a few set-based passes (no per-school loops)
-- so that a city of 200,000 schools reports in seconds.
--
-- Missing data: a NULL field is "not reported", never zero. A school whose inputs of an
-- indicator are NULL is no_data for it: out of numerator and denominator, counted in
-- schools_no_data.
--
-- Paired inputs come from one term (INDICATORS.md, "Terms, years and missing data"): every
-- submission obeys its cross-field rules (psych_fulltime_degree <= psych_fulltime,
-- psych_cert_a <= fulltime + parttime, head_teachers_cert_b <= head_teachers,
-- subject_teachers_cert_c <= subject_teachers, students_screened <= E4), but a year's
-- roll-up taken field by field need not. The ratios that divide one such field by the other
-- take the whole pair from one term (the paired columns of xinyu.school_facts):
--   fulltime_degree_rate  psych_fulltime_degree and F from the latest term that reported both
--   cert_a_coverage       psych_cert_a, F and P from the latest term that reported all three
--   cert_b_coverage       head_teachers_cert_b and head_teachers, latest term with both
--   cert_c_coverage       subject_teachers_cert_c and subject_teachers, latest term with both
--   screening_coverage    students_screened and that term's E4, from the term with the most
--                         students screened (the latest of them on a tie)
-- Every other use of a field keeps its own roll-up in xinyu.school_facts (F in
-- students_per_fulltime, the audit's clause 6, the overview). For one term the pair of a term
-- is the term's own values.
-- The place of a school type in the order of the stages it enrols (primary first), the order
-- every list of types follows; an unknown type last. Its words are common/terms.c's.
CREATE OR REPLACE FUNCTION xinyu.school_type_order(p_type text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT coalesce(array_position(ARRAY['primary', 'junior', 'senior', 'nine_year',
                                     'complete_secondary', 'twelve_year', 'special'], p_type), 99)
$$;

GRANT EXECUTE ON FUNCTION xinyu.school_type_order(text) TO xinyu_report;


-- The state of one school for a school-share indicator: 1 met, 0 not met, -1 no_data,
-- NULL not in the indicator's population (did not report, or the rule does not apply,
-- e.g. large_school_fulltime for a school of 500 students). p_applies NULL means the
-- inputs that decide whether the rule applies are missing: that is no_data as well.
CREATE OR REPLACE FUNCTION xinyu.indicator_state(p_applies boolean, p_met boolean)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
               WHEN p_applies IS NULL THEN -1
               WHEN NOT p_applies THEN NULL
               WHEN p_met IS NULL THEN -1
               WHEN p_met THEN 1
               ELSE 0
           END
$$;

-- The "latest" roll-up without sorting: a value packed with its term key into one bigint
-- (term key in the high 32 bits), so that max() of the packed values is the value of the
-- latest term among those where it is non-NULL (a NULL value packs to NULL, which max()
-- skips). For counts (>= 0 by the schema's CHECKs, < 2^31) and booleans as 0/1.
-- Both are inlined by the planner.
CREATE OR REPLACE FUNCTION xinyu.latest_pack(p_term_key integer, p_value integer)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (p_term_key::bigint << 32) | p_value
$$;

CREATE OR REPLACE FUNCTION xinyu.latest_unpack(p_packed bigint)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (p_packed & 4294967295)::integer
$$;

-- Its result columns changed (lessons_biweekly_ok left when audit clause 11 took the lesson
-- rule), and later it took the schools to compute (p_codes, for the school pages): the form
-- of three arguments is dropped, the function made anew. Its result columns changed again
-- when it took in the pairs of xinyu.school_paired_inputs and what xinyu.indicator_fact_inputs
-- compares (the kept facts were computed from three passes over the submissions, a second
-- and a half of a first night's 4 s at 200,000 schools): that form is dropped too.
DROP FUNCTION IF EXISTS xinyu.school_facts(text[], date[], jsonb);
DROP FUNCTION IF EXISTS xinyu.school_facts(text[], date[], jsonb, text[]);
DROP FUNCTION IF EXISTS xinyu.school_paired_inputs(text[], text[]);

-- The indicators' roll-up per school in one pass over the submissions: the fields rolled up
-- over the scope's terms, the results of the per-school rules, the pairs of fields of the five
-- ratios each from one term, and what the row follows from.
CREATE OR REPLACE FUNCTION xinyu.school_facts(p_periods text[], p_deadlines date[], p_params jsonb,
                                              p_codes text[] DEFAULT NULL)
RETURNS TABLE (
    school_code text,
    district_code text,
    school_type text,
    terms_expected integer,
    terms_reported integer,
    reported_all boolean,        -- reported every term of p_periods
    on_time_all boolean,         -- reported every term, each current version on time; NULL: a deadline is unknown
    latest_period text,          -- the latest term reported, NULL when none
    enrolled_total integer,      -- E, latest reported term
    enrolled_grade4_up integer,  -- E4, latest reported term
    classes_total integer,       -- latest reported term
    staff_psych_fulltime integer,            -- F, latest
    staff_psych_parttime integer,            -- P, latest
    staff_psych_fulltime_degree integer,     -- latest
    staff_psych_cert_a integer,              -- latest
    staff_parttime_3yr_head integer,         -- latest
    staff_head_teachers integer,             -- latest
    staff_head_teachers_cert_b integer,      -- latest
    staff_subject_teachers integer,          -- latest
    staff_subject_teachers_cert_c integer,   -- latest
    funding_psych_yuan numeric,              -- sum
    curriculum_theme_meetings bigint,        -- sum
    curriculum_special_activities bigint,    -- sum
    counseling_room boolean,                 -- latest
    counseling_open_hours_per_week double precision, -- latest
    counseling_individual_sessions bigint,   -- sum
    counseling_group_sessions bigint,        -- sum
    counseling_group_participants bigint,    -- sum
    screening_students_screened integer,     -- max
    screening_students_flagged integer,      -- max
    screening_archives integer,              -- max
    care_ledger boolean,                     -- latest
    care_left_behind integer,                -- latest
    care_single_parent integer,              -- latest
    care_special_needs integer,              -- latest
    home_school_parent_trainings bigint,     -- sum
    home_school_psych_parent_trainings bigint, -- sum
    home_school_parent_attendees bigint,     -- sum
    home_school_home_visit_rate double precision, -- latest
    training_all_staff_sessions bigint,      -- sum
    training_hours_psych_and_head double precision, -- sum
    crisis_incidents bigint,                 -- sum
    crisis_referrals bigint,                 -- sum
    crisis_major_incident_school_fault boolean, -- any
    governance_research_group boolean,       -- latest
    governance_three_year_plan boolean,      -- latest
    governance_annual_meeting_minutes boolean, -- any
    research_city_awards integer,            -- latest
    research_papers integer,                 -- latest
    research_books integer,                  -- latest
    research_years_of_practice integer,      -- latest
    -- per-rule results (NULL = no data)
    lessons_total bigint,        -- psych lessons of all grades over the lessons-reported terms
    stages_enrolled integer,     -- stages (primary 1-6, junior 7-9, senior 10-12) enrolled in the latest term; audit clause 6
    lessons_ok boolean,          -- the lesson rule (work points 8); NULL: no lessons-reported term
    theme_meetings_ok boolean,   -- theme_meetings >= sum of classes_total x months_in_term over the terms that report them
    all_staff_sessions_every_term boolean, -- all_staff_sessions >= min_sessions_per_term in every reported term; NULL if NULL in one
    -- the pairs of fields of the five ratios of paired inputs, each pair NULL as a whole when
    -- no term reported all of it (the header): "latest" is latest_pack's max() restricted to
    -- the terms that reported the whole pair, so every member comes from the same term; the
    -- screening pair is the max() of ARRAY[screened, term_key, E4], which orders by the number
    -- screened and then by term
    degree_psych_fulltime_degree integer,   -- fulltime_degree_rate
    degree_psych_fulltime integer,
    cert_a_psych_cert_a integer,            -- cert_a_coverage
    cert_a_psych_fulltime integer,
    cert_a_psych_parttime integer,
    cert_b_head_teachers_cert_b integer,    -- cert_b_coverage
    cert_b_head_teachers integer,
    cert_c_subject_teachers_cert_c integer, -- cert_c_coverage
    cert_c_subject_teachers integer,
    screening_pair_screened integer,        -- screening_coverage
    screening_pair_enrolled_grade4_up integer,
    -- what the row follows from besides the registry entry: an exclusive-or of the ids of the
    -- current submissions read (terms_reported of them) and one of the ids' hashes, 0 for none
    -- (xinyu.indicator_fact_inputs)
    inputs_xor bigint,
    inputs_mix integer
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH prm AS (
    -- Lessons needed per class and term (work points 8): months_in_term for grades 1-3,
    -- ceil(weeks_in_term / 2) for grades 4-12.
    SELECT coalesce((p_params ->> 'months_in_term')::numeric, 5) AS months_in_term,
           ceil(coalesce((p_params ->> 'weeks_in_term')::numeric, 20) / 2) AS lessons_biweekly,
           coalesce((p_params ->> 'min_sessions_per_term')::numeric, 1) AS min_sessions_per_term
),
term AS (
    -- p_deadlines[i] is the deadline of p_periods[i]. "On time" is on or before the end of
    -- the deadline day in UTC+8: before 00:00+08:00 of the next day, computed as an explicit
    -- UTC instant (a POSIX zone name such as 'UTC+8' would mean UTC-8 in PostgreSQL).
    -- DISTINCT ON keeps a period listed twice from counting its submissions twice.
    SELECT DISTINCT ON (t.period)
           t.period,
           t.deadline,
           ((t.deadline + 1)::timestamp AT TIME ZONE 'UTC') - interval '8 hours' AS cutoff,
           xinyu.term_key(t.period) AS term_key
    FROM unnest(p_periods, p_deadlines) WITH ORDINALITY AS t(period, deadline, ord)
    WHERE t.period IS NOT NULL
    ORDER BY t.period, t.ord
),
-- One pass over the submissions of the scope, rolled up per school.
agg AS (
    SELECT s.school_code,
           count(*)::integer AS terms_reported,
           bool_or(s.submitted_at >= term.cutoff) AS any_late,
           bool_or(term.deadline IS NULL) AS any_deadline_unknown,
           max(s.period) AS latest_period,
           max(term.term_key) AS latest_key,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.enrolled_total))) AS enrolled_total,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.enrolled_grade4_up))) AS enrolled_grade4_up,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.classes_total))) AS classes_total,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_psych_fulltime))) AS staff_psych_fulltime,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_psych_parttime))) AS staff_psych_parttime,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_psych_fulltime_degree))) AS staff_psych_fulltime_degree,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_psych_cert_a))) AS staff_psych_cert_a,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_parttime_3yr_head))) AS staff_parttime_3yr_head,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_head_teachers))) AS staff_head_teachers,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_head_teachers_cert_b))) AS staff_head_teachers_cert_b,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_subject_teachers))) AS staff_subject_teachers,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.staff_subject_teachers_cert_c))) AS staff_subject_teachers_cert_c,
           sum(s.funding_psych_yuan) AS funding_psych_yuan,
           sum(s.curriculum_theme_meetings) AS curriculum_theme_meetings,
           sum(s.curriculum_special_activities) AS curriculum_special_activities,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.counseling_room::integer)))::boolean AS counseling_room,
           (max(ARRAY[term.term_key::double precision, s.counseling_open_hours_per_week]) FILTER (WHERE s.counseling_open_hours_per_week IS NOT NULL))[2] AS counseling_open_hours_per_week,
           sum(s.counseling_individual_sessions) AS counseling_individual_sessions,
           sum(s.counseling_group_sessions) AS counseling_group_sessions,
           sum(s.counseling_group_participants) AS counseling_group_participants,
           max(s.screening_students_screened) AS screening_students_screened,
           max(s.screening_students_flagged) AS screening_students_flagged,
           max(s.screening_archives) AS screening_archives,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.care_ledger::integer)))::boolean AS care_ledger,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.care_left_behind))) AS care_left_behind,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.care_single_parent))) AS care_single_parent,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.care_special_needs))) AS care_special_needs,
           sum(s.home_school_parent_trainings) AS home_school_parent_trainings,
           sum(s.home_school_psych_parent_trainings) AS home_school_psych_parent_trainings,
           sum(s.home_school_parent_attendees) AS home_school_parent_attendees,
           (max(ARRAY[term.term_key::double precision, s.home_school_home_visit_rate]) FILTER (WHERE s.home_school_home_visit_rate IS NOT NULL))[2] AS home_school_home_visit_rate,
           sum(s.training_all_staff_sessions) AS training_all_staff_sessions,
           sum(s.training_hours_psych_and_head) AS training_hours_psych_and_head,
           sum(s.crisis_incidents) AS crisis_incidents,
           sum(s.crisis_referrals) AS crisis_referrals,
           bool_or(s.crisis_major_incident_school_fault) AS crisis_major_incident_school_fault,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.governance_research_group::integer)))::boolean AS governance_research_group,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.governance_three_year_plan::integer)))::boolean AS governance_three_year_plan,
           bool_or(s.governance_annual_meeting_minutes) AS governance_annual_meeting_minutes,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.research_city_awards))) AS research_city_awards,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.research_papers))) AS research_papers,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.research_books))) AS research_books,
           xinyu.latest_unpack(max(xinyu.latest_pack(term.term_key, s.research_years_of_practice))) AS research_years_of_practice,
           -- the per-grade figures (xinyu.submission.grade_*). The lesson
           -- rule compares per grade the lessons summed over the lessons-reported terms with
           -- the classes summed over the lessons-reported terms in which the grade has pupils,
           -- times the lessons per class of that grade. classes_gN is NULL when grade N had
           -- pupils in no lessons-reported term: it need not comply. A grade with pupils but
           -- left out of lessons_by_grade had 0 lessons (project decision).
           sum(s.lessons_total) FILTER (WHERE s.lessons_reported) AS lessons_total,
           -- the latest term in which each stage had pupils, compared with the school's latest term
           max(term.term_key) FILTER (WHERE 0 < ANY (s.grade_enrolled[1:6])) AS primary_key,
           max(term.term_key) FILTER (WHERE 0 < ANY (s.grade_enrolled[7:9])) AS junior_key,
           max(term.term_key) FILTER (WHERE 0 < ANY (s.grade_enrolled[10:12])) AS senior_key,
           sum(coalesce(s.grade_lessons[1], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g1,
           sum(CASE WHEN s.grade_enrolled[1] > 0 THEN coalesce(s.grade_classes[1], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g1,
           sum(coalesce(s.grade_lessons[2], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g2,
           sum(CASE WHEN s.grade_enrolled[2] > 0 THEN coalesce(s.grade_classes[2], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g2,
           sum(coalesce(s.grade_lessons[3], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g3,
           sum(CASE WHEN s.grade_enrolled[3] > 0 THEN coalesce(s.grade_classes[3], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g3,
           sum(coalesce(s.grade_lessons[4], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g4,
           sum(CASE WHEN s.grade_enrolled[4] > 0 THEN coalesce(s.grade_classes[4], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g4,
           sum(coalesce(s.grade_lessons[5], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g5,
           sum(CASE WHEN s.grade_enrolled[5] > 0 THEN coalesce(s.grade_classes[5], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g5,
           sum(coalesce(s.grade_lessons[6], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g6,
           sum(CASE WHEN s.grade_enrolled[6] > 0 THEN coalesce(s.grade_classes[6], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g6,
           sum(coalesce(s.grade_lessons[7], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g7,
           sum(CASE WHEN s.grade_enrolled[7] > 0 THEN coalesce(s.grade_classes[7], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g7,
           sum(coalesce(s.grade_lessons[8], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g8,
           sum(CASE WHEN s.grade_enrolled[8] > 0 THEN coalesce(s.grade_classes[8], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g8,
           sum(coalesce(s.grade_lessons[9], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g9,
           sum(CASE WHEN s.grade_enrolled[9] > 0 THEN coalesce(s.grade_classes[9], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g9,
           sum(coalesce(s.grade_lessons[10], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g10,
           sum(CASE WHEN s.grade_enrolled[10] > 0 THEN coalesce(s.grade_classes[10], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g10,
           sum(coalesce(s.grade_lessons[11], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g11,
           sum(CASE WHEN s.grade_enrolled[11] > 0 THEN coalesce(s.grade_classes[11], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g11,
           sum(coalesce(s.grade_lessons[12], 0)) FILTER (WHERE s.lessons_reported) AS lessons_g12,
           sum(CASE WHEN s.grade_enrolled[12] > 0 THEN coalesce(s.grade_classes[12], 0) END) FILTER (WHERE s.lessons_reported) AS classes_g12,
           -- the classes of the terms that report theme meetings: a term without them is left
           -- out of both sides of the theme-meeting rule
           sum(s.classes_total) FILTER (WHERE s.curriculum_theme_meetings IS NOT NULL) AS classes_with_theme_meetings,
           -- all_staff_sessions is a "per term" rule: every term >= the minimum <=> the smallest does
           min(s.training_all_staff_sessions) AS all_staff_sessions_min,
           bool_or(s.training_all_staff_sessions IS NULL) AS all_staff_sessions_missing,
           -- the pairs (the result columns)
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
               FILTER (WHERE s.screening_students_screened IS NOT NULL) AS screening,
           bit_xor(s.submission_id) AS inputs_xor,
           bit_xor(hashint8(s.submission_id)) AS inputs_mix
    FROM xinyu.submission s
    JOIN term ON term.period = s.period
    WHERE s.period = ANY (p_periods) AND s.is_current
      AND (p_codes IS NULL OR s.school_code = ANY (p_codes))
    GROUP BY s.school_code
)

SELECT sc.school_code,
       sc.district_code,
       sc.school_type,
       coalesce(cardinality(p_periods), 0),
       coalesce(a.terms_reported, 0),
       coalesce(a.terms_reported, 0) > 0 AND a.terms_reported = cardinality(p_periods),
       CASE WHEN a.terms_reported IS NULL OR a.terms_reported <> cardinality(p_periods) THEN false
            WHEN a.any_late THEN false              -- late on a known deadline, whatever the others
            WHEN a.any_deadline_unknown THEN NULL
            ELSE true
       END,
       a.latest_period,
       a.enrolled_total,
       a.enrolled_grade4_up,
       a.classes_total,
       a.staff_psych_fulltime,
       a.staff_psych_parttime,
       a.staff_psych_fulltime_degree,
       a.staff_psych_cert_a,
       a.staff_parttime_3yr_head,
       a.staff_head_teachers,
       a.staff_head_teachers_cert_b,
       a.staff_subject_teachers,
       a.staff_subject_teachers_cert_c,
       a.funding_psych_yuan,
       a.curriculum_theme_meetings,
       a.curriculum_special_activities,
       a.counseling_room,
       a.counseling_open_hours_per_week,
       a.counseling_individual_sessions,
       a.counseling_group_sessions,
       a.counseling_group_participants,
       a.screening_students_screened,
       a.screening_students_flagged,
       a.screening_archives,
       a.care_ledger,
       a.care_left_behind,
       a.care_single_parent,
       a.care_special_needs,
       a.home_school_parent_trainings,
       a.home_school_psych_parent_trainings,
       a.home_school_parent_attendees,
       a.home_school_home_visit_rate,
       a.training_all_staff_sessions,
       a.training_hours_psych_and_head,
       a.crisis_incidents,
       a.crisis_referrals,
       a.crisis_major_incident_school_fault,
       a.governance_research_group,
       a.governance_three_year_plan,
       a.governance_annual_meeting_minutes,
       a.research_city_awards,
       a.research_papers,
       a.research_books,
       a.research_years_of_practice,
       a.lessons_total,
       CASE WHEN a.school_code IS NOT NULL
            THEN coalesce((a.primary_key = a.latest_key)::integer, 0)
                 + coalesce((a.junior_key = a.latest_key)::integer, 0)
                 + coalesce((a.senior_key = a.latest_key)::integer, 0)
       END,
       -- lessons_ok: every grade that must comply has its lessons; NULL when no grade must
       -- (no lessons-reported term, or nobody enrolled in one)
       CASE WHEN num_nonnulls(a.classes_g1, a.classes_g2, a.classes_g3, a.classes_g4, a.classes_g5, a.classes_g6, a.classes_g7, a.classes_g8, a.classes_g9, a.classes_g10, a.classes_g11, a.classes_g12) > 0
            THEN coalesce(a.lessons_g1 >= a.classes_g1 * prm.months_in_term, true)
             AND coalesce(a.lessons_g2 >= a.classes_g2 * prm.months_in_term, true)
             AND coalesce(a.lessons_g3 >= a.classes_g3 * prm.months_in_term, true)
             AND coalesce(a.lessons_g4 >= a.classes_g4 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g5 >= a.classes_g5 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g6 >= a.classes_g6 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g7 >= a.classes_g7 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g8 >= a.classes_g8 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g9 >= a.classes_g9 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g10 >= a.classes_g10 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g11 >= a.classes_g11 * prm.lessons_biweekly, true)
             AND coalesce(a.lessons_g12 >= a.classes_g12 * prm.lessons_biweekly, true)
       END,
       a.curriculum_theme_meetings >= a.classes_with_theme_meetings * prm.months_in_term,
       -- a reported term that does not say is no data for the whole rule
       CASE WHEN a.all_staff_sessions_missing THEN NULL
            ELSE a.all_staff_sessions_min >= prm.min_sessions_per_term
       END,
       xinyu.latest_unpack(a.degree_d),
       xinyu.latest_unpack(a.degree_f),
       xinyu.latest_unpack(a.cert_a_a),
       xinyu.latest_unpack(a.cert_a_f),
       xinyu.latest_unpack(a.cert_a_p),
       xinyu.latest_unpack(a.cert_b_b),
       xinyu.latest_unpack(a.cert_b_h),
       xinyu.latest_unpack(a.cert_c_c),
       xinyu.latest_unpack(a.cert_c_s),
       a.screening[1],
       a.screening[3],
       coalesce(a.inputs_xor, 0),
       coalesce(a.inputs_mix, 0)
FROM xinyu.school sc
CROSS JOIN prm
LEFT JOIN agg a ON a.school_code = sc.school_code
WHERE sc.active AND (p_codes IS NULL OR sc.school_code = ANY (p_codes))
$$;

COMMENT ON FUNCTION xinyu.school_facts(text[], date[], jsonb, text[]) IS
    'One row per active school (of p_codes, when given): fields rolled up over the given terms (SUBMISSION.md section 2) and per-rule results.';

-- What the indicators take from each active school (of p_codes, when given): its state for
-- each school-share indicator (xinyu.indicator_state) and the inputs of the sum-ratio
-- indicators. The five ratios of paired inputs take them from school_facts' pairs (one term
-- per pair); every other use of a field, F in students_per_fulltime among them, keeps the
-- roll-up of school_facts. A school's row depends on nothing but its registry entry and its
-- current submissions of p_periods (and the arguments), which inputs_n, inputs_xor and
-- inputs_mix identify (xinyu.indicator_fact_inputs): xinyu.indicator_facts_refresh keeps the
-- rows and computes again only those of the schools where either changed.
-- (Its result columns changed when it took those three: the earlier form is dropped.)
DROP FUNCTION IF EXISTS xinyu.indicator_facts(text[], date[], jsonb, text[]);
CREATE OR REPLACE FUNCTION xinyu.indicator_facts(p_periods text[], p_deadlines date[], p_params jsonb,
                                                 p_codes text[] DEFAULT NULL)
RETURNS TABLE (
    school_code text,
    district_code text,
    school_type text,
    reported_all boolean,
    on_time_all boolean,
    took_part boolean,
    e integer,
    f integer,
    p integer,
    degree_psych_fulltime_degree integer,
    degree_psych_fulltime integer,
    cert_a_psych_cert_a integer,
    cert_a_psych_fulltime integer,
    cert_a_psych_parttime integer,
    cert_b_head_teachers_cert_b integer,
    cert_b_head_teachers integer,
    cert_c_subject_teachers_cert_c integer,
    cert_c_subject_teachers integer,
    funding_psych_yuan numeric,
    screening_students_screened integer,
    screening_enrolled_grade4_up integer,
    screening_students_flagged integer,
    screening_archives integer,
    crisis_incidents bigint,
    psych_teacher_presence integer,
    large_school_fulltime integer,
    funding_compliant_schools integer,
    lesson_compliance integer,
    theme_meeting_compliance integer,
    room_rate integer,
    room_hours_compliance integer,
    research_group_compliance integer,
    care_ledger_rate integer,
    parent_training_compliance integer,
    teacher_training_compliance integer,
    inputs_n integer,
    inputs_xor bigint,
    inputs_mix integer
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH prm AS (
    SELECT coalesce((p_params ->> 'hours_per_week')::numeric, 10) AS hours_per_week,
           coalesce((p_params ->> 'min_trainings')::numeric, 7) AS min_trainings,
           coalesce((p_params ->> 'min_psych')::numeric, 1) AS min_psych,
           coalesce((p_params ->> 'min_hours')::numeric, 10) AS min_hours,
           coalesce((p_params ->> 'funding_min')::numeric, 10) AS funding_min
)
SELECT sf.school_code,
       sf.district_code,
       sf.school_type,
       sf.reported_all,
       sf.on_time_all,
       sf.terms_reported > 0 AS took_part,
       sf.enrolled_total AS e,
       sf.staff_psych_fulltime AS f,
       sf.staff_psych_parttime AS p,
       sf.degree_psych_fulltime_degree,
       sf.degree_psych_fulltime,
       sf.cert_a_psych_cert_a,
       sf.cert_a_psych_fulltime,
       sf.cert_a_psych_parttime,
       sf.cert_b_head_teachers_cert_b,
       sf.cert_b_head_teachers,
       sf.cert_c_subject_teachers_cert_c,
       sf.cert_c_subject_teachers,
       sf.funding_psych_yuan,
       sf.screening_pair_screened AS screening_students_screened,
       sf.screening_pair_enrolled_grade4_up AS screening_enrolled_grade4_up,
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
                     AND sf.training_hours_psych_and_head >= prm.min_hours END) AS teacher_training_compliance,
       sf.terms_reported,
       sf.inputs_xor,
       sf.inputs_mix
FROM xinyu.school_facts(p_periods, p_deadlines, p_params, p_codes) sf
CROSS JOIN prm
$$;

COMMENT ON FUNCTION xinyu.indicator_facts(text[], date[], jsonb, text[]) IS
    'Per active school (of p_codes, when given): its state for each school-share indicator and the inputs of the sum-ratio indicators.';

-- What the kept facts of a scope (xinyu.indicator_fact) were computed with: the terms, their
-- deadlines, the targets' parameters and the text of the functions that compute them. Facts
-- kept under another key are of other rules and are never read. (The functions by name and
-- argument types, which do not depend on the reader's search_path as regprocedure's text does.)
CREATE OR REPLACE FUNCTION xinyu.indicator_fact_key(p_periods text[], p_deadlines date[],
                                                   p_params jsonb)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT md5(concat_ws(E'\n', p_periods::text, p_deadlines::text, coalesce(p_params::text, ''),
                     string_agg(f.proname || '(' || pg_get_function_identity_arguments(f.oid)
                                || ') ' || md5(f.prosrc), E'\n'
                                ORDER BY f.proname, pg_get_function_identity_arguments(f.oid))))
FROM pg_proc f
WHERE f.pronamespace = 'xinyu'::regnamespace
  AND f.proname IN ('indicator_facts', 'school_facts', 'indicator_state', 'latest_pack',
                    'latest_unpack', 'term_key', 'indicator_groups')
$$;

-- Every indicator's numerator, denominator and counts of schools per district and school
-- type, summed over the schools' facts: computed here (p_kept false), or from the facts as
-- xinyu.indicator_facts_refresh has kept them in the caller's transaction (p_kept), of the
-- schools of p_codes only when given. Every figure is a sum over the schools, so the rows of
-- any set of districts and types are the sums of these (xinyu.indicator_rows), and kept, they
-- take the difference when a few schools' facts change (xinyu.indicator_group, 034).
-- summed: numerator and denominator are sums of the schools' figures, NULL when no school
-- gives them; a school counts in schools only with every figure of the pair (the pairs are
-- whole or NULL, xinyu.school_facts; E and E4 are never NULL), so they are NULL exactly when
-- schools is 0. Otherwise they are counts of schools.
CREATE OR REPLACE FUNCTION xinyu.indicator_groups(p_periods text[], p_deadlines date[], p_params jsonb,
                                                  p_kept boolean, p_codes text[] DEFAULT NULL)
RETURNS TABLE (
    district_code text,
    school_type text,
    ord integer,
    indicator text,
    summed boolean,
    numerator numeric,
    denominator numeric,
    schools bigint,
    schools_no_data bigint
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH fact AS (
    -- computed here, or as the report has just kept them in its transaction
    -- (xinyu.indicator_facts_refresh): the same rows
    SELECT f.*
    FROM xinyu.indicator_facts(p_periods, p_deadlines, p_params, p_codes) f
    WHERE NOT p_kept
    UNION ALL
    SELECT k.school_code, k.district_code, k.school_type, k.reported_all, k.on_time_all,
           k.took_part, k.e, k.f, k.p, k.degree_psych_fulltime_degree, k.degree_psych_fulltime, k.cert_a_psych_cert_a,
           k.cert_a_psych_fulltime, k.cert_a_psych_parttime, k.cert_b_head_teachers_cert_b,
           k.cert_b_head_teachers, k.cert_c_subject_teachers_cert_c, k.cert_c_subject_teachers,
           k.funding_psych_yuan, k.screening_students_screened, k.screening_enrolled_grade4_up,
           k.screening_students_flagged, k.screening_archives, k.crisis_incidents,
           k.psych_teacher_presence, k.large_school_fulltime, k.funding_compliant_schools,
           k.lesson_compliance, k.theme_meeting_compliance, k.room_rate, k.room_hours_compliance,
           k.research_group_compliance, k.care_ledger_rate, k.parent_training_compliance,
           k.teacher_training_compliance, k.inputs_n, k.inputs_xor, k.inputs_mix
    FROM xinyu.indicator_fact k
    WHERE p_kept
      AND k.scope_key = (SELECT xinyu.indicator_fact_key(p_periods, p_deadlines, p_params))
      AND (p_codes IS NULL OR k.school_code = ANY (p_codes))
),
per_type AS (
    -- one pass over the schools, per district and type: the city's, districts' and types'
    -- rows are summed from these few hundred (a grouping set over the schools is a pass over
    -- them each)
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
    GROUP BY fact.district_code, fact.school_type
)
SELECT g.district_code, g.school_type, v.ord, v.indicator, v.summed, v.numerator, v.denominator,
       v.schools, v.schools_no_data
FROM per_type g
CROSS JOIN LATERAL (VALUES
    (1, 'reporting_rate', false, g.reporting_rate_num::numeric, g.schools_active::numeric,
        g.schools_active, 0::bigint),
    (2, 'on_time_rate', false, g.on_time_rate_num, g.on_time_rate_den,
        g.on_time_rate_den, g.on_time_rate_no_data),
    (3, 'psych_teacher_presence', false, g.psych_teacher_presence_num, g.psych_teacher_presence_den,
        g.psych_teacher_presence_den, g.psych_teacher_presence_no_data),
    (4, 'large_school_fulltime', false, g.large_school_fulltime_num, g.large_school_fulltime_den,
        g.large_school_fulltime_den, g.large_school_fulltime_no_data),
    (5, 'students_per_fulltime', true, g.students_per_fulltime_num, g.students_per_fulltime_den,
        g.students_per_fulltime_schools, g.schools_took_part - g.students_per_fulltime_schools),
    (6, 'fulltime_degree_rate', true, g.fulltime_degree_rate_num, g.fulltime_degree_rate_den,
        g.fulltime_degree_rate_schools, g.schools_took_part - g.fulltime_degree_rate_schools),
    (7, 'cert_a_coverage', true, g.cert_a_coverage_num, g.cert_a_coverage_den,
        g.cert_a_coverage_schools, g.schools_took_part - g.cert_a_coverage_schools),
    (8, 'cert_b_coverage', true, g.cert_b_coverage_num, g.cert_b_coverage_den,
        g.cert_b_coverage_schools, g.schools_took_part - g.cert_b_coverage_schools),
    (9, 'cert_c_coverage', true, g.cert_c_coverage_num, g.cert_c_coverage_den,
        g.cert_c_coverage_schools, g.schools_took_part - g.cert_c_coverage_schools),
    (10, 'funding_per_student', true, g.funding_per_student_num, g.funding_per_student_den,
        g.funding_per_student_schools, g.schools_took_part - g.funding_per_student_schools),
    (11, 'funding_compliant_schools', false, g.funding_compliant_schools_num, g.funding_compliant_schools_den,
        g.funding_compliant_schools_den, g.funding_compliant_schools_no_data),
    (12, 'lesson_compliance', false, g.lesson_compliance_num, g.lesson_compliance_den,
        g.lesson_compliance_den, g.lesson_compliance_no_data),
    (13, 'theme_meeting_compliance', false, g.theme_meeting_compliance_num, g.theme_meeting_compliance_den,
        g.theme_meeting_compliance_den, g.theme_meeting_compliance_no_data),
    (14, 'room_rate', false, g.room_rate_num, g.room_rate_den,
        g.room_rate_den, g.room_rate_no_data),
    (15, 'room_hours_compliance', false, g.room_hours_compliance_num, g.room_hours_compliance_den,
        g.room_hours_compliance_den, g.room_hours_compliance_no_data),
    (16, 'research_group_compliance', false, g.research_group_compliance_num, g.research_group_compliance_den,
        g.research_group_compliance_den, g.research_group_compliance_no_data),
    (17, 'screening_coverage', true, g.screening_coverage_num, g.screening_coverage_den,
        g.screening_coverage_schools, g.schools_took_part - g.screening_coverage_schools),
    (18, 'archive_rate', true, g.archive_rate_num, g.archive_rate_den,
        g.archive_rate_schools, g.schools_took_part - g.archive_rate_schools),
    (19, 'care_ledger_rate', false, g.care_ledger_rate_num, g.care_ledger_rate_den,
        g.care_ledger_rate_den, g.care_ledger_rate_no_data),
    (20, 'parent_training_compliance', false, g.parent_training_compliance_num, g.parent_training_compliance_den,
        g.parent_training_compliance_den, g.parent_training_compliance_no_data),
    (21, 'teacher_training_compliance', false, g.teacher_training_compliance_num, g.teacher_training_compliance_den,
        g.teacher_training_compliance_den, g.teacher_training_compliance_no_data),
    (22, 'crisis_rate_per_10k', true, g.crisis_rate_per_10k_num * 10000, g.crisis_rate_per_10k_den,
        g.crisis_rate_per_10k_schools, g.schools_took_part - g.crisis_rate_per_10k_schools)
) AS v(ord, indicator, summed, numerator, denominator, schools, schools_no_data)
$$;

COMMENT ON FUNCTION xinyu.indicator_groups(text[], date[], jsonb, boolean, text[]) IS
    'Numerator, denominator and counts of schools of every indicator per district and school type, computed or from the kept facts.';

-- Numerator and denominator of every indicator of INDICATORS.md, exact and unrounded, as in
-- 003_indicators.sql; only the five ratios of paired inputs changed.
-- With p_kept, the sums of the groups as xinyu.indicator_facts_refresh has just kept them with
-- the facts in the same transaction (when it returned true), instead of summing every
-- school's facts again. (Until then it took no p_kept: that form is dropped.)
DROP FUNCTION IF EXISTS xinyu.indicator_rows(text[], date[], jsonb, boolean);
CREATE OR REPLACE FUNCTION xinyu.indicator_rows(p_periods text[], p_deadlines date[], p_params jsonb,
                                               p_by_type boolean, p_kept boolean DEFAULT false)
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
WITH grp AS (
    -- per district and type: computed here, or as the report has just kept them
    SELECT g.district_code, g.school_type, g.ord, g.indicator, g.numerator, g.denominator,
           g.schools, g.schools_no_data
    FROM xinyu.indicator_groups(p_periods, p_deadlines, p_params, false) g
    WHERE NOT p_kept
    UNION ALL
    SELECT k.district_code, k.school_type, k.ord, k.indicator,
           CASE WHEN k.summed AND k.schools = 0 THEN NULL ELSE k.numerator END,
           CASE WHEN k.summed AND k.schools = 0 THEN NULL ELSE k.denominator END,
           k.schools, k.schools_no_data
    FROM xinyu.indicator_group k
    WHERE p_kept
      AND k.scope_key = (SELECT xinyu.indicator_fact_key(p_periods, p_deadlines, p_params))
)
-- the sums are linear, so the city's, the districts' and the types' rows are the sums of the
-- groups'
SELECT g.indicator,
       g.district_code,
       g.school_type,
       sum(g.numerator),
       sum(g.denominator),
       sum(g.schools)::integer,
       sum(g.schools_no_data)::integer
FROM grp g
GROUP BY GROUPING SETS ((g.ord, g.indicator, g.district_code),
                        (g.ord, g.indicator, g.district_code, g.school_type),
                        (g.ord, g.indicator, g.school_type), (g.ord, g.indicator))
-- the per-type sets are computed either way (cheap: a handful of groups) and dropped here
HAVING p_by_type OR GROUPING(g.school_type) = 1
ORDER BY g.ord, g.district_code NULLS LAST, g.school_type IS NOT NULL,
         xinyu.school_type_order(g.school_type)
$$;

COMMENT ON FUNCTION xinyu.indicator_rows(text[], date[], jsonb, boolean, boolean) IS
    'Exact numerator and denominator of every indicator (INDICATORS.md) per district, city-wide and optionally per school type.';

-- What a school's kept facts follow from, for each active school (of p_codes, when given):
-- its district and type, and its current submissions of p_periods as their number, an
-- exclusive-or of their ids and one of the ids' hashes (0, 0, 0 for none), as xinyu.school_facts
-- computes them with its facts (terms_reported, inputs_xor, inputs_mix). A stored submission
-- never changes (a new version is a new row), so these change with every change to what its
-- facts are computed from.
DROP FUNCTION IF EXISTS xinyu.indicator_fact_inputs(text[]);
CREATE OR REPLACE FUNCTION xinyu.indicator_fact_inputs(p_periods text[], p_codes text[] DEFAULT NULL)
RETURNS TABLE (
    school_code text,
    district_code text,
    school_type text,
    n integer,
    ids bigint,
    mix integer
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT sc.school_code, sc.district_code, sc.school_type, coalesce(i.n, 0), coalesce(i.ids, 0),
       coalesce(i.mix, 0)
FROM xinyu.school sc
LEFT JOIN (
    SELECT s.school_code, count(*)::integer AS n, bit_xor(s.submission_id) AS ids,
           bit_xor(hashint8(s.submission_id)) AS mix
    FROM xinyu.submission s
    WHERE s.is_current AND s.period = ANY (p_periods)
      AND (p_codes IS NULL OR s.school_code = ANY (p_codes))
    GROUP BY s.school_code
) i ON i.school_code = sc.school_code
WHERE sc.active
  AND (p_codes IS NULL OR sc.school_code = ANY (p_codes))
$$;

-- Brings the kept facts of a scope, and the sums of their groups (xinyu.indicator_group, 034),
-- up to date in the caller's transaction, for xinyu.indicator_rows(..., p_kept => true) to
-- read: the rows of the active schools whose registry entry or current submissions of
-- p_periods changed since they were computed are computed again, those of schools no longer
-- active are forgotten, and the groups of those schools take the difference. Which schools may have
-- changed the log of changes says (xinyu.changes_since, 030: those the scope's snapshot did not
-- see); when it cannot (it no longer holds them all), every school is looked at; either way
-- a school is computed again only when what its facts follow from differs from what its row
-- was computed from; facts of the same terms
-- kept under another key (other deadlines, targets or rules) are dropped, and those of scopes
-- no report asked for in 30 days. The first time, every school is computed. Returns true when
-- the kept facts are those of the caller's snapshot; false when they could not be written
-- because another transaction wrote them meanwhile (two reports of one scope at once):
-- nothing is written then, and the caller computes the facts (p_kept false).
CREATE OR REPLACE FUNCTION xinyu.indicator_facts_refresh(p_periods text[], p_deadlines date[],
                                                         p_params jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_key text := xinyu.indicator_fact_key(p_periods, p_deadlines, p_params);
    -- the schools to compute (NULL: every active school); what their facts follow from is
    -- computed with them (xinyu.indicator_facts' inputs_n, inputs_xor and inputs_mix)
    v_codes text[];
    v_now pg_snapshot := xinyu.change_snapshot();
    v_since pg_snapshot;
    -- the schools that may have changed (NULL with v_covered false: every school)
    v_covered boolean := false;
    v_candidates text[];
    -- the kept sums of the groups of v_codes' schools before these are computed again
    v_old xinyu.indicator_group[];
BEGIN
    BEGIN
        -- the facts of scopes no report has asked for in 30 days
        DELETE FROM xinyu.indicator_fact f
        USING xinyu.indicator_fact_scope k
        WHERE k.refreshed_at < now() - interval '30 days' AND k.scope_key <> v_key
          AND f.scope_key = k.scope_key;
        DELETE FROM xinyu.indicator_group g
        USING xinyu.indicator_fact_scope k
        WHERE k.refreshed_at < now() - interval '30 days' AND k.scope_key <> v_key
          AND g.scope_key = k.scope_key;
        DELETE FROM xinyu.indicator_fact_scope k
        WHERE k.refreshed_at < now() - interval '30 days' AND k.scope_key <> v_key;
        SELECT k.since INTO v_since FROM xinyu.indicator_fact_scope k WHERE k.scope_key = v_key;
        UPDATE xinyu.indicator_fact_scope k SET refreshed_at = now(), since = v_now
        WHERE k.scope_key = v_key;
        IF NOT FOUND THEN
            -- of other keys for the same terms, and any left of this key without its scope
            DELETE FROM xinyu.indicator_fact f
            USING xinyu.indicator_fact_scope k
            WHERE k.periods = p_periods AND f.scope_key = k.scope_key;
            DELETE FROM xinyu.indicator_group g
            USING xinyu.indicator_fact_scope k
            WHERE k.periods = p_periods AND g.scope_key = k.scope_key;
            DELETE FROM xinyu.indicator_fact f WHERE f.scope_key = v_key;
            DELETE FROM xinyu.indicator_group g WHERE g.scope_key = v_key;
            DELETE FROM xinyu.indicator_fact_scope k WHERE k.periods = p_periods;
            INSERT INTO xinyu.indicator_fact_scope (scope_key, periods, since)
            VALUES (v_key, p_periods, v_now);
        ELSE
            v_covered := xinyu.change_log_covers(v_since);
            IF v_covered THEN
                SELECT array_agg(DISTINCT x.school_code) INTO v_candidates
                FROM xinyu.changes_since(v_since) x
                WHERE x.period IS NULL OR x.period = ANY (p_periods);
                IF v_candidates IS NULL THEN
                    RETURN true;
                END IF;
            END IF;
            -- of those, the schools whose row is missing or was computed from other inputs,
            -- and those whose row is of a school no longer active (inputs NULL)
            SELECT array_agg(coalesce(n.school_code, k.school_code))
            INTO v_codes
            FROM xinyu.indicator_fact_inputs(p_periods, v_candidates) n
            FULL JOIN (SELECT * FROM xinyu.indicator_fact k
                       WHERE k.scope_key = v_key
                         AND (v_candidates IS NULL OR k.school_code = ANY (v_candidates))) k
                   ON k.school_code = n.school_code
            WHERE (n.district_code, n.school_type, n.n, n.ids, n.mix)
                  IS DISTINCT FROM (k.district_code, k.school_type, k.inputs_n, k.inputs_xor,
                                    k.inputs_mix);
            IF v_codes IS NULL THEN
                RETURN true;
            END IF;
            -- their sums as kept, which their groups lose
            SELECT array_agg(ROW(v_key, g.district_code, g.school_type, g.ord, g.indicator,
                                 g.summed, g.numerator, g.denominator, g.schools,
                                 g.schools_no_data)::xinyu.indicator_group)
            INTO v_old
            FROM xinyu.indicator_groups(p_periods, p_deadlines, p_params, true, v_codes) g;
            DELETE FROM xinyu.indicator_fact k
            WHERE k.scope_key = v_key AND k.school_code = ANY (v_codes);
        END IF;
        INSERT INTO xinyu.indicator_fact (scope_key, school_code, inputs_n, inputs_xor, inputs_mix,
                                          district_code, school_type, reported_all, on_time_all,
                                          took_part, e, f, p, degree_psych_fulltime_degree,
                                          degree_psych_fulltime, cert_a_psych_cert_a,
                                          cert_a_psych_fulltime, cert_a_psych_parttime,
                                          cert_b_head_teachers_cert_b, cert_b_head_teachers,
                                          cert_c_subject_teachers_cert_c, cert_c_subject_teachers,
                                          funding_psych_yuan, screening_students_screened,
                                          screening_enrolled_grade4_up, screening_students_flagged,
                                          screening_archives, crisis_incidents,
                                          psych_teacher_presence, large_school_fulltime,
                                          funding_compliant_schools, lesson_compliance,
                                          theme_meeting_compliance, room_rate,
                                          room_hours_compliance, research_group_compliance,
                                          care_ledger_rate, parent_training_compliance,
                                          teacher_training_compliance)
        SELECT v_key, f.school_code, f.inputs_n, f.inputs_xor, f.inputs_mix,
               f.district_code, f.school_type, f.reported_all, f.on_time_all, f.took_part, f.e, f.f,
               f.p, f.degree_psych_fulltime_degree, f.degree_psych_fulltime, f.cert_a_psych_cert_a,
               f.cert_a_psych_fulltime, f.cert_a_psych_parttime, f.cert_b_head_teachers_cert_b,
               f.cert_b_head_teachers, f.cert_c_subject_teachers_cert_c, f.cert_c_subject_teachers,
               f.funding_psych_yuan, f.screening_students_screened, f.screening_enrolled_grade4_up,
               f.screening_students_flagged, f.screening_archives, f.crisis_incidents,
               f.psych_teacher_presence, f.large_school_fulltime, f.funding_compliant_schools,
               f.lesson_compliance, f.theme_meeting_compliance, f.room_rate,
               f.room_hours_compliance, f.research_group_compliance, f.care_ledger_rate,
               f.parent_training_compliance, f.teacher_training_compliance
        FROM xinyu.indicator_facts(p_periods, p_deadlines, p_params, v_codes) f;
        IF NOT EXISTS (SELECT FROM xinyu.indicator_group g WHERE g.scope_key = v_key) THEN
            -- no group kept: a new scope (v_codes NULL already), or facts kept before their
            -- groups were (a scope's facts are never without them since); every group is
            -- summed from the kept facts, the difference from nothing
            v_codes := NULL;
            v_old := NULL;
        END IF;
        -- the groups of the schools of v_codes take the difference of their sums (a sum over
        -- no school is NULL, and 0 here); a group new to the scope comes whole, one left
        -- without a school goes
        INSERT INTO xinyu.indicator_group AS k (scope_key, district_code, school_type, ord,
                                                indicator, summed, numerator, denominator,
                                                schools, schools_no_data)
        SELECT v_key, d.district_code, d.school_type, d.ord, d.indicator, d.summed,
               coalesce(sum(d.numerator), 0), coalesce(sum(d.denominator), 0), sum(d.schools),
               sum(d.schools_no_data)
        FROM (SELECT * FROM xinyu.indicator_groups(p_periods, p_deadlines, p_params, true, v_codes)
              UNION ALL
              SELECT o.district_code, o.school_type, o.ord, o.indicator, o.summed,
                     -o.numerator, -o.denominator, -o.schools, -o.schools_no_data
              FROM unnest(v_old) o) d
        GROUP BY d.district_code, d.school_type, d.ord, d.indicator, d.summed
        HAVING coalesce(sum(d.numerator), 0) <> 0 OR coalesce(sum(d.denominator), 0) <> 0
            OR sum(d.schools) <> 0 OR sum(d.schools_no_data) <> 0
            OR NOT EXISTS (SELECT FROM xinyu.indicator_group x
                           WHERE x.scope_key = v_key AND x.district_code = d.district_code
                             AND x.school_type = d.school_type AND x.ord = d.ord)
        ON CONFLICT (scope_key, district_code, school_type, ord) DO UPDATE
        SET numerator = k.numerator + excluded.numerator,
            denominator = k.denominator + excluded.denominator,
            schools = k.schools + excluded.schools,
            schools_no_data = k.schools_no_data + excluded.schools_no_data;
        -- a group's first row counts its active schools (reporting_rate's denominator)
        DELETE FROM xinyu.indicator_group k
        USING xinyu.indicator_group e
        WHERE e.scope_key = v_key AND e.ord = 1 AND e.denominator = 0
          AND k.scope_key = v_key AND k.district_code = e.district_code
          AND k.school_type = e.school_type;
    EXCEPTION WHEN serialization_failure OR unique_violation OR deadlock_detected THEN
        -- another report of the scope wrote them since this transaction began, or is writing
        -- them (each waiting for the other's rows)
        RETURN false;
    END;
    RETURN true;
END
$$;

COMMENT ON FUNCTION xinyu.indicator_facts_refresh(text[], date[], jsonb) IS
    'Brings the kept indicator facts of a scope (xinyu.indicator_fact) and the sums of their groups (xinyu.indicator_group) up to date with the current submissions and the registry; false when another transaction wrote them meanwhile.';

CREATE OR REPLACE FUNCTION xinyu.overview_rows(p_period text)
RETURNS TABLE (
    district_code text,
    school_type text,
    schools_active bigint,
    schools_reported bigint,
    students bigint,
    psych_fulltime bigint,
    psych_parttime bigint,
    schools_with_room bigint,
    schools_with_lessons bigint
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
-- summed per district and type over the schools, the other sets from those few hundred rows
WITH per_type AS (
    SELECT sc.district_code,
           sc.school_type,
           count(*) AS schools_active,
           count(s.submission_id) AS schools_reported,
           coalesce(sum(s.enrolled_total), 0)::bigint AS students,
           coalesce(sum(s.staff_psych_fulltime), 0)::bigint AS psych_fulltime,
           coalesce(sum(s.staff_psych_parttime), 0)::bigint AS psych_parttime,
           count(*) FILTER (WHERE s.counseling_room) AS schools_with_room,
           count(*) FILTER (WHERE s.lessons_total > 0) AS schools_with_lessons
    FROM xinyu.school sc
    LEFT JOIN xinyu.submission s
           ON s.school_code = sc.school_code AND s.period = p_period AND s.is_current
    WHERE sc.active
    GROUP BY sc.district_code, sc.school_type
)
SELECT t.district_code,
       t.school_type,
       sum(t.schools_active)::bigint,
       sum(t.schools_reported)::bigint,
       sum(t.students)::bigint,
       sum(t.psych_fulltime)::bigint,
       sum(t.psych_parttime)::bigint,
       sum(t.schools_with_room)::bigint,
       sum(t.schools_with_lessons)::bigint
FROM per_type t
GROUP BY GROUPING SETS ((t.district_code), (t.district_code, t.school_type), (t.school_type), ())
ORDER BY t.district_code NULLS LAST, t.school_type IS NOT NULL,
         xinyu.school_type_order(t.school_type)
$$;

COMMENT ON FUNCTION xinyu.overview_rows(text) IS
    'District overview of one term (INDICATORS.md): per district, per type and city-wide.';

GRANT EXECUTE ON FUNCTION xinyu.indicator_facts(text[], date[], jsonb, text[]),
    xinyu.indicator_groups(text[], date[], jsonb, boolean, text[]),
    xinyu.indicator_fact_key(text[], date[], jsonb), xinyu.indicator_fact_inputs(text[], text[]),
    xinyu.indicator_facts_refresh(text[], date[], jsonb) TO xinyu_report;
