//! Field errors for a form that comes back refused: which fields are wrong and
//! the message key of each, so that a template marks the field itself
//! (`aria-invalid`, the message linked by `aria-describedby`) instead of only
//! a line at the top. Small on purpose: the resident side's form kit (issue 26)
//! is to take it over when both are on main.

/// The wrong fields of one form and their message keys, in the order found.
#[derive(Debug, Default, Clone)]
pub(crate) struct FieldErrors(Vec<(&'static str, &'static str)>);

impl FieldErrors {
    /// Marks `field` wrong with the message `key` (a catalog key).
    pub(crate) fn add(&mut self, field: &'static str, key: &'static str) {
        self.0.push((field, key));
    }

    /// Whether the field is wrong: for `aria-invalid`.
    pub(crate) fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| *f == field)
    }

    /// The message key of the field, if it is wrong.
    pub(crate) fn key(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, k)| *k)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_field_marked_wrong_is_found_with_its_message() {
        let mut e = super::FieldErrors::default();
        assert!(!e.has("lead"));
        e.add("lead", "err.lead");
        assert!(e.has("lead"));
        assert_eq!(e.key("lead"), Some("err.lead"));
        assert_eq!(e.key("departments"), None);
    }
}
