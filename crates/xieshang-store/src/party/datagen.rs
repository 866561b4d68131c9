//! The party organisation at a district's volume (issue 31 point 8): every
//! generated district gets the four levels (党组, 机关党组, 机关党支部 and
//! five 专委会党小组), two in five of its members are party members placed
//! in the cells (each cell's first one its secretary), and over the years
//! generated each month holds a 主题党日 of the branch and a 党小组会 of each
//! cell, each quarter a 支部党员大会 and a 党课, with about nine in ten of
//! those expected present; each party member reports about four meetings a
//! year from their work unit, the older ones confirmed. Rows as the product
//! writes them, in bulk.

use crate::db::Arg::{Int, Text};
use crate::db::{Batch, Db};
use crate::org::{self, Org};
use crate::Result;
use rand::rngs::StdRng;
use rand::Rng;
use xieshang_core::OrgKind;

const DAY: i64 = 86_400_000;

const CELLS: [&str; 5] = [
    "提案委员会党小组",
    "经济委员会党小组",
    "社会和法制委员会党小组",
    "教科文卫体委员会党小组",
    "城建环保委员会党小组",
];

const WORK_UNITS: [&str; 6] = [
    "区人民医院党委第二党支部",
    "区第一中学党总支",
    "区税务局机关党支部",
    "市建筑设计研究院党委",
    "区工商联机关党支部",
    "街道社区卫生服务中心党支部",
];

