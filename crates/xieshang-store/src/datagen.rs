//! A realistic city for load tests: Xi'an's 13 districts with streets,
//! communities and grids, departments, members paired with grids, and concerns
//! over several years with their timelines, assignments and feedback, in varied
//! Chinese. Bulk inserts (many rows per statement, many statements per
//! transaction); concerns get explicit ids so their events can refer to them.
//! Writes no audit rows: the audit log records people's changes, and this is
//! neither.

mod proposals;
mod reports;

use crate::db::Db;
use crate::org::{self, Org};
use crate::{account::user, seed, Error, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use xieshang_core::org::point::Point;
use xieshang_core::values::Username;
use xieshang_core::{OrgKind, Role};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Concerns in all.
    pub concerns: u64,
    /// Members in all.
    pub members: u64,
    /// Years of history, ending now.
    pub years: u32,
    /// Random seed (same seed, same city).
    pub seed: u64,
    /// Proposals filed per district body per year (issue 29: about 250).
    pub proposals: u32,
}

/// What was generated, and how fast.
#[derive(Debug, Clone, Copy, Default)]
pub struct Report {
    /// Units created.
    pub orgs: u64,
    /// Members created.
    pub members: u64,
    /// Concerns created.
    pub concerns: u64,
    /// Concern rows written in all (concerns, events, assignments, feedback).
    pub rows: u64,
}

const STREET_WORDS: [&str; 16] = [
    "东关",
    "西关",
    "南关",
    "北关",
    "长乐",
    "太华",
    "含光",
    "朱雀",
    "曲江",
    "电子城",
    "鱼化",
    "丈八",
    "新城",
    "凤城",
    "大明宫",
    "未央宫",
];
const ROADS: [&str; 24] = [
    "人民路",
    "解放路",
    "建设路",
    "幸福路",
    "友谊路",
    "长安路",
    "凤凰路",
    "关山路",
    "文化路",
    "振兴街",
    "育才路",
    "光明巷",
    "和平路",
    "团结路",
    "新华街",
    "兴业路",
    "学府路",
    "民主街",
    "胜利路",
    "公园路",
    "朝阳路",
    "华清路",
    "太白路",
    "纬二街",
];
const PLACES: [&str; 16] = [
    "小学门口",
    "中学南门",
    "菜市场旁",
    "公交站附近",
    "小区东门",
    "十字路口",
    "幼儿园对面",
    "医院后门",
    "社区广场",
    "老旧小区内",
    "桥下",
    "商场停车场",
    "村口",
    "文化站门前",
    "地铁口",
    "健身广场",
];
const CATEGORIES: [(&str, &[&str]); 8] = [
    (
        "road",
        &[
            "路面塌陷",
            "人行道砖松动",
            "井盖缺失",
            "路灯不亮",
            "道路坑洼积水",
            "护栏损坏",
        ],
    ),
    (
        "water",
        &[
            "供水管爆裂",
            "连续停水",
            "下水道堵塞",
            "污水外溢",
            "雨后积水严重",
            "水压太低",
        ],
    ),
    (
        "environment",
        &[
            "垃圾无人清运",
            "噪音扰民",
            "油烟污染",
            "绿化带被毁",
            "公厕脏乱",
            "乱倒建筑垃圾",
        ],
    ),
    (
        "safety",
        &[
            "电线私拉乱接",
            "燃气管道老化",
            "违规停放电动车充电",
            "消防通道被占",
            "危墙有倒塌风险",
            "楼道堆放杂物",
        ],
    ),
    (
        "market",
        &[
            "占道经营",
            "流动摊贩堵路",
            "商户装修违规",
            "无证经营",
            "缺斤短两",
            "夜市影响通行",
        ],
    ),
    (
        "housing",
        &[
            "屋顶漏水",
            "电梯经常故障",
            "物业不作为",
            "外墙脱落",
            "暖气不热",
            "楼道灯坏",
        ],
    ),
    (
        "education",
        &[
            "上学路上不安全",
            "校门口拥堵",
            "学位紧张",
            "课后托管难",
            "校车停放混乱",
            "学校周边摊点",
        ],
    ),
    (
        "other",
        &[
            "公交线路调整不便",
            "停车难",
            "快递乱放",
            "宠物扰民",
            "健身器材损坏",
            "信号差",
        ],
    ),
];
const DETAILS: [&str; 12] = [
    "已经持续一个多月，居民反映强烈",
    "老人孩子出行很不方便",
    "晚上看不清，容易摔倒",
    "多次向物业反映没有结果",
    "雨天尤其严重",
    "影响周边商户正常经营",
    "存在安全隐患，希望尽快处理",
    "附近居民联名反映",
    "上下班高峰时段特别拥堵",
    "希望有关部门到现场看一看",
    "去年修过一次，现在又坏了",
    "周末人多的时候问题更突出",
];
const RESULTS: [&str; 8] = [
    "已安排施工队完成修复",
    "已协调相关单位现场处置",
    "已纳入年度改造计划并先行临时处置",
    "已约谈责任单位并限期整改",
    "已清理完毕并建立长效巡查机制",
    "已更换设施，经回访群众满意",
    "已联合执法整治",
    "已与居民协商达成一致方案",
];

