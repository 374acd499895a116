-- A counter that every change able to end or alter a session moves on: a session
-- deleted or re-keyed, an account changed or deleted. A server may keep the sessions
-- it has checked in memory, but only while the counter it reads in the request's own
-- snapshot is the one it read them at; so a change made by any process (another
-- server, the CLI's `user set-password`) reaches every server at its next request. A
-- session's idle clock (`last_seen_at`) does not move it.
CREATE TABLE auth_epoch (
    id    SMALLINT PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, epoch) VALUES (1, 0);

CREATE FUNCTION auth_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER auth_epoch_session_deleted AFTER DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION auth_epoch_bump();
CREATE TRIGGER auth_epoch_session_changed
AFTER UPDATE OF token_hash, user_id, created_at ON sessions
FOR EACH ROW EXECUTE FUNCTION auth_epoch_bump();
CREATE TRIGGER auth_epoch_user_changed AFTER UPDATE OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION auth_epoch_bump();
CREATE TRIGGER auth_epoch_sessions_truncated AFTER TRUNCATE ON sessions
FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump();
CREATE TRIGGER auth_epoch_users_truncated AFTER TRUNCATE ON users
FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump();
