-- 017_summaries.sql: schools' work summaries (工作总结) found in the spool (SUBMISSION.md
-- section 8). A summary is never data: it is kept (its bytes and SHA-256, as received) with
-- the exact figures extracted from it, to be compared with the school's current submission
-- of the same term in the data-quality report and the school's letter. It is not a run item:
-- the counts received = loaded + duplicate + superseded + rejected stay those of submissions;
-- each summary kept is noted as a run event.
CREATE TABLE xinyu.summary (
    summary_id bigserial PRIMARY KEY,
    sha256 bytea NOT NULL CHECK (octet_length(sha256) = 32),
    byte_size bigint NOT NULL,
    body bytea NOT NULL,                 -- the file as received (.docx or .txt)
    format text NOT NULL CHECK (format IN ('docx', 'txt')),
    source text NOT NULL,
    ref text NOT NULL,                   -- the file's path in the spool
    school_code text NOT NULL,           -- from the file's name CODE_PERIOD_summary.EXT
    period text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    run_id bigint NOT NULL REFERENCES xinyu.run,
    -- the exact figures of fields of the submission: [{path, column, value, quote, line}];
    -- approximate ones are not compared and not kept here
    figures jsonb NOT NULL DEFAULT '[]',
    UNIQUE (school_code, period, sha256)
);

CREATE INDEX summary_school_period ON xinyu.summary (school_code, period, summary_id);

-- ingest keeps summaries; report reads their figures, never their bodies
GRANT SELECT (summary_id, sha256, school_code, period), INSERT ON xinyu.summary TO xinyu_ingest;
GRANT USAGE ON SEQUENCE xinyu.summary_summary_id_seq TO xinyu_ingest;
GRANT SELECT (summary_id, sha256, byte_size, format, source, ref, school_code, period,
              received_at, run_id, figures) ON xinyu.summary TO xinyu_report;
