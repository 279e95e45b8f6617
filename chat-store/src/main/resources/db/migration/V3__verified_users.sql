-- Identity verification (docs/widget.md): a signed-in user of a site, vouched for by the site's
-- backend with an HMAC, is one visitor on every device. Only verified identities are written
-- here, so an unverified claim can never reach another user's conversations.
CREATE TABLE verified_users (
    site       TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    visitor_id TEXT    NOT NULL,
    linked_at  BIGINT  NOT NULL,
    PRIMARY KEY (site, user_id)
);