/// Tracking codes from a counter: base 31 without look-alikes, after a `G`.
fn code(n: u64) -> String {
    const A: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut s = [b'2'; 9];
    let mut v = n;
    for d in s.iter_mut().rev() {
        *d = A[(v % 31) as usize];
        v /= 31;
    }
    format!("G{}", String::from_utf8_lossy(&s))
}

// h-locate begin
/// Roughly where each of [`seed::DISTRICTS`] lies (its government's quarter),
/// for the units' representative points (decision 0049).
const DISTRICT_POINTS: [(f64, f64); 13] = [
    (34.267, 108.960),
    (34.254, 108.940),
    (34.265, 108.930),
    (34.273, 109.065),
    (34.293, 108.947),
    (34.222, 108.948),
    (34.662, 109.227),
    (34.367, 109.214),
    (34.157, 108.907),
    (34.535, 109.088),
    (34.109, 108.605),
    (34.152, 109.323),
    (34.164, 108.222),
];

fn district_at(d: usize) -> (f64, f64) {
    DISTRICT_POINTS[d % DISTRICT_POINTS.len()]
}

/// The `i`-th of `n` points on a circle of `metres` around `centre`: where a
/// street sits in its district, a community in its street. No randomness, so
/// the rest of the generated city does not change with it.
fn around((lat, lng): (f64, f64), i: usize, n: usize, metres: f64) -> (f64, f64) {
    let angle = std::f64::consts::TAU * (i as f64) / (n.max(1) as f64);
    let dlat = metres * angle.sin() / 111_195.0;
    let dlng = metres * angle.cos() / (111_195.0 * lat.to_radians().cos());
    (lat + dlat, lng + dlng)
}

/// A generated point as a unit's point (always in range).
fn at((lat, lng): (f64, f64)) -> Option<Point> {
    Point::new(lat, lng)
}
// h-locate end

use crate::db::Arg::{Int, Text};
use crate::db::Batch;

