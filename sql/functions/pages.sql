-- pages.sql: what the quality page and the school pages read besides the quality lists
-- (report/report_quality_html.c, report/report_school.c):
--
--   xinyu.quality_reporting_by_day(periods, deadlines)  per term, district and city: how many
--       active schools had reported, and reported on time, by the end of each day
--   xinyu.school_page_schools(codes)                   the registry's entry of each school
--   xinyu.school_page_values(codes, periods)            the current submission of each school
--       and term, its values as one jsonb object keyed by column
--   xinyu.school_page_versions(codes, periods)          every version a school sent, loaded or
--       rejected, one row per reason (a version without reasons: one row, seq NULL)
--   xinyu.school_page_audit(codes, periods, deadlines, params)  the audit rows of the schools
--
-- periods NULL means every term. Set-based and read-only, with the report role's rights.

-- Per term of the scope, per district of the registry and city-wide (district_code NULL), the
-- days on which a count changed, with the counts at the end of that day (UTC+8):
-- schools_reported, the active schools whose first accepted version of the term was submitted
-- by then (all versions, superseded ones too: it was in the bureau's hands); schools_on_time,
-- those whose accepted (current) version was submitted by then and by the deadline, the rule
-- of on_time_rate (NULL when the deadline is unknown). At the last day they are the term's
-- reported and reported-minus-late counts of xinyu.quality_terms. A district or city with no
-- submission of the term has one row, day NULL, counts 0, so that its active schools are known.
CREATE OR REPLACE FUNCTION xinyu.quality_reporting_by_day(p_periods text[], p_deadlines date[])
RETURNS TABLE (
    period text,
    deadline date,
    district_code text,
    district_name text,
    day date,
    schools_active bigint,
    schools_reported bigint,
    schools_on_time bigint
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH term AS (
    -- a term listed twice takes its first deadline, as in quality_terms
    SELECT DISTINCT ON (t.period) t.period, t.deadline
    FROM unnest(p_periods, p_deadlines) WITH ORDINALITY AS t(period, deadline, ord)
    WHERE t.period IS NOT NULL
    ORDER BY t.period, t.ord
),
active AS (
    SELECT sc.district_code, count(*) AS schools_active, grouping(sc.district_code) AS city
    FROM xinyu.school sc
    WHERE sc.active
    GROUP BY ROLLUP (sc.district_code)
),
-- per school and term, rolled up from the submissions alone before the registry is joined
-- (a fifth of the rows to look up), the instants made days once per school
per_school AS (
    SELECT s.period, s.school_code, min(s.submitted_at) AS first_at,
           max(s.submitted_at) FILTER (WHERE s.is_current) AS current_at
    FROM xinyu.submission s
    WHERE s.period = ANY (p_periods)
    GROUP BY s.period, s.school_code
),
days AS (
    -- the active schools' first and current days in UTC+8, with their district; on time is a
    -- current day on or before the deadline, the term's first in the scope's (a day on or
    -- before it is before the cutoff, xinyu.deadline_cutoff)
    SELECT p.period, sc.district_code,
           (p.first_at AT TIME ZONE INTERVAL '+08:00')::date AS first_day,
           (p.current_at AT TIME ZONE INTERVAL '+08:00')::date AS current_day,
           p_deadlines[array_position(p_periods, p.period)] AS deadline
    FROM per_school p
    JOIN xinyu.school sc ON sc.school_code = p.school_code AND sc.active
),
per_day AS (
    -- counted per district and day: the first days, and the current days on time
    SELECT x.period, x.district_code, x.first_day AS day, count(*) AS reported, 0 AS on_time
    FROM days x
    GROUP BY x.period, x.district_code, x.first_day
    UNION ALL
    SELECT x.period, x.district_code, x.current_day, 0, count(*)
    FROM days x
    WHERE x.current_day <= x.deadline
    GROUP BY x.period, x.district_code, x.current_day
),
daily AS (
    -- per district, and city-wide from the districts' days (a few thousand rows, not one per
    -- school)
    SELECT e.period, e.district_code, e.day, grouping(e.district_code) AS city,
           sum(e.reported) AS reported, sum(e.on_time) AS on_time
    FROM per_day e
    GROUP BY GROUPING SETS ((e.period, e.district_code, e.day), (e.period, e.day))
)
SELECT term.period, term.deadline, a.district_code, d.district_name, dy.day, a.schools_active,
       coalesce(sum(dy.reported) OVER w, 0)::bigint,
       CASE WHEN term.deadline IS NOT NULL THEN coalesce(sum(dy.on_time) OVER w, 0)::bigint END
FROM term
CROSS JOIN active a
LEFT JOIN xinyu.district d ON d.district_code = a.district_code
-- coalesce: the city's row has no district, and a join on a plain equality can be hashed
LEFT JOIN daily dy ON dy.period = term.period AND dy.city = a.city
                  AND coalesce(dy.district_code, '') = coalesce(a.district_code, '')
WINDOW w AS (PARTITION BY term.period, a.district_code ORDER BY dy.day)
ORDER BY term.period COLLATE "C", a.district_code COLLATE "C" NULLS FIRST, dy.day
$$;

-- The registry's entry of each school of p_codes that it knows, in byte order of the codes.
CREATE OR REPLACE FUNCTION xinyu.school_page_schools(p_codes text[])
RETURNS TABLE (
    school_code text,
    school_name text,
    district_code text,
    district_name text,
    school_type text,
    active boolean
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT sc.school_code, sc.school_name, sc.district_code, d.district_name, sc.school_type, sc.active
FROM xinyu.school sc
JOIN xinyu.district d ON d.district_code = sc.district_code
WHERE sc.school_code = ANY (p_codes)
ORDER BY sc.school_code COLLATE "C"
$$;

-- The current submission of each school of p_codes and term (every term with p_periods NULL),
-- in the order of school and term: when it was made and received, whether after the term's
-- deadline is for the caller to say (it knows the deadlines), and every value of the
-- submission row but its keys and bookkeeping as one jsonb object keyed by column name
-- (staff_psych_fulltime, grade_enrolled, ...), NULLs kept: the page names each by its label.
CREATE OR REPLACE FUNCTION xinyu.school_page_values(p_codes text[], p_periods text[])
RETURNS TABLE (
    school_code text,
    period text,
    raw_id bigint,
    submitted_at text,
    received_at text,
    "values" jsonb
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT s.school_code, s.period, s.raw_id, xinyu.local_rfc3339(s.submitted_at),
       xinyu.local_rfc3339(s.received_at),
       to_jsonb(s) - ARRAY['submission_id', 'raw_id', 'school_code', 'district_code', 'period',
                           'submitted_at', 'received_at', 'run_id', 'is_current',
                           'school_name_reported', 'district_code_reported', 'lessons_reported',
                           'received_seq', 'received_item']
FROM xinyu.submission s
WHERE s.school_code = ANY (p_codes)
  AND s.is_current
  AND (p_periods IS NULL OR s.period = ANY (p_periods))
ORDER BY s.school_code COLLATE "C", s.period COLLATE "C"
$$;

-- Every version a school of p_codes sent for a term (every term with p_periods NULL, and then
-- also those whose term could not be read), loaded or rejected: state 'current', 'superseded'
-- or 'rejected', with each of its reasons and warnings (message_zh as the catalogue wrote it,
-- NULL for reasons stored before it), one row per reason; a version without any has one row
-- with seq NULL. Ordered by school, term, then as received.
CREATE OR REPLACE FUNCTION xinyu.school_page_versions(p_codes text[], p_periods text[])
RETURNS TABLE (
    school_code text,
    period text,
    raw_id bigint,
    received_at text,
    submitted_at text,
    source text,
    ref text,
    state text,
    severity text,
    seq integer,
    code text,
    path text,
    message text,
    message_zh text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r.school_code, r.period, r.raw_id, xinyu.local_rfc3339(r.received_at),
       xinyu.local_rfc3339(s.submitted_at), r.source, r.ref,
       CASE WHEN s.raw_id IS NULL THEN 'rejected'
            WHEN s.is_current THEN 'current' ELSE 'superseded' END,
       i.severity, i.seq, i.code, i.path, i.message, i.message_zh
FROM xinyu.raw_submission r
LEFT JOIN xinyu.submission s ON s.raw_id = r.raw_id
LEFT JOIN xinyu.submission_issue i ON i.raw_id = r.raw_id
WHERE r.school_code = ANY (p_codes)
  AND (p_periods IS NULL OR r.period = ANY (p_periods))
  -- a raw submission is either loaded or rejected; one that is neither (an item still being
  -- read, nothing stored of it) is not a version yet
  AND (s.raw_id IS NOT NULL OR i.severity = 'reject'
       OR EXISTS (SELECT FROM xinyu.submission_issue x WHERE x.raw_id = r.raw_id AND x.severity = 'reject'))
ORDER BY r.school_code COLLATE "C", r.period COLLATE "C" NULLS LAST, r.raw_id, i.seq
$$;

-- The audit of the schools of p_codes for the review year whose terms, deadlines and
-- parameters are given (as xinyu.audit_rows takes them), in its order of clauses. The audit
-- is made for those schools alone (its clauses compare nothing across schools), so a batch of
-- pages costs what its schools' submissions cost, not the city's.
CREATE OR REPLACE FUNCTION xinyu.school_page_audit(p_codes text[], p_periods text[],
                                                   p_deadlines date[], p_params jsonb)
RETURNS TABLE (
    school_code text,
    clause text,
    result text,
    detail_zh text,
    detail_en text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT a.school_code, a.clause, a.result, a.detail_zh, a.detail_en
FROM xinyu.audit_rows(p_periods, p_deadlines, p_params, p_codes) WITH ORDINALITY AS a
ORDER BY a.school_code COLLATE "C", a.ordinality
$$;

GRANT EXECUTE ON FUNCTION xinyu.quality_reporting_by_day(text[], date[]),
    xinyu.school_page_schools(text[]),
    xinyu.school_page_values(text[], text[]), xinyu.school_page_versions(text[], text[]),
    xinyu.school_page_audit(text[], text[], date[], jsonb) TO xinyu_report;
