//! Issue 29 point 13: the proposals JSON API and webhooks.
