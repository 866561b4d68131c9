//! Issue 29 point 7 in the store: unsatisfied twice opens a face-to-face consultation.
