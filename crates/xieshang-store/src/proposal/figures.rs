//! Figures per session and year, the compilation, and duty record points (issue 29 points 10, 11).
