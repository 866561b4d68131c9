//! Segmentation with jieba (jieba-rs and its embedded dictionary): the words of a
//! text, and the search tokens that both databases' full-text indexes hold.

use jieba_rs::Jieba;
use std::sync::OnceLock;

/// Words of the field that jieba's general dictionary cuts badly (it reads 路灯不亮
/// as 路 / 灯不亮 and 区县政协 as 区 / 县政协).
const FIELD_WORDS: &[&str] = &[
    "路灯",
    "区县",
    "政协",
    "委员",
    "网格",
    "网格员",
    "井盖",
    "水管",
    "爆管",
    "电梯",
    "停车",
    "噪音",
    "油烟",
    "占道",
    "漏水",
    "积水",
    "下水道",
    "化粪池",
    "垃圾桶",
    "充电桩",
    "斑马线",
    "红绿灯",
    "减速带",
    "人行道",
    "护栏",
    "提案",
    "社情民意",
    "联络员",
    "工作室",
    "不亮",
];

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        let mut j = Jieba::new();
        for w in FIELD_WORDS {
            j.add_word(w, Some(50_000), None);
        }
        j
    })
}

/// Function words that carry nothing a search could want.
const STOPWORDS: &[&str] = &[
    "的", "了", "是", "在", "和", "与", "及", "或", "也", "都", "就", "还", "又", "很", "把", "被",
    "给", "对", "从", "到", "向", "吧", "吗", "呢", "啊", "呀", "哦", "着", "过", "之", "其", "而",
    "但", "我", "你", "他", "她", "它", "我们", "你们", "他们", "这", "那", "这个", "那个", "一个",
    "有", "没", "不", "要", "会", "能", "让", "得", "地", "请", "等", "个", "里", "上",
];

pub(crate) fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

/// Whether a token holds something searchable (a letter, digit or ideograph).
fn is_word(w: &str) -> bool {
    w.chars().any(char::is_alphanumeric)
}

/// The text normalised for segmentation: simplified, half-width, lower-case.
pub(crate) fn prepare(text: &str) -> String {
    crate::normalise(text).to_lowercase()
}

/// The words of a text in jieba's accurate mode (with its HMM for words not in the
/// dictionary), normalised, without punctuation or stopwords. Order is kept.
pub fn words(text: &str) -> Vec<String> {
    let text = prepare(text);
    jieba()
        .cut(&text, true)
        .into_iter()
        .map(|t| t.word.trim())
        .filter(|w| is_word(w) && !is_stopword(w))
        .map(str::to_owned)
        .collect()
}

/// The words of a text in jieba's search mode (long words and the words inside
/// them), normalised, without punctuation or stopwords.
pub(crate) fn search_words(text: &str) -> Vec<String> {
    words_for_search(&prepare(text))
}

/// [`search_words`] of a text already [`prepare`]d.
fn words_for_search(text: &str) -> Vec<String> {
    jieba()
        .cut_for_search(text, true)
        .into_iter()
        .map(|t| t.word.trim())
        .filter(|w| is_word(w) && !is_stopword(w))
        .map(str::to_owned)
        .collect()
}

/// The tokens a document is indexed under: jieba's search mode, which also yields
/// the dictionary words inside longer ones (自来水管 gives 自来, 自来水, 水管 …),
/// the character pairs of every Chinese run, so that a query cut differently
/// from the document still meets it (see [`query_terms`]), and the last
/// character of every Chinese run alone. With the pairs, that last character
/// means every character of the text begins some token, so a one-character
/// query is a prefix search (坑 finds 大坑 through its pair 坑… or, at the end of
/// a run, the character itself) at the cost of one token per run, where
/// indexing every character would double the index.
pub fn search_tokens(text: &str) -> Vec<String> {
    // Prepared once (the conversion to simplified characters is most of the
    // cost of a short text), and the pairs already taken looked up in a set:
    // searched in the list, a 2,000-character description took 3.2 ms.
    let text = prepare(text);
    let mut out = words_for_search(&text);
    let mut taken: std::collections::HashSet<String> = out.iter().cloned().collect();
    for run in text.split(|c: char| !crate::is_han(c)) {
        let cs: Vec<char> = run.chars().collect();
        for pair in cs.windows(2) {
            let b: String = pair.iter().collect();
            // A two-character word is already there once.
            if taken.insert(b.clone()) {
                out.push(b);
            }
        }
        if let Some(last) = cs.last() {
            let one = last.to_string();
            if taken.insert(one.clone()) {
                out.push(one);
            }
        }
    }
    out
}

/// One word of a query: the word itself, or (for a Chinese word of three or more
/// characters) all of its character pairs, which the index also holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    /// The word, normalised.
    pub word: String,
    /// Its character pairs when it has three or more Chinese characters.
    pub pairs: Vec<String>,
    /// Whether the word is one Chinese character, matched as the beginning of
    /// a token: the index holds no token per character, but every character
    /// begins one (see [`search_tokens`]).
    pub prefix: bool,
}

impl QueryTerm {
    /// Every string this term may match (for highlighting).
    pub fn strings(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.word).chain(&self.pairs)
    }
}

