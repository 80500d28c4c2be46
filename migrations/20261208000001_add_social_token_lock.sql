-- One token refresh at a time per social account. TikTok rotates refresh
-- tokens: the one sent stops working once a new one is issued, so two
-- refreshes racing with the same token would leave one of them holding a
-- dead token. A refresh first takes this lock (a random token with an
-- expiry, like a job's lease), calls the platform only while holding it,
-- and writes the new tokens only if the lock is still its own.
alter table social_account add column token_lock text;
alter table social_account add column token_locked_until bigint;
