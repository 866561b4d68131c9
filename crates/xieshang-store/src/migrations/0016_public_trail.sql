-- The public status page reads one concern's row and nothing else of it (decision
-- record 0008). What the page shows of the timeline, the feedback and the photos
-- is kept on the row, folded, and appended to in the same statement or
-- transaction that writes the event, the feedback or the photo, so it is never
-- behind them. item_events, concern_feedback and attachments stay the record.
--
-- public_timeline: "action to_state at," per event, in event order.
-- public_feedback: "rating at " then comment and thanks, each "-" or "N:" and N
--   characters, per feedback, in order.
-- public_photos:   "token " per photo, in order.

ALTER TABLE concerns ADD COLUMN public_timeline TEXT NOT NULL DEFAULT '';
ALTER TABLE concerns ADD COLUMN public_feedback TEXT NOT NULL DEFAULT '';
ALTER TABLE concerns ADD COLUMN public_photos TEXT NOT NULL DEFAULT '';

UPDATE concerns SET
  public_timeline = COALESCE((SELECT string_agg(e.action || ' ' || e.to_state || ' ' || CAST(e.at AS TEXT) || ',',
                                                '' ORDER BY e.id)
                                FROM item_events e WHERE e.kind = 'concern' AND e.item_id = concerns.id), ''),
  public_feedback = COALESCE((SELECT string_agg(f.rating || ' ' || CAST(f.at AS TEXT) || ' '
                                                || COALESCE(CAST(length(f.comment) AS TEXT) || ':' || f.comment, '-')
                                                || COALESCE(CAST(length(f.thanks) AS TEXT) || ':' || f.thanks, '-'),
                                                '' ORDER BY f.id)
                                FROM concern_feedback f WHERE f.concern_id = concerns.id), ''),
  public_photos = COALESCE((SELECT string_agg(p.public_token || ' ', '' ORDER BY p.id)
                              FROM attachments p WHERE p.kind = 'concern' AND p.item_id = concerns.id), '')
