//! How alike two concern texts are: a weighted cosine over their words and the
//! character pairs (bigrams) of their Chinese runs.
//!
//! Words carry the meaning (水管, 路灯); bigrams catch the same thing said with
//! other word boundaries (爆管 / 水管爆裂) and place names jieba does not know.
//! Digits are kept whole, so 3号楼 and 5号楼 stay different. Words every complaint
//! uses (问题, 反映, 尽快 …) weigh little.

use crate::segment::{is_stopword, prepare, search_words};
use std::collections::HashMap;

/// Words residents use in almost every concern: they say nothing about which
/// problem it is.
const GENERIC: &[&str] = &[
    "问题",
    "反映",
    "希望",
    "尽快",
    "解决",
    "处理",
    "居民",
    "群众",
    "附近",
    "严重",
    "影响",
    "出行",
    "现在",
    "最近",
    "目前",
    "几天",
    "好几天",
    "多次",
    "没有",
    "没人",
    "无人",
    "管理",
    "情况",
    "相关",
    "部门",
    "有关",
    "麻烦",
    "帮忙",
    "一下",
    "看看",
    "反应",
    "投诉",
    "市民",
    "大家",
    "每天",
    "天天",
    "经常",
    "非常",
    "特别",
    "存在",
    "已经",
    "一直",
    "导致",
    "造成",
    "人员",
    "及时",
    "联系",
    "可以",
    "怎么",
    "什么",
    "为什么",
    "还是",
    "一样",
    "时候",
    "现象",
    "生活",
    "小区",
    "社区",
    "街道",
    "周边",
    "门口",
    "旁边",
    "这里",
    "那里",
    "地方",
    "位置",
    "路段",
    "我家",
    "家里",
    "住户",
    "业主",
    "老人",
    "孩子",
    "今天",
    "昨天",
    "晚上",
    "早上",
    "上午",
    "下午",
    "半天",
    "半个月",
    "一个月",
    "一周",
    "至今",
    "仍然",
    "还是",
    "依旧",
    "维修",
    "修理",
    "修复",
    "报修",
    "损坏",
    "坏了",
    "不能",
    "无法",
    "不了",
    "出现",
    "发现",
];

/// Words that name the kind of problem: two texts about one place differ most in
/// these, so they weigh more than place words.
const PROBLEM: &[&str] = &[
    "水管",
    "自来水",
    "自来水管",
    "爆管",
    "爆裂",
    "破裂",
    "漏水",
    "冒水",
    "停水",
    "水压",
    "积水",
    "下水道",
    "污水",
    "堵塞",
    "化粪池",
    "反味",
    "臭味",
    "路灯",
    "不亮",
    "照明",
    "井盖",
    "坑洼",
    "塌陷",
    "破损",
    "裂缝",
    "电梯",
    "困人",
    "停车",
    "乱停",
    "占道",
    "摆摊",
    "噪音",
    "扰民",
    "油烟",
    "垃圾",
    "清运",
    "垃圾桶",
    "绿化",
    "树木",
    "枯树",
    "树枝",
    "杂草",
    "充电桩",
    "电动车",
    "飞线",
    "充电",
    "护栏",
    "红绿灯",
    "信号灯",
    "斑马线",
    "减速带",
    "地砖",
    "公交",
    "站牌",
    "供暖",
    "暖气",
    "不热",
    "燃气",
    "漏气",
    "停电",
    "电线",
    "广场舞",
    "狗",
    "犬",
    "流浪狗",
    "施工",
    "工地",
    "扬尘",
    "渣土",
    "违建",
    "违章",
    "搭建",
    "楼道",
    "杂物",
    "外墙",
    "脱落",
    "屋顶",
    "渗水",
    "消防",
    "通道",
    "监控",
    "门禁",
    "健身器材",
    "座椅",
    "公厕",
    "厕所",
    "学校",
    "上学",
    "放学",
    "接送",
    "拥堵",
    "堵车",
    "窨井",
    "排水",
    "水表",
    "物业",
    "收费",
];