/// Fills an empty database. `password_hash` is given to the few staff accounts
/// (`staff-<district>`, one per district) so that a person can log in.
pub async fn generate(
    db: &Db,
    plan: Plan,
    password_hash: &str,
    mut progress: impl FnMut(u64),
) -> Result<Report> {
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let now = db.now_ms();
    let mut report = Report::default();
    let mut tx = db.begin_write().await?;
    let any: Option<i64> = sqlx::query_scalar("SELECT id FROM orgs LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    if any.is_some() {
        return Err(Error::field(
            "database",
            "err.demo_not_empty",
            "datagen fills an empty database only",
        ));
    }
    let city = org::insert(&mut tx, now, None, OrgKind::City, "xa", "西安市政协").await?;
    let mut grids: Vec<(Org, usize)> = Vec::new();
    let mut departments: Vec<Vec<i64>> = Vec::new();
    let mut streets: Vec<(Org, usize)> = Vec::new();
    let mut districts: Vec<Org> = Vec::new();
    for (d, (dcode, dname)) in seed::DISTRICTS.iter().enumerate() {
        let district =
            org::insert(&mut tx, now, Some(&city), OrgKind::District, dcode, dname).await?;
        districts.push(district.clone());
        let uname = Username::parse(&format!("staff-{dcode}"))
            .map_err(|e| Error::invalid("username", e))?;
        let uid = user::insert(
            &mut tx,
            now,
            &uname,
            &format!("{dname}工作人员"),
            password_hash,
            district.id,
        )
        .await?;
        user::insert_grant(&mut tx, now, uid, Role::Staff, district.id).await?;
        let prefix = dname
            .trim_end_matches("政协")
            .trim_end_matches('区')
            .trim_end_matches('县');
        let mut depts = Vec::new();
        for (k, dep) in [
            "城市管理和综合执法局",
            "水务局",
            "住房和城乡建设局",
            "教育局",
            "市场监督管理局",
            "交通运输局",
            "生态环境局",
        ]
        .iter()
        .enumerate()
        {
            let o = org::insert(
                &mut tx,
                now,
                Some(&district),
                OrgKind::Department,
                &format!("{dcode}-dept{k}"),
                &format!("{dname}{dep}").replace("政协", ""),
            )
            .await?;
            depts.push(o.id);
        }
        departments.push(depts);
        for s in 0..8 {
            let street = org::insert(
                &mut tx,
                now,
                Some(&district),
                OrgKind::Street,
                &format!("{dcode}-s{s}"),
                &format!(
                    "{prefix}{}街道",
                    STREET_WORDS[(d * 3 + s) % STREET_WORDS.len()]
                ),
            )
            .await?;
            // h-locate begin
            let street_at = around(district_at(d), s, 8, 3_000.0);
            org::point::set_in(&mut tx, street.id, at(street_at)).await?;
            // h-locate end
            for c in 0..4 {
                let community = org::insert(
                    &mut tx,
                    now,
                    Some(&street),
                    OrgKind::Community,
                    &format!("{dcode}-s{s}-c{c}"),
                    &format!(
                        "{}{}社区",
                        STREET_WORDS[(s + c) % STREET_WORDS.len()],
                        ["一", "二", "三", "四"][c]
                    ),
                )
                .await?;
                // h-locate begin
                org::point::set_in(&mut tx, community.id, at(around(street_at, c, 4, 600.0)))
                    .await?;
                // h-locate end
                for g in 0..6 {
                    let grid = org::insert(
                        &mut tx,
                        now,
                        Some(&community),
                        OrgKind::Grid,
                        &format!("{dcode}-s{s}-c{c}-g{g}"),
                        &format!("{}第{}网格", community.name, g + 1),
                    )
                    .await?;
                    grids.push((grid, d));
                }
                report.orgs += 1;
            }
            streets.push((street, d));
            report.orgs += 1;
        }
        report.orgs += 8;
    }
    report.orgs += grids.len() as u64 + 1;
    // Members: at street level, paired with grids of their street in turn.
    let mut pair = Batch::new(
        "INSERT INTO grid_pairs (grid_org_id, user_id, created_at)",
        3,
        &[],
    );
    let mut street_members: Vec<Vec<i64>> = vec![Vec::new(); streets.len()];
    for m in 0..plan.members {
        let (street, _) = &streets[(m as usize) % streets.len()];
        let uname =
            Username::parse(&format!("m{m:05}")).map_err(|e| Error::invalid("username", e))?;
        let name = format!(
            "{}{}",
            ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"][rng.random_range(0..8)],
            ["建华", "秀兰", "志强", "海燕", "文博", "静怡", "国庆", "春梅"]
                [rng.random_range(0..8)]
        );
        let uid = user::insert(&mut tx, now, &uname, &name, password_hash, street.id).await?;
        user::insert_grant(&mut tx, now, uid, Role::Member, street.id).await?;
        street_members[(m as usize) % streets.len()].push(uid);
        report.members += 1;
        let street_grids: Vec<&Org> = grids
            .iter()
            .filter(|(g, _)| g.path.is_within(&street.path))
            .map(|(g, _)| g)
            .collect();
        let g = street_grids[(m as usize / streets.len()) % street_grids.len()];
        pair.push(vec![Some(Int(g.id)), Some(Int(uid)), Some(Int(now))]);
        if pair.rows >= 500 {
            pair.flush(&mut tx).await?;
        }
    }
    pair.flush(&mut tx).await?;
    tx.commit().await?;

    // Concerns, oldest first, in transactions of a few thousand.
    let span = i64::from(plan.years) * 365 * 86_400_000;
    let start = now - span;
    let first_id: i64 = 1;
    let per_tx = 2_000u64;
    let mut done = 0u64;
    while done < plan.concerns {
        let mut tx = db.begin_write().await?;
        let mut c = Batch::new(
            "INSERT INTO concerns (id, org_id, tracking_code, category, title, description, channel, address, state,
               created_at, updated_at, assigned_at, deadline_at, resolved_at, closed_at, result_note, assignment_round,
               public_timeline, public_feedback, branch_id, public_units, public_progress)",
            22,
            &[2, 3, 4, 5, 6, 7, 8, 15, 17, 18, 20, 21],
        );
        let mut ev = Batch::new(
            "INSERT INTO item_events (kind, item_id, org_id, action, from_state, to_state, party, note, at)",
            9,
            &[0, 3, 4, 5, 6, 7],
        );
        let mut asg = Batch::new(
            "INSERT INTO item_assignments (kind, item_id, org_id, lead, round, active, assigned_at)",
            7,
            &[0],
        );
        let mut fb = Batch::new(
            "INSERT INTO item_feedback (kind, item_id, rating, comment, thanks, at)",
            6,
            &[0, 2, 3, 4],
        );
        // Search entries use the concern's id as their own, so SQLite's FTS5
        // index can be rebuilt from them in one statement at the end.
        let mut sd = Batch::new(
            "INSERT INTO search_docs (id, kind, item_id, tokens)",
            4,
            &[1, 3],
        );
        let end = (done + per_tx).min(plan.concerns);
        for n in done..end {
            let id = first_id + n as i64;
            let created = start
                + (span as f64 * (n as f64 + rng.random::<f64>()) / plan.concerns as f64) as i64;
            let (grid, d) = &grids[rng.random_range(0..grids.len())];
            let (cat, problems) = CATEGORIES[rng.random_range(0..CATEGORIES.len())];
            let problem = problems[rng.random_range(0..problems.len())];
            let road = ROADS[rng.random_range(0..ROADS.len())];
            let place = PLACES[rng.random_range(0..PLACES.len())];
            let title = format!("{road}{place}{problem}");
            let description = format!(
                "{road}{place}{problem}，{}。",
                DETAILS[rng.random_range(0..DETAILS.len())]
            );
            let channel =
                ["web", "api", "liaison", "grid", "studio", "member"][rng.random_range(0..6)];
            let age_days = (now - created) / 86_400_000;
            // Older concerns have gone further through the loop.
            let stage = if age_days > 30 {
                5
            } else {
                rng.random_range(0..6)
            };
            let day = 86_400_000;
            let assigned = created + day / 2;
            let deadline = assigned + 14 * day;
            let resolved = assigned + rng.random_range(1..20) * day;
            let state = match stage {
                0 => "submitted",
                1 => "accepted",
                2 => "assigned",
                3 => "in_progress",
                4 => "resolved",
                _ => {
                    if rng.random_range(0..20) == 0 {
                        "rejected"
                    } else {
                        "closed"
                    }
                }
            };
            let rejected = state == "rejected";
            let reached = |s: u32| !rejected && stage >= s;
            let result = reached(4).then(|| RESULTS[rng.random_range(0..RESULTS.len())].to_owned());
            let updated = if reached(4) {
                resolved
            } else if reached(2) {
                assigned
            } else {
                created
            };
            let address = format!("{road}{}号", rng.random_range(1..300));
            sd.push(vec![
                Some(Int(id)),
                Some(Text(crate::index::CONCERN.into())),
                Some(Int(id)),
                Some(Text(crate::index::entry_tokens(
                    &crate::index::concern_text(&title, &description, Some(&address)),
                    &grid.path,
                ))),
            ]);
            let mut row = vec![
                Some(Int(id)),
                Some(Int(grid.id)),
                Some(Text(code(n))),
                Some(Text(cat.into())),
                Some(Text(title)),
                Some(Text(description)),
                Some(Text(channel.into())),
                Some(Text(address)),
                Some(Text(state.into())),
                Some(Int(created)),
                Some(Int(updated)),
                reached(2).then_some(Int(assigned)),
                reached(2).then_some(Int(deadline)),
                reached(4).then_some(Int(resolved)),
                (state == "closed").then_some(Int(resolved + day)),
                result.clone().map(Text),
                Some(Int(i64::from(reached(2)))),
            ];
            // What the public status page reads (migration 0016), folded as the
            // product folds it.
            let mut trail = String::new();
            let mut event = |action: &str,
                             from: Option<&str>,
                             to: &str,
                             party: &str,
                             note: Option<String>,
                             at: i64| {
                ev.push(vec![
                    Some(Text("concern".into())),
                    Some(Int(id)),
                    Some(Int(grid.id)),
                    Some(Text(action.into())),
                    from.map(|f| Text(f.into())),
                    Some(Text(to.into())),
                    Some(Text(party.into())),
                    note.map(Text),
                    Some(Int(at)),
                ]);
                trail.push_str(&crate::item::fold_event(action, to, at));
            };
            // Who handles it and their progress notes (migration 0027).
            let mut units = String::new();
            let mut progress_notes = String::new();
            event("submit", None, "submitted", "resident", None, created);
            if rejected {
                event(
                    "reject",
                    Some("submitted"),
                    "rejected",
                    "staff",
                    Some("不属于受理范围".into()),
                    created + day / 4,
                );
            }
            if reached(1) {
                event(
                    "accept",
                    Some("submitted"),
                    "accepted",
                    "staff",
                    None,
                    created + day / 4,
                );
            }
            if reached(2) {
                event(
                    "assign",
                    Some("accepted"),
                    "assigned",
                    "staff",
                    None,
                    assigned,
                );
                let lead = departments[*d][rng.random_range(0..7)];
                if !reached(4) {
                    units = format!("{lead} 1,");
                }
                asg.push(vec![
                    Some(Text(crate::index::CONCERN.into())),
                    Some(Int(id)),
                    Some(Int(lead)),
                    Some(Int(1)),
                    Some(Int(1)),
                    Some(Int(i64::from(!reached(4)))),
                    Some(Int(assigned)),
                ]);
            }
            if reached(3) {
                let note = "已到现场查看";
                event(
                    "progress",
                    Some("assigned"),
                    "in_progress",
                    "department_handler",
                    Some(note.into()),
                    assigned + day,
                );
                progress_notes = crate::item::fold_progress(assigned + day, note);
            }
            if reached(4) {
                event(
                    "resolve",
                    Some("in_progress"),
                    "resolved",
                    "department_handler",
                    result,
                    resolved,
                );
            }
            let mut feedback = String::new();
            if state == "closed" {
                let r = rng.random_range(0..100);
                let rating = if r < 80 {
                    "satisfied"
                } else if r < 93 {
                    "basically_satisfied"
                } else {
                    "unsatisfied"
                };
                // Unsatisfied feedback would reopen; here the office closed it after a re-check.
                let action = if rating == "unsatisfied" {
                    "close"
                } else {
                    "feedback_satisfied"
                };
                event(
                    action,
                    Some("resolved"),
                    "closed",
                    if rating == "unsatisfied" {
                        "staff"
                    } else {
                        "resident"
                    },
                    None,
                    resolved + day,
                );
                let comment = (r % 3 == 0).then_some("处理及时，谢谢");
                let thanks = (r % 10 == 0).then_some("感谢为群众办实事");
                fb.push(vec![
                    Some(Text(crate::index::CONCERN.into())),
                    Some(Int(id)),
                    Some(Text(rating.into())),
                    comment.map(|t| Text(t.into())),
                    thanks.map(|t| Text(t.into())),
                    Some(Int(resolved + day)),
                ]);
                feedback = crate::concern::fold_feedback(rating, resolved + day, comment, thanks);
            }
            row.push(Some(Text(trail)));
            row.push(Some(Text(feedback)));
            row.push(Some(Int(grid.path.branch())));
            row.push(Some(Text(units)));
            row.push(Some(Text(progress_notes)));
            c.push(row);
            // Concerns first: assignments and feedback refer to them.
            if c.rows >= 400 || ev.rows >= 400 || asg.rows >= 400 || fb.rows >= 400 {
                for b in [&mut c, &mut ev, &mut asg, &mut fb, &mut sd] {
                    report.rows += b.flush(&mut tx).await?;
                }
            }
        }
        for b in [&mut c, &mut ev, &mut asg, &mut fb, &mut sd] {
            report.rows += b.flush(&mut tx).await?;
        }
        tx.commit().await?;
        crate::concern::tally::compact(db).await?;
        report.concerns += end - done;
        done = end;
        progress(done);
    }
    report.rows += consultations(
        db,
        &mut rng,
        now,
        plan.years,
        &streets,
        &departments,
        &street_members,
    )
    .await?;
    // Each district body's members, from its streets'.
    let mut body_members: Vec<Vec<i64>> = vec![Vec::new(); districts.len()];
    for (si, (_, d)) in streets.iter().enumerate() {
        body_members[*d].extend(&street_members[si]);
    }
    report.rows += proposals::generate(
        db,
        &mut rng,
        now,
        plan.years,
        plan.proposals,
        password_hash,
        &districts,
        &departments,
        &body_members,
    )
    .await?;
    report.rows +=
        reports::generate(db, &mut rng, now, plan.years, &districts, &body_members).await?;
    report.rows +=
        crate::study::datagen(db, &mut rng, now, plan.years, &districts, &body_members).await?;
    // --- issue 31 S: supervision datagen (a call goes here) ---
    report.rows += crate::supervision::datagen::generate(
        db,
        &mut rng,
        now,
        plan.years,
        &districts,
        &body_members,
    )
    .await?;

    // --- issue 31 P: best-practice datagen (a call goes here) ---
    report.rows += crate::practice::datagen::generate(
        db,
        &mut rng,
        now,
        plan.years,
        &city,
        &districts,
        password_hash,
    )
    .await?;

    // --- issue 31 C: party organisation datagen (a call goes here) ---
    report.rows += crate::city::datagen(db, now, &city, password_hash).await?;
    report.rows +=
        crate::party::datagen::generate(db, &mut rng, now, plan.years, &districts, &body_members)
            .await?;

    // --- end of issue 31 datagen ---
    // Explicit ids leave PostgreSQL's identity sequence behind; move it past them.
    for table in [
        "concerns",
        "search_docs",
        "rooms",
        "consultations",
        "room_bookings",
        "consultation_participants",
        "consultation_actions",
    ]
    .into_iter()
    .chain(proposals::TABLES)
    .chain(reports::TABLES)
    {
        if let Some(reset) = db.dialect().reset_identity(table) {
            sqlx::query(&reset).execute(db.pool()).await?;
        }
    }
    crate::index::rebuild(db).await?;
    sqlx::query("INSERT INTO meta (key, value) VALUES ('datagen', $1)")
        .bind(format!("{} concerns, seed {}", plan.concerns, plan.seed))
        .execute(db.pool())
        .await?;
    Ok(report)
}

