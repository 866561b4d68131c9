//! Public-opinion reports at a district's volume (issue 30 point 9): about
//! three reports per member per year over the years generated, each with its
//! submitted text as version 1, the office's edit as version 2 when it was
//! edited, the office's decision, and for the used ones the levels they went
//! up to, the adoptions and leaders' instructions, with the timeline events
//! the engine writes. Older reports are decided; the last weeks' are still
//! waiting in the office's queue. Rows as the product writes them, in bulk.

use crate::db::{Arg::Int, Arg::Text, Batch, Db};
use crate::org::Org;
use crate::Result;
use rand::rngs::StdRng;
use rand::Rng;

const DAY: i64 = 86_400_000;

const MATTERS: [(&str, &str); 12] = [
    (
        "老旧小区电动自行车充电",
        "加强老旧小区电动自行车充电安全管理",
    ),
    ("背街小巷路灯损坏", "加快背街小巷照明设施修复"),
    ("学校门口上下学拥堵", "改善中小学校门口交通秩序"),
    ("社区养老服务站利用率低", "提升社区养老服务站服务质量"),
    ("农贸市场占道经营", "规范农贸市场周边经营秩序"),
    ("小区加装电梯协调难", "推进老旧小区加装电梯工作"),
    ("公园健身器材老化", "更新公园健身器材"),
    ("雨季道路积水", "完善城市排水防涝设施"),
    ("餐饮油烟扰民", "加强餐饮油烟污染治理"),
    ("公交站点设置不合理", "优化公交站点布局"),
    ("快递驿站占用消防通道", "规范快递末端网点管理"),
    ("菜市场停车难", "缓解农贸市场周边停车难"),
];

/// The tables given explicit ids, whose identity sequences must move past them.
pub(super) const TABLES: [&str; 1] = ["opinion_reports"];