/// Kinds of problem and the ways residents name them (simplified, lower-case). A
/// text names a kind when it contains one of its phrases, however jieba cuts it.
const KINDS: &[(&str, &[&str])] = &[
    (
        "water-outage",
        &[
            "停水",
            "没水",
            "断水",
            "没有自来水",
            "没有水",
            "不来水",
            "拧不出水",
        ],
    ),
    (
        "pipe-burst",
        &[
            "爆管",
            "水管爆",
            "水管破",
            "管道爆",
            "爆裂",
            "破裂",
            "冒水",
            "喷水",
            "水管漏",
        ],
    ),
    ("water-quality", &["发黄", "浑浊", "水质", "铁锈"]),
    (
        "street-light",
        &[
            "路灯",
            "照明",
            "黑灯瞎火",
            "灯不亮",
            "漆黑",
            "黑乎乎",
            "没有灯",
        ],
    ),
    ("traffic-light", &["红绿灯", "信号灯"]),
    ("crossing", &["斑马线", "人行横道"]),
    ("speed", &["减速带", "车速", "减速"]),
    ("manhole", &["井盖", "窨井"]),
    (
        "road-damage",
        &[
            "坑洼",
            "大坑",
            "塌陷",
            "路面破",
            "路烂",
            "路破",
            "破得",
            "坑坑",
        ],
    ),
    ("flooding", &["积水", "内涝", "淹", "排水沟", "排水不"]),
    ("garbage", &["垃圾"]),
    ("lift", &["电梯"]),
    (
        "noise",
        &["噪音", "吵", "扰民", "声音", "音响", "音乐", "音箱"],
    ),
    ("dancing", &["广场舞", "跳舞"]),
    ("smoke", &["油烟", "烧烤"]),
    ("stalls", &["摊", "小贩", "占道"]),
    ("parking", &["停车", "车位", "乱停", "停满"]),
    ("fire-lane", &["消防通道", "逃生通道"]),
    (
        "congestion",
        &["拥堵", "堵车", "堵死", "堵路", "堵得", "交通堵塞"],
    ),
    ("charging", &["充电"]),
    ("dogs", &["狗", "犬"]),
    ("leak", &["漏雨", "渗水", "渗漏", "滴水", "漏水"]),
    (
        "sewage",
        &[
            "化粪池",
            "粪水",
            "污水",
            "返水",
            "下水道",
            "下水管",
            "排水管",
            "地漏",
        ],
    ),
    ("fitness", &["健身", "器材", "器械"]),
    ("facade", &["外墙", "墙皮", "瓷砖", "外立面"]),
    ("bus", &["公交"]),
    ("bus-stop", &["站牌"]),
    ("heating", &["暖气", "供暖", "供热"]),
    ("paving", &["地砖", "砖块", "砖"]),
    ("bikes", &["单车"]),
    ("dust", &["渣土", "扬尘", "灰尘", "尘土", "撒土"]),
    ("building-site", &["工地", "施工"]),
    ("access", &["门禁"]),
    ("trees", &["树枝", "修剪", "大树", "树木"]),
    ("clutter", &["杂物", "堆放", "堆满"]),
    ("fees", &["收费", "涨", "停车费"]),
    ("green", &["绿化", "绿地", "种菜"]),
    ("illegal-taxi", &["黑车", "非法营运"]),
    ("clinic", &["卫生服务站", "卫生站", "看病"]),
    ("toilet", &["厕所", "公厕"]),
    ("wiring", &["电线", "拉线", "飞线", "插线板"]),
];

fn kinds(text: &str) -> Vec<&'static str> {
    KINDS
        .iter()
        .filter(|(_, phrases)| phrases.iter().any(|p| text.contains(p)))
        .map(|(k, _)| *k)
        .collect()
}

fn is_generic(w: &str) -> bool {
    GENERIC.contains(&w)
}

fn word_weight(w: &str) -> f32 {
    if is_generic(w) {
        return 0.15;
    }
    if PROBLEM.contains(&w) {
        return 2.0;
    }
    if w.chars().any(|c| c.is_ascii_digit()) {
        return 1.2;
    }
    match w.chars().count() {
        1 => 0.35,
        2 => 1.0,
        _ => 1.3,
    }
}

/// The weighted terms of one text, ready to compare with others, and the things
/// that tell two problems apart even when most words agree: the buildings
/// (3号楼), the named places (凤鸣花园, 人民路) and the kinds of problem named.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Hashed terms and their weights, sorted by hash: compact, and compared by
    /// one merge.
    terms: Vec<(u32, f32)>,
    norm: f32,
    /// The heaviest words, for naming clusters.
    top: Vec<String>,
    buildings: Vec<String>,
    places: Vec<String>,
    problems: Vec<&'static str>,
}

