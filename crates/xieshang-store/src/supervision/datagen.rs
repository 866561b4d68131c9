//! Supervision at a district's volume (issue 31 point 6): every generated
//! district gets its departments topped up to 40 (未央区 has 43), 5
//! supervision groups of 5 members each posted to 8 departments, an accepted
//! plan per group and department per year, about 6 activities and 3
//! opinions per group per year over the years generated. Older opinions are
//! rectified and rated; the last two months' wait for the plan, are being
//! rectified or wait for the rating. Rows as the product writes them, with
//! the engine's timeline events, in bulk. Generated opinions queue no
//! deadline jobs (their due times are in the past or handled by the pages
//! measured, which read none).

use crate::db::Arg::{Int, Text};
use crate::db::{Batch, Db};
use crate::org::{self, Org};
use crate::Result;
use rand::rngs::StdRng;
use rand::Rng;
use xieshang_core::OrgKind;

const DAY: i64 = 86_400_000;

/// Departments added to a generated district until it has 40.
const MORE_DEPARTMENTS: [&str; 36] = [
    "卫生健康局",
    "民政局",
    "人力资源和社会保障局",
    "财政局",
    "发展和改革委员会",
    "工业和信息化局",
    "商务局",
    "文化和旅游体育局",
    "农业农村局",
    "应急管理局",
    "自然资源和规划分局",
    "司法局",
    "公安分局",
    "退役军人事务局",
    "医疗保障局",
    "审计局",
    "统计局",
    "信访局",
    "行政审批服务局",
    "林业局",
    "科学技术局",
    "市政公用局",
    "房屋征收和城市更新局",
    "数据局",
    "地方金融管理局",
    "机关事务服务中心",
    "融媒体中心",
    "档案馆",
    "残疾人联合会",
    "妇女联合会",
    "总工会",
    "红十字会",
    "消防救援大队",
    "税务局",
    "供电分公司",
    "燃气管理站",
];

const COMMITTEES: [&str; 5] = [
    "经济委员会",
    "社会和法制委员会",
    "教科文卫体委员会",
    "城建环保委员会",
    "农业和农村委员会",
];

const TOPICS: [&str; 8] = [
    "农贸市场食品安全抽检",
    "校园周边交通安全",
    "老旧小区改造质量",
    "养老服务机构运营",
    "城市内涝防治",
    "营商环境优化",
    "扬尘污染治理",
    "基层医疗服务",
];

const KINDS: [&str; 4] = ["inspection", "meeting", "questionnaire", "contact_card"];

