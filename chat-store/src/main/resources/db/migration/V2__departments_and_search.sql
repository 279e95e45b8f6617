-- Live agents (issue #5): the department a conversation is routed to, kept so that a restarted
-- server routes it to the same team. Plain ALTER TABLE ... ADD COLUMN works on SQLite and
-- PostgreSQL alike.
ALTER TABLE conversations ADD COLUMN department TEXT;
