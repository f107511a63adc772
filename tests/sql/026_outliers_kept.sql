-- 026_outliers_kept.sql: the outliers the nightly run keeps per term and district
-- (xinyu.outliers_refresh, xinyu.standing_outliers with p_kept) are the outliers computed anew
-- (xinyu.standing_outliers), after every kind of change: a new version, a change in the term
-- before, a school made inactive or moved to another district, new rules; and only the terms
-- and districts whose inputs changed are computed again.
-- Terms: T1 = 2023-2024-2, T2 = 2024-2025-1; districts 320196 (A) and 320195 (B).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

INSERT INTO xinyu.district (district_code, district_name) VALUES ('320196', '甲区'), ('320195', '乙区');
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
SELECT '32019600' || lpad(n::text, 2, '0'), '甲校' || n, '320196', 'primary', true
FROM generate_series(1, 6) n;
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
SELECT '32019500' || lpad(n::text, 2, '0'), '乙校' || n, '320195', 'primary', true
FROM generate_series(1, 4) n;

\set g '{"1": [100, 2, 10]}'

-- T2 of A: staff_psych_parttime 1 2 3 3 31 (31 is over ten times the median 3);
-- head teachers 40 against 12 in T1 (more than threefold)
SELECT pg_temp.submit('3201960001', '2024-2025-1', '2025-01-10 10:00:00+08', :'g',
    '{"staff_psych_parttime": 1, "staff_head_teachers": 40}');
SELECT pg_temp.submit('3201960002', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"staff_psych_parttime": 2}');
SELECT pg_temp.submit('3201960003', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"staff_psych_parttime": 3}');
SELECT pg_temp.submit('3201960004', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"staff_psych_parttime": 3}');
SELECT pg_temp.submit('3201960005', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"staff_psych_parttime": 31}');
-- T1 of A
SELECT pg_temp.submit('3201960001', '2023-2024-2', '2024-07-01 10:00:00+08', :'g', '{"staff_head_teachers": 12}');
SELECT pg_temp.submit('3201960002', '2023-2024-2', '2024-07-01 10:00:00+08', :'g', '{"staff_head_teachers": 20}');
-- T2 of B: care_left_behind 1 2 4 100, median 3
SELECT pg_temp.submit('3201950001', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"care_left_behind": 1}');
SELECT pg_temp.submit('3201950002', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"care_left_behind": 2}');
SELECT pg_temp.submit('3201950003', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"care_left_behind": 4}');
SELECT pg_temp.submit('3201950004', '2024-2025-1', '2025-01-10 10:00:00+08', :'g', '{"care_left_behind": 100}');

