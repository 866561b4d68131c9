//! Browser tests: staff (issue 26). Each test takes its own city with `crate::demo()`.
