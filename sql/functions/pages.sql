-- pages.sql: what the quality page and the school pages read besides the quality lists
-- (report/report_quality_html.c, report/report_school.c):
--
--   xinyu.quality_reporting_by_day(periods, deadlines[, kept])  per term, district and city:
--       how many active schools had reported, and reported on time, by the end of each day
--   xinyu.reporting_days(periods, deadlines[, pairs])    the same per district and day, not summed
--   xinyu.reporting_days_refresh(periods, deadlines)     brings the nightly run's kept days up
--       to date (029)
--   xinyu.school_page_schools(codes)                   the registry's entry of each school
--   xinyu.school_page_values(codes, periods)            the current submission of each school
--       and term, its values as one jsonb object keyed by column
--   xinyu.school_page_versions(codes, periods)          every version a school sent, loaded or
--       rejected, one row per reason (a version without reasons: one row, seq NULL)
--   xinyu.school_page_audit(codes, periods, deadlines, params)  the audit rows of the schools
--
-- periods NULL means every term. Set-based, with the report role's rights; read-only but for
-- reporting_days_refresh, which writes the kept days.

-- The terms of a scope, each with its deadline: a term listed twice takes its first deadline,
-- as in quality_terms; a NULL among the terms is no term; fewer deadlines than terms leave the
-- last without one.
CREATE OR REPLACE FUNCTION xinyu.term_deadlines(p_periods text[], p_deadlines date[])
RETURNS TABLE (
    period text,
    deadline date
)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT DISTINCT ON (t.period) t.period, t.deadline
FROM unnest(p_periods, p_deadlines) WITH ORDINALITY AS t(period, deadline, ord)
WHERE t.period IS NOT NULL
ORDER BY t.period, t.ord
$$;

-- Per term of the scope and district of the registry, per day (UTC+8) on which a count
-- changed: reported, the active schools whose first accepted version of the term was made that
-- day (all versions, superseded ones too: it was in the bureau's hands); on_time, those whose
-- accepted (current) version was made that day and by the deadline, the rule of on_time_rate
-- (none when the deadline is unknown). A term listed twice takes its first deadline. With
-- p_pair_periods and p_pair_districts, of those terms and districts only (the nightly run's
-- refresh, xinyu.reporting_days_refresh); their schools are found through the registry and their
-- submissions by index. Without, of every district: the versions are rolled up per school
-- before the registry is joined (a fifth of the rows to look up), the current ones read once
-- and the few superseded ones grouped apart.
CREATE OR REPLACE FUNCTION xinyu.reporting_days(p_periods text[], p_deadlines date[],
                                                p_pair_periods text[] DEFAULT NULL,
                                                p_pair_districts text[] DEFAULT NULL)
RETURNS TABLE (
    period text,
    district_code text,
    day date,
    reported bigint,
    on_time bigint
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH current_all AS (
    SELECT s.period, s.school_code, s.submitted_at
    FROM xinyu.submission s
    WHERE p_pair_periods IS NULL AND s.is_current AND s.period = ANY (p_periods)
),
older_all AS (
    SELECT s.period, s.school_code, min(s.submitted_at) AS first_at
    FROM xinyu.submission s
    WHERE p_pair_periods IS NULL AND NOT s.is_current AND s.period = ANY (p_periods)
    GROUP BY s.period, s.school_code
),
per_school AS (
    -- a school's first version, and its current one (none when every version was superseded)
    SELECT coalesce(c.period, o.period) AS period, coalesce(c.school_code, o.school_code) AS school_code,
           least(c.submitted_at, o.first_at) AS first_at, c.submitted_at AS current_at
    FROM current_all c
    FULL JOIN older_all o ON o.period = c.period AND o.school_code = c.school_code
    UNION ALL
    SELECT x.period, sc.school_code, min(s.submitted_at),
           max(s.submitted_at) FILTER (WHERE s.is_current)
    FROM unnest(p_pair_periods, p_pair_districts) AS x(period, district_code)
    JOIN xinyu.school sc ON sc.district_code = x.district_code AND sc.active
    JOIN xinyu.submission s ON s.school_code = sc.school_code AND s.period = x.period
    WHERE x.period = ANY (p_periods)
    GROUP BY x.period, sc.school_code
),
days AS (
    SELECT p.period, sc.district_code,
           (p.first_at AT TIME ZONE INTERVAL '+08:00')::date AS first_day,
           (p.current_at AT TIME ZONE INTERVAL '+08:00')::date AS current_day,
           -- the term's first deadline (a join on the terms would hide from the planner how
           -- many rows come, and it would look each school up by index)
           p_deadlines[array_position(p_periods, p.period)] AS deadline
    FROM per_school p
    JOIN xinyu.school sc ON sc.school_code = p.school_code AND sc.active
),
per_day AS (
    SELECT x.period, x.district_code, x.first_day AS day, count(*) AS reported, 0 AS on_time
    FROM days x
    GROUP BY x.period, x.district_code, x.first_day
    UNION ALL
    SELECT x.period, x.district_code, x.current_day, 0, count(*)
    FROM days x
    WHERE x.current_day <= x.deadline
    GROUP BY x.period, x.district_code, x.current_day
)
SELECT e.period, e.district_code, e.day, sum(e.reported)::bigint, sum(e.on_time)::bigint
FROM per_day e
GROUP BY e.period, e.district_code, e.day
$$;

-- Brings the kept days (xinyu.reporting_days_kept, 029) of the terms of p_periods up to date
-- in the caller's snapshot. A term kept with the same deadline and rules (the text of
-- xinyu.reporting_days) follows the log of changes (xinyu.changes_since, 030): its districts
-- of the schools whose versions of the term changed, and those of the schools whose registry
-- entry changed (before and after) that have a version of the term, are computed again; the
-- whole term when that is most of its districts, or when it was never kept, its deadline or
-- the rules changed, or the log no longer holds what it has not seen. Returns how many terms
-- and districts it computed. The nightly run calls it, under the run lock, before it reads
-- the chart with p_kept.
CREATE OR REPLACE FUNCTION xinyu.reporting_days_refresh(p_periods text[], p_deadlines date[])
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_now pg_snapshot := xinyu.change_snapshot();
    v_rules text;
    v_whole text[];      -- the terms computed whole, with their deadlines
    v_whole_deadlines date[];
    v_periods text[];    -- the terms and districts computed of the others
    v_districts text[];
    v_terms text[];      -- their terms, when computed whole
    v_terms_deadlines date[];
    v_kept bigint;
    v_before text[];
    v_count integer := 0;
