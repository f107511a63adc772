-- 030_change_log.sql: which schools' submissions and registry entries changed, by transaction
-- (functions/changes.sql).
--
-- The nightly run keeps what it computes from every school (the indicator facts, 027; the
-- outliers, 023; the days of the reporting chart, 029) and computes again only what changed.
-- It used to learn what changed by aggregating every current submission of the year into
-- fingerprints and comparing them with the kept ones: at a city's size a second and more of
-- the server's time every night, to find the few thousand schools a night brings. Triggers on
-- the submissions and the registry now write, in the transaction that makes a change, which
-- schools it touched; a kept state remembers the snapshot it was computed in, and what it has
-- not seen is what the transactions that snapshot does not see wrote here. Any way a row
-- changes — the merge, the registry, a hand-made UPDATE — is written, as the triggers see it.
--
-- The log is logged like the tables it describes: a kept state that survives a crash of the
-- server must find every change made since it was computed.

CREATE TABLE xinyu.change_log (
    -- the transaction that made the change
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    -- the term of the submissions changed; NULL: the registry entries of the schools changed
    -- (their rows in every term)
    period text,
    -- the schools; NULL: every school (the table was emptied)
    school_codes text[],
    -- of a registry change, each school's district (a school moved has two entries: before
    -- and after); NULL for submissions
    district_codes text[],
    CHECK (period IS NULL OR district_codes IS NULL),
    CHECK (district_codes IS NULL OR cardinality(district_codes) = cardinality(school_codes))
);

CREATE INDEX change_log_txid ON xinyu.change_log (txid);

-- The log holds every change of a transaction at or after txid: an older one may have been
-- dropped (xinyu.change_log_prune). A kept state whose snapshot may not see an older one is
-- computed anew.
CREATE TABLE xinyu.change_log_horizon (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    txid xid8 NOT NULL
);

-- changes before this transaction were never written: a snapshot that might not see one of
-- them (one older than this transaction still running) is not covered
INSERT INTO xinyu.change_log_horizon (txid)
VALUES (((pg_current_xact_id()::text)::bigint + 1)::text::xid8);

COMMENT ON TABLE xinyu.change_log IS
    'Per transaction, the schools whose submissions of a term or registry entries it changed (written by triggers; xinyu.changes_since).';
COMMENT ON TABLE xinyu.change_log_horizon IS
    'The oldest transaction whose changes xinyu.change_log still holds all of.';

-- What each kept state was computed in: it has seen every change its snapshot sees.
ALTER TABLE xinyu.indicator_fact_scope ADD COLUMN since pg_snapshot;

-- The kept days and outliers follow a term's changes, not a fingerprint of every district.
DROP TABLE xinyu.reporting_days_inputs;
DROP TABLE xinyu.outlier_inputs;

-- Per kept state and term, what it was computed with and in (xinyu.kept_terms_mark). Unlogged
-- like most of what it describes: after a crash of the server, which empties it, every state
-- is computed whole (the kept outliers, logged, then once more than they need).
CREATE UNLOGGED TABLE xinyu.kept_term (
    kind text NOT NULL CONSTRAINT kept_term_kind CHECK (kind IN ('days', 'outliers')),
    period text NOT NULL,
    deadline date,            -- the term's deadline it was computed with (NULL: none or unused)
    rules text NOT NULL,      -- md5 of the text of the functions that compute it
    since pg_snapshot NOT NULL,
    refreshed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, period)
);

COMMENT ON TABLE xinyu.kept_term IS
    'Per kept state (the chart''s days, the outliers) and term, what it was computed with and in.';

-- ingest writes submissions, so their changes; the report reads the log and keeps its states
GRANT INSERT ON xinyu.change_log TO xinyu_ingest;
GRANT SELECT ON xinyu.change_log, xinyu.change_log_horizon TO xinyu_report;
GRANT SELECT, INSERT, UPDATE, DELETE ON xinyu.kept_term TO xinyu_report;
