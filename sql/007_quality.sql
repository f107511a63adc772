-- 007_quality.sql: the lists of the data-quality and completeness report (INDICATORS.md
-- "Data quality and completeness", SUBMISSION.md section 3), for the terms of a scope:
--
--   xinyu.quality_terms(periods, deadlines)       per term: who must report, who did, late,
--                                                 rejected and superseded versions (reconciliation)
--   xinyu.quality_not_reported(periods)           active schools without a current submission
--   xinyu.quality_late(periods, deadlines)        current submissions made after the deadline
--   xinyu.quality_rejections(periods, run_id)     rejected submissions, one row per reason
--   xinyu.quality_warnings(periods, run_id)       warnings of the current submissions
--   xinyu.quality_outliers(periods)               values > 10x the district median, or
--                                                 changed more than 3x from the previous term
--
-- With p_run_id NULL the lists cover everything known about the terms; with a run's id the
-- rejections and warnings are those of what that run received (the nightly report says
-- what is new). Every function is one set-based statement and runs with the report role's
-- rights (it reads no submission bodies).

-- The end of a deadline day in UTC+8 as an instant: a submission on time is made before it.
-- Written as an explicit UTC instant (a POSIX zone name such as 'UTC+8' means UTC-8).
CREATE FUNCTION xinyu.deadline_cutoff(p_deadline date)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ((p_deadline + 1)::timestamp AT TIME ZONE 'UTC') - interval '8 hours'
$$;

