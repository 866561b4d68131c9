//! The sample city's party organisation (issue 31 points 4 and 8): 碑林区's
//! four levels (区政协党组 → 机关党组 → 机关党支部 → two 专委会党小组),
//! party-member members on its roster placed in them with the branch's
//! secretary, meetings held (with attendance) and upcoming, and two
//! meetings `member-bl-p01` reported from their work unit: one confirmed,
//! one waiting. Written through the feature's own functions, as staff and
//! members would, but for the accounts and roster rows.

use crate::db::Db;
use crate::org;
use crate::{Error, Result};
use xieshang_core::party::{NewMeeting, NewReport};
use xieshang_core::values::Username;
use xieshang_core::Role;

/// A party member of 提案委员会党小组 (also in `seed::DEMO_ACCOUNTS`).
pub const MEMBER: &str = "member-bl-p01";
/// The secretary of 碑林区政协机关党支部 (also in `seed::DEMO_ACCOUNTS`).
pub const SECRETARY: &str = "member-bl-secretary";

/// (username, name, party member, the unit's code, role).
const PEOPLE: [(&str, &str, bool, &str, &str); 9] = [
    (SECRETARY, "白建军", true, "beilin-dzb", "secretary"),
    (MEMBER, "柳文慧", true, "beilin-dxz-ta", "member"),
    ("member-bl-p02", "孟庆林", true, "beilin-dxz-ta", "member"),
    ("member-bl-p03", "汪佳琪", true, "beilin-dxz-sf", "member"),
    (
        "member-bl-p04",
        "常振东",
        true,
        "beilin-dxz-sf",
        "secretary",
    ),
    ("member-bl-p05", "秦雅文", true, "beilin-dzb", "member"),
    ("member-bl-p06", "范立群", true, "beilin-dzz", "secretary"),
    ("member-bl-p07", "邱海燕", false, "", ""),
    ("member-bl-p08", "潘国庆", false, "", ""),
];

/// (code, name, level, parent's code or empty for the body).
const UNITS: [(&str, &str, &str, &str); 5] = [
    ("beilin-dz", "碑林区政协党组", "leading_group", ""),
    (
        "beilin-dzz",
        "碑林区政协机关党组",
        "organ_group",
        "beilin-dz",
    ),
    ("beilin-dzb", "碑林区政协机关党支部", "branch", "beilin-dzz"),
    ("beilin-dxz-ta", "提案委员会党小组", "cell", "beilin-dzb"),
    (
        "beilin-dxz-sf",
        "社会和法制委员会党小组",
        "cell",
        "beilin-dzb",
    ),
];

/// A small evidence photo (a grey sign-in sheet), processed like an upload.
pub fn evidence_photo() -> Result<crate::concern::photo::Photo> {
    let img = image::RgbImage::from_fn(96, 64, |x, y| {
        if y % 8 == 0 || x % 32 == 0 {
            image::Rgb([90, 90, 90])
        } else {
            image::Rgb([235, 235, 230])
        }
    });
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .map_err(|_| Error::NotFound)?;
    crate::concern::photo::process(&bytes)
}

fn day_in(db: &Db, days: i64) -> String {
    xieshang_core::calendar::cst_date(db.now_ms() + days * 86_400_000)
        .format("%Y-%m-%d")
        .to_string()
}

async fn actor(db: &Db, username: &str) -> Result<xieshang_core::Actor> {
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(db.pool())
        .await?;
    crate::account::user::actor(db, id).await
}

