-- A browser that has logged in to an account holds a device token (only its SHA-256 is
-- stored here). Its login attempts for that account are counted in a budget of its own,
-- so that someone guessing the password from elsewhere cannot lock the owner out.
CREATE TABLE login_devices (
    token_hash   TEXT NOT NULL,
    username_key TEXT NOT NULL,
    last_used_at INTEGER NOT NULL,
    PRIMARY KEY (token_hash, username_key)
);
CREATE INDEX login_devices_last_used ON login_devices (last_used_at);

-- Attempts made from a known device; NULL for every other attempt.
ALTER TABLE login_attempts ADD COLUMN device_hash TEXT;
CREATE INDEX login_attempts_device ON login_attempts (device_hash, at);
