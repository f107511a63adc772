-- 023_outliers_kept.sql: the outliers as the nightly run last computed them, per term and
-- district, with what they were computed from (functions/standing.sql: outliers_refresh).
--
-- The outliers of a scope are a function of the current submissions of each term and district
-- (the medians) and of the term before (the threefold changes). Computed anew every night they
-- cost seconds at a city's size, most of it for districts in which nothing changed. The
-- nightly run keeps them here and computes again only the terms and districts whose inputs
-- changed; a submission never changes once stored (a new version is a new row), so the set of
-- current submissions says whether they did.

CREATE TABLE xinyu.outlier_inputs (
    period text NOT NULL,
    district_code text NOT NULL,
    -- of the current submissions of the district's active schools in the term and the term
    -- before, and of the rules (the text of xinyu.quality_outliers): what the kept rows follow from
    inputs text NOT NULL,
    PRIMARY KEY (period, district_code)
);

CREATE TABLE xinyu.outlier_kept (
    period text NOT NULL,
    district_code text NOT NULL,
    school_code text NOT NULL,
    kind text NOT NULL,
    field text NOT NULL,
    path text NOT NULL,
    value numeric NOT NULL,
    reference numeric NOT NULL,
    ratio double precision NOT NULL,
    PRIMARY KEY (period, district_code, school_code, kind, field)
);

COMMENT ON TABLE xinyu.outlier_inputs IS
    'Per term and district, what the kept outliers were computed from (xinyu.outliers_refresh).';
COMMENT ON TABLE xinyu.outlier_kept IS
    'The outliers of each term and district as last computed by the nightly run (xinyu.outliers_refresh).';

-- the nightly run's report keeps them; ingest has nothing to do with them
GRANT SELECT, INSERT, DELETE ON xinyu.outlier_inputs, xinyu.outlier_kept TO xinyu_report;
