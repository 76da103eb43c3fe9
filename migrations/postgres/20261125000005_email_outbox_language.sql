-- The language a message is written in, so that screens showing it can mark it up.
ALTER TABLE email_outbox ADD COLUMN language TEXT NOT NULL DEFAULT 'nl';
