-- The email addresses a visitor gave in a conversation (pre-chat form, context, left message),
-- one per line, oldest first, or NULL. Mail to the visitor goes only to one of these or to an
-- address the site vouched for, so a restarted server or a node taking over must know them.
-- Plain ALTER TABLE ... ADD COLUMN works on SQLite and PostgreSQL alike.
ALTER TABLE conversations ADD COLUMN given_emails TEXT;
