-- quality.sql: the lists of the data-quality and completeness report (INDICATORS.md
-- "Data quality and completeness", SUBMISSION.md section 3), for the terms of a scope:
--
--   xinyu.quality_terms(periods, deadlines)       per term: who must report, who did, late,
--                                                 rejected and superseded versions (reconciliation)
--   xinyu.quality_not_reported(periods)           active schools without a current submission
--   xinyu.late_current(periods, deadlines)        current submissions made after the deadline
--   xinyu.quality_late(periods, deadlines)        the same with the registry's names
--   xinyu.quality_rejections(periods, run_id[, due])  rejected submissions, one row per reason
--   xinyu.quality_warnings(periods, run_id[, due])    warnings of the current submissions
--   xinyu.quality_outliers(periods, run_id[, pairs])  values > 10x the district median, or
--                                                 changed more than 3x from the previous term
--
-- With p_run_id NULL the lists cover everything known about the terms; with a run's id the
-- rejections and warnings are those of what that run received; with due true, those of the
-- problem ledger not yet sent or sent by that run (problems.sql: what a nightly run's lists
-- and letters carry). Every function is one set-based statement and runs with the report role's
-- rights (it reads no submission bodies).

-- The end of a deadline day in UTC+8 as an instant: a submission on time is made before it.
-- Written as an explicit UTC instant (a POSIX zone name such as 'UTC+8' means UTC-8).
CREATE OR REPLACE FUNCTION xinyu.deadline_cutoff(p_deadline date)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ((p_deadline + 1)::timestamp AT TIME ZONE 'UTC') - interval '8 hours'
$$;

-- Stable rather than immutable (to_char is stable), which lets PostgreSQL inline it.
CREATE OR REPLACE FUNCTION xinyu.local_rfc3339(p_at timestamptz)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT to_char(p_at AT TIME ZONE INTERVAL '+08:00', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"')
$$;

-- A term as one number, its first year and its half (2024-2025-1 is 20241), in the order of the
-- terms. Inlined by the planner.
CREATE OR REPLACE FUNCTION xinyu.term_key(p_period text)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT left(p_period, 4)::integer * 10 + right(p_period, 1)::integer
$$;

-- The term before a canonical term: the spring term (2) follows the autumn term (1) of the
-- same academic year, the autumn term follows the spring term of the year before. NULL for a
-- string that is not a term's (a submission's period has that form by its CHECK; a scope's
-- terms come from the caller).
CREATE OR REPLACE FUNCTION xinyu.previous_period(p_period text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_period !~ '^[0-9]{4}-[0-9]{4}-[12]$' THEN NULL
                WHEN right(p_period, 1) = '2' THEN left(p_period, 10) || '1'
                ELSE (left(p_period, 4)::integer - 1)::text || '-' || left(p_period, 4) || '-2'
           END
$$;

-- A pupils', classes' or teachers' figure changed more than threefold from a previous value of
-- at least 10 (SUBMISSION.md section 3); NULL when either is unknown. In bigint, so that no
-- figure a school can send overflows.
CREATE OR REPLACE FUNCTION xinyu.changed_threefold(p_value integer, p_prev integer)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT p_prev >= 10 AND (p_value::bigint > 3 * p_prev::bigint OR 3 * p_value::bigint < p_prev)
$$;

-- The median of a list of integers from the two middle values of its order, p_pair =
-- percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY the integers): of n values,
-- those at ceil(n / 2) and ceil(n / 2 + n / 10^10), the same one for n odd, neighbours for n
-- even (n up to 10^9). Their mean is percentile_cont(0.5) of the values as double precision,
-- to the bit, and both middles come out of one sort of the integers themselves, not of their
-- conversions: for the 33 integer columns of xinyu.quality_outliers, 0.1 s of its 3.5 s for a
-- whole year at 200,000 schools.
CREATE OR REPLACE FUNCTION xinyu.middle(p_pair integer[])
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT p_pair[1]::double precision / 2 + p_pair[2]::double precision / 2
$$;

