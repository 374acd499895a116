-- A counter that every change able to end or alter a session moves on: a session
-- deleted or re-keyed, an account changed or deleted. A server may keep the sessions
-- it has checked in memory, but only while the counter it reads in the request's own
-- snapshot is the one it read them at; so a change made by any process, the CLI's
-- `user set-password` included, reaches every server at its next request. A session's
-- idle clock (`last_seen_at`) does not move it.
CREATE TABLE auth_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL
);
INSERT INTO auth_epoch (id, epoch) VALUES (1, 0);

CREATE TRIGGER auth_epoch_session_deleted AFTER DELETE ON sessions
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1;
END;

CREATE TRIGGER auth_epoch_session_changed
AFTER UPDATE OF token_hash, user_id, created_at ON sessions
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1;
END;

CREATE TRIGGER auth_epoch_user_changed AFTER UPDATE ON users
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1;
END;

CREATE TRIGGER auth_epoch_user_deleted AFTER DELETE ON users
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1;
END;
