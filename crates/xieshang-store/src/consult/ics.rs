//! Meetings as calendar files (RFC 5545), written by the `icalendar` crate:
//! one meeting (the invitation's attachment and its download), a person's
//! coming meetings and a room's bookings as feeds.

use super::Consultation;

/// One meeting in a calendar.
#[derive(Debug, Clone)]
pub struct IcsEvent {
    /// Stable across feeds and re-sent invitations.
    pub uid: String,
    /// Start, unix ms.
    pub starts_at: i64,
    /// End, unix ms.
    pub ends_at: i64,
    /// The topic.
    pub summary: String,
    /// The room (with its unit) or the place.
    pub location: String,
    /// The meeting's page.
    pub url: String,
    /// Whether it was cancelled (`STATUS:CANCELLED`).
    pub cancelled: bool,
}

/// The calendar entry of a consultation, with links under `base_url` (the
/// configured public address, never a request's `Host`).
pub fn event_of(base_url: &str, c: &Consultation) -> IcsEvent {
    let base = base_url.trim_end_matches('/');
    let host = base
        .split_once("://")
        .map_or(base, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    IcsEvent {
        uid: format!("consultation-{}@{host}", c.id),
        starts_at: c.starts_at,
        ends_at: c.ends_at,
        summary: c.topic.clone(),
        location: c
            .room_name
            .as_ref()
            .map(|r| format!("{} {r}", c.org_name))
            .or(c.place.clone())
            .unwrap_or_default(),
        url: format!("{base}/consultations/{}", c.id),
        cancelled: c.state == "cancelled",
    }
}

/// A calendar named `name` holding `events`.
pub fn calendar(name: &str, events: &[IcsEvent]) -> String {
    use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
    let mut cal = Calendar::new();
    cal.name(name);
    for e in events {
        let (Some(start), Some(end)) = (
            chrono::DateTime::from_timestamp_millis(e.starts_at),
            chrono::DateTime::from_timestamp_millis(e.ends_at),
        ) else {
            continue;
        };
        let mut event = Event::new();
        event
            .uid(&e.uid)
            .summary(&e.summary)
            .location(&e.location)
            .url(&e.url)
            .starts(start)
            .ends(end);
        if e.cancelled {
            event.status(EventStatus::Cancelled);
        }
        cal.push(event.done());
    }
    cal.done().to_string()
}
