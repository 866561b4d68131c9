//! Issue 30 (filled in by its work).
