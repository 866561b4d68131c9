//! Issue 29 points 6 and 7 through the web: the signed reply file, the face-to-face consultation, the ballot notice.
