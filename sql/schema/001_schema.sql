-- 001_schema.sql: registry, runs, ingest queue, raw zone, issues and normalized submissions.
-- Every fact table carries district_code so that it can be distributed by district.

CREATE TABLE xinyu.district (
    district_code text PRIMARY KEY CHECK (district_code ~ '^[0-9]{6}$'),
    district_name text NOT NULL
);

CREATE TABLE xinyu.school (
    school_code text PRIMARY KEY CHECK (school_code ~ '^[0-9]{10}$'),
    school_name text NOT NULL,
    district_code text NOT NULL REFERENCES xinyu.district,
    school_type text NOT NULL CHECK (school_type IN ('primary', 'junior', 'senior', 'nine_year',
                                                     'complete_secondary', 'twelve_year', 'special')),
    active boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX school_district ON xinyu.school (district_code);

-- One row per invocation that changes data; counts are filled from run_item when it ends.
CREATE TABLE xinyu.run (
    run_id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('run', 'ingest', 'registry', 'report')),
    status text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'ok', 'partial', 'failed', 'aborted')),
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    host text NOT NULL,
    pid integer NOT NULL,
    backend_pid integer NOT NULL DEFAULT pg_backend_pid(),
    args text NOT NULL DEFAULT '',
    received integer NOT NULL DEFAULT 0,
    loaded integer NOT NULL DEFAULT 0,
    duplicate integer NOT NULL DEFAULT 0,
    superseded integer NOT NULL DEFAULT 0,
    rejected integer NOT NULL DEFAULT 0,
    warnings integer NOT NULL DEFAULT 0,
    failed_sources integer NOT NULL DEFAULT 0,
    timings jsonb NOT NULL DEFAULT '{}',
    message text,
    CHECK (received = loaded + duplicate + superseded + rejected)
);

-- Problems of a run that are not about one submission (a source that failed, a file that vanished).
CREATE TABLE xinyu.run_event (
    run_id bigint NOT NULL REFERENCES xinyu.run,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    source text,
    severity text NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    message text NOT NULL
);

CREATE INDEX run_event_run ON xinyu.run_event (run_id);

-- The spool work queue: one row per file version seen; done_run is NULL until its
-- submissions are committed, so a killed worker's files are simply taken again.
CREATE TABLE xinyu.ingest_file (
    file_id bigserial PRIMARY KEY,
    source text NOT NULL,
    path text NOT NULL,
    byte_size bigint NOT NULL,
    mtime_ns bigint NOT NULL,
    discovered_run bigint NOT NULL REFERENCES xinyu.run,
    done_run bigint REFERENCES xinyu.run,
    UNIQUE (source, path, byte_size, mtime_ns)
);

CREATE INDEX ingest_file_pending ON xinyu.ingest_file (source, path) WHERE done_run IS NULL;

-- The last cursor of each HTTP source; advanced in the transaction that commits its page.
CREATE TABLE xinyu.source_state (
    source text PRIMARY KEY,
    cursor text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    run_id bigint REFERENCES xinyu.run
);

-- The raw zone: every distinct submission ever received, its bytes gzip-compressed.
CREATE TABLE xinyu.raw_submission (
    raw_id bigserial PRIMARY KEY,
    sha256 bytea UNIQUE CHECK (octet_length(sha256) = 32), -- of the inflated bytes; NULL if unreadable
    byte_size bigint NOT NULL,
    body_gz bytea,                                          -- NULL when not kept (over the limit)
    source text NOT NULL,
    ref text NOT NULL,                                      -- file path (":line" in JSON Lines) or URL
    received_at timestamptz NOT NULL DEFAULT now(),
    run_id bigint NOT NULL REFERENCES xinyu.run,
    school_code text,                                       -- as far as it could be read
    period text,
    district_code text                                      -- the registry's, when the school is known
);

CREATE INDEX raw_submission_run ON xinyu.raw_submission (run_id);

-- Every item received by a run and what became of it; run counts are made from these rows.
CREATE TABLE xinyu.run_item (
    item_id bigserial PRIMARY KEY,
    run_id bigint NOT NULL REFERENCES xinyu.run,
    raw_id bigint REFERENCES xinyu.raw_submission, -- for a duplicate, the earlier copy
    source text NOT NULL,
    ref text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('loaded', 'duplicate', 'superseded', 'rejected')),
    school_code text,
    period text,
    district_code text
);

CREATE INDEX run_item_run ON xinyu.run_item (run_id, outcome);

CREATE INDEX run_item_raw ON xinyu.run_item (raw_id);

-- Rejection reasons and warnings, each with its JSON path.
CREATE TABLE xinyu.submission_issue (
    raw_id bigint NOT NULL REFERENCES xinyu.raw_submission,
    seq integer NOT NULL,
    severity text NOT NULL CHECK (severity IN ('reject', 'warning')),
    code text NOT NULL,
    path text NOT NULL,
    message text NOT NULL,
    district_code text,
    PRIMARY KEY (raw_id, seq)
);

