//! Proposals at a district's volume (issue 29 point 15): each district body
//! gets its term, a session each January of the years generated, the default
//! categories and grounds, a proposal committee account (`committee-{code}`),
//! a leader (`leader-{code}`) and a handler of its first department
//! (`handler-{code}`); and the plan's proposals a year, each with its
//! initiator and co-signers, the committee's decision, the lead (and
//! sometimes a co-handling) unit, the reply with its class, the initiator's
//! evaluation, key proposals and the proposers' disclosure choices. Older
//! years are done; this year's are spread over the lifecycle by age. Rows as
//! the product writes them (the engine's columns, timeline events), in bulk.

use crate::account::user;
use crate::db::{Arg::Int, Arg::Text, Batch, Db};
use crate::org::Org;
use crate::Result;
use rand::rngs::StdRng;
use rand::Rng;
use xieshang_core::proposal::{DEFAULT_CATEGORIES, DEFAULT_GROUNDS};
use xieshang_core::values::Username;
use xieshang_core::Role;

const TOPICS: [&str; 16] = [
    "学校周边交通安全",
    "老旧小区加装电梯",
    "社区养老服务",
    "背街小巷照明",
    "农贸市场规范管理",
    "停车难问题",
    "雨污分流改造",
    "垃圾分类",
    "公园绿地建设",
    "中小学生心理健康教育",
    "基层医疗服务能力",
    "非物质文化遗产保护",
    "小微企业融资",
    "乡村振兴产业发展",
    "河道生态治理",
    "噪音扰民治理",
];

const PLACES: [&str; 8] = [
    "城区",
    "新城片区",
    "老城片区",
    "开发区",
    "城乡接合部",
    "街道社区",
    "农村地区",
    "重点商圈",
];

const DAY: i64 = 86_400_000;

/// The day `ms` falls on, `YYYY-MM-DD` (UTC+8, as the product keeps dates).
fn date_of(ms: i64) -> String {
    let d = chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .unwrap_or_default()
        .date_naive();
    d.format("%Y-%m-%d").to_string()
}

