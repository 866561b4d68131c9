//! Practices at a city's volume for `bench datagen` (issue 31 point 10):
//! about 20 a district a year over the plan's years, most selected, some
//! waiting for the city, sent back, not selected or still drafts; their
//! index entries; a field meeting a year; and the city's staff account
//! `staff-xa` (the load bench's `login xa`) that reviews them. Rows are
//! written as the product writes them (first event on the timeline, the
//! last step too), in batches.

use crate::db::{Arg, Batch, Db};
use crate::org::Org;
use crate::Result;
use rand::Rng;

const DAY_MS: i64 = 86_400_000;

const TOPICS: [&str; 8] = [
    "协商议事室建设",
    "委员工作室接待群众",
    "民主监督小组对口部门",
    "界别协商助力乡村振兴",
    "委员履职积分管理",
    "功能型党小组",
    "老旧小区改造协商",
    "背街小巷治理",
];

/// Writes the practices; returns the rows written.
pub async fn generate(
    db: &Db,
    rng: &mut rand::rngs::StdRng,
    now: i64,
    years: u32,
    city: &Org,
    districts: &[Org],
    password_hash: &str,
) -> Result<u64> {
    let mut tx = db.begin_write().await?;
    let uname = xieshang_core::values::Username::parse("staff-xa")
        .map_err(|e| crate::Error::invalid("username", e))?;
    let city_staff = crate::account::user::insert(
        &mut tx,
        now,
        &uname,
        "西安市政协工作人员",
        password_hash,
        city.id,
    )
    .await?;
    crate::account::user::insert_grant(
        &mut tx,
        now,
        city_staff,
        xieshang_core::Role::Staff,
        city.id,
    )
    .await?;
    let next = |table: &'static str| format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
    let mut id: i64 = sqlx::query_scalar(&next("practices"))
        .fetch_one(&mut *tx)
        .await?;
    let mut doc: i64 = sqlx::query_scalar(&next("search_docs"))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut rows = 0u64;
    let per_district = 20 * years.max(1) as i64;
    let span = years.max(1) as i64 * 365 * DAY_MS;
    let mut shown: Vec<i64> = Vec::new();
    for district in districts {
        let author: i64 = sqlx::query_scalar(
            "SELECT user_id FROM grants WHERE role = 'staff' AND org_id = $1 ORDER BY id LIMIT 1",
        )
        .bind(district.id)
        .fetch_optional(db.pool())
        .await?
        .unwrap_or(city_staff);
        let mut tx = db.begin_write().await?;
        let mut p = Batch::new(
            "INSERT INTO practices (id, org_id, author_id, title, area, summary, steps, figures,
               state, review_note, created_at, updated_at, submitted_at, decided_at)",
            14,
            &[3, 4, 5, 6, 7, 8, 9],
        );
        let mut ev = Batch::new(
            "INSERT INTO item_events (kind, item_id, org_id, action, from_state, to_state, party, note, at)",
            9,
            &[0, 3, 4, 5, 6, 7],
        );
        let mut sd = Batch::new(
            "INSERT INTO search_docs (id, kind, item_id, tokens)",
            4,
            &[1, 3],
        );
        let short = district.name.trim_end_matches("政协");
        for n in 0..per_district {
            let created = now - span + span * n / per_district + rng.random_range(0..DAY_MS);
            let topic = TOPICS[rng.random_range(0..TOPICS.len())];
            let area = xieshang_core::practice::AREAS
                [rng.random_range(0..xieshang_core::practice::AREAS.len())];
            let roll = rng.random_range(0..100);
            let (state, last, note) = match roll {
                0..60 => ("selected", Some("select"), None),
                60..75 => ("submitted", Some("file"), None),
                75..85 => (
                    "changes_requested",
                    Some("request_changes"),
                    Some("请补充具体数据和成效。"),
                ),
                85..95 => ("not_selected", Some("not_select"), None),
                _ => ("draft", None, None),
            };
            let title = format!("{short}{topic}（{}）", n + 1);
            let summary = format!(
                "{short}政协围绕{topic}探索形成的做法：选题、协商、落实、评价环环相扣，\
                 群众满意度持续提升。"
            );
            let figures = format!("开展活动: {}场\n参与委员: {}人", 5 + n % 40, 20 + n % 90);
            let submitted = (state != "draft").then_some(created + DAY_MS);
            let decided =
                matches!(state, "selected" | "not_selected").then_some(created + 8 * DAY_MS);
            let updated = decided.or(submitted).unwrap_or(created);
            p.push(vec![
                Some(Arg::Int(id)),
                Some(Arg::Int(district.id)),
                Some(Arg::Int(author)),
                Some(Arg::Text(title.clone())),
                Some(Arg::Text(area.to_owned())),
                Some(Arg::Text(summary.clone())),
                Some(Arg::Text(
                    "一、调查研究；二、协商议事；三、跟踪落实。".to_owned(),
                )),
                Some(Arg::Text(figures.clone())),
                Some(Arg::Text(state.to_owned())),
                note.map(|n: &str| Arg::Text(n.to_owned())),
                Some(Arg::Int(created)),
                Some(Arg::Int(updated)),
                submitted.map(Arg::Int),
                decided.map(Arg::Int),
            ]);
            let event =
                |action: &str, from: Option<&str>, to: &str, note: Option<&str>, at: i64| {
                    vec![
                        Some(Arg::Text("practice".to_owned())),
                        Some(Arg::Int(id)),
                        Some(Arg::Int(district.id)),
                        Some(Arg::Text(action.to_owned())),
                        from.map(|f| Arg::Text(f.to_owned())),
                        Some(Arg::Text(to.to_owned())),
                        Some(Arg::Text("staff".to_owned())),
                        note.map(|n| Arg::Text(n.to_owned())),
                        Some(Arg::Int(at)),
                    ]
                };
            ev.push(event("submit", None, "draft", None, created));
            if let Some(action) = last {
                if action != "file" {
                    ev.push(event(
                        "file",
                        Some("draft"),
                        "submitted",
                        None,
                        created + DAY_MS,
                    ));
                }
                ev.push(event(
                    action,
                    Some(if action == "file" {
                        "draft"
                    } else {
                        "submitted"
                    }),
                    state,
                    note,
                    updated,
                ));
            }
            let text = format!("{title} {summary} {figures}");
            let mut tokens = crate::index::entry_tokens(&text, &district.path);
            tokens.push_str(" kindpractice");
            if state == "selected" {
                tokens.push_str(" librarypractice");
                if shown.len() < 6 * years.max(1) as usize && rng.random_bool(0.05) {
                    shown.push(id);
                }
            }
            sd.push(vec![
                Some(Arg::Int(doc)),
                Some(Arg::Text("practice".to_owned())),
                Some(Arg::Int(id)),
                Some(Arg::Text(tokens)),
            ]);
            id += 1;
            doc += 1;
            if p.rows >= 100 {
                rows +=
                    p.flush(&mut tx).await? + ev.flush(&mut tx).await? + sd.flush(&mut tx).await?;
            }
        }
        rows += p.flush(&mut tx).await? + ev.flush(&mut tx).await? + sd.flush(&mut tx).await?;
        tx.commit().await?;
    }
    // A field meeting a year, showing some of the selected practices.
    let mut tx = db.begin_write().await?;
    for y in 0..years.max(1) as i64 {
        let held = xieshang_core::calendar::cst_date(now - y * 365 * DAY_MS - 30 * DAY_MS);
        let meeting: i64 = sqlx::query_scalar(
            "INSERT INTO practice_meetings (org_id, title, place, held_on, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(city.id)
        .bind(format!("全市政协优秀做法现场会（{}）", held.format("%Y")))
        .bind("西安市政协")
        .bind(held.format("%Y-%m-%d").to_string())
        .bind(city_staff)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        rows += 1;
        for (i, p) in shown
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as i64 % years.max(1) as i64 == y)
        {
            sqlx::query(
                "INSERT INTO practice_meeting_items (meeting_id, practice_id, position)
                 VALUES ($1, $2, $3)",
            )
            .bind(meeting)
            .bind(p)
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
            rows += 1;
        }
    }
    tx.commit().await?;
    // Explicit ids leave PostgreSQL's identity sequence behind.
    if let Some(reset) = db.dialect().reset_identity("practices") {
        sqlx::query(&reset).execute(db.pool()).await?;
    }
    Ok(rows)
}
