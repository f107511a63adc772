-- registry.sql: applying the bureau's school list (schools.csv). The C side checks every
-- row's own fields (with line numbers) while it reads, and COPYs the good rows with their
-- physical line into the session's stage_school (xinyu.create_registry_staging); what needs
-- the whole file — a school code listed twice, a district named two ways — is
-- xinyu.registry_conflicts(), one row per offending line, worded by the C side:
--   school    the school code was listed on an earlier line (first_line)
--   district  the district's first listed school (first_line, by line, among the rows that
--             are not repeats of an earlier school code) gives it another name (first_name)
-- Nothing is applied (xinyu.registry_apply) unless both the C checks and this list found
-- nothing (docs/DECISIONS.md, "The registry is read as a stream").

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

-- Makes the registry equal to the staged file: new and changed rows are written,
-- schools missing from the file become inactive (their submissions stay).
CREATE OR REPLACE FUNCTION xinyu.registry_apply()
RETURNS TABLE (districts_changed integer, schools_changed integer, schools_deactivated integer)
LANGUAGE plpgsql
-- the registry's schools and the staged ones are joined whole, by hashing or sorting: before
-- a first load the registry's statistics can say it is empty, and a nested loop that scanned
-- it for each staged school would scan the rows the statement itself inserts, each time
SET enable_nestloop = off
AS $$
DECLARE
    v_districts integer;
    v_changed integer;
    v_schools integer;
    v_deactivated integer;
BEGIN
    -- Loads of the registry take turns (the class and key of DB_LOCK_REGISTRY, common/db.h):
    -- under the lock no other transaction adds schools, so the listed schools already known
    -- are updated where they changed and the others are inserted plainly. An upsert of every
    -- listed school, one speculative insertion each, took 1.3 s of a first load of 200,000
    -- and 0.8-1.2 s of a later load of a changed file of them.
    PERFORM pg_advisory_xact_lock(5790030, 3);

    INSERT INTO xinyu.district (district_code, district_name)
    SELECT DISTINCT district_code, district_name FROM stage_school
    ON CONFLICT (district_code) DO UPDATE SET district_name = excluded.district_name
    WHERE xinyu.district.district_name IS DISTINCT FROM excluded.district_name;
    GET DIAGNOSTICS v_districts = ROW_COUNT;

    UPDATE xinyu.school s
    SET school_name = st.school_name, district_code = st.district_code,
        school_type = st.school_type, active = st.active, updated_at = now()
    FROM stage_school st
    WHERE st.school_code = s.school_code
      AND (s.school_name, s.district_code, s.school_type, s.active)
          IS DISTINCT FROM (st.school_name, st.district_code, st.school_type, st.active);
    GET DIAGNOSTICS v_changed = ROW_COUNT;

    INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
    SELECT st.school_code, st.school_name, st.district_code, st.school_type, st.active
    FROM stage_school st
    WHERE NOT EXISTS (SELECT FROM xinyu.school s WHERE s.school_code = st.school_code);
    GET DIAGNOSTICS v_schools = ROW_COUNT;
    v_schools := v_schools + v_changed;

    UPDATE xinyu.school s SET active = false, updated_at = now()
    WHERE s.active AND NOT EXISTS (SELECT FROM stage_school st WHERE st.school_code = s.school_code);
    GET DIAGNOSTICS v_deactivated = ROW_COUNT;

    RETURN QUERY SELECT v_districts, v_schools, v_deactivated;
END
$$;

CREATE OR REPLACE FUNCTION xinyu.registry_conflicts()
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
