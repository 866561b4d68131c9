//! Search, duplicate suggestions and hotspots on the suite's backend: the index
//! is written with the concern, queries cross scripts, scope and filters hold,
//! and suggestion quality on the labelled set stays above its floor.

use crate::actor;
use std::collections::HashMap;
use xieshang_store::concern::{self, NewConcern};
use xieshang_store::item::By;
use xieshang_store::search::{self, Filter, Level};
use xieshang_store::testing::TestDb;
use xieshang_store::{org, seed, Error};

async fn city() -> TestDb {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    t
}

async fn file(t: &TestDb, area: &str, category: &str, title: &str, description: &str) -> i64 {
    let unit = org::by_code_unchecked(&t.db, area).await.unwrap();
    concern::record(
        &t.db,
        By::Resident,
        crate::web_concern(unit.id, category, title, description),
    )
    .await
    .unwrap()
    .0
}

fn q(text: &str) -> Filter {
    Filter {
        q: text.into(),
        limit: 50,
        ..Default::default()
    }
}

fn ids(hits: &[search::Hit]) -> Vec<i64> {
    hits.iter().map(|h| h.row.id).collect()
}

#[tokio::test]
async fn search_crosses_scripts_ranks_marks_and_keeps_to_scope() {
    let t = city().await;
    let staff = actor(&t, "staff").await;
    let beilin = actor(&t, "staff-beilin").await;
    let lamp = file(
        &t,
        "yanliang-fenghuang-g01",
        "road",
        "凤凰路路燈不亮",
        "晚上漆黑一片，行人看不清路。",
    )
    .await;
    let county = file(
        &t,
        "yanliang-guanshan-g01",
        "other",
        "区县政协委员接待日安排",
        "希望公布区县政协委员接待居民的时间。",
    )
    .await;
    let water = file(
        &t,
        "yanliang-fenghuang-g02",
        "water",
        "自来水管爆裂",
        "凤鸣花园东门口水管破了，水漫到路上。",
    )
    .await;
    let _noise = file(
        &t,
        "yanliang-fenghuang-g03",
        "environment",
        "垃圾没人清运",
        "垃圾桶满了。",
    )
    .await;

    // Traditional query, simplified text; simplified query, traditional text.
    assert_eq!(
        ids(&search::search(&t.db, &staff, &q("區縣")).await.unwrap()),
        vec![county]
    );
    assert_eq!(
        ids(&search::search(&t.db, &staff, &q("路灯")).await.unwrap()),
        vec![lamp]
    );
    // A word cut differently in the text (自来水管) is still found by its part.
    assert_eq!(
        ids(&search::search(&t.db, &staff, &q("水管 爆裂"))
            .await
            .unwrap()),
        vec![water]
    );
    // Every word must match.
    assert!(search::search(&t.db, &staff, &q("水管 路灯"))
        .await
        .unwrap()
        .is_empty());

    // Marks sit on the words as written.
    let hit = &search::search(&t.db, &staff, &q("路灯")).await.unwrap()[0];
    let marked: Vec<&str> = hit
        .title
        .iter()
        .filter(|s| s.hit)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(marked, vec!["路燈"]);

    // Another district's staff find nothing of Yanliang's; a member without the
    // view permission is refused.
    assert!(search::search(&t.db, &beilin, &q("路灯"))
        .await
        .unwrap()
        .is_empty());
    let resident_like = actor(&t, "teacher").await;
    assert!(matches!(
        search::search(&t.db, &resident_like, &q("路灯")).await,
        Err(Error::Denied(_))
    ));

    // Filters: state, category, unit subtree, dates.
    let mut f = q("路灯");
    f.state = Some("accepted".into());
    assert!(search::search(&t.db, &staff, &f).await.unwrap().is_empty());
    let mut f = q("水管");
    f.category = Some("road".into());
    assert!(search::search(&t.db, &staff, &f).await.unwrap().is_empty());
    f.category = Some("water".into());
    assert_eq!(
        ids(&search::search(&t.db, &staff, &f).await.unwrap()),
        vec![water]
    );
    let guanshan = org::by_code_unchecked(&t.db, "yanliang-guanshan")
        .await
        .unwrap();
    let mut f = q("路灯");
    f.unit = Some(guanshan.id);
    assert!(search::search(&t.db, &staff, &f).await.unwrap().is_empty());
    let now = t.db.now_ms();
    let mut f = q("路灯");
    f.from_ms = Some(now + 3_600_000);
    assert!(search::search(&t.db, &staff, &f).await.unwrap().is_empty());
    f.from_ms = Some(now - 3_600_000);
    f.to_ms = Some(now + 3_600_000);
    assert_eq!(
        ids(&search::search(&t.db, &staff, &f).await.unwrap()),
        vec![lamp]
    );

    // A unit moved elsewhere takes its concerns' entries along.
    let g01 = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g01")
        .await
        .unwrap();
    let c1 = org::by_code_unchecked(&t.db, "yanliang-guanshan-c1")
        .await
        .unwrap();
    org::move_to(&t.db, &staff, g01.id, c1.id).await.unwrap();
    let mut f = q("路灯");
    f.unit = Some(guanshan.id);
    assert_eq!(
        ids(&search::search(&t.db, &staff, &f).await.unwrap()),
        vec![lamp]
    );
    org::move_to(&t.db, &staff, g01.id, g01.parent_id.unwrap())
        .await
        .unwrap();

    // Ranking: the text that says it more often and more closely comes first.
    let twice = file(
        &t,
        "yanliang-fenghuang-g04",
        "road",
        "路灯坏了",
        "凤凰广场路灯不亮，路灯杆也歪了。",
    )
    .await;
    let hits = ids(&search::search(&t.db, &staff, &q("路灯")).await.unwrap());
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0], twice, "{hits:?}");
}