-- Refreshes the kept outliers of T1 and T2 as the report role (the nightly report's rights),
-- checks that it computed p_expected terms and districts, and that the kept list is the list
-- computed anew, row for row.
CREATE FUNCTION pg_temp.check_kept(p_label text, p_expected integer)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_computed integer;
BEGIN
    SET LOCAL ROLE xinyu_report;
    v_computed := xinyu.outliers_refresh(ARRAY['2023-2024-2', '2024-2025-1']);
    RESET ROLE;
    DROP TABLE IF EXISTS pg_temp.kept_list, pg_temp.live_list;
    CREATE TEMP TABLE kept_list AS
    SELECT * FROM xinyu.standing_outliers(ARRAY['2023-2024-2', '2024-2025-1'], NULL, true);
    CREATE TEMP TABLE live_list AS
    SELECT * FROM xinyu.standing_outliers(ARRAY['2023-2024-2', '2024-2025-1'], NULL);
    PERFORM pg_temp.assert_same(p_label || ': kept as computed', 'kept_list', 'live_list');
    PERFORM pg_temp.assert_eq(p_label || ': terms and districts computed', v_computed, p_expected);
END
$$;

CREATE FUNCTION pg_temp.kept() RETURNS text
LANGUAGE sql AS $$
SELECT string_agg(district_code || ' ' || school_code || ' ' || kind || ' ' || field, ', '
                  ORDER BY district_code, school_code, kind, field)
FROM xinyu.outlier_kept
$$;

-- the first time both terms whole: every district of the registry in each (A, B and the
-- fixture's two)
SELECT pg_temp.check_kept('first refresh', 2 * 4);
SELECT pg_temp.assert_eq('the outliers kept',
    (SELECT string_agg(district_code || ' ' || school_code || ' ' || kind || ' ' || field, ', '
                       ORDER BY district_code, school_code, kind, field)
     FROM xinyu.outlier_kept WHERE district_code IN ('320195', '320196')),
    '320195 3201950004 district_median care_left_behind, '
    '320196 3201960001 term_change staff_head_teachers, '
    '320196 3201960005 district_median staff_psych_parttime');
SELECT pg_temp.check_kept('nothing changed', 0);

-- a new version of school 05 in T2 of A: its outlier goes; only (T2, A) is computed again
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201960005' AND period = '2024-2025-1';
SELECT pg_temp.submit('3201960005', '2024-2025-1', '2025-01-11 10:00:00+08', :'g', '{"staff_psych_parttime": 4}');
SELECT pg_temp.check_kept('a new version', 1);
SELECT pg_temp.assert_eq('the outlier of the old version is gone',
    (SELECT count(*) FROM xinyu.outlier_kept WHERE school_code = '3201960005'), 0::bigint);

-- the same version made current again: the set of current submissions is the first one's
UPDATE xinyu.submission SET is_current = false
WHERE school_code = '3201960005' AND period = '2024-2025-1' AND submitted_at > '2025-01-11';
UPDATE xinyu.submission SET is_current = true
WHERE school_code = '3201960005' AND period = '2024-2025-1' AND submitted_at < '2025-01-11';
SELECT pg_temp.check_kept('the earlier version current again', 1);

-- a change in T1 of A: the changes of T2 against T1 follow, so (T1, A) and (T2, A)
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201960001' AND period = '2023-2024-2';
SELECT pg_temp.submit('3201960001', '2023-2024-2', '2024-07-02 10:00:00+08', :'g', '{"staff_head_teachers": 35}');
SELECT pg_temp.check_kept('a change in the term before', 2);
SELECT pg_temp.assert_eq('no threefold change left',
    (SELECT count(*) FROM xinyu.outlier_kept WHERE kind = 'term_change' AND district_code = '320196'),
    0::bigint);

-- school 03 of B made inactive: (T2, B); the median is 2 and the 100 still over ten times it
UPDATE xinyu.school SET active = false WHERE school_code = '3201950003';
SELECT pg_temp.check_kept('a school made inactive', 1);

-- school 02 of A, which reported both terms, moved to B: both terms of both districts (B has
-- a T1 now)
UPDATE xinyu.school SET district_code = '320195' WHERE school_code = '3201960002';
SELECT pg_temp.check_kept('a school moved', 4);

-- the last submission of T1 in A made no longer current: (T1, A) is forgotten, (T2, A) follows
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201960001' AND period = '2023-2024-2';
SELECT pg_temp.check_kept('a term and district with no submission left', 2);
SELECT pg_temp.assert_eq('no threefold change of A against it',
    (SELECT count(*) FROM xinyu.outlier_kept WHERE kind = 'term_change' AND district_code = '320196'),
    0::bigint);

-- new rules (the text of xinyu.quality_outliers changed): everything is computed again
SELECT pg_temp.new_rules('xinyu.quality_outliers(text[], bigint, text[], text[])'::regprocedure, 'RETURN QUERY');
SELECT pg_temp.check_kept('new rules', 2 * 4);
SELECT pg_temp.check_kept('nothing changed since the new rules', 0);

-- a function the outliers are computed with changed (xinyu.middle, their medians): everything
-- is computed again too
SELECT pg_temp.new_rules('xinyu.middle(integer[])'::regprocedure, 'SELECT p_pair');
SELECT pg_temp.check_kept('a function it calls changed', 2 * 4);
SELECT pg_temp.new_rules('xinyu.term_key(text)'::regprocedure, 'SELECT left(p_period');
SELECT pg_temp.check_kept('the terms'' keys it groups by changed', 2 * 4);