/// Milliseconds of `YYYY-01-10` 09:00 (UTC+8).
fn jan10(year: i32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(year, 1, 10)
        .and_then(|d| d.and_hms_opt(1, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default()
}

/// Writes the bodies' proposal work; returns the rows written.
#[allow(clippy::too_many_arguments)] // the city as generate built it
pub(super) async fn generate(
    db: &Db,
    rng: &mut StdRng,
    now: i64,
    years: u32,
    per_year: u32,
    password_hash: &str,
    districts: &[Org],
    departments: &[Vec<i64>],
    members: &[Vec<i64>],
) -> Result<u64> {
    use chrono::Datelike;
    let this_year = chrono::DateTime::from_timestamp_millis(now + 8 * 3_600_000)
        .unwrap_or_default()
        .year();
    let first_year = this_year - years.max(1) as i32 + 1;
    let mut rows = 0u64;
    let mut ids = Ids::default();
    for (d, district) in districts.iter().enumerate() {
        let mut tx = db.begin_write().await?;
        // The body's people.
        let mut people = Vec::new();
        for (who, role, at) in [
            ("committee", Role::ProposalCommittee, district.id),
            ("leader", Role::Leader, district.id),
            ("handler", Role::DepartmentHandler, departments[d][0]),
        ] {
            let uname = Username::parse(&format!("{who}-{}", district.code))
                .map_err(|e| crate::Error::invalid("username", e))?;
            let uid = user::insert(
                &mut tx,
                now,
                &uname,
                &format!("{}{}", district.name, who),
                password_hash,
                at,
            )
            .await?;
            user::insert_grant(&mut tx, now, uid, role, at).await?;
            people.push(uid);
        }
        let (committee, leader) = (people[0], people[1]);
        // Term, sessions, lists.
        ids.term += 1;
        let term = ids.term;
        sqlx::query(
            "INSERT INTO proposal_terms (id, org_id, name, starts_on, ends_on, created_at)
             VALUES ($1, $2, '第十届', $3, $4, $5)",
        )
        .bind(term)
        .bind(district.id)
        .bind(format!("{first_year}-01-01"))
        .bind(format!("{}-12-31", this_year + 2))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mut options = Batch::new(
            "INSERT INTO proposal_options (id, org_id, list, name, position, hidden, created_at)",
            7,
            &[2, 3],
        );
        let mut categories = Vec::new();
        let mut grounds = Vec::new();
        for (list, names) in [
            ("category", &DEFAULT_CATEGORIES[..]),
            ("ground", &DEFAULT_GROUNDS[..]),
        ] {
            for (i, name) in names.iter().enumerate() {
                ids.option += 1;
                options.push(vec![
                    Some(Int(ids.option)),
                    Some(Int(district.id)),
                    Some(Text(list.into())),
                    Some(Text((*name).into())),
                    Some(Int(i as i64)),
                    Some(Int(0)),
                    Some(Int(now)),
                ]);
                if list == "category" {
                    categories.push(ids.option);
                } else {
                    grounds.push(ids.option);
                }
            }
        }
        rows += options.flush(&mut tx).await?;
        let body_members = &members[d];
        let mut p = Batch::new(
            "INSERT INTO proposals (id, org_id, proposer_id, session_id, occasion, number,
               category_id, title, situation, analysis, suggestions, state, ground_id,
               decision_note, merged_into, created_at, updated_at, filed_at, decided_at,
               public_timeline, handling_round, due_at, replied_at, reply_class, key_at,
               supervisor_id, disclosure, private_reason)",
            28,
            &[4, 7, 8, 9, 10, 11, 13, 19, 23, 26, 27],
        );
        let mut signers = Batch::new(
            "INSERT INTO proposal_signers (proposal_id, user_id, position, answer, invited_at,
               answered_at)",
            6,
            &[3],
        );
        let mut events = Batch::new(
            "INSERT INTO item_events (kind, item_id, org_id, action, from_state, to_state, party,
               actor_user_id, note, at)",
            10,
            &[0, 3, 4, 5, 6, 8],
        );
        let mut assignments = Batch::new(
            "INSERT INTO item_assignments (kind, item_id, org_id, lead, round, active,
               assigned_at, objection_until)",
            8,
            &[0],
        );
        let mut replies = Batch::new(
            "INSERT INTO proposal_replies (proposal_id, round, org_id, lead, doc_number, class,
               body, due_at, replied_at)",
            9,
            &[4, 5, 6],
        );
        let mut evaluations = Batch::new(
            "INSERT INTO proposal_evaluations (proposal_id, round, user_id, rating, consulted,
               comment, at)",
            7,
            &[3, 4, 5],
        );
        for year in first_year..=this_year {
            ids.session += 1;
            let session = ids.session;
            let opens = jan10(year);
            sqlx::query(
                "INSERT INTO proposal_sessions (id, term_id, org_id, name, opens_on, closes_on,
                   last_number, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 0, $7)",
            )
            .bind(session)
            .bind(term)
            .bind(district.id)
            .bind(format!("第{}次会议", year - first_year + 1))
            .bind(date_of(opens))
            .bind(date_of(opens + 3 * DAY))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let mut number = 0i64;
            let mut accepted: Vec<i64> = Vec::new();
            let end = if year == this_year {
                now
            } else {
                jan10(year + 1) - DAY
            };
            // A body without members (a tiny plan) files nothing.
            let filed = if body_members.is_empty() { 0 } else { per_year };
            for _ in 0..filed {
                let filed_at = opens + rng.random_range(0..(end - opens).max(DAY));
                if filed_at > now {
                    continue;
                }
                ids.proposal += 1;
                let id = ids.proposal;
                let proposer = body_members[rng.random_range(0..body_members.len())];
                let topic = TOPICS[rng.random_range(0..TOPICS.len())];
                let place = PLACES[rng.random_range(0..PLACES.len())];
                let title = format!("关于加强{place}{topic}工作的建议");
                let plenary = filed_at < opens + 4 * DAY;
                let age = now - filed_at;
                let done_year = year < this_year;
                // The committee's decision.
                let roll = rng.random_range(0..100);
                let (state, ground, merged) = if !done_year && age < 14 * DAY {
                    ("submitted", None, None)
                } else if roll < 8 {
                    (
                        "rejected",
                        Some(grounds[rng.random_range(0..grounds.len())]),
                        None,
                    )
                } else if roll < 11 && !accepted.is_empty() {
                    (
                        "merged",
                        None,
                        Some(accepted[rng.random_range(0..accepted.len())]),
                    )
                } else if done_year || age > 130 * DAY {
                    ("closed", None, None)
                } else if age > 100 * DAY {
                    ("resolved", None, None)
                } else if age > 30 * DAY {
                    ("assigned", None, None)
                } else {
                    ("accepted", None, None)
                };
                let took_number = matches!(state, "accepted" | "assigned" | "resolved" | "closed");
                let num = if took_number {
                    number += 1;
                    accepted.push(id);
                    Some(number)
                } else {
                    None
                };
                let decided_at = (state != "submitted").then_some(filed_at + 10 * DAY);
                let assigned_at = filed_at + 20 * DAY;
                let handled = matches!(state, "assigned" | "resolved" | "closed");
                let due_at = handled.then_some(assigned_at + 90 * DAY);
                let replied = matches!(state, "resolved" | "closed");
                let replied_at = replied.then_some(assigned_at + rng.random_range(30..100) * DAY);
                let class = replied.then(|| {
                    match rng.random_range(0..100) {
                        0..=49 => "A",
                        50..=84 => "B",
                        _ => "C",
                    }
                    .to_owned()
                });
                let key = took_number && rng.random_range(0..100) < 5;
                let public = rng.random_range(0..100) < 85;
                let category = categories[rng.random_range(0..categories.len())];
                let updated = replied_at.or(decided_at).unwrap_or(filed_at).min(now);
                p.push(vec![
                    Some(Int(id)),
                    Some(Int(district.id)),
                    Some(Int(proposer)),
                    Some(Int(session)),
                    Some(Text(if plenary { "plenary" } else { "interim" }.into())),
                    num.map(Int),
                    Some(Int(category)),
                    Some(Text(title)),
                    Some(Text(format!(
                        "近年来，{place}{topic}方面群众反映较多，部分问题长期得不到解决。"
                    ))),
                    Some(Text(format!(
                        "主要原因是相关部门职责交叉、投入不足，{topic}缺少统筹规划。"
                    ))),
                    Some(Text(format!(
                        "一是建立{topic}联席工作机制；二是加大财政投入；三是定期听取群众意见。"
                    ))),
                    Some(Text(state.into())),
                    ground.map(Int),
                    (state == "rejected").then(|| Text("不符合立案条件".into())),
                    merged.map(Int),
                    Some(Int(filed_at - DAY)),
                    Some(Int(updated)),
                    Some(Int(filed_at)),
                    decided_at.map(Int),
                    Some(Text(String::new())),
                    Some(Int(i64::from(handled))),
                    due_at.map(Int),
                    replied_at.map(Int),
                    class.clone().map(Text),
                    key.then_some(Int(filed_at + 40 * DAY)),
                    key.then_some(Int(leader)),
                    Some(Text(if public { "public" } else { "private" }.into())),
                    (!public).then(|| Text("涉及内部工作安排".into())),
                ]);
                signers.push(vec![
                    Some(Int(id)),
                    Some(Int(proposer)),
                    Some(Int(0)),
                    Some(Text("initiator".into())),
                    Some(Int(filed_at - DAY)),
                    Some(Int(filed_at - DAY)),
                ]);
                let mut signed = vec![proposer];
                for k in 0..rng.random_range(0..3) {
                    let co = body_members[rng.random_range(0..body_members.len())];
                    if signed.contains(&co) {
                        continue;
                    }
                    signed.push(co);
                    signers.push(vec![
                        Some(Int(id)),
                        Some(Int(co)),
                        Some(Int(k + 1)),
                        Some(Text("confirmed".into())),
                        Some(Int(filed_at - DAY)),
                        Some(Int(filed_at - DAY / 2)),
                    ]);
                }
                // The timeline, as the engine writes it.
                let mut event =
                    |action: &str, from: Option<&str>, to: &str, party: &str, who: i64, at: i64| {
                        events.push(vec![
                            Some(Text("proposal".into())),
                            Some(Int(id)),
                            Some(Int(district.id)),
                            Some(Text(action.into())),
                            from.map(|f| Text(f.into())),
                            Some(Text(to.into())),
                            Some(Text(party.into())),
                            Some(Int(who)),
                            None,
                            Some(Int(at)),
                        ]);
                    };
                event("submit", None, "draft", "member", proposer, filed_at - DAY);
                event(
                    "file",
                    Some("draft"),
                    "submitted",
                    "member",
                    proposer,
                    filed_at,
                );
                if let Some(at) = decided_at {
                    let action = match state {
                        "rejected" => "reject",
                        "merged" => "merge",
                        _ => "accept",
                    };
                    let to = if took_number { "accepted" } else { state };
                    event(
                        action,
                        Some("submitted"),
                        to,
                        "proposal_committee",
                        committee,
                        at,
                    );
                }
                if handled {
                    event(
                        "assign",
                        Some("accepted"),
                        "assigned",
                        "proposal_committee",
                        committee,
                        assigned_at,
                    );
                }
                if let Some(at) = replied_at {
                    event(
                        "resolve",
                        Some("assigned"),
                        "resolved",
                        "department_handler",
                        people[2],
                        at,
                    );
                }
                if state == "closed" {
                    let at = replied_at.unwrap_or(now) + 7 * DAY;
                    event(
                        "feedback_satisfied",
                        Some("resolved"),
                        "closed",
                        "member",
                        proposer,
                        at.min(now),
                    );
                }
                if handled {
                    let depts = &departments[d];
                    let lead = depts[rng.random_range(0..depts.len())];
                    assignments.push(vec![
                        Some(Text("proposal".into())),
                        Some(Int(id)),
                        Some(Int(lead)),
                        Some(Int(1)),
                        Some(Int(1)),
                        Some(Int(1)),
                        Some(Int(assigned_at)),
                        Some(Int(assigned_at + 7 * DAY)),
                    ]);
                    let co = depts[rng.random_range(0..depts.len())];
                    if co != lead && rng.random_range(0..100) < 30 {
                        assignments.push(vec![
                            Some(Text("proposal".into())),
                            Some(Int(id)),
                            Some(Int(co)),
                            Some(Int(0)),
                            Some(Int(1)),
                            Some(Int(1)),
                            Some(Int(assigned_at)),
                            Some(Int(assigned_at + 7 * DAY)),
                        ]);
                    }
                    if let (Some(at), Some(class)) = (replied_at, &class) {
                        replies.push(vec![
                            Some(Int(id)),
                            Some(Int(1)),
                            Some(Int(lead)),
                            Some(Int(1)),
                            Some(Text(format!("{}函〔{year}〕{}号", district.code, id))),
                            Some(Text(class.clone())),
                            Some(Text(format!(
                                "感谢您对{topic}工作的关心。经研究，我单位已将建议纳入年度工作计划，分步推进落实。"
                            ))),
                            due_at.map(Int),
                            Some(Int(at)),
                        ]);
                    }
                    if state == "closed" {
                        let rating = match rng.random_range(0..100) {
                            0..=89 => "satisfied",
                            90..=97 => "basically_satisfied",
                            _ => "unsatisfied",
                        };
                        evaluations.push(vec![
                            Some(Int(id)),
                            Some(Int(1)),
                            Some(Int(proposer)),
                            Some(Text(rating.into())),
                            Some(Text("satisfied".into())),
                            None,
                            Some(Int((replied_at.unwrap_or(now) + 7 * DAY).min(now))),
                        ]);
                    }
                }
                if p.rows >= 300 {
                    rows += p.flush(&mut tx).await?;
                    for b in [
                        &mut signers,
                        &mut events,
                        &mut assignments,
                        &mut replies,
                        &mut evaluations,
                    ] {
                        rows += b.flush(&mut tx).await?;
                    }
                }
            }
            sqlx::query("UPDATE proposal_sessions SET last_number = $1 WHERE id = $2")
                .bind(number)
                .bind(session)
                .execute(&mut *tx)
                .await?;
        }
        rows += p.flush(&mut tx).await?;
        for b in [
            &mut signers,
            &mut events,
            &mut assignments,
            &mut replies,
            &mut evaluations,
        ] {
            rows += b.flush(&mut tx).await?;
        }
        tx.commit().await?;
    }
    Ok(rows)
}

/// The explicit ids given so far.
#[derive(Default)]
struct Ids {
    term: i64,
    session: i64,
    option: i64,
    proposal: i64,
}

/// The tables given explicit ids, whose identity sequences must move past them.
pub(super) const TABLES: [&str; 4] = [
    "proposal_terms",
    "proposal_sessions",
    "proposal_options",
    "proposals",
];