/// Consultations as the streets hold them (issue 28): a 多商量议事室 per
/// street, about two consultations per street per month over the years, each
/// with two departments and two or three of the street's members invited, its
/// room booked, and, once held, two agreed actions (older ones done). The
/// coming month's are called, not yet held. Rows as the product writes them,
/// with the engine's columns (first event folded, the owner as the action's
/// lead assignment).
async fn consultations(
    db: &Db,
    rng: &mut StdRng,
    now: i64,
    years: u32,
    streets: &[(Org, usize)],
    departments: &[Vec<i64>],
    street_members: &[Vec<i64>],
) -> Result<u64> {
    const TOPICS: [&str; 10] = [
        "学校周边道路破损修复",
        "老旧小区加装电梯",
        "背街小巷夜间照明",
        "农贸市场周边占道经营",
        "小区停车难",
        "社区养老服务站建设",
        "雨季道路积水",
        "垃圾分类投放点设置",
        "公园健身器材维护",
        "噪音扰民治理",
    ];
    const ACTIONS: [&str; 6] = [
        "修复路面",
        "增设标志标线",
        "增设路灯",
        "清理占道摊点",
        "协调施工时间",
        "增设公共停车位",
    ];
    let day = 86_400_000;
    let mut rows = 0u64;
    let mut tx = db.begin_write().await?;
    let mut rooms = Batch::new(
        "INSERT INTO rooms (id, org_id, name, capacity, created_at)",
        5,
        &[2],
    );
    for (i, (street, _)) in streets.iter().enumerate() {
        rooms.push(vec![
            Some(Int(i as i64 + 1)),
            Some(Int(street.id)),
            Some(Text("多商量议事室".into())),
            Some(Int(30)),
            Some(Int(now)),
        ]);
    }
    rows += rooms.flush(&mut tx).await?;
    tx.commit().await?;
    let months = i64::from(years) * 12;
    let mut id = 0i64;
    let mut part_id = 0i64;
    let mut action_id = 0i64;
    for (si, (street, d)) in streets.iter().enumerate() {
        let room = si as i64 + 1;
        let mut tx = db.begin_write().await?;
        let mut c = Batch::new(
            "INSERT INTO consultations (id, org_id, kind_code, topic, description, state, starts_at,
               ends_at, room_id, minutes, outcome_public, created_at, updated_at, held_at,
               closed_at, public_timeline, branch_id)",
            17,
            &[2, 3, 4, 5, 9, 15],
        );
        let mut b = Batch::new(
            "INSERT INTO room_bookings (id, room_id, consultation_id, starts_at, ends_at, created_at)",
            6,
            &[],
        );
        let mut p = Batch::new(
            "INSERT INTO consultation_participants (id, consultation_id, role, user_id, org_id,
               representative, answer, present, created_at)",
            9,
            &[2, 5, 6],
        );
        let mut a = Batch::new(
            "INSERT INTO consultation_actions (id, consultation_id, org_id, title, due_at, state,
               created_at, updated_at, done_at, public_timeline, public_units)",
            11,
            &[3, 5, 9, 10],
        );
        let mut asg = Batch::new(
            "INSERT INTO item_assignments (kind, item_id, org_id, lead, round, active, assigned_at)",
            7,
            &[0],
        );
        // Two a month, from `months` ago to one month ahead.
        for slot in 0..(months + 1) * 2 {
            id += 1;
            let month_start = now - (months - slot / 2) * 30 * day;
            let starts =
                month_start + (slot % 2) * 14 * day + rng.random_range(0..10) * day + 9 * 3_600_000;
            let ends = starts + 2 * 3_600_000;
            let held = starts < now;
            let created = starts - 20 * day;
            let old = starts < now - 60 * day;
            let state = if !held {
                "convened"
            } else if old {
                "closed"
            } else {
                "held"
            };
            let topic = TOPICS[rng.random_range(0..TOPICS.len())];
            c.push(vec![
                Some(Int(id)),
                Some(Int(street.id)),
                Some(Text("grassroots".into())),
                Some(Text(format!("{}{topic}", street.name))),
                Some(Text(String::new())),
                Some(Text(state.into())),
                Some(Int(starts)),
                Some(Int(ends)),
                Some(Int(room)),
                held.then(|| Text("与会各方议定落实事项。".into())),
                Some(Int(i64::from(held))),
                Some(Int(created)),
                Some(Int(if held { ends } else { created })),
                held.then_some(Int(ends)),
                old.then_some(Int(ends + 30 * day)),
                Some(Text(crate::item::fold_event("submit", "convened", created))),
                Some(Int(street.path.branch())),
            ]);
            b.push(vec![
                Some(Int(id)),
                Some(Int(room)),
                Some(Int(id)),
                Some(Int(starts)),
                Some(Int(ends)),
                Some(Int(created)),
            ]);
            let depts = &departments[*d];
            let d1 = depts[rng.random_range(0..depts.len())];
            let d2 = depts[(depts.iter().position(|x| *x == d1).unwrap_or(0) + 1) % depts.len()];
            for (dept, who) in [(d1, "科长"), (d2, "副科长")] {
                part_id += 1;
                p.push(vec![
                    Some(Int(part_id)),
                    Some(Int(id)),
                    Some(Text("department".into())),
                    None,
                    Some(Int(dept)),
                    Some(Text(who.into())),
                    Some(Text("attend".into())),
                    Some(Int(i64::from(held))),
                    Some(Int(created)),
                ]);
            }
            let members = &street_members[si];
            for k in 0..members.len().min(2 + rng.random_range(0..2)) {
                part_id += 1;
                p.push(vec![
                    Some(Int(part_id)),
                    Some(Int(id)),
                    Some(Text("member".into())),
                    Some(Int(members[(slot as usize + k) % members.len()])),
                    None,
                    None,
                    Some(Text(if held { "attend" } else { "pending" }.into())),
                    Some(Int(i64::from(held))),
                    Some(Int(created)),
                ]);
            }
            if held {
                for (k, owner) in [d1, d2].into_iter().enumerate() {
                    action_id += 1;
                    let due = ends + (10 + 5 * k as i64) * day;
                    let done = old || (due < now && rng.random_range(0..3) > 0);
                    let st = if done { "resolved" } else { "assigned" };
                    a.push(vec![
                        Some(Int(action_id)),
                        Some(Int(id)),
                        Some(Int(owner)),
                        Some(Text(ACTIONS[rng.random_range(0..ACTIONS.len())].into())),
                        Some(Int(due)),
                        Some(Text(st.into())),
                        Some(Int(ends)),
                        Some(Int(if done { due - day } else { ends })),
                        done.then_some(Int(due - day)),
                        Some(Text(crate::item::fold_event("submit", "assigned", ends))),
                        Some(Text(if done {
                            String::new()
                        } else {
                            format!("{owner} 1,")
                        })),
                    ]);
                    asg.push(vec![
                        Some(Text("consultation_action".into())),
                        Some(Int(action_id)),
                        Some(Int(owner)),
                        Some(Int(1)),
                        Some(Int(1)),
                        Some(Int(i64::from(!done))),
                        Some(Int(ends)),
                    ]);
                }
            }
            if c.rows >= 200 {
                for batch in [&mut c, &mut b, &mut p, &mut a, &mut asg] {
                    rows += batch.flush(&mut tx).await?;
                }
            }
        }
        for batch in [&mut c, &mut b, &mut p, &mut a, &mut asg] {
            rows += batch.flush(&mut tx).await?;
        }
        tx.commit().await?;
    }
    Ok(rows)
}

