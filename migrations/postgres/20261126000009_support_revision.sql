-- A counter raised in the same transaction as every change to a request, a meeting or a
-- follow-up action. Each instance keeps the team's figures (counts, overdue and unassigned
-- lists, workload per advisor) in memory and recomputes them only when this number moved,
-- which stays correct with several instances behind a load balancer.
CREATE TABLE support_revision (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO support_revision (id, revision) VALUES (1, 0);

-- The overdue list: open requests without a first answer, oldest confirmation first.
CREATE INDEX idx_support_request_unanswered ON support_request (first_answer_at, confirmed_at);
-- "Assigned to me", newest first: the scan stops after one page.
CREATE INDEX idx_support_request_assigned_id ON support_request (assigned_to, id);
