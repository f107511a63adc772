-- 012_registry_stream.sql: the registry file is staged as it is read, and the checks across
-- its rows run here, so that loading a country's registry takes the same memory as a
-- city's (docs/DECISIONS.md, "The registry is read as a stream").
--
-- The C side still checks every row's own fields (with line numbers) while it reads, and
-- COPYs the good rows with their physical line into stage_school, which gains that column
-- (xinyu.registry_apply of 005 reads it as before). What needs the whole
-- file — a school code listed twice, a district named two ways — is xinyu.registry_conflicts(),
-- one row per offending line, worded by the C side as before:
--   school    the school code was listed on an earlier line (first_line)
--   district  the district's first listed school (first_line, by line, among the rows that
--             are not repeats of an earlier school code) gives it another name (first_name)
-- Nothing is applied unless both the C checks and this list found nothing.

CREATE OR REPLACE FUNCTION xinyu.create_registry_staging() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS stage_school (
        line integer NOT NULL,
        school_code text NOT NULL,
        school_name text NOT NULL,
        district_code text NOT NULL,
        district_name text NOT NULL,
        school_type text NOT NULL,
        active boolean NOT NULL
    ) ON COMMIT DELETE ROWS;
END
$$;

CREATE FUNCTION xinyu.registry_conflicts()
RETURNS TABLE (line integer, kind text, code text, first_line integer, name text,
               first_name text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    -- the usual case, a good file, costs two hash aggregates rather than two sorts
    IF NOT EXISTS (SELECT FROM stage_school st GROUP BY st.school_code HAVING count(*) > 1)
       AND NOT EXISTS (SELECT FROM stage_school st GROUP BY st.district_code
                       HAVING min(st.district_name) <> max(st.district_name)) THEN
        RETURN;
    END IF;
    RETURN QUERY
WITH listed AS (
    SELECT st.line, st.school_code, st.district_code, st.district_name,
           min(st.line) OVER (PARTITION BY st.school_code) AS code_first_line
    FROM stage_school st
),
first_listing AS (
    SELECT l.line, l.district_code, l.district_name,
           first_value(l.line) OVER w AS district_first_line,
           first_value(l.district_name) OVER w AS district_first_name
    FROM listed l
    WHERE l.line = l.code_first_line
    WINDOW w AS (PARTITION BY l.district_code ORDER BY l.line)
)
SELECT l.line, 'school', l.school_code, l.code_first_line, NULL::text, NULL::text
FROM listed l
WHERE l.line > l.code_first_line
UNION ALL
SELECT f.line, 'district', f.district_code, f.district_first_line, f.district_name,
       f.district_first_name
FROM first_listing f
WHERE f.district_name <> f.district_first_name
ORDER BY 1;
END
$$;
