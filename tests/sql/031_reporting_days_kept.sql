-- 031_reporting_days_kept.sql: the days of the reporting chart the nightly run keeps per term
-- and district (xinyu.reporting_days_refresh, xinyu.quality_reporting_by_day with p_kept) are
-- the days computed anew, after every kind of change: a new version, an earlier version that
-- arrives late, a version made current again, a school made inactive or moved to another
-- district, another deadline, new rules; and only the terms and districts whose inputs changed
-- are computed again, every one of them when most did.
-- Terms: T1 = 2023-2024-2, T2 = 2024-2025-1; districts 320192 (A) and 320191 (B).
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

INSERT INTO xinyu.district (district_code, district_name) VALUES ('320192', '甲区'), ('320191', '乙区');
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
SELECT '32019200' || lpad(n::text, 2, '0'), '甲校' || n, '320192', 'primary', true
FROM generate_series(1, 6) n;
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
SELECT '32019100' || lpad(n::text, 2, '0'), '乙校' || n, '320191', 'primary', true
FROM generate_series(1, 4) n;

\set g '{"1": [100, 2, 10]}'
SELECT pg_temp.submit('3201920001', '2024-2025-1', '2025-01-05 10:00:00+08', :'g');
SELECT pg_temp.submit('3201920002', '2024-2025-1', '2025-01-10 10:00:00+08', :'g');
SELECT pg_temp.submit('3201920003', '2024-2025-1', '2025-01-25 10:00:00+08', :'g');
SELECT pg_temp.submit('3201920001', '2023-2024-2', '2024-07-01 10:00:00+08', :'g');
SELECT pg_temp.submit('3201910001', '2024-2025-1', '2025-01-12 10:00:00+08', :'g');
SELECT pg_temp.submit('3201910002', '2024-2025-1', '2025-01-12 20:00:00+08', :'g');

-- Refreshes the kept days of T1 and T2 as the report role (the nightly report's rights) with
-- the deadlines given, checks that it computed p_expected terms and districts, and that the
-- chart from the kept days is the chart computed anew, row for row.
CREATE FUNCTION pg_temp.check_kept(p_label text, p_expected integer,
                                   p_deadlines date[] DEFAULT ARRAY[date '2024-07-15', date '2025-01-20'])
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_computed integer;
BEGIN
    SET LOCAL ROLE xinyu_report;
    v_computed := xinyu.reporting_days_refresh(ARRAY['2023-2024-2', '2024-2025-1'], p_deadlines);
    RESET ROLE;
    DROP TABLE IF EXISTS pg_temp.kept_days, pg_temp.live_days;
    CREATE TEMP TABLE kept_days AS
    SELECT * FROM xinyu.quality_reporting_by_day(ARRAY['2023-2024-2', '2024-2025-1'], p_deadlines, true);
    CREATE TEMP TABLE live_days AS
    SELECT * FROM xinyu.quality_reporting_by_day(ARRAY['2023-2024-2', '2024-2025-1'], p_deadlines);
    PERFORM pg_temp.assert_same(p_label || ': kept as computed', 'kept_days', 'live_days');
    PERFORM pg_temp.assert_eq(p_label || ': terms and districts computed', v_computed, p_expected);
END
$$;

-- district A in T2, day by day: reported and on time so far
CREATE FUNCTION pg_temp.days_a() RETURNS text
LANGUAGE sql AS $$
SELECT string_agg(concat_ws(' ', day, schools_reported, coalesce(schools_on_time::text, '-')), ', '
                  ORDER BY day)
FROM xinyu.quality_reporting_by_day(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'], true)
WHERE district_code = '320192'
$$;

-- the first time every term and district with a submission, the fixture's own too
SELECT pg_temp.check_kept('first refresh',
    (SELECT count(DISTINCT (s.period, sc.district_code))::integer
     FROM xinyu.submission s JOIN xinyu.school sc USING (school_code)
     WHERE sc.active AND s.period IN ('2023-2024-2', '2024-2025-1')));
SELECT pg_temp.assert_eq('the days of A kept',
    pg_temp.days_a(), '2025-01-05 1 1, 2025-01-10 2 2, 2025-01-25 3 2');
SELECT pg_temp.check_kept('nothing changed', 0);

-- a new version of school 03 of A in T2, on time: only (T2, A) is computed again
UPDATE xinyu.submission SET is_current = false WHERE school_code = '3201920003' AND period = '2024-2025-1';
SELECT pg_temp.submit('3201920003', '2024-2025-1', '2025-01-26 10:00:00+08', :'g');
SELECT pg_temp.check_kept('a new version', 1);
SELECT pg_temp.assert_eq('its first day stays, it is still late',
    pg_temp.days_a(), '2025-01-05 1 1, 2025-01-10 2 2, 2025-01-25 3 2');

-- an earlier version of school 02 that arrives late and is not current: its first day moves
SELECT pg_temp.submit('3201920002', '2024-2025-1', '2025-01-03 10:00:00+08', :'g', '{}', false);
SELECT pg_temp.check_kept('an earlier version', 1);
SELECT pg_temp.assert_eq('school 02 reported on the 3rd',
    pg_temp.days_a(), '2025-01-03 1 0, 2025-01-05 2 1, 2025-01-10 2 2, 2025-01-25 3 2');

-- the first version of school 03 made current again: on time now
UPDATE xinyu.submission SET is_current = false
WHERE school_code = '3201920003' AND period = '2024-2025-1' AND submitted_at > '2025-01-26';
UPDATE xinyu.submission SET is_current = true
WHERE school_code = '3201920003' AND period = '2024-2025-1' AND submitted_at < '2025-01-26';
SELECT pg_temp.check_kept('a version made current again', 1);

-- school 02 of B made inactive: (T2, B)
UPDATE xinyu.school SET active = false WHERE school_code = '3201910002';
SELECT pg_temp.check_kept('a school made inactive', 1);

-- school 01 of A, which reported both terms, moved to B: both terms of both districts (B has
-- a T1 now, A none)
UPDATE xinyu.school SET district_code = '320191' WHERE school_code = '3201920001';
SELECT pg_temp.check_kept('a school moved', 4);
SELECT pg_temp.assert_eq('nothing kept of (T1, A)',
    (SELECT count(*) FROM xinyu.reporting_days_kept WHERE period = '2023-2024-2' AND district_code = '320192'),
    0::bigint);

-- another deadline for T2: every term and district of T2 at once; none for T1 from now on
SELECT pg_temp.check_kept('another deadline',
    (SELECT count(DISTINCT (period, district_code))::integer FROM xinyu.reporting_days_kept),
    ARRAY[NULL::date, date '2025-01-30']);
SELECT pg_temp.check_kept('the deadlines as before',
    (SELECT count(DISTINCT (period, district_code))::integer FROM xinyu.reporting_days_kept));

-- new rules (the text of xinyu.reporting_days changed): everything is computed again
SELECT pg_temp.new_rules('xinyu.reporting_days(text[], date[], text[], text[])'::regprocedure, 'WITH current_all AS');
SELECT pg_temp.check_kept('new rules', (SELECT count(DISTINCT (period, district_code))::integer FROM xinyu.reporting_days_kept));

-- the look-up's form writes nothing and needs no refresh: the same chart
SELECT pg_temp.assert_eq('the pairs of the refresh are those computed for all',
    (SELECT count(*) FROM (
        SELECT * FROM xinyu.reporting_days(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'],
                                           ARRAY['2024-2025-1'], ARRAY['320192'])
        EXCEPT ALL
        SELECT * FROM xinyu.reporting_days(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'])
        WHERE district_code = '320192') x),
    0::bigint);
