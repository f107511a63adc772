-- changes.sql: the log of which schools' submissions and registry entries changed
-- (xinyu.change_log, 030), written by triggers, read by the kept states of the nightly run.
--
-- A kept state stores the snapshot it was computed in (xinyu.change_snapshot). The changes it
-- has not seen are those written by the transactions that snapshot does not see: committed
-- after it was taken, or running then (xinyu.changes_since). The log is read by its
-- transactions' ids, the tables of record are not scanned.

-- The submissions changed by a statement, per term: one row of the log per term touched, a
-- school named as often as it has rows in the statement (xinyu.changes_since reads them
-- distinct: sorting every batch's codes cost the load a third of the trigger's time).
CREATE OR REPLACE FUNCTION xinyu.submission_logged()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO xinyu.change_log (period, school_codes)
        SELECT n.period, array_agg(n.school_code) FROM new_rows n GROUP BY n.period;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO xinyu.change_log (period, school_codes)
        SELECT c.period, array_agg(c.school_code)
        FROM (SELECT n.period, n.school_code FROM new_rows n
              UNION ALL
              SELECT o.period, o.school_code FROM old_rows o) c
        GROUP BY c.period;
    ELSE
        -- DELETE (TRUNCATE: xinyu.emptied_logged)
        INSERT INTO xinyu.change_log (period, school_codes)
        SELECT o.period, array_agg(o.school_code) FROM old_rows o GROUP BY o.period;
    END IF;
    RETURN NULL;
END
$$;

-- The registry entries changed by a statement: each school with its district, before and
-- after (a school moved changes both districts). Only rows whose code, district, type or
-- activity changed: the kept states follow nothing else of a school.
CREATE OR REPLACE FUNCTION xinyu.school_logged()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO xinyu.change_log (period, school_codes, district_codes)
        SELECT NULL, array_agg(n.school_code), array_agg(n.district_code)
        FROM new_rows n
        HAVING count(*) > 0;
    ELSIF TG_OP = 'UPDATE' THEN
        -- a row's old and new values are matched by position in neither table: by code, and
        -- a code changed shows as a row of each side without its match
        WITH o AS (SELECT o.school_code, o.district_code, o.school_type, o.active FROM old_rows o),
        n AS (SELECT n.school_code, n.district_code, n.school_type, n.active FROM new_rows n),
        c AS (
            SELECT o.school_code, o.district_code FROM o
            WHERE NOT EXISTS (SELECT FROM n WHERE (n.*) = (o.*))
            UNION
            SELECT n.school_code, n.district_code FROM n
            WHERE NOT EXISTS (SELECT FROM o WHERE (o.*) = (n.*))
        )
        INSERT INTO xinyu.change_log (period, school_codes, district_codes)
        SELECT NULL, array_agg(c.school_code), array_agg(c.district_code)
        FROM c
        HAVING count(*) > 0;
    ELSE
        -- DELETE
        INSERT INTO xinyu.change_log (period, school_codes, district_codes)
        SELECT NULL, array_agg(o.school_code), array_agg(o.district_code)
        FROM old_rows o
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;

-- Either table emptied: every school, a row the kept states cannot follow (a TRUNCATE has no
-- transition tables; xinyu.change_log_covers).
CREATE OR REPLACE FUNCTION xinyu.emptied_logged()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO xinyu.change_log (period, school_codes) VALUES (NULL, NULL);
    RETURN NULL;
END
$$;

