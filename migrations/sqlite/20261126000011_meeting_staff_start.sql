-- "My meetings" lists a person's meetings in date order. Keeping the meeting's start on each
-- staff row lets one index (user_id, starts_at) answer it directly, instead of walking every
-- meeting of the period and checking who attends. The start is written with the staff rows
-- whenever a meeting is planned or changed.
ALTER TABLE support_meeting_staff ADD COLUMN starts_at TEXT NOT NULL DEFAULT '';
UPDATE support_meeting_staff
SET starts_at = (SELECT m.starts_at FROM support_meeting m WHERE m.id = support_meeting_staff.meeting_id);
CREATE INDEX idx_support_meeting_staff_user_start ON support_meeting_staff (user_id, starts_at);
-- The new index starts with user_id and serves what the old one did.
DROP INDEX idx_support_meeting_staff_user;
