//! Marking the search terms inside a text as it was written, whatever script or
//! width it was written in.

/// A run of text, matched by a search term or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The text as written.
    pub text: String,
    /// Whether a search term matched it.
    pub hit: bool,
}

/// The text's characters as compared with search terms: half-width, lower-case and
/// simplified, one per original character where the conversion keeps the length
/// (when it does not, the converted text is shown instead).
fn comparable(text: &str) -> (Vec<char>, Vec<char>) {
    let half: String = text
        .chars()
        .map(crate::half_width)
        .flat_map(char::to_lowercase)
        .collect();
    let simplified: Vec<char> = crate::to_simplified(&half).chars().collect();
    let original: Vec<char> = text.chars().collect();
    if simplified.len() == original.len() {
        (original, simplified)
    } else {
        (simplified.clone(), simplified)
    }
}

fn hits(norm: &[char], terms: &[String]) -> Vec<bool> {
    let terms: Vec<Vec<char>> = terms
        .iter()
        .map(|t| t.chars().collect::<Vec<_>>())
        .filter(|t| !t.is_empty())
        .collect();
    let mut marked = vec![false; norm.len()];
    for i in 0..norm.len() {
        for t in &terms {
            if norm[i..].starts_with(t) {
                for m in &mut marked[i..i + t.len()] {
                    *m = true;
                }
            }
        }
    }
    marked
}

fn segments(chars: &[char], marked: &[bool]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for (c, hit) in chars.iter().zip(marked) {
        match out.last_mut() {
            Some(s) if s.hit == *hit => s.text.push(*c),
            _ => out.push(Segment {
                text: c.to_string(),
                hit: *hit,
            }),
        }
    }
    out
}

/// The whole text in segments, with every occurrence of a term (search tokens,
/// already normalised) marked.
pub fn highlight(text: &str, terms: &[String]) -> Vec<Segment> {
    let (shown, norm) = comparable(text);
    segments(&shown, &hits(&norm, terms))
}

/// At most `max_chars` characters of the text around its first match, with the
/// matches marked and an ellipsis where text was cut.
pub fn snippet(text: &str, terms: &[String], max_chars: usize) -> Vec<Segment> {
    let (shown, norm) = comparable(text);
    let marked = hits(&norm, terms);
    if shown.len() <= max_chars {
        return segments(&shown, &marked);
    }
    let first = marked.iter().position(|m| *m).unwrap_or(0);
    let start = first.saturating_sub(max_chars / 4);
    let end = (start + max_chars).min(shown.len());
    let start = end.saturating_sub(max_chars);
    let mut out = segments(&shown[start..end], &marked[start..end]);
    if start > 0 {
        out.insert(
            0,
            Segment {
                text: "…".into(),
                hit: false,
            },
        );
    }
    if end < shown.len() {
        out.push(Segment {
            text: "…".into(),
            hit: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(segs: &[Segment]) -> Vec<&str> {
        segs.iter()
            .filter(|s| s.hit)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn marks_terms_in_the_script_they_were_written_in() {
        let s = highlight("閻良區縣路燈不亮", &["区县".into(), "路灯".into()]);
        assert_eq!(marked(&s), vec!["區縣路燈"]);
        let joined: String = s.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(joined, "閻良區縣路燈不亮");
    }

    #[test]
    fn snippet_cuts_around_the_first_match() {
        let text = format!("{}水管爆裂{}", "甲".repeat(100), "乙".repeat(100));
        let s = snippet(&text, &["水管".into()], 40);
        let joined: String = s.iter().map(|x| x.text.as_str()).collect();
        assert!(joined.starts_with('…') && joined.ends_with('…'), "{joined}");
        assert!(joined.chars().count() <= 42);
        assert_eq!(marked(&s), vec!["水管"]);
    }
}