#[tokio::test]
async fn the_index_entry_commits_with_the_concern_or_not_at_all() {
    let t = city().await;
    let docs = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM search_docs")
            .fetch_one(t.db.pool())
            .await
            .unwrap()
    };
    let before = docs().await;
    file(
        &t,
        "yanliang-fenghuang-g01",
        "road",
        "井盖丢失",
        "人民路井盖不见了。",
    )
    .await;
    assert_eq!(docs().await, before + 1);
    // Five photos are refused after the concern row was written: nothing stays.
    let unit = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g01")
        .await
        .unwrap();
    let photo = xieshang_store::concern::photo::Photo {
        jpeg: vec![0xFF, 0xD8, 0xFF, 0xD9],
        width: 1,
        height: 1,
    };
    let photos = vec![
        photo.clone(),
        photo.clone(),
        photo.clone(),
        photo.clone(),
        photo,
    ];
    let r = concern::record(
        &t.db,
        By::Resident,
        NewConcern {
            photos: &photos,
            ..crate::web_concern(unit.id, "road", "井盖丢失第二次", "又丢了")
        },
    )
    .await;
    assert!(r.is_err());
    assert_eq!(docs().await, before + 1);
    let staff = actor(&t, "staff").await;
    assert!(search::search(&t.db, &staff, &q("第二次"))
        .await
        .unwrap()
        .is_empty());

    // Concerns written without an entry (before the index existed) get one.
    sqlx::query(
        "INSERT INTO concerns (org_id, tracking_code, category, title, description, channel, state,
           created_at, updated_at) VALUES ($1, 'OLD00001', 'road', '旧数据里的护栏断了', '护栏', 'web', 'submitted', 1, 1)",
    )
    .bind(unit.id)
    .execute(t.db.pool())
    .await
    .unwrap();
    assert!(search::search(&t.db, &staff, &q("护栏"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        xieshang_store::index::index_missing(&t.db).await.unwrap(),
        1
    );
    assert_eq!(
        search::search(&t.db, &staff, &q("护栏"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        xieshang_store::index::index_missing(&t.db).await.unwrap(),
        0
    );
}

struct Labelled {
    group: String,
    area: String,
    title: String,
    description: String,
}

fn labelled_set() -> Vec<Labelled> {
    include_str!("../data/duplicates.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "{l}");
            Labelled {
                group: f[0].into(),
                area: f[1].into(),
                title: f[2].into(),
                description: f[3].into(),
            }
        })
        .collect()
}

/// Files the labelled set as open concerns and asks, for each, which open concerns
/// of its street are suggested; a suggestion is right when it is in the same
/// duplicate group. Precision is over all suggestions made, recall over all pairs
/// of one group (each direction counted).
#[tokio::test]
#[allow(clippy::print_stdout)] // the figures for BENCHMARKS.md
async fn duplicate_suggestions_meet_precision_and_recall_on_the_labelled_set() {
    let t = city().await;
    let set = labelled_set();
    assert!(set.len() >= 300, "{}", set.len());
    let mut units: HashMap<String, i64> = HashMap::new();
    let mut filed: Vec<(i64, i64, &Labelled)> = Vec::new();
    for l in &set {
        let unit = match units.get(&l.area) {
            Some(u) => *u,
            None => {
                let u = org::by_code_unchecked(&t.db, &l.area).await.unwrap().id;
                units.insert(l.area.clone(), u);
                u
            }
        };
        let id = file(&t, &l.area, "other", &l.title, &l.description).await;
        filed.push((id, unit, l));
    }
    let group_of: HashMap<i64, &str> = filed
        .iter()
        .map(|(id, _, l)| (*id, l.group.as_str()))
        .collect();
    let mut suggested = 0usize;
    let mut right = 0usize;
    let mut pairs = 0usize;
    for (id, unit, l) in &filed {
        let truth = filed
            .iter()
            .filter(|(other, _, m)| other != id && m.group == l.group && !l.group.starts_with('s'))
            .count();
        pairs += truth;
        let text = xieshang_store::index::concern_text(&l.title, &l.description, None);
        let got = search::similar(&t.db, *unit, &text, Some(*id), 5)
            .await
            .unwrap();
        suggested += got.len();
        right += got.iter().filter(|s| group_of[&s.id] == l.group).count();
    }
    let precision = right as f64 / suggested.max(1) as f64;
    let recall = right as f64 / pairs.max(1) as f64;
    println!(
        "duplicate suggestions on {} texts ({} pairs): {} suggested, {} right; precision {:.3}, recall {:.3} at threshold {:.2}",
        set.len(),
        pairs,
        suggested,
        right,
        precision,
        recall,
        search::SUGGEST_THRESHOLD
    );
    assert!(precision >= 0.85, "precision {precision:.3}");
    assert!(recall >= 0.75, "recall {recall:.3}");

    // The same measure at neighbouring thresholds, from the similarity alone (same
    // street, at most five suggestions), to show where the chosen one sits.
    let street = |area: &str| area.split('-').take(2).collect::<Vec<_>>().join("-");
    let profiles: Vec<xieshang_text::Profile> = set
        .iter()
        .map(|l| {
            xieshang_text::Profile::new(&xieshang_store::index::concern_text(
                &l.title,
                &l.description,
                None,
            ))
        })
        .collect();
    for threshold in [0.30f32, 0.35, 0.38, 0.40, 0.45] {
        let (mut made, mut hit) = (0usize, 0usize);
        for (i, l) in set.iter().enumerate() {
            let mut got: Vec<(usize, f32)> = (0..set.len())
                .filter(|&j| j != i && street(&set[j].area) == street(&l.area))
                .map(|j| (j, xieshang_text::similarity(&profiles[i], &profiles[j])))
                .filter(|(_, s)| *s >= threshold)
                .collect();
            got.sort_by(|a, b| b.1.total_cmp(&a.1));
            got.truncate(5);
            made += got.len();
            hit += got.iter().filter(|(j, _)| set[*j].group == l.group).count();
        }
        println!(
            "  threshold {threshold:.2}: precision {:.3}, recall {:.3}",
            hit as f64 / made.max(1) as f64,
            hit as f64 / pairs.max(1) as f64
        );
    }
}

#[tokio::test]
async fn hotspots_gather_alike_concerns_of_one_street() {
    let t = city().await;
    let staff = actor(&t, "staff").await;
    let beilin = actor(&t, "staff-beilin").await;
    let a = file(
        &t,
        "yanliang-fenghuang-g01",
        "environment",
        "凤凰广场广场舞噪音扰民",
        "凤凰广场晚上广场舞音响太吵。",
    )
    .await;
    let b = file(
        &t,
        "yanliang-fenghuang-g04",
        "environment",
        "广场舞音响太大",
        "凤凰广场跳舞音响声音很大，影响休息。",
    )
    .await;
    let c = file(
        &t,
        "yanliang-fenghuang-c1",
        "environment",
        "凤凰广场噪音",
        "凤凰广场广场舞噪音扰民，十点还不停。",
    )
    .await;
    // The same words in another street do not join this street's hotspot.
    let other = file(
        &t,
        "yanliang-guanshan-g01",
        "environment",
        "关山广场舞噪音扰民",
        "广场舞音响太吵。",
    )
    .await;
    let _unrelated = file(
        &t,
        "yanliang-fenghuang-g02",
        "road",
        "井盖丢失",
        "人民路井盖不见了。",
    )
    .await;

    let since = t.db.now_ms() - 30 * 86_400_000;
    let spots = search::hotspots(&t.db, &staff, Level::Street, since, 3, 0.3)
        .await
        .unwrap();
    assert_eq!(spots.len(), 1, "{spots:?}");
    let mut got: Vec<i64> = spots[0].items.iter().map(|i| i.id).collect();
    got.sort();
    assert_eq!(got, vec![a, b, c]);
    assert!(!got.contains(&other));
    assert_eq!(spots[0].area, "凤凰街道");
    assert!(
        spots[0]
            .label
            .iter()
            .any(|w| w.contains("广场") || w.contains("噪音")),
        "{:?}",
        spots[0].label
    );
    // Outside the window, or for another district: nothing.
    let later = t.db.now_ms() + 86_400_000;
    assert!(
        search::hotspots(&t.db, &staff, Level::Street, later, 3, 0.3)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        search::hotspots(&t.db, &beilin, Level::Street, since, 3, 0.3)
            .await
            .unwrap()
            .is_empty()
    );
    // Per grid, the three fall into different grids: no grid has three.
    assert!(search::hotspots(&t.db, &staff, Level::Grid, since, 3, 0.3)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn joining_the_same_problem_adds_a_reporter_and_a_timeline_note() {
    let t = city().await;
    let id = file(
        &t,
        "yanliang-fenghuang-g01",
        "water",
        "凤鸣花园东门水管爆裂",
        "东门口水漫到路上。",
    )
    .await;
    let code: String = sqlx::query_scalar("SELECT tracking_code FROM concerns WHERE id = $1")
        .bind(id)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let sealer = xieshang_store::seal::Sealer::from_hex(&"07".repeat(32)).unwrap();
    let phone = xieshang_core::personal::Phone::parse("13812345678").unwrap();
    let got = concern::join_same(
        &t.db,
        id,
        Some(concern::NewReporter {
            sealer: &sealer,
            name: Some("王五"),
            phone: Some(&phone),
        }),
    )
    .await
    .unwrap();
    // Issue 26: the joining resident gets a code and key of their own, never
    // the first resident's code.
    assert_eq!(got.id, id);
    assert_ne!(got.code, code);
    assert_eq!(got.code.len(), 10);
    assert_eq!(got.key.len(), 16);
    let reporters = concern::reporters(&t.db, id).await.unwrap();
    assert_eq!(reporters.len(), 1);
    assert_eq!(reporters[0].phone.as_deref(), Some("138****5678"));
    let tl = xieshang_store::item::timeline(&t.db, &xieshang_core::item::CONCERN, id)
        .await
        .unwrap();
    assert_eq!(tl.last().unwrap().action, "same_report");
    assert_eq!(concern::state(&t.db, id).await.unwrap(), "submitted");
    // Unknown codes are not found; closed concerns cannot be joined.
    assert!(matches!(
        concern::join_same(&t.db, id + 1_000, None).await,
        Err(Error::NotFound)
    ));
    sqlx::query("UPDATE concerns SET state = 'closed' WHERE id = $1")
        .bind(id)
        .execute(t.db.pool())
        .await
        .unwrap();
    assert!(matches!(
        concern::join_same(&t.db, id, None).await,
        Err(Error::Invalid { .. })
    ));
}

/// Issue 26 (decision 0030): on SQLite the full-text table keeps a posting
/// list per one-character prefix (migration 29), so a one-character query
/// ("坑"*) reads one list instead of merging the list of every token that
/// begins with the character; it still finds the character at the end of a
/// run (大坑) as inside one (坑洼), within the scope only.
#[tokio::test]
async fn one_character_queries_read_a_prefix_index_and_find_the_character_anywhere() {
    let t = city().await;
    if t.db.dialect() == xieshang_store::Dialect::Sqlite {
        let sql: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")
                .fetch_one(t.db.pool())
                .await
                .unwrap();
        assert!(sql.contains("prefix='1'"), "{sql}");
    }
    let staff = actor(&t, "staff").await;
    let end = file(
        &t,
        "yanliang-guanshan-g01",
        "road",
        "门口有个大坑",
        "晚上看不清。",
    )
    .await;
    let inside = file(
        &t,
        "yanliang-guanshan-g01",
        "road",
        "路面坑洼不平",
        "车辆颠簸。",
    )
    .await;
    let none = file(
        &t,
        "yanliang-guanshan-g01",
        "road",
        "路灯不亮",
        "晚上漆黑。",
    )
    .await;
    let beilin = file(&t, "beilin-nanyuanmen", "road", "南院门有个坑", "很危险。").await;
    let got: Vec<i64> = search::search(&t.db, &staff, &q("坑"))
        .await
        .unwrap()
        .iter()
        .map(|h| h.row.id)
        .collect();
    assert!(got.contains(&end) && got.contains(&inside), "{got:?}");
    assert!(!got.contains(&none) && !got.contains(&beilin), "{got:?}");
}