/// Chinese numerals (up to 99) as digits: 三 → 3, 十二 → 12, 二十 → 20.
fn numeral(s: &[char]) -> Option<u32> {
    let digit = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32)
    };
    match s {
        [a] if *a == '十' => Some(10),
        [a] => digit(*a),
        ['十', b] => Some(10 + digit(*b)?),
        [a, '十'] => Some(digit(*a)? * 10),
        [a, '十', b] => Some(digit(*a)? * 10 + digit(*b)?),
        _ => None,
    }
}

/// Building numbers written in the text (3号楼, 三号楼, 12栋 …), as digits.
fn buildings(text: &[char]) -> Vec<String> {
    const AFTER: [&str; 4] = ["号楼", "栋", "幢", "单元"];
    let mut out = Vec::new();
    for i in 0..text.len() {
        let Some(suffix) = AFTER.iter().find(|s| {
            let s: Vec<char> = s.chars().collect();
            text[i..].starts_with(&s)
        }) else {
            continue;
        };
        // Digits, or Chinese numerals, just before the suffix.
        let mut j = i;
        while j > 0 && text[j - 1].is_ascii_digit() {
            j -= 1;
        }
        let number = if j < i {
            text[j..i].iter().collect::<String>().parse::<u32>().ok()
        } else {
            let mut k = i;
            while k > 0 && i - k < 3 && "零一二三四五六七八九十".contains(text[k - 1]) {
                k -= 1;
            }
            (k < i).then(|| numeral(&text[k..i])).flatten()
        };
        if let Some(n) = number {
            out.push(format!("{n}{suffix}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Place names by their stem: the two characters before a place word (凤鸣 of
/// 凤鸣花园, 人民 of 人民路, 东刘 of both 东刘村 and 东刘社区), unless those make
/// an ordinary word (马路, 这个村).
fn places(text: &[char]) -> Vec<String> {
    const SUFFIXES: [&str; 14] = [
        "家属院",
        "花园",
        "家园",
        "小区",
        "广场",
        "市场",
        "小学",
        "中学",
        "医院",
        "社区",
        "苑",
        "村",
        "路",
        "街",
    ];
    const NOT_BEFORE: &str =
        "马公道走水泥土小大这那条段边岔近堵修绕占半们全本个进出回到上下去来里在的了和到个后前过";
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let hit = SUFFIXES.iter().find(|s| {
            let s: Vec<char> = s.chars().collect();
            text[i..].starts_with(&s)
        });
        if let Some(suffix) = hit {
            let n = suffix.chars().count();
            if i >= 2
                && crate::is_han(text[i - 2])
                && crate::is_han(text[i - 1])
                && !NOT_BEFORE.contains(text[i - 1])
            {
                out.push(format!("{}{}", text[i - 2], text[i - 1]));
            }
            i += n;
        } else {
            i += 1;
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Profile {
    /// Builds the profile of a text (any script, any width).
    pub fn new(text: &str) -> Profile {
        let mut terms: HashMap<String, f32> = HashMap::new();
        let ws = search_words(text);
        // Characters inside generic or stop words make weak bigrams.
        let weak: std::collections::HashSet<String> = ws
            .iter()
            .filter(|w| is_generic(w))
            .flat_map(|w| han_bigrams(w))
            .collect();
        for w in &ws {
            *terms.entry(format!("w:{w}")).or_default() += word_weight(w);
        }
        let prepared = prepare(text);
        for run in prepared.split(|c: char| !crate::is_han(c)) {
            for b in han_bigrams(run) {
                let first = b.chars().next().map(String::from).unwrap_or_default();
                let last = b.chars().last().map(String::from).unwrap_or_default();
                let w = if weak.contains(&b) || (is_stopword(&first) || is_stopword(&last)) {
                    0.1
                } else {
                    0.5
                };
                *terms.entry(format!("b:{b}")).or_default() += w;
            }
        }
        // Repetition counts, but less than once per occurrence.
        for v in terms.values_mut() {
            *v = v.sqrt();
        }
        let problems = kinds(&prepared);
        for k in &problems {
            terms.insert(format!("k:{k}"), KIND_WEIGHT);
        }
        let norm = terms.values().map(|v| v * v).sum::<f32>().sqrt();
        let chars: Vec<char> = prepared.chars().collect();
        let mut words: Vec<(&String, &f32)> =
            terms.iter().filter(|(k, _)| k.starts_with("w:")).collect();
        words.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        let top = words
            .iter()
            .take(8)
            .map(|(k, _)| k[2..].to_owned())
            .collect();
        let mut hashed: Vec<(u32, f32)> = terms.iter().map(|(k, v)| (term_hash(k), *v)).collect();
        hashed.sort_by_key(|(h, _)| *h);
        Profile {
            terms: hashed,
            norm,
            top,
            buildings: buildings(&chars),
            places: places(&chars),
            problems,
        }
    }

    /// Whether the text had nothing to compare.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The words of this profile with the largest weights, heaviest first (for
    /// naming a cluster of concerns).
    pub fn top_words(&self, n: usize) -> Vec<String> {
        self.top.iter().take(n).cloned().collect()
    }
}

/// A term's 32-bit FNV-1a hash (stable across runs and builds).
fn term_hash(term: &str) -> u32 {
    term.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn han_bigrams(run: &str) -> Vec<String> {
    let cs: Vec<char> = run.chars().filter(|c| crate::is_han(*c)).collect();
    cs.windows(2).map(|p| p.iter().collect()).collect()
}

/// Cosine similarity of two profiles, from 0 (nothing shared) to 1 (the same).
pub fn similarity(a: &Profile, b: &Profile) -> f32 {
    if a.norm == 0.0 || b.norm == 0.0 {
        return 0.0;
    }
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < a.terms.len() && j < b.terms.len() {
        let (ha, wa) = a.terms[i];
        let (hb, wb) = b.terms[j];
        match ha.cmp(&hb) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += wa * wb;
                i += 1;
                j += 1;
            }
        }
    }
    let cosine = dot / (a.norm * b.norm);
    // Both name a building, a place or a kind of problem, and none in common:
    // most likely two problems.
    fn apart<T: PartialEq>(x: &[T], y: &[T]) -> bool {
        !x.is_empty() && !y.is_empty() && !x.iter().any(|v| y.contains(v))
    }
    let mut factor = 1.0;
    if apart(&a.buildings, &b.buildings) {
        factor *= BUILDING_APART;
    }
    if apart(&a.places, &b.places) {
        factor *= PLACE_APART;
    }
    if apart(&a.problems, &b.problems) {
        factor *= PROBLEM_APART;
    }
    cosine * factor
}

/// The weight of a kind of problem named in a text.
const KIND_WEIGHT: f32 = 2.0;

/// What a similarity keeps when two texts name different buildings.
const BUILDING_APART: f32 = 0.35;
/// … different places.
const PLACE_APART: f32 = 0.6;
/// … different kinds of problem.
const PROBLEM_APART: f32 = 0.7;

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(a: &str, b: &str) -> f32 {
        similarity(&Profile::new(a), &Profile::new(b))
    }

    #[test]
    fn same_text_is_one_and_disjoint_is_zero() {
        assert!((sim("凤鸣小区水管爆裂", "凤鸣小区水管爆裂") - 1.0).abs() < 1e-5);
        assert_eq!(sim("路灯不亮", "ABC"), 0.0);
        assert_eq!(sim("", "路灯不亮"), 0.0);
    }

    #[test]
    fn scripts_and_widths_do_not_matter() {
        assert!((sim("鳳鳴小區水管爆裂", "凤鸣小区水管爆裂") - 1.0).abs() < 1e-5);
        assert!((sim("３号楼", "3号楼") - 1.0).abs() < 1e-5);
    }

    #[test]
    fn the_same_problem_is_closer_than_another_problem_at_the_same_place() {
        let a = "凤鸣小区东门自来水管爆了，水漫到路上";
        let same = "凤鸣小区东门口水管破裂，一直冒水";
        let other = "凤鸣小区东门路灯不亮，晚上很黑";
        assert!(
            sim(a, same) > sim(a, other),
            "{} {}",
            sim(a, same),
            sim(a, other)
        );
    }

    #[test]
    fn buildings_and_places_are_read_from_the_text() {
        let c = |s: &str| prepare(s).chars().collect::<Vec<_>>();
        assert_eq!(
            buildings(&c("幸福家园三号楼和12号楼，五栋2单元")),
            vec!["12号楼", "2单元", "3号楼", "5栋"]
        );
        assert_eq!(buildings(&c("十二号楼")), vec!["12号楼"]);
        assert_eq!(
            places(&c("凤鸣花园东门过马路到人民路")),
            vec!["人民", "凤鸣"]
        );
        assert_eq!(places(&c("我们村里")), Vec::<String>::new());
    }

    #[test]
    fn building_numbers_tell_problems_apart() {
        let a = "幸福家园3号楼电梯坏了";
        assert!(sim(a, "幸福家园3号楼电梯坏了好几天") > sim(a, "幸福家园5号楼电梯坏了好几天"));
    }
}
