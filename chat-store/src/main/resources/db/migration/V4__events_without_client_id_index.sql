-- Relay speed (issue #8): every relayed message is one events row, and this unique index was a
-- second B-tree to update per row, at a random place (client ids are random), so a group commit
-- wrote one more page per message. The store never looked anything up by it: the router answers
-- a resend from the conversation's client ids in memory (Conversation.byClientId), which
-- Recovery rebuilds from the stored events after a restart. The column stays.
DROP INDEX events_by_client_id;
