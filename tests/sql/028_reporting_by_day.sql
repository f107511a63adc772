-- 028_reporting_by_day.sql: the days of the reporting chart (xinyu.quality_reporting_by_day)
-- with the inputs a caller can get wrong or odd: a term listed twice with two deadlines (the
-- first counts), a deadline unknown, fewer deadlines than terms, a term nobody reported; and
-- the rules: a school's first day is its first accepted version's, on time is its current
-- version's, inactive schools do not count.
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

INSERT INTO xinyu.district (district_code, district_name) VALUES ('320193', '图表区');
INSERT INTO xinyu.school (school_code, school_name, district_code, school_type, active)
SELECT '32019300' || lpad(n::text, 2, '0'), '图表学校' || n, '320193', 'primary', n <> 4
FROM generate_series(1, 4) n;

\set g '{"1": [100, 2, 10]}'
-- school 01: a first version on 5 January, superseded by one on 25 January (after the
-- deadline of the 20th); school 02 on 10 January; school 03 never; school 04 is inactive
SELECT pg_temp.submit('3201930001', '2024-2025-1', '2025-01-05 10:00:00+08', :'g', '{}', false);
SELECT pg_temp.submit('3201930001', '2024-2025-1', '2025-01-25 10:00:00+08', :'g', '{}');
SELECT pg_temp.submit('3201930002', '2024-2025-1', '2025-01-10 23:59:59+08', :'g', '{}');
SELECT pg_temp.submit('3201930004', '2024-2025-1', '2025-01-08 10:00:00+08', :'g', '{}');

CREATE FUNCTION pg_temp.days(p_periods text[], p_deadlines date[]) RETURNS text
LANGUAGE sql AS $$
SELECT string_agg(concat_ws(' ', period, deadline, coalesce(day::text, '-'), schools_active,
                            schools_reported, coalesce(schools_on_time::text, '-')),
                  ', ' ORDER BY period, day)
FROM xinyu.quality_reporting_by_day(p_periods, p_deadlines)
WHERE district_code = '320193'
$$;

SELECT pg_temp.assert_eq('by day: first versions, current versions on time',
    pg_temp.days(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']),
    '2024-2025-1 2025-01-20 2025-01-05 3 1 0, 2024-2025-1 2025-01-20 2025-01-10 3 2 1');
SELECT pg_temp.assert_eq('by day: a term listed twice takes its first deadline',
    pg_temp.days(ARRAY['2024-2025-1', '2024-2025-1'], ARRAY[date '2025-01-30', date '2025-01-20']),
    '2024-2025-1 2025-01-30 2025-01-05 3 1 0, 2024-2025-1 2025-01-30 2025-01-10 3 2 1, '
    '2024-2025-1 2025-01-30 2025-01-25 3 2 2');
SELECT pg_temp.assert_eq('by day: the same with the deadlines the other way round',
    pg_temp.days(ARRAY['2024-2025-1', '2024-2025-1'], ARRAY[date '2025-01-20', date '2025-01-30']),
    pg_temp.days(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']));
SELECT pg_temp.assert_eq('by day: no deadline, no on-time count',
    pg_temp.days(ARRAY['2024-2025-1'], ARRAY[NULL::date]),
    '2024-2025-1 2025-01-05 3 1 -, 2024-2025-1 2025-01-10 3 2 -');
SELECT pg_temp.assert_eq('by day: fewer deadlines than terms',
    pg_temp.days(ARRAY['2023-2024-2', '2024-2025-1'], ARRAY[date '2024-07-15']),
    '2023-2024-2 2024-07-15 - 3 0 0, 2024-2025-1 2025-01-05 3 1 -, 2024-2025-1 2025-01-10 3 2 -');
SELECT pg_temp.assert_eq('by day: no deadlines at all',
    pg_temp.days(ARRAY['2024-2025-1'], NULL),
    pg_temp.days(ARRAY['2024-2025-1'], ARRAY[NULL::date]));
SELECT pg_temp.assert_eq('by day: a term nobody reported',
    pg_temp.days(ARRAY['2022-2023-1'], ARRAY[date '2023-01-20']),
    '2022-2023-1 2023-01-20 - 3 0 0');
SELECT pg_temp.assert_eq('by day: a NULL among the terms is no term',
    pg_temp.days(ARRAY[NULL, '2024-2025-1'], ARRAY[date '2024-01-01', date '2025-01-20']),
    pg_temp.days(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20']));
-- the city: every active school of the registry, reported counts that end at the term's
SELECT pg_temp.assert_eq('by day: the city ends at the term''s reported count',
    (SELECT schools_reported FROM xinyu.quality_reporting_by_day(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'])
     WHERE district_code IS NULL ORDER BY day DESC NULLS LAST LIMIT 1),
    (SELECT schools_reported FROM xinyu.quality_terms(ARRAY['2024-2025-1'], ARRAY[date '2025-01-20'])));
