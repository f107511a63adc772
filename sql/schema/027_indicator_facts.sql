-- 027_indicator_facts.sql: what the indicators of a scope take from each active school, as the
-- last indicator report of that scope computed it (functions/indicators.sql:
-- xinyu.indicator_facts_refresh).
--
-- A school's row of the indicators (its state for each school-share indicator, the inputs of
-- the sum ratios) follows from its registry entry and its current submissions of the scope's
-- terms, and from the scope's deadlines and targets. Computed anew for every school each night
-- they cost seconds at a city's size, nearly all of it for schools in which nothing changed.
-- The report keeps them here with what they were computed from, and computes again only the
-- schools whose entry or current submissions changed; a submission never changes once stored
-- (a new version is a new row), so the ids of the current ones say whether they did.
--
-- The rows can always be computed again from the tables of record: they are kept unlogged, so
-- they cost no WAL, and after a crash of the server, which empties them, the next report
-- computes them all.

CREATE UNLOGGED TABLE xinyu.indicator_fact_scope (
    -- of the terms, deadlines and targets' parameters, and the text of the functions
    -- (xinyu.indicator_fact_key)
    scope_key text PRIMARY KEY,
    periods text[] NOT NULL,
    -- when a report last brought them up to date: the facts of a scope no report has asked
    -- for in 30 days are dropped (a past year's, say); asked for again, they are computed
    refreshed_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNLOGGED TABLE xinyu.indicator_fact (
    scope_key text NOT NULL,  -- of xinyu.indicator_fact_scope
    school_code text NOT NULL,
    -- the school's current submissions of the scope's terms when the row was computed: how
    -- many, an exclusive-or of their ids and one of their ids' hashes (0, 0, 0 for none)
    inputs_n integer NOT NULL,
    inputs_xor bigint NOT NULL,
    inputs_mix integer NOT NULL,
    district_code text NOT NULL,
    school_type text NOT NULL,
    reported_all boolean,
    on_time_all boolean,
    took_part boolean,
    e integer,
    f integer,
    p integer,
    degree_psych_fulltime_degree integer,
    degree_psych_fulltime integer,
    cert_a_psych_cert_a integer,
    cert_a_psych_fulltime integer,
    cert_a_psych_parttime integer,
    cert_b_head_teachers_cert_b integer,
    cert_b_head_teachers integer,
    cert_c_subject_teachers_cert_c integer,
    cert_c_subject_teachers integer,
    funding_psych_yuan numeric,
    screening_students_screened integer,
    screening_enrolled_grade4_up integer,
    screening_students_flagged integer,
    screening_archives integer,
    crisis_incidents bigint,
    psych_teacher_presence integer,
    large_school_fulltime integer,
    funding_compliant_schools integer,
    lesson_compliance integer,
    theme_meeting_compliance integer,
    room_rate integer,
    room_hours_compliance integer,
    research_group_compliance integer,
    care_ledger_rate integer,
    parent_training_compliance integer,
    teacher_training_compliance integer,
    PRIMARY KEY (scope_key, school_code)
);

-- Rows are found by scope and school alone; the figures get no planner statistics (as the
-- submission's, 024): ANALYZE of the table, which the next run's xinyu.analyze_changed does
-- after a report rewrote it, samples two columns instead of forty.
DO $$
DECLARE
    v_column text;
BEGIN
    FOR v_column IN
        SELECT a.attname
        FROM pg_attribute a
        WHERE a.attrelid = 'xinyu.indicator_fact'::regclass
          AND a.attnum > 0
          AND NOT a.attisdropped
          AND a.attname NOT IN ('scope_key', 'school_code')
    LOOP
        EXECUTE format('ALTER TABLE xinyu.indicator_fact ALTER COLUMN %I SET STATISTICS 0',
                       v_column);
    END LOOP;
END
$$;

COMMENT ON TABLE xinyu.indicator_fact_scope IS
    'The scopes whose indicator facts are kept in xinyu.indicator_fact (xinyu.indicator_facts_refresh).';
COMMENT ON TABLE xinyu.indicator_fact IS
    'Per scope and active school, the row of xinyu.indicator_facts as the last indicator report computed it, with the submissions it was computed from.';

-- the indicator report keeps them; ingest has nothing to do with them
GRANT SELECT, INSERT, UPDATE, DELETE ON xinyu.indicator_fact_scope, xinyu.indicator_fact
    TO xinyu_report;