BEGIN
    v_rules := xinyu.kept_rules(
        ARRAY['xinyu.reporting_days(text[], date[], text[], text[])'::regprocedure]);

    SELECT array_agg(c.period), array_agg(c.district_code) INTO v_periods, v_districts
    FROM (
        SELECT DISTINCT x.term AS period, coalesce(x.district_code, sc.district_code) AS district_code
        FROM xinyu.kept_terms_changes('days', p_periods, p_deadlines, v_rules) x
        LEFT JOIN xinyu.school sc ON sc.school_code = x.school_code AND x.period IS NOT NULL
        WHERE x.period = x.term
           OR x.period IS NULL AND EXISTS (SELECT FROM xinyu.submission s
                                           WHERE s.school_code = x.school_code
                                             AND s.period = x.term)
    ) c
    WHERE c.district_code IS NOT NULL;

    -- the terms that cannot follow the log, computed whole
    SELECT array_agg(w.period), array_agg(w.deadline) INTO v_whole, v_whole_deadlines
    FROM xinyu.kept_terms_whole('days', p_periods, p_deadlines, v_rules) w;
    IF v_whole IS NOT NULL THEN
        -- counted: the terms and districts kept before or now
        SELECT array_agg(DISTINCT concat_ws(' ', k.period, k.district_code)) INTO v_before
        FROM xinyu.reporting_days_kept k
        WHERE k.period = ANY (v_whole);
        DELETE FROM xinyu.reporting_days_kept k WHERE k.period = ANY (v_whole);
        INSERT INTO xinyu.reporting_days_kept (period, district_code, day, reported, on_time)
        SELECT r.period, r.district_code, r.day, r.reported, r.on_time
        FROM xinyu.reporting_days(v_whole, v_whole_deadlines) r;
        SELECT count(*) INTO v_count
        FROM (SELECT unnest(v_before)
              UNION
              SELECT concat_ws(' ', k.period, k.district_code) FROM xinyu.reporting_days_kept k
              WHERE k.period = ANY (v_whole)) x;
    END IF;

    IF v_periods IS NOT NULL THEN
        v_count := v_count + cardinality(v_periods);
        SELECT count(DISTINCT (k.period, k.district_code)) INTO v_kept
        FROM xinyu.reporting_days_kept k
        WHERE k.period = ANY (v_periods);
        IF cardinality(v_periods) * 4 > v_kept THEN
            -- most of their districts (a first night after a load, a new term): the terms
            -- at once, cheaper than as pairs
            SELECT array_agg(t.period), array_agg(t.deadline) INTO v_terms, v_terms_deadlines
            FROM xinyu.term_deadlines(p_periods, p_deadlines) t
            WHERE t.period = ANY (v_periods);
            DELETE FROM xinyu.reporting_days_kept k WHERE k.period = ANY (v_terms);
            INSERT INTO xinyu.reporting_days_kept (period, district_code, day, reported, on_time)
            SELECT r.period, r.district_code, r.day, r.reported, r.on_time
            FROM xinyu.reporting_days(v_terms, v_terms_deadlines) r;
        ELSE
            DELETE FROM xinyu.reporting_days_kept k
            USING unnest(v_periods, v_districts) AS x(period, district_code)
            WHERE k.period = x.period AND k.district_code = x.district_code;
            INSERT INTO xinyu.reporting_days_kept (period, district_code, day, reported, on_time)
            SELECT r.period, r.district_code, r.day, r.reported, r.on_time
            FROM xinyu.reporting_days(p_periods, p_deadlines, v_periods, v_districts) r;
        END IF;
    END IF;

    PERFORM xinyu.kept_terms_mark('days', p_periods, p_deadlines, v_rules, v_now);
    RETURN v_count;
