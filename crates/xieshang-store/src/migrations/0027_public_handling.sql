-- The tracking page shows who handles a concern and their progress notes. It
-- read them from item_assignments and item_events on every view, outside the
-- status page's one coalesced row read (decision record 0008), and the page
-- fell to a third of its throughput (BENCHMARKS.md, issue 26). They are kept
-- on the row, folded, like the timeline (migration 0016), written in the same
-- transaction as the assignment or the progress event, so never behind them.
--
-- public_units:    "org_id lead," per active assignment (lead 1 or 0), the lead
--   first; the page reads the units' names from the name cache.
-- public_progress: "at N:" and N characters, per progress note, in order.

ALTER TABLE concerns ADD COLUMN public_units TEXT NOT NULL DEFAULT '';
ALTER TABLE concerns ADD COLUMN public_progress TEXT NOT NULL DEFAULT '';

UPDATE concerns SET
  public_units = COALESCE((SELECT string_agg(CAST(a.org_id AS TEXT) || ' ' || CAST(a.lead AS TEXT) || ',',
                                             '' ORDER BY a.lead DESC, a.id)
                             FROM item_assignments a
                            WHERE a.kind = 'concern' AND a.item_id = concerns.id AND a.active = 1), ''),
  public_progress = COALESCE((SELECT string_agg(CAST(e.at AS TEXT) || ' ' || CAST(length(e.note) AS TEXT) || ':' || e.note,
                                                '' ORDER BY e.id)
                                FROM item_events e
                               WHERE e.kind = 'concern' AND e.item_id = concerns.id
                                 AND e.action = 'progress' AND e.note IS NOT NULL), '')
