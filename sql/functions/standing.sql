-- standing.sql: the standing state of a scope's quality lists - every problem still open
-- (and every rejection, resolved or not), each with when Xinyu first saw it - and what a
-- run saw first (its own section):
--
--   xinyu.standing_record(periods, deadlines, run_id)   records the schools not reported, the
--                                                       late versions and the outliers the
--                                                       nightly run's report lists first
--   xinyu.standing_not_reported(periods[, kept])        quality_not_reported + first seen
--   xinyu.standing_late(periods, deadlines[, kept])     quality_late + first seen
--   xinyu.standing_refresh(periods, deadlines)          brings the kept ones up to date (031)
--   xinyu.standing_rejections(periods, run_id)          quality_rejections + resolved when and
--                                                       by what + first seen + message_zh
--   xinyu.standing_warnings(periods, run_id)            quality_warnings + first seen + message_zh
--   xinyu.standing_outliers(periods, run_id[, kept])    quality_outliers + first seen, or
--                                                       the outliers the nightly run keeps
--   xinyu.outliers_refresh(periods)                     brings those up to date (023)
--   xinyu.quality_new(periods, run_id)                  what run_id saw first, every kind
--   xinyu.quality_new_seen(periods, run_id)             the same without names or order
--
-- First seen comes from the problem ledger (014) for rejections and warnings, recorded when
-- their issues are written, and from xinyu.problem_seen (019) for the others, recorded by the
-- nightly run's report; NULL for what no nightly report has listed yet. run_id NULL is the
-- standing state; a run's id keeps quality --run's meaning (what that run received).

-- Brings the kept outliers of the scope's terms (xinyu.outlier_kept, 023) up to date with the
-- current submissions, in the caller's snapshot. A term kept with the same rules (the texts of
-- xinyu.quality_outliers and of the functions it calls) follows the log of changes
-- (xinyu.changes_since, 030): the districts of the schools whose versions of the term or of
-- the term before changed (the threefold changes compare the two), and those of the schools
-- whose registry entry changed (before and after) that have a current version of either, are
-- computed again. A term never kept, kept with other rules, or whose unseen changes the log no
-- longer holds, is computed whole. Returns how many terms and districts were computed (of a
-- whole term, every district of the registry). Called by the nightly run, in the transaction
-- its report reads the lists in (xinyu.standing_record).
CREATE OR REPLACE FUNCTION xinyu.outliers_refresh(p_periods text[])
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_now pg_snapshot := xinyu.change_snapshot();
    v_rules text;
    v_terms text[];
    v_whole text[];
    v_periods text[];
    v_districts text[];
    v_count integer := 0;
BEGIN
    v_rules := xinyu.kept_rules(
        ARRAY['xinyu.quality_outliers(text[], bigint, text[], text[])'::regprocedure,
              'xinyu.middle(integer[])'::regprocedure,
              'xinyu.previous_period(text)'::regprocedure,
              'xinyu.term_key(text)'::regprocedure,
              'xinyu.changed_threefold(integer, integer)'::regprocedure]);

    SELECT array_agg(DISTINCT t.period) INTO v_terms
    FROM unnest(p_periods) AS t(period)
    WHERE t.period IS NOT NULL;

    SELECT array_agg(w.period) INTO v_whole
    FROM xinyu.kept_terms_whole('outliers', v_terms, NULL, v_rules) w;

    IF v_whole IS NOT NULL THEN
        -- counted as every district of the registry in each such term (counting those with a
        -- current submission scanned them all: a quarter of a second on a first night)
        v_count := cardinality(v_whole) * (SELECT count(*) FROM xinyu.district)::integer;
        DELETE FROM xinyu.outlier_kept o WHERE o.period = ANY (v_whole);
        INSERT INTO xinyu.outlier_kept (period, district_code, school_code, kind, field, path,
                                        value, reference, ratio)
        SELECT o.period, o.district_code, o.school_code, o.kind, o.field, o.path, o.value,
               o.reference, o.ratio
        FROM xinyu.quality_outliers(v_whole, NULL) o;
    END IF;

    SELECT array_agg(c.period), array_agg(c.district_code) INTO v_periods, v_districts
    FROM (
        SELECT DISTINCT x.term AS period,
               coalesce(x.district_code, sc.district_code) AS district_code
        FROM xinyu.kept_terms_changes('outliers', v_terms, NULL, v_rules) x
        LEFT JOIN xinyu.school sc ON sc.school_code = x.school_code AND x.period IS NOT NULL
        WHERE x.period IN (x.term, xinyu.previous_period(x.term))
           OR x.period IS NULL
              AND EXISTS (SELECT FROM xinyu.submission s
                          WHERE s.school_code = x.school_code AND s.is_current
                            AND s.period IN (x.term, xinyu.previous_period(x.term)))
    ) c
    WHERE c.district_code IS NOT NULL;

    IF v_periods IS NOT NULL THEN
        v_count := v_count + cardinality(v_periods);
        DELETE FROM xinyu.outlier_kept o
        USING unnest(v_periods, v_districts) AS x(period, district_code)
        WHERE o.period = x.period AND o.district_code = x.district_code;
        INSERT INTO xinyu.outlier_kept (period, district_code, school_code, kind, field, path,
                                        value, reference, ratio)
        SELECT o.period, o.district_code, o.school_code, o.kind, o.field, o.path, o.value,
               o.reference, o.ratio
        FROM xinyu.quality_outliers(v_terms, NULL, v_periods, v_districts) o;
    END IF;

    PERFORM xinyu.kept_terms_mark('outliers', v_terms, NULL, v_rules, v_now);
    RETURN v_count;