-- An instant as RFC 3339 in the bureau's zone (UTC+8), whatever the session's time zone.
CREATE FUNCTION xinyu.local_rfc3339(p_at timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT to_char(p_at AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"')
$$;

-- The term before a canonical term: the spring term (2) follows the autumn term (1) of the
-- same academic year, the autumn term follows the spring term of the year before.
CREATE FUNCTION xinyu.previous_period(p_period text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE right(p_period, 1)
               WHEN '2' THEN left(p_period, 10) || '1'
               ELSE (left(p_period, 4)::integer - 1)::text || '-' || left(p_period, 4) || '-2'
           END
$$;

-- Per term of the scope, the counts an inspector reconciles: active schools = reported +
-- not reported; late among the reported (NULL when the deadline is unknown); rejected
-- submissions (distinct raw submissions whose period could be read) and superseded versions.
CREATE FUNCTION xinyu.quality_terms(p_periods text[], p_deadlines date[])
RETURNS TABLE (
    period text,
    deadline date,
    schools_active bigint,
    schools_reported bigint,
    schools_not_reported bigint,
    schools_late bigint,
    rejected_submissions bigint,
    superseded_versions bigint
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH term AS (
    SELECT DISTINCT ON (t.period) t.period, t.deadline
    FROM unnest(p_periods, p_deadlines) WITH ORDINALITY AS t(period, deadline, ord)
    WHERE t.period IS NOT NULL
    ORDER BY t.period, t.ord
),
school_term AS (
    SELECT term.period,
           count(*) AS schools_active,
           count(s.submission_id) AS schools_reported,
           CASE WHEN term.deadline IS NOT NULL
                THEN count(*) FILTER (WHERE s.submitted_at >= xinyu.deadline_cutoff(term.deadline)) END AS schools_late
    FROM term
    CROSS JOIN xinyu.school sc
    LEFT JOIN xinyu.submission s
           ON s.school_code = sc.school_code AND s.period = term.period AND s.is_current
    WHERE sc.active
    GROUP BY term.period, term.deadline
),
rejected AS (
    SELECT r.period, count(*) AS rejected_submissions
    FROM xinyu.raw_submission r
    WHERE r.period = ANY (p_periods)
      AND EXISTS (SELECT FROM xinyu.submission_issue i WHERE i.raw_id = r.raw_id AND i.severity = 'reject')
    GROUP BY r.period
),
superseded AS (
    SELECT s.period, count(*) AS superseded_versions
    FROM xinyu.submission s
    WHERE s.period = ANY (p_periods) AND NOT s.is_current
    GROUP BY s.period
)
SELECT term.period, term.deadline,
       coalesce(st.schools_active, 0), coalesce(st.schools_reported, 0),
       coalesce(st.schools_active - st.schools_reported, 0),
       CASE WHEN term.deadline IS NOT NULL THEN coalesce(st.schools_late, 0) END,
       coalesce(rj.rejected_submissions, 0), coalesce(sp.superseded_versions, 0)
FROM term
LEFT JOIN school_term st ON st.period = term.period
LEFT JOIN rejected rj ON rj.period = term.period
LEFT JOIN superseded sp ON sp.period = term.period
ORDER BY term.period
$$;

-- Active schools of the registry without a current submission for a term of the scope.
CREATE FUNCTION xinyu.quality_not_reported(p_periods text[])
RETURNS TABLE (
    period text,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    school_type text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT t.period, sc.district_code, d.district_name, sc.school_code, sc.school_name, sc.school_type
FROM (SELECT DISTINCT p AS period FROM unnest(p_periods) AS p WHERE p IS NOT NULL) t
CROSS JOIN xinyu.school sc
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE sc.active
  AND NOT EXISTS (SELECT FROM xinyu.submission s
                  WHERE s.school_code = sc.school_code AND s.period = t.period AND s.is_current)
ORDER BY t.period, sc.district_code, sc.school_code
$$;

-- Current submissions of active schools whose accepted version was made after the end of
-- the term's deadline day (UTC+8); the same rule as on_time_rate. Terms without a deadline
-- are left out. days_late counts calendar days in UTC+8 after the deadline (1 = the next day).
CREATE FUNCTION xinyu.quality_late(p_periods text[], p_deadlines date[])
RETURNS TABLE (
    period text,
    deadline date,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    submitted_at text,
    days_late integer
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH term AS (
    SELECT DISTINCT ON (t.period) t.period, t.deadline
    FROM unnest(p_periods, p_deadlines) WITH ORDINALITY AS t(period, deadline, ord)
    WHERE t.period IS NOT NULL
    ORDER BY t.period, t.ord
)
SELECT term.period, term.deadline, sc.district_code, d.district_name, sc.school_code, sc.school_name,
       xinyu.local_rfc3339(s.submitted_at),
       (s.submitted_at AT TIME ZONE INTERVAL '+08:00')::date - term.deadline
FROM term
JOIN xinyu.submission s ON s.period = term.period AND s.is_current
JOIN xinyu.school sc ON sc.school_code = s.school_code
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE sc.active
  AND term.deadline IS NOT NULL
  AND s.submitted_at >= xinyu.deadline_cutoff(term.deadline)
ORDER BY term.period, sc.district_code, sc.school_code
$$;

-- Rejected submissions with every issue found in them (the reasons, and the warnings that
-- came with them), one row per issue. Without p_run_id: those whose period is a term of the
-- scope. With it: those that run received, of a term of the scope or of no readable term.
-- school_name and district come from the registry (NULL for a school it does not know).
-- resolved: the school has since had a version of that term accepted (a current submission
-- received after it; raw ids grow in the order received).
CREATE FUNCTION xinyu.quality_rejections(p_periods text[], p_run_id bigint)
RETURNS TABLE (
    raw_id bigint,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    period text,
    source text,
    ref text,
    received_at text,
    resolved boolean,
    severity text,
    seq integer,
    code text,
    path text,
    message text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH rejected AS (
    SELECT r.raw_id, r.school_code, r.period, r.source, r.ref, r.received_at
    FROM xinyu.raw_submission r
    WHERE p_run_id IS NULL
      AND r.period = ANY (p_periods)
      AND EXISTS (SELECT FROM xinyu.submission_issue i WHERE i.raw_id = r.raw_id AND i.severity = 'reject')
    UNION
    SELECT r.raw_id, r.school_code, r.period, r.source, r.ref, r.received_at
    FROM xinyu.run_item ri
    JOIN xinyu.raw_submission r ON r.raw_id = ri.raw_id
    WHERE p_run_id IS NOT NULL
      AND ri.run_id = p_run_id AND ri.outcome = 'rejected'
      AND (r.period = ANY (p_periods) OR r.period IS NULL)
)
SELECT rj.raw_id, sc.district_code, d.district_name, rj.school_code, sc.school_name, rj.period,
       rj.source, rj.ref, xinyu.local_rfc3339(rj.received_at),
       EXISTS (SELECT FROM xinyu.submission s
               WHERE s.school_code = rj.school_code AND s.period = rj.period AND s.is_current
                 AND s.raw_id > rj.raw_id),
       i.severity, i.seq, i.code, i.path, i.message
FROM rejected rj
JOIN xinyu.submission_issue i ON i.raw_id = rj.raw_id
LEFT JOIN xinyu.school sc ON sc.school_code = rj.school_code
LEFT JOIN xinyu.district d ON d.district_code = sc.district_code
ORDER BY sc.district_code NULLS LAST, rj.school_code NULLS LAST, rj.period NULLS LAST, rj.raw_id,
         i.severity, i.seq
$$;

-- Warnings of the current submissions of the scope's terms (registry mismatches, unknown
-- fields, zero enrollment, inactive school...): loaded, but to be corrected next time.
-- With p_run_id, only those of submissions that run loaded.
CREATE FUNCTION xinyu.quality_warnings(p_periods text[], p_run_id bigint)
RETURNS TABLE (
    raw_id bigint,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    period text,
    seq integer,
    code text,
    path text,
    message text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT s.raw_id, sc.district_code, d.district_name, s.school_code, sc.school_name, s.period,
       i.seq, i.code, i.path, i.message
FROM xinyu.submission s
JOIN xinyu.submission_issue i ON i.raw_id = s.raw_id AND i.severity = 'warning'
JOIN xinyu.school sc ON sc.school_code = s.school_code
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE s.is_current
  AND s.period = ANY (p_periods)
  AND (p_run_id IS NULL OR s.run_id = p_run_id)
ORDER BY sc.district_code, s.school_code, s.period, i.seq
$$;

-- Outliers among the current submissions of active schools, per numeric field of
-- xinyu.submission (unpivoted with one VALUES list, so that every field goes through the
-- same two set-based comparisons):
--   district_median  value > 10 x the median of that field over the district's current
--                    submissions of the term (percentile_cont(0.5)); a median of 0 flags
--                    nothing, or every school with one incident would be an outlier
--   term_change      value > 3 x, or < 1/3 of, the school's value in the previous term
--                    (its current submission of xinyu.previous_period), when that was > 0
-- reference is the median or the previous value, ratio = value / reference.
-- Each submission is joined to its previous term before unpivoting, so that the change
-- needs no second pass; the one sort is the median's (hence the larger work_mem: a city's
-- fields of a term sort in memory).
CREATE FUNCTION xinyu.quality_outliers(p_periods text[])
RETURNS TABLE (
    kind text,
    period text,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    field text,  -- the column of xinyu.submission
    path text,   -- the JSON path in the submission
    value numeric,
    reference numeric,
    ratio double precision
)
LANGUAGE sql STABLE PARALLEL SAFE
SET work_mem = '256MB'
AS $$
WITH val AS (
    SELECT s.school_code, sc.district_code, s.period, v.field_no, v.field, v.path, v.value, v.prev
    FROM xinyu.submission s
    JOIN xinyu.school sc ON sc.school_code = s.school_code
    LEFT JOIN xinyu.submission p
           ON p.school_code = s.school_code AND p.period = xinyu.previous_period(s.period) AND p.is_current
    CROSS JOIN LATERAL (VALUES
        (1, 'enrolled_total', 'enrollment.by_grade', s.enrolled_total::numeric, p.enrolled_total::numeric),
        (2, 'enrolled_grade4_up', 'enrollment.by_grade (4-12)', s.enrolled_grade4_up::numeric, p.enrolled_grade4_up::numeric),
        (3, 'classes_total', 'classes.by_grade', s.classes_total::numeric, p.classes_total::numeric),
        (4, 'staff_psych_fulltime', 'staff.psych_fulltime', s.staff_psych_fulltime::numeric, p.staff_psych_fulltime::numeric),
        (5, 'staff_psych_parttime', 'staff.psych_parttime', s.staff_psych_parttime::numeric, p.staff_psych_parttime::numeric),
        (6, 'staff_psych_fulltime_degree', 'staff.psych_fulltime_degree', s.staff_psych_fulltime_degree::numeric, p.staff_psych_fulltime_degree::numeric),
        (7, 'staff_psych_cert_a', 'staff.psych_cert_a', s.staff_psych_cert_a::numeric, p.staff_psych_cert_a::numeric),
        (8, 'staff_parttime_3yr_head', 'staff.parttime_3yr_head', s.staff_parttime_3yr_head::numeric, p.staff_parttime_3yr_head::numeric),
        (9, 'staff_head_teachers', 'staff.head_teachers', s.staff_head_teachers::numeric, p.staff_head_teachers::numeric),
        (10, 'staff_head_teachers_cert_b', 'staff.head_teachers_cert_b', s.staff_head_teachers_cert_b::numeric, p.staff_head_teachers_cert_b::numeric),
        (11, 'staff_subject_teachers', 'staff.subject_teachers', s.staff_subject_teachers::numeric, p.staff_subject_teachers::numeric),
        (12, 'staff_subject_teachers_cert_c', 'staff.subject_teachers_cert_c', s.staff_subject_teachers_cert_c::numeric, p.staff_subject_teachers_cert_c::numeric),
        (13, 'funding_psych_yuan', 'funding.psych_yuan', s.funding_psych_yuan::numeric, p.funding_psych_yuan::numeric),
        (14, 'curriculum_theme_meetings', 'curriculum.theme_meetings', s.curriculum_theme_meetings::numeric, p.curriculum_theme_meetings::numeric),
        (15, 'curriculum_special_activities', 'curriculum.special_activities', s.curriculum_special_activities::numeric, p.curriculum_special_activities::numeric),
        (16, 'counseling_open_hours_per_week', 'counseling.open_hours_per_week', s.counseling_open_hours_per_week::numeric, p.counseling_open_hours_per_week::numeric),
        (17, 'counseling_individual_sessions', 'counseling.individual_sessions', s.counseling_individual_sessions::numeric, p.counseling_individual_sessions::numeric),
        (18, 'counseling_group_sessions', 'counseling.group_sessions', s.counseling_group_sessions::numeric, p.counseling_group_sessions::numeric),
        (19, 'counseling_group_participants', 'counseling.group_participants', s.counseling_group_participants::numeric, p.counseling_group_participants::numeric),
        (20, 'screening_students_screened', 'screening.students_screened', s.screening_students_screened::numeric, p.screening_students_screened::numeric),
        (21, 'screening_students_flagged', 'screening.students_flagged', s.screening_students_flagged::numeric, p.screening_students_flagged::numeric),
        (22, 'screening_archives', 'screening.archives', s.screening_archives::numeric, p.screening_archives::numeric),
        (23, 'care_left_behind', 'care.left_behind', s.care_left_behind::numeric, p.care_left_behind::numeric),
        (24, 'care_single_parent', 'care.single_parent', s.care_single_parent::numeric, p.care_single_parent::numeric),
        (25, 'care_special_needs', 'care.special_needs', s.care_special_needs::numeric, p.care_special_needs::numeric),
        (26, 'home_school_parent_trainings', 'home_school.parent_trainings', s.home_school_parent_trainings::numeric, p.home_school_parent_trainings::numeric),
        (27, 'home_school_psych_parent_trainings', 'home_school.psych_parent_trainings', s.home_school_psych_parent_trainings::numeric, p.home_school_psych_parent_trainings::numeric),
        (28, 'home_school_parent_attendees', 'home_school.parent_attendees', s.home_school_parent_attendees::numeric, p.home_school_parent_attendees::numeric),
        (29, 'home_school_home_visit_rate', 'home_school.home_visit_rate', s.home_school_home_visit_rate::numeric, p.home_school_home_visit_rate::numeric),
        (30, 'training_all_staff_sessions', 'training.all_staff_sessions', s.training_all_staff_sessions::numeric, p.training_all_staff_sessions::numeric),
        (31, 'training_hours_psych_and_head', 'training.hours_psych_and_head', s.training_hours_psych_and_head::numeric, p.training_hours_psych_and_head::numeric),
        (32, 'crisis_incidents', 'crisis.incidents', s.crisis_incidents::numeric, p.crisis_incidents::numeric),
        (33, 'crisis_referrals', 'crisis.referrals', s.crisis_referrals::numeric, p.crisis_referrals::numeric),
        (34, 'research_city_awards', 'research.city_awards', s.research_city_awards::numeric, p.research_city_awards::numeric),
        (35, 'research_papers', 'research.papers', s.research_papers::numeric, p.research_papers::numeric),
        (36, 'research_books', 'research.books', s.research_books::numeric, p.research_books::numeric),
        (37, 'research_years_of_practice', 'research.years_of_practice', s.research_years_of_practice::numeric, p.research_years_of_practice::numeric)
    ) AS v(field_no, field, path, value, prev)
    WHERE s.is_current
      AND s.period = ANY (p_periods)
      AND sc.active
      AND v.value IS NOT NULL
),
median AS (
    SELECT val.period, val.district_code, val.field_no,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY val.value::double precision) AS median
    FROM val
    GROUP BY val.period, val.district_code, val.field_no
),
outlier AS (
    SELECT 'district_median' AS kind, 1 AS kind_ord, v.period, v.district_code, v.school_code,
           v.field, v.path, v.value, m.median::numeric AS reference,
           v.value::double precision / m.median AS ratio
    FROM val v
    JOIN median m ON m.period = v.period AND m.district_code = v.district_code AND m.field_no = v.field_no
    WHERE m.median > 0 AND v.value::double precision > 10 * m.median
    UNION ALL
    SELECT 'term_change', 2, v.period, v.district_code, v.school_code, v.field, v.path, v.value,
           v.prev, (v.value / v.prev)::double precision
    FROM val v
    WHERE v.prev > 0 AND (v.value > 3 * v.prev OR 3 * v.value < v.prev)
)
SELECT o.kind, o.period, o.district_code, d.district_name, o.school_code, sc.school_name,
       o.field, o.path, o.value, o.reference, o.ratio
FROM outlier o
JOIN xinyu.school sc ON sc.school_code = o.school_code
JOIN xinyu.district d ON d.district_code = o.district_code
ORDER BY o.period, o.district_code, o.school_code, o.kind_ord, o.field
$$;

COMMENT ON FUNCTION xinyu.quality_outliers(text[]) IS
    'Values more than 10x the district median of the term, or changed more than 3x from the previous term (SUBMISSION.md section 3).';

GRANT EXECUTE ON FUNCTION xinyu.deadline_cutoff(date), xinyu.local_rfc3339(timestamptz),
    xinyu.previous_period(text), xinyu.quality_terms(text[], date[]),
    xinyu.quality_not_reported(text[]), xinyu.quality_late(text[], date[]),
    xinyu.quality_rejections(text[], bigint), xinyu.quality_warnings(text[], bigint),
    xinyu.quality_outliers(text[]) TO xinyu_report;