/// Units and timeline events in the database (for the report).
pub async fn counts(db: &Db) -> Result<(i64, i64)> {
    let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orgs")
        .fetch_one(db.pool())
        .await?;
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM item_events")
        .fetch_one(db.pool())
        .await?;
    Ok((orgs, events))
}

/// What a migration must carry across unchanged, read from whichever schema
/// the database is at (before or after migration 23, which moved the concern
/// tables to the item engine's): per table, the rows and a SHA-256 of their
/// contents in key order; and a SHA-256 of the public status pages of up to
/// `sample` tracking codes spread evenly over the concerns, read through the
/// product's own status read. Lines of text, equal before and after a
/// migration that loses nothing (`scripts/migration-check.sh`).
pub async fn snapshot(db: &Db, sample: usize) -> Result<Vec<String>> {
    use sha2::Digest;
    let version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(db.pool())
        .await?;
    let engine = version >= 23;
    let pick = |old: &'static str, new: &'static str| if engine { new } else { old };
    let tables: Vec<(&str, &str)> = vec![
        ("concerns", "SELECT id, tracking_code, org_id, state, category, title, created_at, updated_at, assignment_round, public_timeline, public_feedback, public_photos FROM concerns ORDER BY id"),
        ("assignments", pick(
            "SELECT id, concern_id, org_id, lead, round, active, assigned_at, ended_at FROM concern_assignments ORDER BY id",
            "SELECT id, item_id, org_id, lead, round, active, assigned_at, ended_at FROM item_assignments WHERE kind = 'concern' ORDER BY id",
        )),
        ("followers", pick(
            "SELECT concern_id, user_id, reason, created_at FROM concern_followers ORDER BY concern_id, user_id",
            "SELECT item_id, user_id, reason, created_at FROM item_followers WHERE kind = 'concern' ORDER BY item_id, user_id",
        )),
        ("feedback", pick(
            "SELECT id, concern_id, rating, comment, thanks, at FROM concern_feedback ORDER BY id",
            "SELECT id, item_id, rating, comment, thanks, at FROM item_feedback WHERE kind = 'concern' ORDER BY id",
        )),
        ("timeline_events", "SELECT id, kind, item_id, org_id, action, from_state, to_state, party, actor_user_id, note, at FROM item_events ORDER BY id"),
        ("links", "SELECT id, from_kind, from_id, link, to_kind, to_id, org_id, created_by, created_at, picked_up_at FROM item_links ORDER BY id"),
        ("attachments", "SELECT id, kind, item_id, public_token, stage FROM attachments ORDER BY id"),
        ("deadline_jobs", "SELECT id, run_at, done_at, payload FROM jobs WHERE kind = 'deadline' ORDER BY id"),
        ("tallies", "SELECT org_id, dim, k, n FROM concern_tallies ORDER BY org_id, dim, k"),
    ];
    let mut out = vec![format!("# schema version {version}")];
    for (name, sql) in tables {
        let rows = sqlx::query(sql).fetch_all(db.pool()).await?;
        let mut hash = sha2::Sha256::new();
        for r in &rows {
            let mut text = row_text(r);
            if name == "deadline_jobs" {
                // The payload as what it means: the item (by kind and id), the
                // round and the stage, whichever way the version keys it.
                use sqlx::Row;
                let p: serde_json::Value =
                    serde_json::from_str(&r.try_get::<String, _>("payload")?).unwrap_or_default();
                let kind = p["kind"].as_str().unwrap_or("concern").to_owned();
                let id = p.get("item_id").or_else(|| p.get("concern_id")).cloned();
                text = format!(
                    "{}|{kind}|{}|{}|{}",
                    text.rsplit_once('|').map_or("", |t| t.0),
                    id.unwrap_or_default(),
                    p["round"],
                    p["stage"]
                );
            }
            hash.update(text.as_bytes());
            hash.update(b"\n");
        }
        out.push(format!(
            "{name} {} {}",
            rows.len(),
            hex::encode(hash.finalize())
        ));
    }
    let codes: Vec<String> = sqlx::query_scalar("SELECT tracking_code FROM concerns ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    let step = (codes.len() / sample.max(1)).max(1);
    let mut hash = sha2::Sha256::new();
    let mut read = 0;
    for code in codes.iter().step_by(step).take(sample) {
        if version >= 28 {
            let status = crate::concern::public_status(db, code).await?;
            hash.update(format!("{status:?}\n").as_bytes());
        } else {
            // Before migrations 27 and 28 the product's status read needs
            // columns the schema lacks: the row's own fold columns, which the
            // page of that time showed.
            let row = sqlx::query(
                "SELECT state, title, result_note, public_timeline, public_feedback,
                        public_photos, merged_into FROM concerns WHERE tracking_code = $1",
            )
            .bind(code)
            .fetch_one(db.pool())
            .await?;
            hash.update(row_text(&row).as_bytes());
            hash.update(b"\n");
        }
        read += 1;
    }
    out.push(format!(
        "status_pages {read} {}",
        hex::encode(hash.finalize())
    ));
    Ok(out)
}

/// A row's values as text, whatever their types (NULL as `∅`).
fn row_text(r: &sqlx::any::AnyRow) -> String {
    use sqlx::{Column, Row};
    r.columns()
        .iter()
        .map(|c| {
            let i = c.ordinal();
            if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
                return v.map_or("∅".to_owned(), |v| v.to_string());
            }
            if let Ok(v) = r.try_get::<Option<String>, _>(i) {
                return v.map_or("∅".to_owned(), |v| format!("{v:?}"));
            }
            if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
                return v.map_or("∅".to_owned(), |v| v.to_string());
            }
            "?".to_owned()
        })
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_distinct_and_readable() {
        let a = super::code(0);
        let b = super::code(1);
        let c = super::code(999_999);
        assert_eq!(a.len(), 10);
        assert!(a != b && b != c);
        assert!(!c.contains('0') && !c.contains('O') && !c.contains('1') && !c.contains('I'));
    }
}