/// The terms of a query, cut in jieba's accurate mode. A document matches a term
/// when it holds the word or all of the word's pairs; 区县 thus finds 区县政协
/// although jieba cuts that as 区 / 县政协.
pub fn query_terms(text: &str) -> Vec<QueryTerm> {
    let mut out: Vec<QueryTerm> = Vec::new();
    for word in words(text) {
        if out.iter().any(|t| t.word == word) {
            continue;
        }
        let cs: Vec<char> = word.chars().collect();
        let pairs = if cs.len() >= 3 && cs.iter().all(|c| crate::is_han(*c)) {
            cs.windows(2).map(|p| p.iter().collect()).collect()
        } else {
            Vec::new()
        };
        let prefix = cs.len() == 1 && crate::is_han(cs[0]);
        out.push(QueryTerm {
            word,
            pairs,
            prefix,
        });
    }
    out
}

/// The string a full-text index stores for some fields: their search tokens joined
/// by spaces (SQLite's unicode61 tokenizer and PostgreSQL's 'simple' parser both
/// split on the spaces and keep each token whole).
pub fn index_string(parts: &[&str]) -> String {
    parts
        .iter()
        .flat_map(|p| search_tokens(p))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_segmented_and_normalised() {
        let w = words("凤凰路的自来水管爆了，水流得到处都是！");
        assert!(w.contains(&"凤凰".to_owned()) || w.contains(&"凤凰路".to_owned()));
        assert!(w.iter().any(|x| x.contains("水管")), "{w:?}");
        assert!(!w.contains(&"的".to_owned()));
        assert!(w.iter().all(|x| !x.contains('，') && !x.contains('！')));
    }

    #[test]
    fn traditional_and_full_width_give_the_same_tokens() {
        assert_eq!(search_tokens("區縣政協"), search_tokens("区县政协"));
        assert_eq!(search_tokens("３号楼"), search_tokens("3号楼"));
        assert_eq!(search_tokens("ABC路"), search_tokens("abc路"));
    }

    #[test]
    fn each_character_pair_is_indexed_once_after_the_words() {
        let text = "小区门口的路灯坏了，晚上看不清路。路灯坏了两周，請盡快維修路燈！";
        let t = search_tokens(&text.repeat(3));
        // The words first, as search mode gives them (repeats included) …
        let words = search_words(&text.repeat(3));
        assert_eq!(t[..words.len()], words[..]);
        // … then every pair of neighbouring Chinese characters not already
        // there, each once, in the order the text first has it, and after a
        // run's pairs its last character (issue 26: one-character search).
        let mut want = Vec::new();
        for run in prepare(text).split(|c: char| !crate::is_han(c)) {
            let cs: Vec<char> = run.chars().collect();
            let last = cs.last().map(|c| c.to_string());
            for b in cs
                .windows(2)
                .map(|pair| pair.iter().collect::<String>())
                .chain(last)
            {
                if !words.contains(&b) && !want.contains(&b) {
                    want.push(b);
                }
            }
        }
        assert_eq!(t[words.len()..], want[..], "{t:?}");
        assert!(
            t.contains(&"维修".to_owned()),
            "converted before pairing: {t:?}"
        );
    }

    #[test]
    fn search_mode_yields_the_parts_of_long_words() {
        let t = search_tokens("中华人民共和国");
        assert!(t.contains(&"中华".to_owned()), "{t:?}");
        assert!(t.contains(&"人民".to_owned()), "{t:?}");
        assert!(t.contains(&"中华人民共和国".to_owned()), "{t:?}");
    }

    #[test]
    fn a_query_cut_otherwise_still_meets_the_document() {
        let doc = search_tokens("阎良区县政协");
        for t in query_terms("區縣") {
            assert!(
                doc.contains(&t.word)
                    || (!t.pairs.is_empty() && t.pairs.iter().all(|p| doc.contains(p))),
                "{t:?} not in {doc:?}"
            );
        }
        let long = query_terms("自来水管");
        assert_eq!(long[0].pairs, vec!["自来", "来水", "水管"]);
    }

    #[test]
    fn every_character_begins_a_token_so_one_character_queries_are_prefixes() {
        for text in [
            "路上有个大坑，车过不去",
            "坑",
            "门口一个坑。坑洼不平",
            "井盖丢了",
        ] {
            let t = search_tokens(text);
            for c in prepare(text).chars().filter(|c| crate::is_han(*c)) {
                assert!(
                    t.iter().any(|tok| tok.starts_with(c)),
                    "{c} begins no token of {text}: {t:?}"
                );
            }
        }
        let q = query_terms("坑");
        assert_eq!(q.len(), 1);
        assert!(q[0].prefix && q[0].pairs.is_empty(), "{q:?}");
        assert_eq!(q[0].word, "坑");
        // Longer words and a single Latin letter stay whole words.
        assert!(query_terms("井盖").iter().all(|t| !t.prefix));
        assert!(query_terms("a").iter().all(|t| !t.prefix));
    }

    #[test]
    fn index_string_is_space_separated_tokens() {
        let s = index_string(&["路灯不亮", "人民路"]);
        assert!(!s.is_empty());
        assert!(s.split(' ').all(|t| !t.is_empty()));
        assert!(s.contains("路灯"), "{s}");
    }
}