END
$$;

-- Per term of the scope, per district of the registry and city-wide (district_code NULL), the
-- days on which a count changed, with the counts at the end of that day (UTC+8):
-- schools_reported and schools_on_time (NULL when the deadline is unknown) summed over the
-- days of xinyu.reporting_days up to that one. At the last day they are the term's reported and
-- reported-minus-late counts of xinyu.quality_terms. A district or city with no submission of
-- the term has one row, day NULL, counts 0, so that its active schools are known. With p_kept,
-- the days are those the nightly run has just brought up to date (xinyu.reporting_days_refresh)
-- in the same transaction, with the same deadlines.
DROP FUNCTION IF EXISTS xinyu.quality_reporting_by_day(text[], date[]);
CREATE OR REPLACE FUNCTION xinyu.quality_reporting_by_day(p_periods text[], p_deadlines date[],
                                                          p_kept boolean DEFAULT false)
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
    SELECT t.period, t.deadline FROM xinyu.term_deadlines(p_periods, p_deadlines) t
),
active AS (
    SELECT sc.district_code, count(*) AS schools_active, grouping(sc.district_code) AS city
    FROM xinyu.school sc
    WHERE sc.active
    GROUP BY ROLLUP (sc.district_code)
),
days AS (
    SELECT r.period, r.district_code, r.day, r.reported, r.on_time
    FROM xinyu.reporting_days(p_periods, p_deadlines) r
    WHERE NOT p_kept
    UNION ALL
    SELECT k.period, k.district_code, k.day, k.reported, k.on_time
    FROM xinyu.reporting_days_kept k
    WHERE p_kept AND k.period IN (SELECT term.period FROM term)
),
daily AS (
    -- per district, and city-wide from the districts' days (a few thousand rows, not one per
    -- school)
    SELECT e.period, e.district_code, e.day, grouping(e.district_code) AS city,
           sum(e.reported) AS reported, sum(e.on_time) AS on_time
    FROM days e
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
-- pages costs what its schools' submissions cost, not the city's. Ordered by the clauses'
-- places, not the audit's own order (WITH ORDINALITY): the planner then inlines the audit
-- into the caller's statement, which is planned with p_codes' value and looks its schools up
-- by index; a plan of the audit's own, made without it, read every submission (40 ms of the
-- pages of a night at 10,000 schools).
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
FROM xinyu.audit_rows(p_periods, p_deadlines, p_params, p_codes) a
ORDER BY a.school_code COLLATE "C", a.clause_order
$$;

GRANT EXECUTE ON FUNCTION xinyu.quality_reporting_by_day(text[], date[], boolean),
    xinyu.term_deadlines(text[], date[]), xinyu.reporting_days(text[], date[], text[], text[]),
    xinyu.reporting_days_refresh(text[], date[]),
    xinyu.school_page_schools(text[]),
    xinyu.school_page_values(text[], text[]), xinyu.school_page_versions(text[], text[]),
    xinyu.school_page_audit(text[], text[], date[], jsonb) TO xinyu_report;
