-- 018_run_event_message_zh.sql: a run's events in the officer's language too.
-- message stays the English text of the logs; message_zh is what `xinyu status` and the
-- reports show in Chinese. Events recorded before have none (NULL): readers fall back to
-- message. The roles' table grants (002_roles.sql) cover the new column.
ALTER TABLE xinyu.run_event ADD COLUMN message_zh text;
