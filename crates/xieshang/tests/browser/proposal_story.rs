//! Issue 29 point 14: the whole proposal story in Chromium, at phone and desktop size.