END
$$;

-- Brings the kept schools not reported and late versions (xinyu.standing_kept, 031) of the
-- terms of p_periods up to date in the caller's snapshot: a term kept with the same deadline
-- and rules (the texts of xinyu.quality_not_reported, xinyu.late_current and the
-- deadline_cutoff it calls) follows the log of changes (xinyu.changes_since, 030), its
-- schools whose versions of the term or registry entry changed computed again, each by
-- index; a term never kept, kept with another deadline or other rules, or whose unseen
-- changes the log no longer holds, is computed whole. Returns what it computed: a term and
-- school, or a term and NULL for the whole term. Called by the nightly run
-- (xinyu.standing_record) under the run lock, and by it alone: it records as new only what
-- this returns.
CREATE OR REPLACE FUNCTION xinyu.standing_refresh(p_periods text[], p_deadlines date[])
RETURNS TABLE (period text, school_code text)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_now pg_snapshot := xinyu.change_snapshot();
    v_rules text;
    v_whole text[];
    v_whole_deadlines date[];
    v_periods text[];
    v_codes text[];
BEGIN
    v_rules := xinyu.kept_rules(
        ARRAY['xinyu.quality_not_reported(text[], text[], text[])'::regprocedure,
              'xinyu.late_current(text[], date[], text[], text[])'::regprocedure,
              'xinyu.deadline_cutoff(date)'::regprocedure]);

    SELECT array_agg(w.period), array_agg(w.deadline) INTO v_whole, v_whole_deadlines
    FROM xinyu.kept_terms_whole('standing', p_periods, p_deadlines, v_rules) w;
    IF v_whole IS NOT NULL THEN
        DELETE FROM xinyu.standing_kept k WHERE k.period = ANY (v_whole);
        INSERT INTO xinyu.standing_kept (period, kind, school_code)
        SELECT n.period, 'not_reported', n.school_code
        FROM xinyu.quality_not_reported(v_whole) n;
        INSERT INTO xinyu.standing_kept (period, kind, school_code, submitted_at, raw_id)
        SELECT l.period, 'late', l.school_code, l.submitted_at, l.raw_id
        FROM xinyu.late_current(v_whole, v_whole_deadlines) l;
        RETURN QUERY SELECT w.period, NULL::text FROM unnest(v_whole) AS w(period);
    END IF;

    SELECT array_agg(c.period), array_agg(c.school_code) INTO v_periods, v_codes
    FROM (
        SELECT DISTINCT x.term AS period, x.school_code
        FROM xinyu.kept_terms_changes('standing', p_periods, p_deadlines, v_rules) x
        WHERE x.period = x.term OR x.period IS NULL
    ) c;
    IF v_periods IS NOT NULL THEN
        DELETE FROM xinyu.standing_kept k
        USING unnest(v_periods, v_codes) AS x(period, school_code)
        WHERE k.period = x.period AND k.school_code = x.school_code;
        INSERT INTO xinyu.standing_kept (period, kind, school_code)
        SELECT n.period, 'not_reported', n.school_code
        FROM xinyu.quality_not_reported(p_periods, v_periods, v_codes) n;
        INSERT INTO xinyu.standing_kept (period, kind, school_code, submitted_at, raw_id)
        SELECT l.period, 'late', l.school_code, l.submitted_at, l.raw_id
        FROM xinyu.late_current(p_periods, p_deadlines, v_periods, v_codes) l;
        RETURN QUERY SELECT x.period, x.school_code FROM unnest(v_periods, v_codes) AS x(period, school_code);
    END IF;

    PERFORM xinyu.kept_terms_mark('standing', p_periods, p_deadlines, v_rules, v_now);