-- Per term of the scope, the counts an inspector reconciles: active schools = reported +
-- not reported; late among the reported (NULL when the deadline is unknown); rejected
-- submissions (distinct raw submissions whose period could be read) and superseded versions.
DROP FUNCTION IF EXISTS xinyu.quality_terms(text[], date[]);
CREATE OR REPLACE FUNCTION xinyu.quality_terms(p_periods text[], p_deadlines date[],
                                               p_kept boolean DEFAULT false)
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
WITH term AS NOT MATERIALIZED (
    -- a term listed twice takes its first deadline
    SELECT DISTINCT ON (t.period) t.period, t.deadline,
           xinyu.deadline_cutoff(t.deadline) AS cutoff
    FROM unnest(p_periods, p_deadlines) WITH ORDINALITY AS t(period, deadline, ord)
    WHERE t.period IS NOT NULL
    ORDER BY t.period, t.ord
),
active AS (
    SELECT count(*) AS schools_active
    FROM xinyu.school sc
    WHERE sc.active
),
counted AS (
    -- one pass over the terms' submissions; a school has at most one current submission of
    -- a term, and it is active unless the registry says it is not
    SELECT term.period,
           count(*) FILTER (WHERE s.is_current AND inactive.school_code IS NULL)
               AS schools_reported,
           count(*) FILTER (WHERE s.is_current AND inactive.school_code IS NULL
                              AND s.submitted_at >= term.cutoff) AS schools_late,
           count(*) FILTER (WHERE NOT s.is_current) AS superseded_versions
    FROM term
    JOIN xinyu.submission s ON s.period = term.period
    LEFT JOIN xinyu.school inactive
           ON inactive.school_code = s.school_code AND NOT inactive.active
    WHERE NOT p_kept
    GROUP BY term.period
    UNION ALL
    -- with p_kept, from the schools not reported and late the nightly run keeps (brought up
    -- to date in the caller's transaction, xinyu.standing_refresh), the superseded versions
    -- by index
    SELECT term.period,
           a.schools_active
           - (SELECT count(*) FROM xinyu.standing_kept k
              WHERE k.period = term.period AND k.kind = 'not_reported'),
           (SELECT count(*) FROM xinyu.standing_kept k
            WHERE k.period = term.period AND k.kind = 'late'),
           (SELECT count(*) FROM xinyu.submission s WHERE s.period = term.period AND NOT s.is_current)
    FROM term
    CROSS JOIN active a
    WHERE p_kept
),
rejected AS (
    -- from the rejections' issues, each raw submission looked up by its key (the limit keeps
    -- the planner from making the lookups a join): the few thousand rejected among every raw
    -- submission of the terms (a pass over those took 0.09 s of a night's report at 200,000
    -- schools, in three processes)
    SELECT r.period, count(*) AS rejected_submissions
    FROM (SELECT DISTINCT i.raw_id FROM xinyu.submission_issue i WHERE i.severity = 'reject') i
    CROSS JOIN LATERAL (SELECT r.period FROM xinyu.raw_submission r
                        WHERE r.raw_id = i.raw_id LIMIT 1) r
    WHERE r.period = ANY (p_periods)
    GROUP BY r.period
)
SELECT term.period, term.deadline,
       a.schools_active, coalesce(v.schools_reported, 0),
       a.schools_active - coalesce(v.schools_reported, 0),
       CASE WHEN term.deadline IS NOT NULL THEN coalesce(v.schools_late, 0) END,
       coalesce(rj.rejected_submissions, 0), coalesce(v.superseded_versions, 0)
FROM term
CROSS JOIN active a
LEFT JOIN counted v ON v.period = term.period
LEFT JOIN rejected rj ON rj.period = term.period
ORDER BY term.period
$$;

-- Active schools of the registry without a current submission for a term of the scope. Term
-- by term, the schools in the order of their codes against that term's current submissions
-- in the same order (index submission_current): a merge of two index scans, where a hash
-- anti join of every school and term against every current submission took about twice as
-- long and held every submission's key in memory. The planner, left to itself, estimates
-- the hash join a little cheaper, hence the SET (with which the function is not inlined
-- into the statement that calls it: its plan is made once, for any terms, and is the same).
-- With p_pair_periods and p_pair_codes, of those terms and schools only (the nightly run's
-- refresh, xinyu.standing_refresh), each looked up by index.
DROP FUNCTION IF EXISTS xinyu.quality_not_reported(text[]);
CREATE OR REPLACE FUNCTION xinyu.quality_not_reported(p_periods text[],
                                                      p_pair_periods text[] DEFAULT NULL,
                                                      p_pair_codes text[] DEFAULT NULL)
RETURNS TABLE (
    period text,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    school_type text
)
LANGUAGE sql STABLE PARALLEL SAFE
SET enable_hashjoin = off
AS $$
SELECT t.period, m.district_code, d.district_name, m.school_code, m.school_name, m.school_type
FROM (SELECT DISTINCT p AS period FROM unnest(p_periods) AS p
      WHERE p IS NOT NULL AND p_pair_periods IS NULL) t
CROSS JOIN LATERAL (
    SELECT sc.district_code, sc.school_code, sc.school_name, sc.school_type
    FROM xinyu.school sc
    WHERE sc.active
      AND NOT EXISTS (SELECT FROM xinyu.submission s
                      WHERE s.school_code = sc.school_code AND s.period = t.period AND s.is_current)
    OFFSET 0  -- one term at a time
) m
JOIN xinyu.district d ON d.district_code = m.district_code
UNION ALL
SELECT x.period, sc.district_code, d.district_name, sc.school_code, sc.school_name, sc.school_type
FROM (SELECT DISTINCT x.period, x.school_code
      FROM unnest(p_pair_periods, p_pair_codes) AS x(period, school_code)
      WHERE x.period = ANY (p_periods)) x
