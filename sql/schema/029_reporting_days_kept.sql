-- 029_reporting_days_kept.sql: the days of the quality page's reporting chart as the nightly
-- run last computed them, per term and district, with what they were computed from
-- (functions/pages.sql: xinyu.reporting_days_refresh).
--
-- A district's days follow from the submissions of its active schools in the term (the first
-- accepted version of each school, and its current version) and from the term's deadline.
-- Computed anew every night they cost a second at a city's size, nearly all of it for
-- districts in which nothing changed. The nightly run keeps them here and computes again only
-- the terms and districts whose inputs changed; a submission never changes once stored (a new
-- version is a new row), so the ids of the versions, and of the current ones, say whether they
-- did.
--
-- The rows can always be computed again from the tables of record: they are kept unlogged, so
-- they cost no WAL, and after a crash of the server, which empties them, the next night
-- computes them all.

CREATE UNLOGGED TABLE xinyu.reporting_days_inputs (
    period text NOT NULL,
    district_code text NOT NULL,
    -- of the versions and the current versions of the district's active schools in the term,
    -- the term's deadline and the rules (the text of xinyu.reporting_days)
    inputs text NOT NULL,
    PRIMARY KEY (period, district_code)
);

CREATE UNLOGGED TABLE xinyu.reporting_days_kept (
    period text NOT NULL,
    district_code text NOT NULL,
    day date NOT NULL,
    reported bigint NOT NULL,  -- schools whose first accepted version was made that day
    on_time bigint NOT NULL,   -- current versions made that day, by the deadline
    PRIMARY KEY (period, district_code, day)
);

COMMENT ON TABLE xinyu.reporting_days_inputs IS
    'Per term and district, what the kept days of the reporting chart were computed from (xinyu.reporting_days_refresh).';
COMMENT ON TABLE xinyu.reporting_days_kept IS
    'The days of the reporting chart of each term and district as last computed by the nightly run (xinyu.reporting_days_refresh).';

-- the nightly run's report keeps them; ingest has nothing to do with them
GRANT SELECT, INSERT, DELETE ON xinyu.reporting_days_inputs, xinyu.reporting_days_kept
    TO xinyu_report;
