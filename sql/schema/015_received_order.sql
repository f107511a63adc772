-- 015_received_order.sql: a tie on submitted_at goes to the version received later, where
-- "received" no longer depends on which worker happens to merge first.
--
-- Before, the merge ranked tied versions by raw_id, drawn when a batch is merged: with
-- several workers, the order in which their transactions reach the merge. Now every
-- submission carries its place in the order of receipt:
--   received_seq   the number of the spool file or HTTP page it came in, from
--                  xinyu.received_seq: a spool's new files get theirs when they are
--                  discovered, in path order (xinyu.ingest_file.received_seq); an HTTP page
--                  when it is loaded, pages in the order fetched. A later run's files and
--                  pages get larger numbers than an earlier run's.
--   received_item  its place in that file (line order) or page (item order), from 1.
-- The merge ranks by submitted_at, then received_seq and received_item, then raw_id.
-- Submissions stored before this migration have neither (NULL): they rank as received
-- before any later one, and among themselves by raw_id as before.

CREATE SEQUENCE xinyu.received_seq;

-- The files already queued keep the order of their discovery (file ids were drawn in path
-- order at each discovery); files discovered from now on come after them.
ALTER TABLE xinyu.ingest_file ADD COLUMN received_seq bigint;

UPDATE xinyu.ingest_file SET received_seq = file_id;

ALTER TABLE xinyu.ingest_file ALTER COLUMN received_seq SET NOT NULL;

SELECT setval('xinyu.received_seq', coalesce(max(file_id), 0) + 1, false) FROM xinyu.ingest_file;

ALTER TABLE xinyu.submission
    ADD COLUMN received_seq bigint,
    ADD COLUMN received_item bigint CHECK (received_item >= 1);

COMMENT ON COLUMN xinyu.submission.received_seq IS
    'The spool file or HTTP page the version came in, in the order received (NULL: stored before this was kept).';

COMMENT ON COLUMN xinyu.submission.received_item IS
    'The version''s place in its file (line order) or page (item order), from 1.';

GRANT USAGE ON SEQUENCE xinyu.received_seq TO xinyu_ingest;
