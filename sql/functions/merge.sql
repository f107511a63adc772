-- merge.sql: what the merge of one batch asks the database (transform/xform_merge.c).
-- A worker decides every item's outcome in C from one lookup per batch (xinyu.merge_lookup),
-- then COPYs the rows straight into the core tables, all in the batch's transaction, so that
-- a killed worker leaves nothing behind.

-- A registry name as messages quote it (the registry holds no control characters): cut
-- after at most 108 bytes on a character boundary, with "..." marking the cut, like xf_quote_text.
CREATE OR REPLACE FUNCTION xinyu.quote_name(p_name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN octet_length(p_name) <= 108 THEN p_name
                ELSE (SELECT left(p_name, max(n)) || '...'
                      FROM generate_series(0, length(p_name)) n
                      WHERE octet_length(left(p_name, n)) <= 108) END
$$;

-- Creates this session's staging table of spool files (once per connection).
CREATE OR REPLACE FUNCTION xinyu.create_staging() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- files found in a spool directory, before they join the work queue
    CREATE TEMP TABLE IF NOT EXISTS stage_file (
        path text NOT NULL,
        byte_size bigint NOT NULL,
        mtime_ns bigint NOT NULL
    ) ON COMMIT DELETE ROWS;
END
$$;

-- Everything the merge of a batch needs to know from the database, in one call: its items
-- are given as arrays in the order received (p_sha256 NULL when nothing could be read; p_valid: passed the checks made in C; p_first: not a later copy of bytes met earlier in
-- the batch, which the client finds; the school code and term as far as read).
-- Takes the batch's school-term locks first: workers on the same school and term take turns,
-- and the locks are taken in the order of their keys, so two workers cannot wait for each
-- other (different terms whose keys collide only share a lock). Every read after them sees
-- what the worker that held a lock before committed. Returns rows of four kinds:
--   item     ord (1-based); id1 the raw id: the stored copy's when flag (same bytes stored
--            before), else a new one for a first copy in the batch, NULL for a later copy;
--            id2 a new submission id for a valid item that brings new bytes
--   school   t1 school_code, t2 its district, t3 its name, flag active
--   version  a stored version of a batch's school term: t1 school_code, t2 period, id1
--            submission_id, id2 raw_id, flag is_current, n1 submitted_at in microseconds
--            since the epoch, n2 received_seq, n3 received_item
--   now      t1 the transaction's time, which received_at records, n1 the same in
--            microseconds since the epoch; n2 a new block id for the batch's raw bytes
-- New ids are drawn in the order received.
DROP FUNCTION IF EXISTS xinyu.merge_lookup(text[], boolean[], text[], text[]);
DROP FUNCTION IF EXISTS xinyu.merge_lookup(text[], boolean[], boolean[], text[], text[]);
CREATE OR REPLACE FUNCTION xinyu.merge_lookup(p_sha256 bytea[], p_valid boolean[],
                                              p_first boolean[], p_school_code text[],
                                              p_period text[])