END
$$;

-- Records with run p_run_id as first seen the schools not reported, the late current versions
-- and the outliers of the scope's terms that no earlier report recorded; returns how many.
-- Called by the nightly run in the transaction it reads its lists in, before them; it brings
-- the kept outliers, schools not reported and late versions up to date first (the lists read
-- them: xinyu.standing_outliers, standing_not_reported and standing_late with p_kept).
-- Of the schools not reported and late versions, once the scope's terms have a recording,
-- only those the refresh computed tonight can be new: the others were kept, and so recorded,
-- by an earlier run of this function (the nightly run refreshes them nowhere else, and a run
-- that dies takes both back). Looking every kept one up was 0.15 s of every night at 200,000
-- schools. The first recording looks at every one, whoever brought them up to date.
CREATE OR REPLACE FUNCTION xinyu.standing_record(p_periods text[], p_deadlines date[],
                                                 p_run_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_first boolean;
    v_recorded bigint;
    -- what the refresh computed: whole terms, and terms and schools
    v_whole text[];
    v_periods text[];
    v_codes text[];
BEGIN
    PERFORM xinyu.outliers_refresh(p_periods);
    SELECT array_agg(r.period) FILTER (WHERE r.school_code IS NULL),
           array_agg(r.period) FILTER (WHERE r.school_code IS NOT NULL),
           array_agg(r.school_code) FILTER (WHERE r.school_code IS NOT NULL)
    INTO v_whole, v_periods, v_codes
    FROM xinyu.standing_refresh(p_periods, p_deadlines) r;
    -- an outlier is new only where tonight's data moved a median: a submission the run
    -- loaded; the first recording for the scope's terms looks at all of them
    v_first := NOT EXISTS (SELECT FROM xinyu.problem_seen x WHERE x.period = ANY (p_periods));
    WITH found AS (
        SELECT k.kind, k.school_code, k.period, '' AS detail, NULL::text AS path,
               sc.district_code, k.raw_id
        FROM xinyu.standing_kept k
        JOIN xinyu.school sc ON sc.school_code = k.school_code
        WHERE k.period = ANY (p_periods)
          AND (v_first OR k.period = ANY (v_whole)
               OR (k.period, k.school_code) IN (SELECT x.period, x.school_code
                                                FROM unnest(v_periods, v_codes)
                                                     AS x(period, school_code)))
        UNION ALL
        -- each kept outlier's current version looked up by index (the run's own versions
        -- are thousands, which statistics made before the run cannot know: a plan from them
        -- looked the outliers up for each, by term alone)
        SELECT 'outlier', o.school_code, o.period, o.kind || ':' || o.field, o.path,
               o.district_code, s.raw_id
        FROM xinyu.outlier_kept o
        CROSS JOIN LATERAL (
            SELECT c.raw_id, c.run_id
            FROM xinyu.submission c
            WHERE c.school_code = o.school_code AND c.period = o.period AND c.is_current
            LIMIT 1
        ) s
        WHERE o.period = ANY (p_periods)
          AND (v_first OR s.run_id = p_run_id)
        UNION ALL
        -- a summary's figure that its school's submission contradicts: one problem per summary
        -- file and path, whatever version of the submission still contradicts it
        SELECT 'summary', m.school_code, m.period, m.summary_ref || ':' || m.path, m.path,
               m.district_code, s.raw_id
        FROM xinyu.quality_summary_mismatches(p_periods) m
        JOIN xinyu.submission s ON s.school_code = m.school_code AND s.period = m.period AND s.is_current
    ),
    recorded AS (
        -- most of what a night finds was recorded before: looked up first, it is passed over
        -- without an attempt at inserting it (0.35 s where the attempts took 0.47 s at 200,000
        -- schools); the conflict clause stays for a sighting recorded meanwhile
        INSERT INTO xinyu.problem_seen (kind, school_code, period, detail, path, district_code,
                                        raw_id, first_seen_run)
        SELECT f.kind, f.school_code, f.period, f.detail, f.path, f.district_code, f.raw_id,
               p_run_id
        FROM found f
        WHERE p_run_id IS NOT NULL
          AND NOT EXISTS (SELECT FROM xinyu.problem_seen ps
                          WHERE ps.kind = f.kind AND ps.school_code = f.school_code
                            AND ps.period = f.period AND ps.detail = f.detail)
        ORDER BY f.kind, f.school_code, f.period, f.detail
        ON CONFLICT (kind, school_code, period, detail) DO NOTHING
        RETURNING 1
    )
    SELECT count(*) INTO v_recorded FROM recorded;
    RETURN v_recorded;
