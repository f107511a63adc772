-- summaries.sql: where a school's work summary (xinyu.summary, 017_summaries.sql) and its
-- current submission of the same term disagree (SUBMISSION.md section 8).

-- Each exact figure of the latest summary of a school and term (p_periods) that differs
-- from the school's current submission of that term, or that the submission leaves
-- unreported. A school with a summary and no current submission has nothing to compare (it
-- is in the list of schools not reported). message_zh says it for the school:
-- "总结: 专职心理教师2名; 报表: 专职心理健康教师人数(staff.psych_fulltime) = 3".
-- Ordered as the letters read their lists: term, district, school (COLLATE "C"), the figure.
CREATE OR REPLACE FUNCTION xinyu.quality_summary_mismatches(p_periods text[])
RETURNS TABLE (
    period text,
    district_code text,
    district_name text,
    school_code text,
    school_name text,
    summary_ref text,
    path text,
    label text,
    summary_quote text,
    summary_value jsonb,
    submitted_value jsonb,
    line integer,
    message_zh text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
WITH latest AS (
    SELECT DISTINCT ON (m.school_code, m.period) m.summary_id, m.school_code, m.period, m.ref,
           m.figures
    FROM xinyu.summary m
    WHERE m.period = ANY (p_periods)
    ORDER BY m.school_code, m.period, m.summary_id DESC
)
SELECT l.period, sc.district_code, d.district_name, l.school_code, sc.school_name, l.ref,
       f->>'path', f->>'label', f->>'quote', f->'value', sv, (f->>'line')::integer,
       '总结: ' || (f->>'quote') || '; 报表: ' || (f->>'label') || '(' || (f->>'path') || ') = '
       || CASE WHEN sv IS NULL OR jsonb_typeof(sv) = 'null' THEN '未填报'
               WHEN jsonb_typeof(sv) = 'boolean' THEN CASE WHEN sv = 'true' THEN '是' ELSE '否' END
               ELSE sv #>> '{}' END
FROM latest l
JOIN xinyu.submission s ON s.school_code = l.school_code AND s.period = l.period AND s.is_current
JOIN xinyu.school sc ON sc.school_code = l.school_code
JOIN xinyu.district d ON d.district_code = sc.district_code
CROSS JOIN LATERAL jsonb_array_elements(l.figures) AS f
CROSS JOIN LATERAL (SELECT to_jsonb(s) -> (f->>'column') AS sv) v
WHERE sv IS NULL OR jsonb_typeof(sv) = 'null'
   OR CASE WHEN jsonb_typeof(sv) = 'number' AND jsonb_typeof(f->'value') = 'number'
           THEN (sv #>> '{}')::numeric <> (f->>'value')::numeric
           ELSE sv <> f->'value' END
ORDER BY l.period COLLATE "C", sc.district_code COLLATE "C", l.school_code COLLATE "C",
         f->>'path' COLLATE "C"
$$;

COMMENT ON FUNCTION xinyu.quality_summary_mismatches(text[]) IS
    'Figures where a school''s latest work summary of a term and its current submission disagree (SUBMISSION.md section 8).';

GRANT EXECUTE ON FUNCTION xinyu.quality_summary_mismatches(text[]) TO xinyu_report;
