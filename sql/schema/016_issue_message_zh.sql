-- 016_issue_message_zh.sql: every reason is stored in the school's language too.
-- message stays the English text (the JSON contract and the logs); message_zh is the
-- catalogue's Chinese text (transform/xform_messages.h), which names the field by its label
-- with the path in parentheses. Reasons stored before have none (NULL): readers fall back to
-- message. The roles' table grants (002_roles.sql) cover the new column.
ALTER TABLE xinyu.submission_issue ADD COLUMN message_zh text;