-- A trigger with transition tables serves one event: one each, on both tables.
DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['submission', 'school'] LOOP
        EXECUTE format('CREATE OR REPLACE TRIGGER %1$s_logged_insert AFTER INSERT ON xinyu.%1$s '
                       'REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION xinyu.%1$s_logged()', v_table);
        EXECUTE format('CREATE OR REPLACE TRIGGER %1$s_logged_update AFTER UPDATE ON xinyu.%1$s '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION xinyu.%1$s_logged()', v_table);
        EXECUTE format('CREATE OR REPLACE TRIGGER %1$s_logged_delete AFTER DELETE ON xinyu.%1$s '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION xinyu.%1$s_logged()', v_table);
        EXECUTE format('CREATE OR REPLACE TRIGGER %1$s_logged_truncate AFTER TRUNCATE ON xinyu.%1$s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION xinyu.emptied_logged()', v_table);
    END LOOP;
END
$$;

-- p_snapshot with transaction p_xid counted as running (NULL: as it is). The ids a snapshot
-- lists as running must come in increasing order.
CREATE OR REPLACE FUNCTION xinyu.snapshot_unseen(p_snapshot pg_snapshot, p_xid xid8)
RETURNS pg_snapshot
LANGUAGE sql IMMUTABLE
AS $$
SELECT CASE
    WHEN p_xid IS NULL OR p_xid >= pg_snapshot_xmax(p_snapshot) THEN p_snapshot
    ELSE (SELECT format('%s:%s:%s', least(pg_snapshot_xmin(p_snapshot), p_xid),
                        pg_snapshot_xmax(p_snapshot), string_agg(r.x::text, ',' ORDER BY r.x))
                     ::pg_snapshot
          FROM (SELECT DISTINCT i.x
                FROM (SELECT pg_snapshot_xip(p_snapshot) AS x UNION ALL SELECT p_xid) i) r)
END
$$;

-- The caller's snapshot as a kept state stores it: what it has seen. The caller's own
-- transaction counts as unseen (its changes after this call are not in the state), though
-- the snapshot shows its changes so far.
CREATE OR REPLACE FUNCTION xinyu.change_snapshot()
RETURNS pg_snapshot
LANGUAGE sql STABLE
AS $$
SELECT xinyu.snapshot_unseen(pg_current_snapshot(), pg_current_xact_id_if_assigned())
$$;

-- Whether the log holds every change a state computed in p_since has not seen: false for no
-- snapshot, for one older than the log's horizon (its changes may have been dropped), for one
-- newer than now (a state restored from a dump into another server, whose transaction ids
-- are not those it was computed with), and when a table was emptied since.
CREATE OR REPLACE FUNCTION xinyu.change_log_covers(p_since pg_snapshot)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
SELECT p_since IS NOT NULL
   AND pg_snapshot_xmin(p_since) >= (SELECT h.txid FROM xinyu.change_log_horizon h)
   AND pg_snapshot_xmax(p_since) <= pg_snapshot_xmax(pg_current_snapshot())
   AND NOT EXISTS (SELECT FROM xinyu.change_log l
                   WHERE l.txid >= pg_snapshot_xmin(p_since) AND l.school_codes IS NULL
                     AND NOT pg_visible_in_snapshot(l.txid, p_since))
$$;

-- The changes a state computed in p_since has not seen, one row per school: period, the
-- term of its submissions changed, or NULL for its registry entry, with its district then
-- (before and after). Only meaningful when xinyu.change_log_covers(p_since).
CREATE OR REPLACE FUNCTION xinyu.changes_since(p_since pg_snapshot)
RETURNS TABLE (period text, school_code text, district_code text)
LANGUAGE sql STABLE
AS $$
SELECT DISTINCT l.period, c.school_code, c.district_code
FROM xinyu.change_log l
CROSS JOIN LATERAL unnest(l.school_codes, l.district_codes) AS c(school_code, district_code)
WHERE l.txid >= pg_snapshot_xmin(p_since)
  AND NOT pg_visible_in_snapshot(l.txid, p_since)
  AND l.school_codes IS NOT NULL
$$;

-- The rules a kept state is computed by, as its terms keep them (xinyu.kept_term.rules): the
-- md5 of the texts of the functions that compute it. A function's text changed (a new
-- version of Xinyu) computes the state whole.
CREATE OR REPLACE FUNCTION xinyu.kept_rules(p_functions regprocedure[])
RETURNS text
LANGUAGE sql STABLE
AS $$
SELECT md5(string_agg(md5(f.prosrc), ' ' ORDER BY f.oid::regprocedure::text))
FROM pg_proc f
WHERE f.oid = ANY (p_functions::oid[])
$$;

-- The terms of p_periods (with their deadlines, xinyu.term_deadlines) whose kept state p_kind
-- cannot follow the log: never kept, kept with another deadline or other rules (p_rules, the
-- md5 of the text of the functions that compute it), or whose unseen changes the log no
-- longer holds. Their state is computed whole.
CREATE OR REPLACE FUNCTION xinyu.kept_terms_whole(p_kind text, p_periods text[],
                                                  p_deadlines date[], p_rules text)
RETURNS TABLE (period text, deadline date)
LANGUAGE sql STABLE
AS $$
SELECT t.period, t.deadline
FROM xinyu.term_deadlines(p_periods, p_deadlines) t
LEFT JOIN xinyu.kept_term k ON k.kind = p_kind AND k.period = t.period
WHERE k.period IS NULL OR k.rules <> p_rules OR k.deadline IS DISTINCT FROM t.deadline
   OR NOT xinyu.change_log_covers(k.since)
$$;

-- Of the other terms, the changes their kept state has not seen (xinyu.changes_since): the
-- term, and the period, school and district of each change.
CREATE OR REPLACE FUNCTION xinyu.kept_terms_changes(p_kind text, p_periods text[],
                                                    p_deadlines date[], p_rules text)
RETURNS TABLE (term text, period text, school_code text, district_code text)
LANGUAGE sql STABLE
AS $$
SELECT k.period, x.period, x.school_code, x.district_code
FROM xinyu.term_deadlines(p_periods, p_deadlines) t
JOIN xinyu.kept_term k
  ON k.kind = p_kind AND k.period = t.period AND k.rules = p_rules
 AND k.deadline IS NOT DISTINCT FROM t.deadline AND xinyu.change_log_covers(k.since)
CROSS JOIN LATERAL xinyu.changes_since(k.since) x
$$;

-- The terms of p_periods of kept state p_kind computed with p_deadlines and p_rules, in the
-- snapshot p_since (xinyu.change_snapshot, taken before anything was read).
CREATE OR REPLACE FUNCTION xinyu.kept_terms_mark(p_kind text, p_periods text[],
                                                 p_deadlines date[], p_rules text,
                                                 p_since pg_snapshot)
RETURNS void
LANGUAGE sql
AS $$
INSERT INTO xinyu.kept_term AS k (kind, period, deadline, rules, since, refreshed_at)
SELECT p_kind, t.period, t.deadline, p_rules, p_since, now()
FROM xinyu.term_deadlines(p_periods, p_deadlines) t
ON CONFLICT (kind, period) DO UPDATE
SET deadline = excluded.deadline, rules = excluded.rules, since = excluded.since,
    refreshed_at = excluded.refreshed_at
$$;

-- Drops the changes every kept state has seen: the horizon moves up to the oldest snapshot
-- a state refreshed in the last 30 days still needs, never past a transaction still running.
-- A state left longer (a past term's) does not hold the log back: asked for again, it is
-- computed anew. Returns how many rows were dropped. Called by the nightly run before its
-- report, in a transaction of its own.
CREATE OR REPLACE FUNCTION xinyu.change_log_prune()
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_upto xid8;
    v_dropped bigint;
BEGIN
    SELECT least(min(pg_snapshot_xmin(k.since)), pg_snapshot_xmin(pg_current_snapshot()))
    INTO v_upto
    FROM (SELECT s.since, s.refreshed_at FROM xinyu.indicator_fact_scope s
          UNION ALL SELECT t.since, t.refreshed_at FROM xinyu.kept_term t) k
    WHERE k.since IS NOT NULL AND k.refreshed_at > now() - interval '30 days';
    IF v_upto IS NULL THEN
        v_upto := pg_snapshot_xmin(pg_current_snapshot());
    END IF;
    UPDATE xinyu.change_log_horizon h SET txid = v_upto WHERE h.txid < v_upto;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    DELETE FROM xinyu.change_log l WHERE l.txid < v_upto;
    GET DIAGNOSTICS v_dropped = ROW_COUNT;
    RETURN v_dropped;
END
$$;

REVOKE ALL ON FUNCTION xinyu.change_log_prune() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION xinyu.change_log_prune() TO xinyu_ingest;
GRANT EXECUTE ON FUNCTION xinyu.snapshot_unseen(pg_snapshot, xid8), xinyu.change_snapshot(),
    xinyu.change_log_covers(pg_snapshot),
    xinyu.changes_since(pg_snapshot), xinyu.kept_rules(regprocedure[]),
    xinyu.kept_terms_whole(text, text[], date[], text),
    xinyu.kept_terms_changes(text, text[], date[], text),
    xinyu.kept_terms_mark(text, text[], date[], text, pg_snapshot) TO xinyu_report;
