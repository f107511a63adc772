-- 012_overview.sql: overview_rows, the district overview of one term (INDICATORS.md "District
-- overview"): rows per district, per district and type, per type city-wide and the city total.
-- Fixture: fixtures/indicators_fixture.sql.
\set ON_ERROR_STOP 1
\ir fixtures/indicators_fixture.sql

CREATE TEMP TABLE expected_overview (
    district_code text,
    school_type text,
    schools_active bigint,
    schools_reported bigint,
    students bigint,
    psych_fulltime bigint,
    psych_parttime bigint,
    schools_with_room bigint,
    schools_with_lessons bigint
);

-- T2 = 2024-2025-1, current versions (B's superseded F9 P9 room t version and the inactive F
-- must not count):
--   A primary  E570 F2 P NULL room t  lessons 29+60 = 89 > 0
--   B junior   E450 F0 P3     room f  lessons 40+0+40 = 80 > 0
--   C senior   E570 F0 P2     room t  no lessons reported
--   D primary  not reported
--   E nine_yr  E80  F NULL P NULL room NULL  lessons 5+10 = 15 > 0
--   G primary (320198) not reported
CREATE TEMP TABLE got_overview AS SELECT * FROM xinyu.overview_rows('2024-2025-1');
INSERT INTO expected_overview VALUES
    -- 320199: active A B C D E = 5, reported A B C E = 4, students 570+450+570+80 = 1670,
    -- F 2+0+0 = 2 (E's NULL adds nothing), P 3+2 = 5, rooms A C = 2, lessons A B E = 3
    ('320199', NULL, 5, 4, 1670, 2, 5, 2, 3),
    ('320199', 'junior', 1, 1, 450, 0, 3, 0, 1),
    ('320199', 'nine_year', 1, 1, 80, 0, 0, 0, 1),
    ('320199', 'primary', 2, 1, 570, 2, 0, 1, 1),
    ('320199', 'senior', 1, 1, 570, 0, 2, 1, 0),
    -- 320198: G active, nobody reported
    ('320198', NULL, 1, 0, 0, 0, 0, 0, 0),
    ('320198', 'primary', 1, 0, 0, 0, 0, 0, 0),
    -- city: the sum of both districts
    (NULL, NULL, 6, 4, 1670, 2, 5, 2, 3),
    (NULL, 'junior', 1, 1, 450, 0, 3, 0, 1),
    (NULL, 'nine_year', 1, 1, 80, 0, 0, 0, 1),
    (NULL, 'primary', 3, 1, 570, 2, 0, 1, 1),
    (NULL, 'senior', 1, 1, 570, 0, 2, 1, 0);
SELECT pg_temp.assert_same('overview T2: 12 rows', 'got_overview', 'expected_overview');

-- Order: districts (total first, then types in the order of the stages they enrol), then
-- the city.
SELECT pg_temp.assert_eq('overview: row order',
    (SELECT string_agg(coalesce(district_code, 'city') || '/' || coalesce(school_type, 'all'), ',')
     FROM xinyu.overview_rows('2024-2025-1')),
    '320198/all,320198/primary,320199/all,320199/primary,320199/junior,320199/senior,320199/nine_year,'
    'city/all,city/primary,city/junior,city/senior,city/nine_year');

-- T1 = 2023-2024-2: A E550 F1 P2 room t lessons 31+50; B E420 F0 P3 room f lessons 40+40+30;
-- E E75, no lessons reported, room NULL. Totals: reported 3, students 550+420+75 = 1045,
-- F 1, P 5, rooms 1, lessons A B = 2.
TRUNCATE expected_overview;
INSERT INTO expected_overview VALUES
    ('320199', NULL, 5, 3, 1045, 1, 5, 1, 2),
    ('320198', NULL, 1, 0, 0, 0, 0, 0, 0),
    (NULL, NULL, 6, 3, 1045, 1, 5, 1, 2);
CREATE TEMP VIEW got_overview_t1 AS SELECT * FROM xinyu.overview_rows('2023-2024-2') WHERE school_type IS NULL;
SELECT pg_temp.assert_same('overview T1: totals', 'got_overview_t1', 'expected_overview');

-- A term nobody reported: every active school counted, everything else 0, same 12 groups.
SELECT pg_temp.assert_eq('overview: a term without submissions',
    (SELECT string_agg(DISTINCT (schools_reported, students, psych_fulltime, psych_parttime,
                                 schools_with_room, schools_with_lessons)::text, ',')
     FROM xinyu.overview_rows('2022-2023-1')),
    '(0,0,0,0,0,0)');
SELECT pg_temp.assert_eq('overview: a term without submissions, active schools',
    (SELECT string_agg(coalesce(district_code, 'city') || '=' || schools_active, ',' ORDER BY district_code NULLS LAST)
     FROM xinyu.overview_rows('2022-2023-1') WHERE school_type IS NULL),
    '320198=1,320199=5,city=6');
