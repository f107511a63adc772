-- 031_standing_kept.sql: the schools not reported and the late current versions of a year's
-- terms as the nightly run last computed them (functions/standing.sql:
-- xinyu.standing_refresh).
--
-- The nightly run's report computed both lists three times over every school and current
-- submission of the year: to record what it saw first (xinyu.standing_record), to count them
-- per term (xinyu.quality_terms) and to list them; 1.3 s of a night's report at 200,000
-- schools, for the few thousand schools a night changes. It keeps them here per term and
-- school and computes again only the schools the log of changes (030) names, as it does the
-- outliers; the counts and the lists read them.
--
-- The rows can always be computed again from the tables of record: they are kept unlogged,
-- and after a crash of the server, which empties them with their terms (xinyu.kept_term,
-- kind 'standing'), the next night computes them all.

CREATE UNLOGGED TABLE xinyu.standing_kept (
    period text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('not_reported', 'late')),
    school_code text NOT NULL,
    -- of a late school, its current version: when it was made, and its raw submission
    submitted_at timestamptz,
    raw_id bigint,
    PRIMARY KEY (period, kind, school_code)
);

COMMENT ON TABLE xinyu.standing_kept IS
    'The schools not reported and the late current versions of each term as last computed by the nightly run (xinyu.standing_refresh).';

-- a term's superseded versions counted by index: a few per cent of its rows
CREATE INDEX submission_superseded ON xinyu.submission (period) WHERE NOT is_current;

-- their terms are kept with the others'
ALTER TABLE xinyu.kept_term DROP CONSTRAINT kept_term_kind,
    ADD CONSTRAINT kept_term_kind CHECK (kind IN ('days', 'outliers', 'standing'));
COMMENT ON TABLE xinyu.kept_term IS
    'Per kept state (the chart''s days, the outliers, the schools not reported and late) and term, what it was computed with and in.';

GRANT SELECT, INSERT, UPDATE, DELETE ON xinyu.standing_kept TO xinyu_report;