/// Writes the bodies' opinion reports; returns the rows written.
pub(super) async fn generate(
    db: &Db,
    rng: &mut StdRng,
    now: i64,
    years: u32,
    districts: &[Org],
    members: &[Vec<i64>],
) -> Result<u64> {
    let first = now - i64::from(years.max(1)) * 365 * DAY;
    let mut rows = 0u64;
    let mut id = 0i64;
    for (d, district) in districts.iter().enumerate() {
        let body_members = &members[d];
        if body_members.is_empty() {
            continue;
        }
        // The office that edits and decides: the district's staff account.
        let staff: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(format!("staff-{}", district.code))
            .fetch_one(db.pool())
            .await?;
        let mut tx = db.begin_write().await?;
        let mut reports = Batch::new(
            "INSERT INTO opinion_reports (id, org_id, submitter_id, group_org_id, source, title,
               matter, edited_title, edited_matter, version, state, decision_note, merged_into,
               created_at, updated_at, decided_at)",
            16,
            &[4, 5, 6, 7, 8, 10, 11],
        );
        let mut versions = Batch::new(
            "INSERT INTO opinion_report_versions (report_id, version, title, matter, created_by,
               created_at)",
            6,
            &[2, 3],
        );
        let mut levels = Batch::new(
            "INSERT INTO opinion_report_levels (report_id, level, forwarded_by, forwarded_at,
               adopted_by, adopted_at, evidence)",
            7,
            &[1, 6],
        );
        let mut instructions = Batch::new(
            "INSERT INTO opinion_report_instructions (report_id, leader, level, given_on, body,
               recorded_by, created_at)",
            7,
            &[1, 2, 3, 4],
        );
        let mut events = Batch::new(
            "INSERT INTO item_events (kind, item_id, org_id, action, from_state, to_state, party,
               actor_user_id, note, at)",
            10,
            &[0, 3, 4, 5, 6, 8],
        );
        let mut used: Vec<i64> = Vec::new();
        let count = body_members.len() as u64 * 3 * u64::from(years.max(1));
        for _ in 0..count {
            id += 1;
            let submitter = body_members[rng.random_range(0..body_members.len())];
            let at = first + rng.random_range(0..(now - first).max(DAY));
            let age = now - at;
            let (about, suggestion) = MATTERS[rng.random_range(0..MATTERS.len())];
            let title = format!("关于{about}问题的反映");
            let matter = format!(
                "近期不少群众反映{about}问题较为突出，影响日常生活和安全。建议相关部门开展专项排查，明确责任分工，限期整改，并建立长效管理机制。"
            );
            let roll = rng.random_range(0..100);
            let state = if age < 10 * DAY {
                "submitted"
            } else if age < 20 * DAY {
                "editing"
            } else if roll < 50 {
                "used"
            } else if roll < 75 {
                "kept"
            } else if roll < 95 || used.is_empty() {
                "not_used"
            } else {
                "merged"
            };
            let edited = state != "submitted";
            let edited_title = format!("关于{suggestion}的建议");
            let decided_at = (!matches!(state, "submitted" | "editing")).then_some(at + 12 * DAY);
            let merged_into = (state == "merged").then(|| used[rng.random_range(0..used.len())]);
            let event = |events: &mut Batch,
                         action: &str,
                         from: Option<&str>,
                         to: &str,
                         party: &str,
                         who: i64,
                         note: Option<String>,
                         when: i64| {
                events.push(vec![
                    Some(Text("opinion_report".into())),
                    Some(Int(id)),
                    Some(Int(district.id)),
                    Some(Text(action.into())),
                    from.map(|f| Text(f.into())),
                    Some(Text(to.into())),
                    Some(Text(party.into())),
                    Some(Int(who)),
                    note.map(Text),
                    Some(Int(when)),
                ]);
            };
            event(
                &mut events,
                "submit",
                None,
                "submitted",
                "member",
                submitter,
                None,
                at,
            );
            versions.push(vec![
                Some(Int(id)),
                Some(Int(1)),
                Some(Text(title.clone())),
                Some(Text(matter.clone())),
                Some(Int(submitter)),
                Some(Int(at)),
            ]);
            if edited {
                event(
                    &mut events,
                    "edit",
                    Some("submitted"),
                    "editing",
                    "staff",
                    staff,
                    None,
                    at + 3 * DAY,
                );
                versions.push(vec![
                    Some(Int(id)),
                    Some(Int(2)),
                    Some(Text(edited_title.clone())),
                    Some(Text(matter.clone())),
                    Some(Int(staff)),
                    Some(Int(at + 5 * DAY)),
                ]);
                event(
                    &mut events,
                    "revise",
                    Some("editing"),
                    "editing",
                    "staff",
                    staff,
                    None,
                    at + 5 * DAY,
                );
            }
            if let Some(when) = decided_at {
                let action = match state {
                    "used" => "use",
                    "kept" => "keep",
                    "merged" => "merge",
                    _ => "not_use",
                };
                event(
                    &mut events,
                    action,
                    Some("editing"),
                    state,
                    "staff",
                    staff,
                    None,
                    when,
                );
            }
            let mut updated = decided_at.unwrap_or(if edited { at + 5 * DAY } else { at });
            if state == "used" {
                used.push(id);
                let decided = decided_at.unwrap_or(at);
                // A third go up to the city, two in five of those adopted; a
                // few of the adopted get a city leader's instruction, and a
                // very few reach the national level.
                if rng.random_range(0..100) < 30 && decided + 5 * DAY < now {
                    let forwarded = decided + 2 * DAY;
                    let adopted = rng.random_range(0..100) < 40 && forwarded + 20 * DAY < now;
                    levels.push(vec![
                        Some(Int(id)),
                        Some(Text("city".into())),
                        Some(Int(staff)),
                        Some(Int(forwarded)),
                        adopted.then_some(Int(staff)),
                        adopted.then_some(Int(forwarded + 20 * DAY)),
                        None,
                    ]);
                    event(
                        &mut events,
                        "forward",
                        Some("used"),
                        "used",
                        "staff",
                        staff,
                        Some("city".into()),
                        forwarded,
                    );
                    updated = forwarded;
                    if adopted {
                        event(
                            &mut events,
                            "adopt",
                            Some("used"),
                            "used",
                            "staff",
                            staff,
                            Some("city".into()),
                            forwarded + 20 * DAY,
                        );
                        updated = forwarded + 20 * DAY;
                        if rng.random_range(0..100) < 25 && updated + 10 * DAY < now {
                            let given = updated + 10 * DAY;
                            instructions.push(vec![
                                Some(Int(id)),
                                Some(Text("市政府分管副市长".into())),
                                Some(Text("city".into())),
                                Some(Text(day_of(given))),
                                Some(Text("请相关部门认真研究，提出落实措施。".into())),
                                Some(Int(staff)),
                                Some(Int(given)),
                            ]);
                            event(
                                &mut events,
                                "instruct",
                                Some("used"),
                                "used",
                                "staff",
                                staff,
                                None,
                                given,
                            );
                            updated = given;
                        }
                        if rng.random_range(0..100) < 5 && updated + 30 * DAY < now {
                            let when = updated + 30 * DAY;
                            levels.push(vec![
                                Some(Int(id)),
                                Some(Text("national".into())),
                                Some(Int(staff)),
                                Some(Int(when - 20 * DAY)),
                                Some(Int(staff)),
                                Some(Int(when)),
                                Some(Text("全国政协办公厅采用通知".into())),
                            ]);
                            updated = when;
                        }
                    }
                }
            }
            reports.push(vec![
                Some(Int(id)),
                Some(Int(district.id)),
                Some(Int(submitter)),
                None,
                None,
                Some(Text(title)),
                Some(Text(matter.clone())),
                edited.then_some(Text(edited_title)),
                edited.then(|| Text(matter.clone())),
                Some(Int(if edited { 2 } else { 1 })),
                Some(Text(state.into())),
                (state == "not_used").then(|| Text("情况已在其他渠道反映".into())),
                merged_into.map(Int),
                Some(Int(at)),
                Some(Int(updated.min(now))),
                decided_at.map(Int),
            ]);
            if reports.rows >= 300 {
                rows += reports.flush(&mut tx).await?;
                for b in [&mut versions, &mut levels, &mut instructions, &mut events] {
                    rows += b.flush(&mut tx).await?;
                }
            }
        }
        rows += reports.flush(&mut tx).await?;
        for b in [&mut versions, &mut levels, &mut instructions, &mut events] {
            rows += b.flush(&mut tx).await?;
        }
        tx.commit().await?;
    }
    Ok(rows)
}

/// The day `ms` falls on, `YYYY-MM-DD` (UTC+8, as the product keeps dates).
fn day_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
        .unwrap_or_default()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}
