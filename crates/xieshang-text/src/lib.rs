//! Chinese text for Xieshang: script conversion, normalisation, segmentation into
//! search tokens, similarity of two texts, and highlighting.
//!
//! Conversion uses OpenCC dictionaries (ferrous-opencc, Apache-2.0), phrase-aware, so
//! 头发 becomes 頭髮 and not 頭發. This crate knows nothing of HTTP or SQL.

mod highlight;
mod segment;
mod similar;

pub use highlight::{highlight, snippet, Segment};
pub use segment::{index_string, query_terms, search_tokens, words, QueryTerm};
pub use similar::{similarity, Profile};

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;
use std::sync::OnceLock;

fn converter(
    slot: &'static OnceLock<Option<OpenCC>>,
    config: BuiltinConfig,
) -> Option<&'static OpenCC> {
    slot.get_or_init(|| match OpenCC::from_config(config) {
        Ok(cc) => Some(cc),
        Err(e) => {
            // The dictionaries are embedded; failing here means a broken build.
            tracing::error!(error = %e, "OpenCC dictionary failed to load");
            None
        }
    })
    .as_ref()
}

/// Simplified Chinese to Traditional characters in Taiwan's standard forms (for
/// the zh-TW interface), characters only: OpenCC's s2tw, not s2twp, whose Taiwan
/// phrases swap the words themselves (社区 became 社群, 项目 專案, 信息 資訊, 视频
/// 影片), which reads as another vocabulary to a mainland reader of traditional
/// script (issue 26; decision 0027).
pub fn to_traditional_tw(text: &str) -> String {
    static CC: OnceLock<Option<OpenCC>> = OnceLock::new();
    match converter(&CC, BuiltinConfig::S2tw) {
        Some(cc) => cc.convert(text),
        None => text.to_owned(),
    }
}

/// Traditional Chinese (any variant) to Simplified Chinese.
pub fn to_simplified(text: &str) -> String {
    static CC: OnceLock<Option<OpenCC>> = OnceLock::new();
    match converter(&CC, BuiltinConfig::Tw2sp) {
        Some(cc) => cc.convert(text),
        None => text.to_owned(),
    }
}

/// Full-width ASCII to half-width, ideographic space to space, runs of whitespace
/// collapsed, and traditional characters to simplified.
pub fn normalise(text: &str) -> String {
    let half: String = text.chars().map(half_width).collect();
    let collapsed = half.split_whitespace().collect::<Vec<_>>().join(" ");
    to_simplified(&collapsed)
}

/// One character with full-width ASCII made half-width and the ideographic space a
/// space; every other character unchanged.
pub(crate) fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Whether a character is a CJK ideograph.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_level_conversion() {
        assert_eq!(to_traditional_tw("区县政协"), "區縣政協");
        assert_eq!(to_traditional_tw("头发"), "頭髮");
        assert_eq!(to_traditional_tw("以后"), "以後");
        assert_eq!(to_simplified("區縣"), "区县");
        assert_eq!(to_simplified("頭髮"), "头发");
    }

    /// Issue 26: the words stay the words; only the characters change.
    #[test]
    fn traditional_keeps_the_vocabulary() {
        for (simplified, traditional) in [
            ("社区", "社區"),
            ("项目", "項目"),
            ("账号", "賬號"),
            ("信息", "信息"),
            ("视频", "視頻"),
            ("网络", "網絡"),
            ("软件", "軟件"),
            ("打印", "打印"),
            ("默认", "默認"),
            ("数据", "數據"),
            ("用户", "用戶"),
            ("登录", "登錄"),
            ("质量", "質量"),
            ("出租车", "出租車"),
            ("社情民意信息", "社情民意信息"),
            ("居民反映的问题", "居民反映的問題"),
        ] {
            assert_eq!(to_traditional_tw(simplified), traditional, "{simplified}");
            assert_eq!(to_simplified(traditional), simplified, "{traditional}");
        }
    }

    #[test]
    fn normalise_widths_and_space() {
        assert_eq!(normalise("ＡＢＣ１２３\u{3000}  區縣"), "ABC123 区县");
    }
}