JOIN xinyu.school sc ON sc.school_code = x.school_code
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE sc.active
  AND NOT EXISTS (SELECT FROM xinyu.submission s
                  WHERE s.school_code = sc.school_code AND s.period = x.period AND s.is_current)
ORDER BY 1, 2, 4
$$;

-- The rule of lateness: the current submissions of active schools whose accepted version was
-- made after the end of the term's deadline day (UTC+8), the same rule as on_time_rate; terms
-- without a deadline are left out. With the submission's raw_id for the problems seen
-- (xinyu.standing_record), which joined quality_late back to the submissions for it (a third
-- of the time it took to record a night's problems at 200,000 schools). With p_pair_periods
-- and p_pair_codes, of those terms and schools only (xinyu.standing_refresh), by index.
DROP FUNCTION IF EXISTS xinyu.late_current(text[], date[]);
CREATE OR REPLACE FUNCTION xinyu.late_current(p_periods text[], p_deadlines date[],
                                              p_pair_periods text[] DEFAULT NULL,
                                              p_pair_codes text[] DEFAULT NULL)
RETURNS TABLE (
    period text,
    deadline date,
    district_code text,
    school_code text,
    school_name text,
    submitted_at timestamptz,
    raw_id bigint
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH term AS NOT MATERIALIZED (
    SELECT DISTINCT ON (t.period) t.period, t.deadline,
           xinyu.deadline_cutoff(t.deadline) AS cutoff
    FROM unnest(p_periods, p_deadlines) WITH ORDINALITY AS t(period, deadline, ord)
    WHERE t.period IS NOT NULL
    ORDER BY t.period, t.ord
)
SELECT term.period, term.deadline, sc.district_code, sc.school_code, sc.school_name,
       s.submitted_at, s.raw_id
FROM term
JOIN xinyu.submission s ON s.period = term.period AND s.is_current
JOIN xinyu.school sc ON sc.school_code = s.school_code
WHERE sc.active
  AND term.deadline IS NOT NULL
  AND s.submitted_at >= term.cutoff
  AND p_pair_periods IS NULL
UNION ALL
SELECT term.period, term.deadline, sc.district_code, sc.school_code, sc.school_name,
       s.submitted_at, s.raw_id
FROM (SELECT DISTINCT x.period, x.school_code
      FROM unnest(p_pair_periods, p_pair_codes) AS x(period, school_code)) x
JOIN term ON term.period = x.period
JOIN xinyu.submission s ON s.school_code = x.school_code AND s.period = x.period AND s.is_current
JOIN xinyu.school sc ON sc.school_code = s.school_code
WHERE sc.active
  AND term.deadline IS NOT NULL
  AND s.submitted_at >= term.cutoff
$$;

-- The late submissions (xinyu.late_current) with the registry's names. days_late counts
-- calendar days in UTC+8 after the deadline (1 = the next day). With p_kept, those the nightly
-- run keeps (xinyu.standing_kept), which it has just brought up to date in the caller's
-- transaction (xinyu.standing_refresh) with the same deadlines.
DROP FUNCTION IF EXISTS xinyu.quality_late(text[], date[]);
CREATE OR REPLACE FUNCTION xinyu.quality_late(p_periods text[], p_deadlines date[],
                                              p_kept boolean DEFAULT false)
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
SELECT l.period, l.deadline, l.district_code, d.district_name, l.school_code, l.school_name,
       xinyu.local_rfc3339(l.submitted_at),
       (l.submitted_at AT TIME ZONE INTERVAL '+08:00')::date - l.deadline
FROM (SELECT c.period, c.deadline, c.district_code, c.school_code, c.school_name, c.submitted_at
      FROM xinyu.late_current(p_periods, p_deadlines) c
      WHERE NOT p_kept
      UNION ALL
      SELECT k.period, t.deadline, sc.district_code, sc.school_code, sc.school_name, k.submitted_at
      FROM xinyu.standing_kept k
      JOIN xinyu.term_deadlines(p_periods, p_deadlines) t ON t.period = k.period
      JOIN xinyu.school sc ON sc.school_code = k.school_code
      WHERE p_kept AND k.kind = 'late') l
JOIN xinyu.district d ON d.district_code = l.district_code
ORDER BY l.period, l.district_code, l.school_code
$$;

-- Rejected submissions with every issue found in them, one row per issue (007 for the
-- columns). Without p_run_id: those whose period is a term of the scope. With it and not
-- p_due: those that run received, of a term of the scope or of no readable term. With it and
-- p_due: those due in that run's letters (xinyu.problems_due), whichever run received them.
-- The two-argument form of earlier versions is this one with p_due false (its default).
DROP FUNCTION IF EXISTS xinyu.quality_rejections(text[], bigint);
CREATE OR REPLACE FUNCTION xinyu.quality_rejections(p_periods text[], p_run_id bigint,
                                            p_due boolean DEFAULT false)
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
    WHERE p_run_id IS NOT NULL AND NOT p_due
      AND ri.run_id = p_run_id AND ri.outcome = 'rejected'
      AND (r.period = ANY (p_periods) OR r.period IS NULL)
    UNION
    SELECT r.raw_id, r.school_code, r.period, r.source, r.ref, r.received_at
    FROM xinyu.problems_due(p_periods, p_run_id) due
    JOIN xinyu.raw_submission r ON r.raw_id = due.raw_id
    WHERE p_due AND due.kind = 'rejection'
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

-- Warnings of the current submissions of the scope's terms (011 for the rules). Without
-- p_run_id: all of them. With it and not p_due: those of the submissions that run loaded.
-- With it and p_due: those due in that run's letters (xinyu.problems_due). Of the three
-- branches two are empty, decided by the arguments alone.
-- The two-argument form of earlier versions is this one with p_due false (its default).
DROP FUNCTION IF EXISTS xinyu.quality_warnings(text[], bigint);
CREATE OR REPLACE FUNCTION xinyu.quality_warnings(p_periods text[], p_run_id bigint,
                                            p_due boolean DEFAULT false)
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
WHERE p_run_id IS NULL
  AND s.is_current
  AND s.period = ANY (p_periods)
UNION ALL
SELECT s.raw_id, sc.district_code, d.district_name, s.school_code, sc.school_name, s.period,
       i.seq, i.code, i.path, i.message
FROM xinyu.submission s
JOIN xinyu.submission_issue i ON i.raw_id = s.raw_id AND i.severity = 'warning'
JOIN xinyu.school sc ON sc.school_code = s.school_code
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE NOT p_due
  AND s.run_id = p_run_id
  AND s.is_current
  AND s.period = ANY (p_periods)
UNION ALL
SELECT s.raw_id, sc.district_code, d.district_name, s.school_code, sc.school_name, s.period,
       i.seq, i.code, i.path, i.message
FROM xinyu.problems_due(p_periods, p_run_id) due
JOIN xinyu.submission s ON s.raw_id = due.raw_id
JOIN xinyu.submission_issue i ON i.raw_id = s.raw_id AND i.severity = 'warning'
JOIN xinyu.school sc ON sc.school_code = s.school_code
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE p_due
  AND due.kind = 'warning'
-- district, school, term, seq: a school's current submission of a term is one raw_id
ORDER BY district_code, school_code, period, seq
$$;

-- Outliers among the current submissions of active schools (the header of this file for the
-- rules, unchanged), of the terms and districts given as pairs (p_pair_periods[i],
-- p_pair_districts[i]) or of a run, else of the whole scope. PL/pgSQL so that the statement
-- is planned for the run id and pairs it is given: a run's terms and districts are those of
-- its current submissions (index submission_run_current), and a run that loaded nothing
-- reads nothing more. The nightly run keeps what this computes per term and district
-- (xinyu.outliers_refresh, standing.sql), and this function's text, with those of the
-- functions it calls, is part of what it kept them against: a change to the rules here
-- computes them all anew.
-- No merge joins: how many of the submissions a run's districts hold is unknown when the
-- statement is planned, and taken for a few, the medians were joined back to the
-- submissions by sorting them all twice.
-- (Until pairs were added, the function took the terms and a run only: that form is dropped.)
DROP FUNCTION IF EXISTS xinyu.quality_outliers(text[], bigint);
CREATE OR REPLACE FUNCTION xinyu.quality_outliers(p_periods text[], p_run_id bigint,
                                                  p_pair_periods text[] DEFAULT NULL,
                                                  p_pair_districts text[] DEFAULT NULL)
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
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET work_mem = '256MB'
SET enable_mergejoin = off
SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    -- the scope's terms, each with the term before it (NULL for a string that is no term):
    -- the previous term is found once a term, not once a submission
    v_terms text[];
    v_previous text[];
BEGIN
    SELECT array_agg(t.period), array_agg(xinyu.previous_period(t.period))
    INTO v_terms, v_previous
    FROM (SELECT DISTINCT x AS period FROM unnest(p_periods) x) t;

    RETURN QUERY
    WITH run_scope AS (
        -- with a run, the terms and districts of the current submissions it loaded, whose
        -- medians are needed; with pairs, those (none without either)
        SELECT DISTINCT r.period, r.district_code
        FROM xinyu.submission r
        WHERE r.run_id = p_run_id
          AND r.is_current
          AND r.period = ANY (p_periods)
        UNION
        SELECT k.period, k.district_code
        FROM unnest(p_pair_periods, p_pair_districts) AS k(period, district_code)
        WHERE k.period = ANY (p_periods)
    ),
    cur AS (
        -- the current submissions of the scope's terms by active schools, with the registry's
        -- district; for a run, of its terms and districts only (p_run_id is a constant when
        -- the statement is planned: with a run the outer join is an inner one, and the run's
        -- few districts lead)
        SELECT s.school_code, sc.district_code, s.period, s.run_id,
               -- the term and the district as one number (the term's year and half, then the
               -- district's six digits: both are checked to have that form), which the medians
               -- are grouped and joined back by: at 200,000 schools, sorting every submission
               -- by the two text columns took about 0.4 s more
               xinyu.term_key(s.period)::bigint * 1000000 + sc.district_code::integer AS grp,
               s.enrolled_total,
               s.enrolled_grade4_up,
               s.classes_total,
               s.staff_psych_fulltime,
               s.staff_psych_parttime,
               s.staff_psych_fulltime_degree,
               s.staff_psych_cert_a,
               s.staff_parttime_3yr_head,
               s.staff_head_teachers,
               s.staff_head_teachers_cert_b,
               s.staff_subject_teachers,
               s.staff_subject_teachers_cert_c,
               s.funding_psych_yuan,
               s.curriculum_theme_meetings,
               s.curriculum_special_activities,
               s.counseling_open_hours_per_week,
               s.counseling_individual_sessions,
               s.counseling_group_sessions,
               s.counseling_group_participants,
               s.screening_students_screened,
               s.screening_students_flagged,
               s.screening_archives,
               s.care_left_behind,
               s.care_single_parent,
               s.care_special_needs,
               s.home_school_parent_trainings,
               s.home_school_psych_parent_trainings,
               s.home_school_parent_attendees,
               s.home_school_home_visit_rate,
               s.training_all_staff_sessions,
               s.training_hours_psych_and_head,
               s.crisis_incidents,
               s.crisis_referrals,
               s.research_city_awards,
               s.research_papers,
               s.research_books,
               s.research_years_of_practice
        FROM xinyu.submission s
        JOIN xinyu.school sc ON sc.school_code = s.school_code
        LEFT JOIN run_scope k ON k.period = s.period AND k.district_code = sc.district_code
        WHERE s.is_current
          AND s.period = ANY (p_periods)
          AND sc.active
          AND (p_run_id IS NULL AND p_pair_periods IS NULL OR k.period IS NOT NULL)
    ),
    median AS (
        SELECT c.grp,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.enrolled_total)) AS enrolled_total,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.enrolled_grade4_up)) AS enrolled_grade4_up,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.classes_total)) AS classes_total,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.staff_psych_fulltime)) AS staff_psych_fulltime,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.staff_psych_parttime)) AS staff_psych_parttime,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.staff_psych_fulltime_degree)) AS staff_psych_fulltime_degree,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.staff_psych_cert_a)) AS staff_psych_cert_a,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.staff_parttime_3yr_head)) AS staff_parttime_3yr_head,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.staff_head_teachers)) AS staff_head_teachers,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.staff_head_teachers_cert_b)) AS staff_head_teachers_cert_b,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.staff_subject_teachers)) AS staff_subject_teachers,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.staff_subject_teachers_cert_c)) AS staff_subject_teachers_cert_c,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.funding_psych_yuan::double precision) AS funding_psych_yuan,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.curriculum_theme_meetings)) AS curriculum_theme_meetings,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.curriculum_special_activities)) AS curriculum_special_activities,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.counseling_open_hours_per_week::numeric::double precision) AS counseling_open_hours_per_week,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.counseling_individual_sessions)) AS counseling_individual_sessions,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.counseling_group_sessions)) AS counseling_group_sessions,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.counseling_group_participants)) AS counseling_group_participants,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.screening_students_screened)) AS screening_students_screened,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.screening_students_flagged)) AS screening_students_flagged,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.screening_archives)) AS screening_archives,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.care_left_behind)) AS care_left_behind,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.care_single_parent)) AS care_single_parent,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.care_special_needs)) AS care_special_needs,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.home_school_parent_trainings)) AS home_school_parent_trainings,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.home_school_psych_parent_trainings)) AS home_school_psych_parent_trainings,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.home_school_parent_attendees)) AS home_school_parent_attendees,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.home_school_home_visit_rate::numeric::double precision) AS home_school_home_visit_rate,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.training_all_staff_sessions)) AS training_all_staff_sessions,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.training_hours_psych_and_head::numeric::double precision) AS training_hours_psych_and_head,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.crisis_incidents)) AS crisis_incidents,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.crisis_referrals)) AS crisis_referrals,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.research_city_awards)) AS research_city_awards,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.research_papers)) AS research_papers,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.research_books)) AS research_books,
               xinyu.middle(percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY c.research_years_of_practice)) AS research_years_of_practice
        FROM cur c
        GROUP BY c.grp
    ),
    outlier AS (
        SELECT 'district_median' AS kind, 1 AS kind_ord, c.period, c.district_code, c.school_code,
               v.field, v.path, v.value, v.median::numeric AS reference,
               v.fvalue / v.median AS ratio
        FROM cur c
        JOIN median m ON m.grp = c.grp
        CROSS JOIN LATERAL (VALUES
            ('enrolled_total', 'enrollment.by_grade', c.enrolled_total::numeric, c.enrolled_total::double precision, m.enrolled_total),
            ('enrolled_grade4_up', 'enrollment.by_grade (4-12)', c.enrolled_grade4_up::numeric, c.enrolled_grade4_up::double precision, m.enrolled_grade4_up),
            ('classes_total', 'classes.by_grade', c.classes_total::numeric, c.classes_total::double precision, m.classes_total),
            ('staff_psych_fulltime', 'staff.psych_fulltime', c.staff_psych_fulltime::numeric, c.staff_psych_fulltime::double precision, m.staff_psych_fulltime),
            ('staff_psych_parttime', 'staff.psych_parttime', c.staff_psych_parttime::numeric, c.staff_psych_parttime::double precision, m.staff_psych_parttime),
            ('staff_psych_fulltime_degree', 'staff.psych_fulltime_degree', c.staff_psych_fulltime_degree::numeric, c.staff_psych_fulltime_degree::double precision, m.staff_psych_fulltime_degree),
            ('staff_psych_cert_a', 'staff.psych_cert_a', c.staff_psych_cert_a::numeric, c.staff_psych_cert_a::double precision, m.staff_psych_cert_a),
            ('staff_parttime_3yr_head', 'staff.parttime_3yr_head', c.staff_parttime_3yr_head::numeric, c.staff_parttime_3yr_head::double precision, m.staff_parttime_3yr_head),
            ('staff_head_teachers', 'staff.head_teachers', c.staff_head_teachers::numeric, c.staff_head_teachers::double precision, m.staff_head_teachers),
            ('staff_head_teachers_cert_b', 'staff.head_teachers_cert_b', c.staff_head_teachers_cert_b::numeric, c.staff_head_teachers_cert_b::double precision, m.staff_head_teachers_cert_b),
            ('staff_subject_teachers', 'staff.subject_teachers', c.staff_subject_teachers::numeric, c.staff_subject_teachers::double precision, m.staff_subject_teachers),
            ('staff_subject_teachers_cert_c', 'staff.subject_teachers_cert_c', c.staff_subject_teachers_cert_c::numeric, c.staff_subject_teachers_cert_c::double precision, m.staff_subject_teachers_cert_c),
            ('funding_psych_yuan', 'funding.psych_yuan', c.funding_psych_yuan::numeric, c.funding_psych_yuan::double precision, m.funding_psych_yuan),
            ('curriculum_theme_meetings', 'curriculum.theme_meetings', c.curriculum_theme_meetings::numeric, c.curriculum_theme_meetings::double precision, m.curriculum_theme_meetings),
            ('curriculum_special_activities', 'curriculum.special_activities', c.curriculum_special_activities::numeric, c.curriculum_special_activities::double precision, m.curriculum_special_activities),
            ('counseling_open_hours_per_week', 'counseling.open_hours_per_week', c.counseling_open_hours_per_week::numeric, c.counseling_open_hours_per_week::double precision, m.counseling_open_hours_per_week),
            ('counseling_individual_sessions', 'counseling.individual_sessions', c.counseling_individual_sessions::numeric, c.counseling_individual_sessions::double precision, m.counseling_individual_sessions),
            ('counseling_group_sessions', 'counseling.group_sessions', c.counseling_group_sessions::numeric, c.counseling_group_sessions::double precision, m.counseling_group_sessions),
            ('counseling_group_participants', 'counseling.group_participants', c.counseling_group_participants::numeric, c.counseling_group_participants::double precision, m.counseling_group_participants),
            ('screening_students_screened', 'screening.students_screened', c.screening_students_screened::numeric, c.screening_students_screened::double precision, m.screening_students_screened),
            ('screening_students_flagged', 'screening.students_flagged', c.screening_students_flagged::numeric, c.screening_students_flagged::double precision, m.screening_students_flagged),
            ('screening_archives', 'screening.archives', c.screening_archives::numeric, c.screening_archives::double precision, m.screening_archives),
            ('care_left_behind', 'care.left_behind', c.care_left_behind::numeric, c.care_left_behind::double precision, m.care_left_behind),
            ('care_single_parent', 'care.single_parent', c.care_single_parent::numeric, c.care_single_parent::double precision, m.care_single_parent),
            ('care_special_needs', 'care.special_needs', c.care_special_needs::numeric, c.care_special_needs::double precision, m.care_special_needs),
            ('home_school_parent_trainings', 'home_school.parent_trainings', c.home_school_parent_trainings::numeric, c.home_school_parent_trainings::double precision, m.home_school_parent_trainings),
            ('home_school_psych_parent_trainings', 'home_school.psych_parent_trainings', c.home_school_psych_parent_trainings::numeric, c.home_school_psych_parent_trainings::double precision, m.home_school_psych_parent_trainings),
            ('home_school_parent_attendees', 'home_school.parent_attendees', c.home_school_parent_attendees::numeric, c.home_school_parent_attendees::double precision, m.home_school_parent_attendees),
            ('home_school_home_visit_rate', 'home_school.home_visit_rate', c.home_school_home_visit_rate::numeric, c.home_school_home_visit_rate::double precision, m.home_school_home_visit_rate),
            ('training_all_staff_sessions', 'training.all_staff_sessions', c.training_all_staff_sessions::numeric, c.training_all_staff_sessions::double precision, m.training_all_staff_sessions),
            ('training_hours_psych_and_head', 'training.hours_psych_and_head', c.training_hours_psych_and_head::numeric, c.training_hours_psych_and_head::double precision, m.training_hours_psych_and_head),
            ('crisis_incidents', 'crisis.incidents', c.crisis_incidents::numeric, c.crisis_incidents::double precision, m.crisis_incidents),
            ('crisis_referrals', 'crisis.referrals', c.crisis_referrals::numeric, c.crisis_referrals::double precision, m.crisis_referrals),
            ('research_city_awards', 'research.city_awards', c.research_city_awards::numeric, c.research_city_awards::double precision, m.research_city_awards),
            ('research_papers', 'research.papers', c.research_papers::numeric, c.research_papers::double precision, m.research_papers),
            ('research_books', 'research.books', c.research_books::numeric, c.research_books::double precision, m.research_books),
            ('research_years_of_practice', 'research.years_of_practice', c.research_years_of_practice::numeric, c.research_years_of_practice::double precision, m.research_years_of_practice)
        ) AS v(field, path, value, fvalue, median)
        -- only the submissions with a value over about ten times its median are unpivoted (NULL
        -- ratios, those of a median of 0 or of no value, are ignored by greatest)
        WHERE greatest(
                  c.enrolled_total / nullif(m.enrolled_total, 0),
                  c.enrolled_grade4_up / nullif(m.enrolled_grade4_up, 0),
                  c.classes_total / nullif(m.classes_total, 0),
                  c.staff_psych_fulltime / nullif(m.staff_psych_fulltime, 0),
                  c.staff_psych_parttime / nullif(m.staff_psych_parttime, 0),
                  c.staff_psych_fulltime_degree / nullif(m.staff_psych_fulltime_degree, 0),
                  c.staff_psych_cert_a / nullif(m.staff_psych_cert_a, 0),
                  c.staff_parttime_3yr_head / nullif(m.staff_parttime_3yr_head, 0),
                  c.staff_head_teachers / nullif(m.staff_head_teachers, 0),
                  c.staff_head_teachers_cert_b / nullif(m.staff_head_teachers_cert_b, 0),
                  c.staff_subject_teachers / nullif(m.staff_subject_teachers, 0),
                  c.staff_subject_teachers_cert_c / nullif(m.staff_subject_teachers_cert_c, 0),
                  c.funding_psych_yuan / nullif(m.funding_psych_yuan, 0),
                  c.curriculum_theme_meetings / nullif(m.curriculum_theme_meetings, 0),
                  c.curriculum_special_activities / nullif(m.curriculum_special_activities, 0),
                  c.counseling_open_hours_per_week / nullif(m.counseling_open_hours_per_week, 0),
                  c.counseling_individual_sessions / nullif(m.counseling_individual_sessions, 0),
                  c.counseling_group_sessions / nullif(m.counseling_group_sessions, 0),
                  c.counseling_group_participants / nullif(m.counseling_group_participants, 0),
                  c.screening_students_screened / nullif(m.screening_students_screened, 0),
                  c.screening_students_flagged / nullif(m.screening_students_flagged, 0),
                  c.screening_archives / nullif(m.screening_archives, 0),
                  c.care_left_behind / nullif(m.care_left_behind, 0),
                  c.care_single_parent / nullif(m.care_single_parent, 0),
                  c.care_special_needs / nullif(m.care_special_needs, 0),
                  c.home_school_parent_trainings / nullif(m.home_school_parent_trainings, 0),
                  c.home_school_psych_parent_trainings / nullif(m.home_school_psych_parent_trainings, 0),
                  c.home_school_parent_attendees / nullif(m.home_school_parent_attendees, 0),
                  c.home_school_home_visit_rate / nullif(m.home_school_home_visit_rate, 0),
                  c.training_all_staff_sessions / nullif(m.training_all_staff_sessions, 0),
                  c.training_hours_psych_and_head / nullif(m.training_hours_psych_and_head, 0),
                  c.crisis_incidents / nullif(m.crisis_incidents, 0),
                  c.crisis_referrals / nullif(m.crisis_referrals, 0),
                  c.research_city_awards / nullif(m.research_city_awards, 0),
                  c.research_papers / nullif(m.research_papers, 0),
                  c.research_books / nullif(m.research_books, 0),
                  c.research_years_of_practice / nullif(m.research_years_of_practice, 0)) > 9.99
          AND v.median > 0
          AND v.fvalue > 10 * v.median
          AND (p_run_id IS NULL OR c.run_id = p_run_id)
        UNION ALL
        SELECT 'term_change', 2, c.period, c.district_code, c.school_code, v.field, v.path,
               v.value::numeric, v.prev::numeric, (v.value::numeric / v.prev)::double precision
        FROM cur c
        JOIN xinyu.submission p
          ON p.school_code = c.school_code
             AND p.period = v_previous[array_position(v_terms, c.period)] AND p.is_current
             -- only the previous terms' submissions are hashed, not all of every term
             AND p.period = ANY (v_previous)
        CROSS JOIN LATERAL (VALUES
            ('enrolled_total', 'enrollment.by_grade', c.enrolled_total, p.enrolled_total),
            ('enrolled_grade4_up', 'enrollment.by_grade (4-12)', c.enrolled_grade4_up, p.enrolled_grade4_up),
            ('classes_total', 'classes.by_grade', c.classes_total, p.classes_total),
            ('staff_head_teachers', 'staff.head_teachers', c.staff_head_teachers, p.staff_head_teachers),
            ('staff_subject_teachers', 'staff.subject_teachers', c.staff_subject_teachers, p.staff_subject_teachers)
        ) AS v(field, path, value, prev)
        WHERE xinyu.changed_threefold(v.value, v.prev)
          AND (p_run_id IS NULL OR c.run_id = p_run_id)
          -- the same test on the submission's columns first, so that only the submissions
          -- with a change are unpivoted (about one in a thousand: the VALUES list for every
          -- one of them was a quarter of the whole)
          AND (xinyu.changed_threefold(c.enrolled_total, p.enrolled_total)
               OR xinyu.changed_threefold(c.enrolled_grade4_up, p.enrolled_grade4_up)
               OR xinyu.changed_threefold(c.classes_total, p.classes_total)
               OR xinyu.changed_threefold(c.staff_head_teachers, p.staff_head_teachers)
               OR xinyu.changed_threefold(c.staff_subject_teachers, p.staff_subject_teachers))
    )
    SELECT o.kind, o.period, o.district_code, d.district_name, o.school_code, sc.school_name,
           o.field, o.path, o.value, o.reference, o.ratio
    FROM outlier o
    JOIN xinyu.school sc ON sc.school_code = o.school_code
    JOIN xinyu.district d ON d.district_code = o.district_code
    -- term, district and school in byte order (the order of the other lists, for their fixed formats of
    -- digits), which the feedback letters rely on to read this list alongside others
    ORDER BY o.period COLLATE "C", o.district_code COLLATE "C", o.school_code COLLATE "C", o.kind_ord,
             o.field;
END
$$;

COMMENT ON FUNCTION xinyu.quality_outliers(text[], bigint, text[], text[]) IS
    'Of the given terms and districts, of a run or of the whole scope: values more than 10x the district median of the term, or pupils, classes or teachers changed more than 3x from a previous term''s value of at least 10 (SUBMISSION.md section 3).';

GRANT EXECUTE ON FUNCTION xinyu.deadline_cutoff(date), xinyu.local_rfc3339(timestamptz),
    xinyu.previous_period(text), xinyu.term_key(text), xinyu.quality_terms(text[], date[], boolean),
    xinyu.quality_not_reported(text[], text[], text[]),
    xinyu.late_current(text[], date[], text[], text[]),
    xinyu.quality_late(text[], date[], boolean),
    xinyu.quality_rejections(text[], bigint, boolean),
    xinyu.quality_warnings(text[], bigint, boolean),
    xinyu.quality_outliers(text[], bigint, text[], text[]),
    xinyu.changed_threefold(integer, integer), xinyu.middle(integer[]) TO xinyu_report;