/// Writes the districts' supervision; returns the rows written.
pub async fn generate(
    db: &Db,
    rng: &mut StdRng,
    now: i64,
    years: u32,
    districts: &[Org],
    members: &[Vec<i64>],
) -> Result<u64> {
    let years = i64::from(years.max(1));
    let first = now - years * 365 * DAY;
    let this_year: i64 = xieshang_core::calendar::cst_date(now)
        .format("%Y")
        .to_string()
        .parse()
        .unwrap_or(2026);
    let mut rows = 0u64;
    let mut opinion_id: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM supervision_opinions")
            .fetch_one(db.pool())
            .await?;
    for (d, district) in districts.iter().enumerate() {
        let body_members = &members[d];
        let staff: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(format!("staff-{}", district.code))
            .fetch_one(db.pool())
            .await?;
        let mut tx = db.begin_write().await?;
        let mut depts: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, name FROM orgs WHERE parent_id = $1 AND kind = 'department' ORDER BY id",
        )
        .bind(district.id)
        .fetch_all(&mut *tx)
        .await?;
        let prefix = district.name.replace("政协", "");
        for (k, name) in MORE_DEPARTMENTS.iter().enumerate() {
            if depts.len() >= 40 {
                break;
            }
            let o = org::insert(
                &mut tx,
                now,
                Some(district),
                OrgKind::Department,
                &format!("{}-sdept{k}", district.code),
                &format!("{prefix}{name}"),
            )
            .await?;
            depts.push((o.id, o.name));
            rows += 1;
        }
        if body_members.len() < 5 {
            // Too few members for a group (a small generated city).
            tx.commit().await?;
            continue;
        }
        let mut postings = Batch::new(
            "INSERT INTO supervision_postings (group_id, dept_id, posted_at)",
            3,
            &[],
        );
        let mut group_members = Batch::new(
            "INSERT INTO supervision_members (group_id, user_id)",
            2,
            &[],
        );
        let mut plans = Batch::new(
            "INSERT INTO supervision_plans (group_id, dept_id, year, topics, activities,
               created_by, created_at, accepted_by, accepted_at)",
            9,
            &[3, 4],
        );
        let mut activities = Batch::new(
            "INSERT INTO supervision_activities (group_id, dept_id, kind, title, held_on, phone,
               note, created_by, created_at)",
            9,
            &[2, 3, 4, 5, 6],
        );
        let mut opinions = Batch::new(
            "INSERT INTO supervision_opinions (id, org_id, group_id, dept_id, title, body, state,
               round, plan_due_at, due_at, plan_text, plan_at, result_text, result_at, rating,
               rating_note, rated_at, created_by, created_at, updated_at)",
            20,
            &[4, 5, 6, 10, 12, 14, 15],
        );
        let mut events = Batch::new(
            "INSERT INTO item_events (kind, item_id, org_id, action, from_state, to_state, party,
               actor_user_id, note, at)",
            10,
            &[0, 3, 4, 5, 6, 8],
        );
        for (gi, committee) in COMMITTEES.iter().enumerate() {
            let mine: Vec<i64> = (0..5)
                .map(|k| body_members[(gi * 5 + k) % body_members.len()])
                .collect();
            let group: i64 = sqlx::query_scalar(
                "INSERT INTO supervision_groups (org_id, name, committee, leader_id, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(district.id)
            .bind(format!(
                "第{}民主监督小组",
                ["一", "二", "三", "四", "五"][gi]
            ))
            .bind(*committee)
            .bind(mine[0])
            .bind(first)
            .fetch_one(&mut *tx)
            .await?;
            rows += 1;
            let mut seen = Vec::new();
            for m in &mine {
                if !seen.contains(m) {
                    seen.push(*m);
                    group_members.push(vec![Some(Int(group)), Some(Int(*m))]);
                }
            }
            let posted: Vec<i64> = depts
                .iter()
                .skip(gi * 8)
                .take(8)
                .map(|(id, _)| *id)
                .collect();
            for dept in &posted {
                postings.push(vec![Some(Int(group)), Some(Int(*dept)), Some(Int(first))]);
                for y in 0..years {
                    let year = this_year - years + 1 + y;
                    let at = first + y * 365 * DAY + 20 * DAY;
                    let topic = TOPICS[rng.random_range(0..TOPICS.len())];
                    plans.push(vec![
                        Some(Int(group)),
                        Some(Int(*dept)),
                        Some(Int(year)),
                        Some(Text(topic.to_owned())),
                        Some(Text(format!("{year}-04-15 视察\n{year}-07-10 座谈会"))),
                        Some(Int(staff)),
                        Some(Int(at)),
                        Some(Int(staff)),
                        Some(Int(at + 5 * DAY)),
                    ]);
                }
            }
            for _ in 0..6 * years {
                let at = first + rng.random_range(0..(now - first).max(DAY));
                let kind = KINDS[rng.random_range(0..KINDS.len())];
                let dept = posted[rng.random_range(0..posted.len())];
                let day = xieshang_core::calendar::cst_date(at)
                    .format("%Y-%m-%d")
                    .to_string();
                activities.push(vec![
                    Some(Int(group)),
                    Some(Int(dept)),
                    Some(Text(kind.to_owned())),
                    Some(Text(format!(
                        "{}情况{}",
                        TOPICS[rng.random_range(0..TOPICS.len())],
                        if kind == "contact_card" {
                            "监督联系卡"
                        } else {
                            "实地监督"
                        }
                    ))),
                    Some(Text(day)),
                    (kind == "contact_card").then(|| Text("029-86250000".to_owned())),
                    Some(Text(String::new())),
                    Some(Int(mine[0])),
                    Some(Int(at)),
                ]);
            }
            for _ in 0..3 * years {
                opinion_id += 1;
                let id = opinion_id;
                let at = first + rng.random_range(0..(now - first).max(DAY));
                let age = now - at;
                let dept = posted[rng.random_range(0..posted.len())];
                let topic = TOPICS[rng.random_range(0..TOPICS.len())];
                let state = if age < 15 * DAY {
                    "assigned"
                } else if age < 45 * DAY {
                    "in_progress"
                } else if age < 60 * DAY {
                    "resolved"
                } else {
                    "closed"
                };
                let plan_at = (state != "assigned").then_some(at + 9 * DAY);
                let result_at = matches!(state, "resolved" | "closed").then_some(at + 40 * DAY);
                let rated_at = (state == "closed").then_some(at + 50 * DAY);
                let rating = if rng.random_range(0..10) < 8 {
                    "satisfied"
                } else {
                    "basically_satisfied"
                };
                opinions.push(vec![
                    Some(Int(id)),
                    Some(Int(district.id)),
                    Some(Int(group)),
                    Some(Int(dept)),
                    Some(Text(format!("关于加强{topic}工作的监督意见"))),
                    Some(Text(format!(
                        "小组在监督中发现{topic}方面仍有薄弱环节，建议制定整改方案，明确时限和责任人，并向社会公开整改结果。"
                    ))),
                    Some(Text(state.to_owned())),
                    Some(Int(if state == "assigned" { 1 } else { 2 })),
                    Some(Int(at + 14 * DAY)),
                    Some(Int(at + 60 * DAY)),
                    plan_at.map(|_| Text("一、全面排查；二、限期整改；三、建立长效机制。".to_owned())),
                    plan_at.map(Int),
                    result_at.map(|_| Text("已完成整改并向社会公示。".to_owned())),
                    result_at.map(Int),
                    rated_at.map(|_| Text(rating.to_owned())),
                    rated_at.map(|_| Text(String::new())),
                    rated_at.map(Int),
                    Some(Int(mine[0])),
                    Some(Int(at)),
                    Some(Int(rated_at.or(result_at).or(plan_at).unwrap_or(at))),
                ]);
                let mut event = |action: &str,
                                 from: Option<&str>,
                                 to: &str,
                                 party: &str,
                                 who: i64,
                                 when: i64| {
                    events.push(vec![
                        Some(Text("supervision_opinion".into())),
                        Some(Int(id)),
                        Some(Int(district.id)),
                        Some(Text(action.into())),
                        from.map(|f| Text(f.into())),
                        Some(Text(to.into())),
                        Some(Text(party.into())),
                        Some(Int(who)),
                        None,
                        Some(Int(when)),
                    ]);
                };
                event("submit", None, "assigned", "member", mine[0], at);
                if let Some(t) = plan_at {
                    event(
                        "progress",
                        Some("assigned"),
                        "in_progress",
                        "staff",
                        staff,
                        t,
                    );
                }
                if let Some(t) = result_at {
                    event(
                        "resolve",
                        Some("in_progress"),
                        "resolved",
                        "staff",
                        staff,
                        t,
                    );
                }
                if let Some(t) = rated_at {
                    event(
                        &format!("feedback_{rating}"),
                        Some("resolved"),
                        "closed",
                        "member",
                        mine[0],
                        t,
                    );
                }
            }
            // One group's rows at a time: a statement's values stay bounded.
            for b in [
                &mut group_members,
                &mut postings,
                &mut plans,
                &mut activities,
                &mut opinions,
                &mut events,
            ] {
                rows += b.flush(&mut tx).await?;
            }
        }
        tx.commit().await?;
    }
    // Explicit ids leave PostgreSQL's identity sequence behind.
    if let Some(reset) = db.dialect().reset_identity("supervision_opinions") {
        sqlx::query(&reset).execute(db.pool()).await?;
    }
    Ok(rows)
}
