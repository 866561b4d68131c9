//! Proposal leads, similar proposals while drafting and conversion (issue 29 points 2–4).
