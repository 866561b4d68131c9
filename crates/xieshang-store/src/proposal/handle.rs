//! Handling and replies of an assigned proposal (issue 29 points 5–7).