END
$$;

-- The first sighting of a problem of kind p_kind (problem_seen's key), none when not seen.
-- The lists look it up per row (a lateral index lookup): the nightly run reads them in the
-- transaction that has just recorded tonight's sightings, before any statistics know of them,
-- and a join the planner costs from those would be quadratic; the limit keeps the planner
-- from making the lookup such a join.
CREATE OR REPLACE FUNCTION xinyu.first_seen(p_kind text, p_school_code text, p_period text,
                                            p_detail text)
RETURNS TABLE (first_seen_run bigint, first_seen_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT ps.first_seen_run, ps.first_seen_at
FROM xinyu.problem_seen ps
WHERE ps.kind = p_kind AND ps.school_code = p_school_code AND ps.period = p_period
  AND ps.detail = p_detail
LIMIT 1
$$;

-- quality_not_reported and quality_late with when each was first seen. With p_kept, the
-- schools the nightly run keeps (xinyu.standing_kept), which it has just brought up to date
-- in the caller's transaction (xinyu.standing_refresh) with the same deadlines.
DROP FUNCTION IF EXISTS xinyu.standing_not_reported(text[]);
CREATE OR REPLACE FUNCTION xinyu.standing_not_reported(p_periods text[],
                                                       p_kept boolean DEFAULT false)
RETURNS TABLE (
    period text,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    school_type text,
    first_seen_run bigint,
    first_seen_at text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT n.period, n.district_code, n.district_name, n.school_code, n.school_name, n.school_type,
       ps.first_seen_run, xinyu.local_rfc3339(ps.first_seen_at)
FROM (SELECT q.period, q.district_code, q.district_name, q.school_code, q.school_name,
             q.school_type
      FROM xinyu.quality_not_reported(p_periods) q
      WHERE NOT p_kept
      UNION ALL
      SELECT k.period, sc.district_code, d.district_name, sc.school_code, sc.school_name,
             sc.school_type
      FROM xinyu.standing_kept k
      JOIN xinyu.school sc ON sc.school_code = k.school_code
      JOIN xinyu.district d ON d.district_code = sc.district_code
      WHERE p_kept AND k.kind = 'not_reported' AND k.period = ANY (p_periods)) n
LEFT JOIN LATERAL xinyu.first_seen('not_reported', n.school_code, n.period, '') ps ON true
ORDER BY n.period, n.district_code, n.school_code
$$;

DROP FUNCTION IF EXISTS xinyu.standing_late(text[], date[]);
CREATE OR REPLACE FUNCTION xinyu.standing_late(p_periods text[], p_deadlines date[],
                                               p_kept boolean DEFAULT false)
RETURNS TABLE (
    period text,
    deadline date,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    submitted_at text,
    days_late integer,
    first_seen_run bigint,
    first_seen_at text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT l.period, l.deadline, l.district_code, l.district_name, l.school_code, l.school_name,
       l.submitted_at, l.days_late, ps.first_seen_run, xinyu.local_rfc3339(ps.first_seen_at)
FROM xinyu.quality_late(p_periods, p_deadlines, p_kept) l
LEFT JOIN LATERAL xinyu.first_seen('late', l.school_code, l.period, '') ps ON true
ORDER BY l.period, l.district_code, l.school_code
$$;

-- A rejection is resolved by the first version of its school and term accepted after it
-- (xinyu.submission keeps the superseded versions too): when it was received, by which run,
-- its raw_id and its file. Resolved is quality_rejections' own rule (a current version
-- received after the rejection), so the first such version always exists when it holds.
-- The rejections and the warnings are a few per cent of the raw submissions and of the
-- submissions, and both lists look them up by key from their issues, with their schools: a
-- lookup costed as a random read from disk (the server's default, four sequential ones) made
-- their plans scan every raw submission or submission and hash every school instead (0.18 and
-- 0.13 s at 200,000 schools, against 0.05 and 0.06 s with the cost of a read from the cache).
CREATE OR REPLACE FUNCTION xinyu.standing_rejections(p_periods text[], p_run_id bigint)
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
    message text,
    message_zh text,
    resolved_at text,
    resolved_run bigint,
    resolved_by_raw_id bigint,
    resolved_by_ref text,
    first_seen_run bigint,
    first_seen_at text
)
LANGUAGE sql STABLE PARALLEL SAFE
SET random_page_cost = 1.1
AS $$
SELECT q.raw_id, q.district_code, q.district_name, q.school_code, q.school_name, q.period,
       q.source, q.ref, q.received_at, q.resolved, q.severity, q.seq, q.code, q.path, q.message,
       i.message_zh, xinyu.local_rfc3339(fix.received_at), fix.run_id, fix.raw_id, fix.ref,
       l.first_seen_run, xinyu.local_rfc3339(l.first_seen_at)
FROM xinyu.quality_rejections(p_periods, p_run_id, false) q
LEFT JOIN xinyu.submission_issue i ON i.raw_id = q.raw_id AND i.seq = q.seq
LEFT JOIN LATERAL (
    SELECT r.raw_id, r.received_at, r.run_id, r.ref
    FROM xinyu.submission s
    JOIN xinyu.raw_submission r ON r.raw_id = s.raw_id
    WHERE q.resolved
      AND s.school_code = q.school_code AND s.period = q.period AND s.raw_id > q.raw_id
    ORDER BY s.raw_id
    LIMIT 1
) fix ON true
LEFT JOIN xinyu.problem_ledger l ON l.raw_id = q.raw_id AND l.kind = 'rejection'
ORDER BY q.district_code NULLS LAST, q.school_code NULLS LAST, q.period NULLS LAST, q.raw_id,
         q.severity, q.seq
$$;

CREATE OR REPLACE FUNCTION xinyu.standing_warnings(p_periods text[], p_run_id bigint)
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
    message text,
    message_zh text,
    first_seen_run bigint,
    first_seen_at text
)
LANGUAGE sql STABLE PARALLEL SAFE
SET random_page_cost = 1.1
AS $$
SELECT q.raw_id, q.district_code, q.district_name, q.school_code, q.school_name, q.period, q.seq,
       q.code, q.path, q.message, i.message_zh, l.first_seen_run,
       xinyu.local_rfc3339(l.first_seen_at)
FROM xinyu.quality_warnings(p_periods, p_run_id, false) q
LEFT JOIN xinyu.submission_issue i ON i.raw_id = q.raw_id AND i.seq = q.seq
LEFT JOIN xinyu.problem_ledger l ON l.raw_id = q.raw_id AND l.kind = 'warning'
ORDER BY q.district_code, q.school_code, q.period, q.seq
$$;

-- In the order of quality_outliers (term, district, school in byte order, then the 10x-median
-- kind before the threefold change, then the column), which the letters rely on. With p_kept,
-- the outliers as kept by xinyu.outliers_refresh, which the nightly run has just brought up
-- to date in the same transaction (p_run_id NULL): the same rows, not computed again.
-- (Until then it took no p_kept: that form is dropped.)
DROP FUNCTION IF EXISTS xinyu.standing_outliers(text[], bigint);
CREATE OR REPLACE FUNCTION xinyu.standing_outliers(p_periods text[], p_run_id bigint,
                                                   p_kept boolean DEFAULT false)
RETURNS TABLE (
    kind text,
    period text,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    field text,
    path text,
    value numeric,
    reference numeric,
    ratio double precision,
    first_seen_run bigint,
    first_seen_at text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT o.kind, o.period, o.district_code, o.district_name, o.school_code, o.school_name, o.field,
       o.path, o.value, o.reference, o.ratio, ps.first_seen_run,
       xinyu.local_rfc3339(ps.first_seen_at)
FROM (SELECT q.kind, q.period, q.district_code, q.district_name, q.school_code, q.school_name,
             q.field, q.path, q.value, q.reference, q.ratio
      FROM xinyu.quality_outliers(p_periods, p_run_id) q
      WHERE NOT p_kept
      UNION ALL
      SELECT k.kind, k.period, k.district_code, d.district_name, k.school_code, sc.school_name,
             k.field, k.path, k.value, k.reference, k.ratio
      FROM xinyu.outlier_kept k
      JOIN xinyu.school sc ON sc.school_code = k.school_code
      JOIN xinyu.district d ON d.district_code = k.district_code
      WHERE p_kept AND k.period = ANY (p_periods)) o
LEFT JOIN LATERAL xinyu.first_seen('outlier', o.school_code, o.period, o.kind || ':' || o.field) ps ON true
ORDER BY o.period COLLATE "C", o.district_code COLLATE "C", o.school_code COLLATE "C",
         o.kind COLLATE "C", o.field COLLATE "C"
$$;

-- What run p_run_id saw first, of the scope's terms: the schools not reported, late versions
-- and outliers its report recorded, the rejections and warnings it received (a rejection also
-- when its term could not be read, a warning only while its version is the current one, as
-- the letters have them). One row per problem: detail is the JSON paths of a rejection's or a
-- warning's issues, an outlier's path; tie orders one school's problems of a kind.
-- Unnamed and unordered: xinyu.quality_new names and orders them for the lists, and the
-- nightly report counts them per kind from this alone (counted from quality_new, the names'
-- join and the sort of every problem took 0.2 s of a first night at 200,000 schools).
CREATE OR REPLACE FUNCTION xinyu.quality_new_seen(p_periods text[], p_run_id bigint)
RETURNS TABLE (
    kind text,
    period text,
    school_code text,
    raw_id bigint,
    detail text,
    tie text,
    first_seen_run bigint,
    first_seen_at timestamptz
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT ps.kind, ps.period, ps.school_code, ps.raw_id, ps.path AS detail, ps.detail AS tie,
       ps.first_seen_run, ps.first_seen_at
FROM xinyu.problem_seen ps
WHERE ps.first_seen_run = p_run_id
  AND ps.period = ANY (p_periods)
UNION ALL
SELECT l.kind, l.period, l.school_code, l.raw_id,
       (SELECT string_agg(DISTINCT nullif(i.path, ''), ', ')
        FROM xinyu.submission_issue i
        WHERE i.raw_id = l.raw_id
          AND (l.kind = 'warning' OR i.severity = 'reject')),
       '', l.first_seen_run, l.first_seen_at
FROM xinyu.ledger_in_scope(p_periods) l
WHERE l.first_seen_run = p_run_id
$$;

-- xinyu.quality_new_seen with the names of the school, its district and the file, and kind_zh
-- naming the kind for a person, in the lists' order.
CREATE OR REPLACE FUNCTION xinyu.quality_new(p_periods text[], p_run_id bigint)
RETURNS TABLE (
    kind text,
    kind_zh text,
    period text,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    raw_id bigint,
    ref text,
    detail text,
    first_seen_run bigint,
    first_seen_at text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH seen AS (
    SELECT * FROM xinyu.quality_new_seen(p_periods, p_run_id)
)
SELECT n.kind,
       CASE n.kind WHEN 'not_reported' THEN '未上报' WHEN 'late' THEN '逾期上报'
                   WHEN 'rejection' THEN '被退回' WHEN 'warning' THEN '警告'
                   WHEN 'summary' THEN '总结与报表不一致' ELSE '异常值' END,
       n.period, sc.district_code, d.district_name, n.school_code, sc.school_name, n.raw_id, r.ref,
       n.detail, n.first_seen_run, xinyu.local_rfc3339(n.first_seen_at)
FROM seen n
LEFT JOIN xinyu.school sc ON sc.school_code = n.school_code
LEFT JOIN xinyu.district d ON d.district_code = sc.district_code
LEFT JOIN xinyu.raw_submission r ON r.raw_id = n.raw_id
ORDER BY CASE n.kind WHEN 'not_reported' THEN 1 WHEN 'late' THEN 2 WHEN 'rejection' THEN 3
                     WHEN 'warning' THEN 4 WHEN 'outlier' THEN 5 ELSE 6 END,
         n.period NULLS LAST, sc.district_code NULLS LAST, n.school_code NULLS LAST, n.raw_id,
         n.tie
$$;

GRANT EXECUTE ON FUNCTION xinyu.first_seen(text, text, text, text),
    xinyu.standing_record(text[], date[], bigint),
    xinyu.standing_not_reported(text[], boolean), xinyu.standing_late(text[], date[], boolean),
    xinyu.standing_refresh(text[], date[]),
    xinyu.standing_rejections(text[], bigint), xinyu.standing_warnings(text[], bigint),
    xinyu.standing_outliers(text[], bigint, boolean), xinyu.outliers_refresh(text[]),
    xinyu.quality_new_seen(text[], bigint), xinyu.quality_new(text[], bigint) TO xinyu_report;