-- Normalized submissions: one wide row per accepted submission, current or superseded.
CREATE TABLE xinyu.submission (
    submission_id bigserial PRIMARY KEY,
    raw_id bigint NOT NULL UNIQUE REFERENCES xinyu.raw_submission,
    school_code text NOT NULL REFERENCES xinyu.school,
    district_code text NOT NULL,
    period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{4}-[12]$'),
    submitted_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    run_id bigint NOT NULL REFERENCES xinyu.run,
    is_current boolean NOT NULL,
    school_name_reported text,
    district_code_reported text,
    enrolled_total integer NOT NULL CHECK (enrolled_total >= 0),   -- E
    enrolled_grade4_up integer NOT NULL CHECK (enrolled_grade4_up >= 0), -- E4
    classes_total integer NOT NULL CHECK (classes_total >= 0),
    lessons_reported boolean NOT NULL,
    staff_psych_fulltime integer CHECK (staff_psych_fulltime >= 0),
    staff_psych_parttime integer CHECK (staff_psych_parttime >= 0),
    staff_psych_fulltime_degree integer CHECK (staff_psych_fulltime_degree >= 0),
    staff_psych_cert_a integer CHECK (staff_psych_cert_a >= 0),
    staff_parttime_3yr_head integer CHECK (staff_parttime_3yr_head >= 0),
    staff_head_teachers integer CHECK (staff_head_teachers >= 0),
    staff_head_teachers_cert_b integer CHECK (staff_head_teachers_cert_b >= 0),
    staff_subject_teachers integer CHECK (staff_subject_teachers >= 0),
    staff_subject_teachers_cert_c integer CHECK (staff_subject_teachers_cert_c >= 0),
    funding_psych_yuan numeric(16,2) CHECK (funding_psych_yuan >= 0),
    curriculum_theme_meetings integer CHECK (curriculum_theme_meetings >= 0),
    curriculum_special_activities integer CHECK (curriculum_special_activities >= 0),
    counseling_room boolean,
    counseling_open_hours_per_week double precision CHECK (counseling_open_hours_per_week BETWEEN 0 AND 168),
    counseling_individual_sessions integer CHECK (counseling_individual_sessions >= 0),
    counseling_group_sessions integer CHECK (counseling_group_sessions >= 0),
    counseling_group_participants integer CHECK (counseling_group_participants >= 0),
    screening_students_screened integer CHECK (screening_students_screened >= 0),
    screening_students_flagged integer CHECK (screening_students_flagged >= 0),
    screening_archives integer CHECK (screening_archives >= 0),
    care_ledger boolean,
    care_left_behind integer CHECK (care_left_behind >= 0),
    care_single_parent integer CHECK (care_single_parent >= 0),
    care_special_needs integer CHECK (care_special_needs >= 0),
    home_school_parent_trainings integer CHECK (home_school_parent_trainings >= 0),
    home_school_psych_parent_trainings integer CHECK (home_school_psych_parent_trainings >= 0),
    home_school_parent_attendees integer CHECK (home_school_parent_attendees >= 0),
    home_school_home_visit_rate double precision CHECK (home_school_home_visit_rate BETWEEN 0 AND 1),
    training_all_staff_sessions integer CHECK (training_all_staff_sessions >= 0),
    training_hours_psych_and_head double precision CHECK (training_hours_psych_and_head >= 0),
    crisis_incidents integer CHECK (crisis_incidents >= 0),
    crisis_referrals integer CHECK (crisis_referrals >= 0),
    crisis_major_incident_school_fault boolean,
    governance_research_group boolean,
    governance_three_year_plan boolean,
    governance_annual_meeting_minutes boolean,
    research_city_awards integer CHECK (research_city_awards >= 0),
    research_papers integer CHECK (research_papers >= 0),
    research_books integer CHECK (research_books >= 0),
    research_years_of_practice integer CHECK (research_years_of_practice >= 0)
);

-- At most one current version per school and term.
CREATE UNIQUE INDEX submission_current ON xinyu.submission (school_code, period) WHERE is_current;

CREATE INDEX submission_period ON xinyu.submission (period, district_code) WHERE is_current;

-- Per-grade figures of a submission; a grade appears when any of its three values was sent.
CREATE TABLE xinyu.submission_grade (
    submission_id bigint NOT NULL REFERENCES xinyu.submission,
    district_code text NOT NULL,
    grade smallint NOT NULL CHECK (grade BETWEEN 1 AND 12),
    enrolled integer CHECK (enrolled >= 0),
    classes integer CHECK (classes >= 0),
    lessons integer CHECK (lessons >= 0),
    PRIMARY KEY (submission_id, grade)
);

-- Reports written (and, when labelled, published and frozen).
CREATE TABLE xinyu.report (
    report_id bigserial PRIMARY KEY,
    kind text NOT NULL,
    scope jsonb NOT NULL,
    generated_at timestamptz NOT NULL DEFAULT now(),
    label text UNIQUE,
    targets_sha256 bytea,
    inputs_sha256 bytea,
    document jsonb NOT NULL
);

-- Each submission with its state for people and other tools.
CREATE VIEW xinyu.submission_history AS
SELECT s.submission_id, s.school_code, s.district_code, s.period, s.submitted_at, s.received_at,
       CASE WHEN s.is_current THEN 'current' ELSE 'superseded' END AS state,
       r.source, r.ref, encode(r.sha256, 'hex') AS sha256
FROM xinyu.submission s
JOIN xinyu.raw_submission r USING (raw_id);