RETURNS TABLE (kind text, ord integer, id1 bigint, id2 bigint, flag boolean, t1 text, t2 text,
               t3 text, n1 bigint, n2 bigint, n3 bigint)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(5790031, keys.k)
    FROM (SELECT DISTINCT hashtext(u.c || '/' || u.p) AS k
          FROM unnest(p_school_code, p_period) AS u(c, p)
          WHERE u.c IS NOT NULL AND u.p IS NOT NULL
          ORDER BY 1) keys;

    RETURN QUERY
    SELECT 'item', o.ord,
           coalesce(o.stored, CASE WHEN o.first THEN nextval('xinyu.raw_submission_raw_id_seq') END),
           CASE WHEN o.first AND o.stored IS NULL AND o.valid
                THEN nextval('xinyu.submission_submission_id_seq') END,
           o.stored IS NOT NULL, NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::bigint,
           NULL::bigint
    FROM (SELECT i.ord::integer AS ord, i.valid, i.first, r.raw_id AS stored
          FROM unnest(p_sha256, p_valid, p_first) WITH ORDINALITY AS i(sha, valid, first, ord)
          -- each item's bytes looked up by index (the limit keeps the planner from making the
          -- lookups a join: on a night of a few hundred items it hashed every raw submission,
          -- 6 ms of the night's 9 at 10,000 schools)
          LEFT JOIN LATERAL (SELECT x.raw_id FROM xinyu.raw_submission x
                             WHERE x.sha256 = i.sha LIMIT 1) r ON true
          ORDER BY i.ord) o;

    RETURN QUERY
    SELECT 'school', NULL::integer, NULL::bigint, NULL::bigint, sc.active, sc.school_code,
           sc.district_code, sc.school_name, NULL::bigint, NULL::bigint, NULL::bigint
    FROM xinyu.school sc
    WHERE sc.school_code = ANY (p_school_code);

    RETURN QUERY
    SELECT 'version', NULL::integer, s.submission_id, s.raw_id, s.is_current, s.school_code,
           s.period, NULL::text,
           (extract(epoch FROM s.submitted_at) * 1000000)::bigint, s.received_seq,
           s.received_item
    FROM xinyu.submission s
    WHERE (s.school_code, s.period) IN (SELECT DISTINCT u.c, u.p
                                        FROM unnest(p_school_code, p_period) AS u(c, p)
                                        WHERE u.c IS NOT NULL AND u.p IS NOT NULL);

    RETURN QUERY
    SELECT 'now', NULL::integer, NULL::bigint, NULL::bigint, NULL::boolean, now()::text,
           NULL::text, NULL::text, (extract(epoch FROM now()) * 1000000)::bigint,
           nextval('xinyu.raw_block_block_id_seq'), NULL::bigint;
END
$$;

-- The stored versions whose place changed: p_demote lose it, then p_promote take it (in this
-- order, so that the unique index of current versions never sees two). Items this run loaded
-- in an earlier batch and that a later version replaced now become superseded.
-- Each update finds its few rows by key, driven by the ids given: during a first load the
-- tables' statistics still describe them nearly empty, and a plan made from those scanned
-- every item of the run (half a second a batch at 400,000 items); hence the joins on the
-- arrays, each id a lookup, and no sequential scans.
CREATE OR REPLACE FUNCTION xinyu.merge_versions(p_run_id bigint, p_demote bigint[],
                                                p_promote bigint[])
RETURNS void
LANGUAGE plpgsql
SET enable_seqscan = off
AS $$
DECLARE
    v_demoted bigint[];
    v_raw bigint;
BEGIN
    WITH cleared AS (
        UPDATE xinyu.submission s SET is_current = false
        FROM unnest(p_demote) AS d(submission_id)
        WHERE s.submission_id = d.submission_id AND s.is_current
        RETURNING s.raw_id)
    SELECT array_agg(raw_id) INTO v_demoted FROM cleared;

    UPDATE xinyu.submission s SET is_current = true
    FROM unnest(p_promote) AS p(submission_id)
    WHERE s.submission_id = p.submission_id AND NOT s.is_current;

    -- each item by its raw id alone: with no statistics of the run's items yet, the index of
    -- the run and outcome looked like a few rows, and a join on the array read it whole, every
    -- item of the run for each batch (0.1 s a batch at 400,000 items); so one lookup per id,
    -- the run and the outcome tested as expressions that no index serves
    IF v_demoted IS NOT NULL THEN
        FOREACH v_raw IN ARRAY v_demoted LOOP
            UPDATE xinyu.run_item ri SET outcome = 'superseded'
            WHERE ri.raw_id = v_raw AND ri.run_id + 0 = p_run_id AND ri.outcome || '' = 'loaded';
        END LOOP;
    END IF;
END
$$;