/// Writes the districts' party organisation; returns the rows written.
pub async fn generate(
    db: &Db,
    rng: &mut StdRng,
    now: i64,
    years: u32,
    districts: &[Org],
    members: &[Vec<i64>],
) -> Result<u64> {
    let months = i64::from(years.max(1)) * 12;
    let mut rows = 0u64;
    let mut meeting_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM party_meetings")
        .fetch_one(db.pool())
        .await?;
    for (d, district) in districts.iter().enumerate() {
        let staff: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(format!("staff-{}", district.code))
            .fetch_one(db.pool())
            .await?;
        let prefix = district.name.clone();
        let mut tx = db.begin_write().await?;
        let unit = |parent: Org, code: String, name: String, level: &'static str| {
            (parent, code, name, level)
        };
        // The four levels, top down.
        let mut made: Vec<Org> = Vec::new();
        let top = unit(
            district.clone(),
            format!("{}-pdz", district.code),
            format!("{prefix}党组"),
            "leading_group",
        );
        let mut plan = vec![top];
        let mut cells = Vec::new();
        while let Some((parent, code, name, level)) = plan.pop() {
            let o = org::insert(&mut tx, now, Some(&parent), OrgKind::Party, &code, &name).await?;
            sqlx::query(
                "INSERT INTO party_units (org_id, body_id, level, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(o.id)
            .bind(district.id)
            .bind(level)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            rows += 2;
            match level {
                "leading_group" => plan.push(unit(
                    o.clone(),
                    format!("{}-pdzz", district.code),
                    format!("{prefix}机关党组"),
                    "organ_group",
                )),
                "organ_group" => plan.push(unit(
                    o.clone(),
                    format!("{}-pdzb", district.code),
                    format!("{prefix}机关党支部"),
                    "branch",
                )),
                "branch" => {
                    for (k, cell) in CELLS.iter().enumerate() {
                        plan.push(unit(
                            o.clone(),
                            format!("{}-pdxz{k}", district.code),
                            (*cell).to_owned(),
                            "cell",
                        ));
                    }
                }
                _ => cells.push(o.id),
            }
            made.push(o);
        }
        let branch = made
            .iter()
            .find(|o| o.code.ends_with("-pdzb"))
            .map(|o| o.id)
            .unwrap_or(district.id);
        let organ = made
            .iter()
            .find(|o| o.code.ends_with("-pdzz"))
            .map(|o| o.id)
            .unwrap_or(district.id);
        // Two in five members are party members, spread over the cells.
        let party: Vec<i64> = members[d].iter().copied().step_by(5).collect::<Vec<_>>();
        let party: Vec<i64> = party
            .into_iter()
            .chain(members[d].iter().copied().skip(2).step_by(5))
            .collect();
        let mut placed = Batch::new(
            "INSERT INTO party_members (user_id, unit_id, role, assigned_by, assigned_at)",
            5,
            &[2],
        );
        let mut of_cell: Vec<Vec<i64>> = vec![Vec::new(); cells.len()];
        for (i, user) in party.iter().enumerate() {
            let c = i % cells.len().max(1);
            let role = if of_cell[c].is_empty() {
                "secretary"
            } else {
                "member"
            };
            of_cell[c].push(*user);
            placed.push(vec![
                Some(Int(*user)),
                Some(Int(cells[c])),
                Some(Text(role.into())),
                Some(Int(staff)),
                Some(Int(now - months * 30 * DAY)),
            ]);
        }
        rows += placed.flush(&mut tx).await?;
        let mut meetings = Batch::new(
            "INSERT INTO party_meetings (id, unit_id, body_id, kind, title, starts_at, ends_at,
               place, created_by, created_at)",
            10,
            &[3, 4, 7],
        );
        let mut present = Batch::new(
            "INSERT INTO party_attendance (meeting_id, user_id, checked_in_at, marked_by)",
            4,
            &[],
        );
        let mut reports = Batch::new(
            "INSERT INTO party_reports (user_id, body_id, held_on, kind, unit_name, note, state,
               decided_by, decided_at, created_at)",
            10,
            &[2, 3, 4, 5, 6],
        );
        // Month 0 is the coming month: its meetings are upcoming.
        for month in (-months + 1)..=1 {
            let base = now + month * 30 * DAY;
            let mut held: Vec<(i64, &str, &str, Vec<i64>)> = vec![(
                branch,
                "theme_day",
                "主题党日：走进社区 服务群众",
                party.clone(),
            )];
            for (c, cell) in cells.iter().enumerate() {
                held.push((*cell, "cell_meeting", "党小组学习会", of_cell[c].clone()));
            }
            if month.rem_euclid(3) == 0 {
                held.push((
                    branch,
                    "branch_assembly",
                    "支部党员大会：学习传达上级精神",
                    party.clone(),
                ));
                held.push((organ, "lecture", "机关党组书记讲党课", party.clone()));
            }
            for (k, (unit, kind, title, people)) in held.into_iter().enumerate() {
                meeting_id += 1;
                let starts = base + (k as i64) * DAY + rng.random_range(0..8) * 3_600_000;
                meetings.push(vec![
                    Some(Int(meeting_id)),
                    Some(Int(unit)),
                    Some(Int(district.id)),
                    Some(Text(kind.into())),
                    Some(Text(title.into())),
                    Some(Int(starts)),
                    Some(Int(starts + 2 * 3_600_000)),
                    Some(Text("机关会议室".into())),
                    Some(Int(staff)),
                    Some(Int(starts - 14 * DAY)),
                ]);
                if starts < now {
                    for p in people {
                        if rng.random_range(0..10) < 9 {
                            present.push(vec![
                                Some(Int(meeting_id)),
                                Some(Int(p)),
                                Some(Int(starts)),
                                Some(Int(p)),
                            ]);
                        }
                    }
                }
            }
            if month.rem_euclid(6) == 0 {
                rows += meetings.flush(&mut tx).await?;
                rows += present.flush(&mut tx).await?;
            }
        }
        rows += meetings.flush(&mut tx).await?;
        rows += present.flush(&mut tx).await?;
        for user in &party {
            for q in 0..(months / 3) {
                let at = now - q * 90 * DAY - rng.random_range(1..80) * DAY;
                let day = xieshang_core::calendar::cst_date(at)
                    .format("%Y-%m-%d")
                    .to_string();
                let waiting = at > now - 20 * DAY;
                reports.push(vec![
                    Some(Int(*user)),
                    Some(Int(district.id)),
                    Some(Text(day)),
                    Some(Text(
                        if q % 2 == 0 {
                            "theme_day"
                        } else {
                            "branch_assembly"
                        }
                        .into(),
                    )),
                    Some(Text(
                        WORK_UNITS[rng.random_range(0..WORK_UNITS.len())].into(),
                    )),
                    Some(Text("在工作单位参加组织生活".into())),
                    Some(Text(if waiting { "submitted" } else { "confirmed" }.into())),
                    if waiting { None } else { Some(Int(staff)) },
                    if waiting {
                        None
                    } else {
                        Some(Int(at + 3 * DAY))
                    },
                    Some(Int(at + DAY)),
                ]);
            }
            rows += reports.flush(&mut tx).await?;
        }
        tx.commit().await?;
    }
    // Explicit ids leave PostgreSQL's identity sequence behind.
    if let Some(reset) = db.dialect().reset_identity("party_meetings") {
        sqlx::query(&reset).execute(db.pool()).await?;
    }
    Ok(rows)
}
