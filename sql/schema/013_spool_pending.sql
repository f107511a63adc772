-- 013_spool_pending.sql: a spool file that could not be read stays in the work queue, with
-- the reason, and is read again by the next run.
--
-- read_error is why the last attempt failed ("Permission denied", "No such file or
-- directory"), read_error_run the run that tried: a run does not claim the same file twice,
-- and a later run tries it again. A file whose version (path, size, modification time) is
-- no longer in the spool when its queue row still waits with a read error leaves the queue
-- (DELETE, hence the grant): nothing was received from it, and if the same file comes back
-- it is discovered as new.

ALTER TABLE xinyu.ingest_file
    ADD COLUMN read_error text,
    ADD COLUMN read_error_run bigint REFERENCES xinyu.run;

COMMENT ON COLUMN xinyu.ingest_file.read_error IS
    'Why the last attempt to read the file failed; the file stays pending (done_run NULL).';

GRANT DELETE ON xinyu.ingest_file TO xinyu_ingest;
