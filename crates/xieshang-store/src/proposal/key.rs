//! Key proposals (issue 29 point 8) and disclosure with the public pages (point 9).