/// Loads 碑林区's party organisation (once: nothing when it has party units).
pub async fn load(db: &Db, hash: &str) -> Result<()> {
    let beilin = org::by_code_unchecked(db, "beilin").await?;
    if !super::units_of(db, beilin.id).await?.is_empty() {
        return Ok(());
    }
    let staff = actor(db, "staff-beilin").await?;
    let mut ids = std::collections::HashMap::new();
    for (code, name, level, parent) in UNITS {
        let parent = if parent.is_empty() {
            String::new()
        } else {
            ids.get(parent)
                .map(|id: &i64| id.to_string())
                .unwrap_or_default()
        };
        let id = super::create_unit(
            db,
            &staff,
            beilin.id,
            &super::NewUnit {
                parent: &parent,
                level,
                name,
                code,
            },
        )
        .await?;
        ids.insert(code, id);
    }
    let street = org::by_code_unchecked(db, "beilin-nanyuanmen").await?;
    let now = db.now_ms();
    let joined = day_in(db, -700);
    for (i, (username, name, party, unit, role)) in PEOPLE.iter().enumerate() {
        let username = Username::parse(username).map_err(|e| Error::invalid("username", e))?;
        let mut tx = db.begin_write().await?;
        let user =
            crate::account::user::insert(&mut tx, now, &username, name, hash, street.id).await?;
        crate::account::user::insert_grant(&mut tx, now, user, Role::Member, street.id).await?;
        let member: i64 = sqlx::query_scalar(
            "INSERT INTO members (body_id, code, name, term, sector, street_group_id, user_id,
                status, joined_on, created_at, updated_at, party_member)
             VALUES ($1, $2, $3, '第十六届', '中共', $4, $5, 'active', $6, $7, $7, $8) RETURNING id",
        )
        .bind(beilin.id)
        .bind(format!("BL{:03}", i + 1))
        .bind(*name)
        .bind(street.id)
        .bind(user)
        .bind(&joined)
        .bind(now)
        .bind(i64::from(*party))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        if let Some(unit) = ids.get(unit) {
            super::assign(db, &staff, *unit, &member.to_string(), role).await?;
        }
    }
    // Meetings: three held (with attendance), two upcoming.
    let branch = ids["beilin-dzb"];
    let cell = ids["beilin-dxz-ta"];
    let organ = ids["beilin-dzz"];
    let meetings = [
        (
            branch,
            "branch_assembly",
            "学习贯彻全会精神专题支部党员大会",
            -30,
            "09:00",
            "11:00",
            "机关三楼会议室",
        ),
        (
            cell,
            "cell_meeting",
            "提案委员会党小组学习会",
            -14,
            "15:00",
            "16:30",
            "提案委员会办公室",
        ),
        (
            branch,
            "theme_day",
            "“走进社区 服务群众”主题党日",
            -7,
            "09:00",
            "12:00",
            "南院门街道社区服务中心",
        ),
        (
            organ,
            "lecture",
            "机关党组书记讲党课",
            5,
            "14:30",
            "16:00",
            "机关三楼会议室",
        ),
        (
            branch,
            "theme_day",
            "“重温入党誓词”主题党日",
            12,
            "09:00",
            "11:30",
            "碑林区革命传统教育基地",
        ),
    ];
    for (n, (unit, kind, title, days, start, end, place)) in meetings.into_iter().enumerate() {
        let new = NewMeeting::parse(kind, title, &day_in(db, days), start, end, place)
            .map_err(|_| Error::NotFound)?;
        let id = super::schedule(db, &staff, unit, &new).await?;
        if days < 0 {
            let u = super::unit_unchecked(db, unit).await?;
            // Most attend; one of each meeting's people stays away.
            let present: Vec<i64> = super::people(db, &u)
                .await?
                .into_iter()
                .enumerate()
                .filter(|(i, _)| (i + n) % 4 != 3)
                .map(|(_, p)| p.user_id)
                .collect();
            if !present.is_empty() {
                super::mark_present(db, &staff, id, &present).await?;
            }
        }
    }
    // The member's work unit: one report confirmed, one waiting.
    let member = actor(db, MEMBER).await?;
    let today = xieshang_core::calendar::cst_date(db.now_ms());
    let photo = evidence_photo()?;
    let reports = [
        (
            -40,
            "branch_assembly",
            "西安市第一医院党委第三党支部",
            "支部党员大会：学习新修订的党章",
        ),
        (
            -10,
            "theme_day",
            "西安市第一医院党委第三党支部",
            "主题党日：义诊进社区",
        ),
    ];
    for (i, (days, kind, unit_name, note)) in reports.into_iter().enumerate() {
        let new = NewReport::parse(&day_in(db, days), kind, unit_name, note, today)
            .map_err(|_| Error::NotFound)?;
        let id = super::report(db, &member, &new, std::slice::from_ref(&photo)).await?;
        if i == 0 {
            super::decide(db, &staff, id, true, "").await?;
        }
    }
    Ok(())
}
