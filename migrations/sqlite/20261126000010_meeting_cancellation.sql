-- A planned meeting can be cancelled, with who did it and why (the reason goes to everyone
-- invited, so it holds organisational facts only). Cancelled meetings stay in the table:
-- calendar feeds keep them as cancelled events so subscribed calendars remove them.
ALTER TABLE support_meeting ADD COLUMN cancelled_at TEXT;
ALTER TABLE support_meeting ADD COLUMN cancelled_by BIGINT REFERENCES identity_user (id);
ALTER TABLE support_meeting ADD COLUMN cancel_reason TEXT;
