-- What pick-up checks of a driver: date of birth and the driving licence's issue and
-- expiry dates, written YYYY-MM-DD (text sorts like the dates it holds).
ALTER TABLE clients ADD COLUMN date_of_birth TEXT;
ALTER TABLE clients ADD COLUMN license_issue_date TEXT;
ALTER TABLE clients ADD COLUMN license_expiry_date TEXT;
