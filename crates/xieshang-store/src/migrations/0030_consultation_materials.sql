-- Issue 28, point 6: a consultation's materials (PDF, Office documents,
-- images) are stored as concern photos are, in attachments keyed by (kind,
-- item_id), with stage 'material' (decision record 0032). A material keeps the
-- file's name as sent and its title; staff may publish it with the outcome, and
-- the body's public page of held consultations then links it by its token.
-- Width and height stay 0 for files that are not images.
ALTER TABLE attachments ADD COLUMN file_name TEXT;
ALTER TABLE attachments ADD COLUMN title TEXT;
ALTER TABLE attachments ADD COLUMN published BIGINT NOT NULL DEFAULT 0;
