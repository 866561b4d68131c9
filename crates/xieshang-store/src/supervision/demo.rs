//! The sample city's supervision (issue 31 point 4): 未央区 gets its 43
//! departments (when it has none), a street with members, and 5 supervision
//! groups posted over the 43 departments, with plans (some accepted), a few
//! activities and opinions in different states. Group 2 is posted to
//! 未央区市场监督管理局 and has neither a plan nor an opinion with it: the
//! story's steps are the test's. Written through the feature's own
//! functions, as the staff and handlers would.

use crate::db::Db;
use crate::org::{self, Org};
use crate::{Error, Result};
use xieshang_core::calendar::Calendar;
use xieshang_core::supervision::NewOpinion;
use xieshang_core::values::Username;
use xieshang_core::{OrgKind, Role};

/// 未央区's departments (职能部门).
pub const DEPARTMENTS: [&str; 43] = [
    "未央区市场监督管理局",
    "未央区教育局",
    "未央区卫生健康局",
    "未央区住房和城乡建设局",
    "未央区城市管理和综合执法局",
    "未央区民政局",
    "未央区人力资源和社会保障局",
    "未央区财政局",
    "未央区发展和改革委员会",
    "未央区工业和信息化局",
    "未央区商务局",
    "未央区文化和旅游体育局",
    "未央区农业农村和水务局",
    "未央区生态环境分局",
    "未央区应急管理局",
    "未央区交通运输局",
    "未央区自然资源和规划分局",
    "未央区司法局",
    "未央区公安分局",
    "未央区退役军人事务局",
    "未央区医疗保障局",
    "未央区审计局",
    "未央区统计局",
    "未央区信访局",
    "未央区行政审批服务局",
    "未央区林业局",
    "未央区科学技术局",
    "未央区市政公用局",
    "未央区房屋征收和城市更新局",
    "未央区数据局",
    "未央区地方金融管理局",
    "未央区机关事务服务中心",
    "未央区融媒体中心",
    "未央区档案馆",
    "未央区残疾人联合会",
    "未央区妇女联合会",
    "未央区总工会",
    "未央区共青团",
    "未央区红十字会",
    "未央区消防救援大队",
    "未央区税务局",
    "未央区供电分公司",
    "未央区燃气管理站",
];

const GROUPS: [(&str, &str); 5] = [
    ("第一民主监督小组", "经济委员会"),
    ("第二民主监督小组", "社会和法制委员会"),
    ("第三民主监督小组", "教科文卫体委员会"),
    ("第四民主监督小组", "城建环保委员会"),
    ("第五民主监督小组", "农业和农村委员会"),
];

const MEMBER_NAMES: [&str; 15] = [
    "韩立新",
    "苏文静",
    "郭建华",
    "梁晓燕",
    "冯志强",
    "邓丽萍",
    "曹国栋",
    "彭雪梅",
    "蒋海涛",
    "田秀英",
    "魏明辉",
    "石春兰",
    "龚振宇",
    "程玉洁",
    "任思远",
];

/// The demo accounts this module adds (also in `seed::DEMO_ACCOUNTS`).
pub const STAFF: &str = "staff-weiyang";
/// A member of group 2.
pub const MEMBER: &str = "member-wy-01";
/// A handler of 未央区市场监督管理局.
pub const HANDLER: &str = "handler-wy-scj";

async fn person(
    db: &Db,
    hash: &str,
    username: &str,
    name: &str,
    role: Role,
    org: &Org,
) -> Result<i64> {
    let now = db.now_ms();
    let username = Username::parse(username).map_err(|e| Error::invalid("username", e))?;
    let mut tx = db.begin_write().await?;
    let id = crate::account::user::insert(&mut tx, now, &username, name, hash, org.id).await?;
    crate::account::user::insert_grant(&mut tx, now, id, role, org.id).await?;
    tx.commit().await?;
    Ok(id)
}

async fn unit(db: &Db, parent: &Org, kind: OrgKind, code: &str, name: &str) -> Result<Org> {
    let mut tx = db.begin_write().await?;
    let o = org::insert(&mut tx, db.now_ms(), Some(parent), kind, code, name).await?;
    tx.commit().await?;
    Ok(o)
}

/// The date `days` calendar days from now (China), as a form types it.
fn date_in(db: &Db, days: i64) -> String {
    let d = xieshang_core::calendar::cst_date(db.now_ms() + days * 86_400_000);
    d.format("%Y-%m-%d").to_string()
}

/// Loads 未央区's supervision into the sample city (once: nothing when
/// 未央区 has groups already). `hash` is the demo password's hash.
pub async fn load(db: &Db, hash: &str) -> Result<()> {
    let weiyang = org::by_code_unchecked(db, "weiyang").await?;
    if !super::groups_of(db, weiyang.id).await?.is_empty() {
        return Ok(());
    }
    let mut depts = super::departments(db, &weiyang).await?;
    if depts.is_empty() {
        for (i, name) in DEPARTMENTS.iter().enumerate() {
            let o = unit(
                db,
                &weiyang,
                OrgKind::Department,
                &format!("weiyang-d{:02}", i + 1),
                name,
            )
            .await?;
            depts.push((o.id, o.name));
        }
    }
    // Keep the demo's order (the market bureau first), not the names' order.
    depts.sort_by_key(|(id, _)| *id);
    let street = unit(db, &weiyang, OrgKind::Street, "weiyang-wyg", "未央宫街道").await?;
    let mut members = Vec::new();
    for (i, name) in MEMBER_NAMES.iter().enumerate() {
        let id = person(
            db,
            hash,
            &format!("member-wy-{:02}", i + 1),
            name,
            Role::Member,
            &street,
        )
        .await?;
        members.push(id);
    }
    person(db, hash, STAFF, "未央区政协机关", Role::Staff, &weiyang).await?;
    let market = depts
        .iter()
        .find(|(_, n)| n == "未央区市场监督管理局")
        .map(|(id, _)| *id)
        .ok_or(Error::NotFound)?;
    let market_org = org::get_unchecked(db, market).await?;
    person(
        db,
        hash,
        HANDLER,
        "市场监管局经办人",
        Role::DepartmentHandler,
        &market_org,
    )
    .await?;

    let staff = crate::account::user::actor(
        db,
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(STAFF)
            .fetch_one(db.pool())
            .await?,
    )
    .await?;
    let cal = Calendar::builtin();
    // The year of the database's clock, kept in the range a plan may name
    // (a test's clock may stand at 1970).
    let year = {
        use chrono::Datelike;
        xieshang_core::calendar::cst_date(db.now_ms())
            .year()
            .clamp(2000, 2100)
            .to_string()
    };
    // Group 2 (index 1) holds member-wy-01 and the market bureau; the other
    // departments go round the five groups.
    let others: Vec<i64> = depts
        .iter()
        .map(|(id, _)| *id)
        .filter(|d| *d != market)
        .collect();
    for (gi, (name, committee)) in GROUPS.iter().enumerate() {
        // member-wy-01 (the story's) sits in group 2.
        let slot = match gi {
            0 => 1,
            1 => 0,
            n => n,
        };
        let mine: Vec<i64> = members.iter().copied().skip(slot * 3).take(3).collect();
        let g = super::create_group(
            db,
            &staff,
            weiyang.id,
            &super::NewGroup {
                name,
                committee,
                leader: mine.first().copied(),
                members: &mine,
            },
        )
        .await?;
        let mut posted: Vec<i64> = others
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| i % 5 == gi)
            .map(|(_, d)| d)
            .collect();
        if gi == 1 {
            posted.insert(0, market);
        }
        for d in &posted {
            super::post_group(db, &staff, g, *d).await?;
        }
        // Plans with the group's departments but the story's one; half accepted.
        for (k, d) in posted.iter().enumerate().filter(|(_, d)| **d != market) {
            let plan = super::set_plan(
                db,
                &staff,
                g,
                &super::NewPlan {
                    dept: &d.to_string(),
                    year: &year,
                    topics: "重点民生事项落实情况；群众反映集中问题的整改",
                    activities: &format!(
                        "{year}-04-15 视察\n{year}-07-10 座谈会\n{year}-10-20 问卷调查"
                    ),
                },
            )
            .await?;
            if k % 2 == 0 {
                super::accept_plan(db, &staff, plan).await?;
            }
        }
        if gi == 1 {
            super::log_activity(
                db,
                &staff,
                g,
                &super::NewActivity {
                    kind: "contact_card",
                    dept: "",
                    title: "公示监督联系卡",
                    held_on: &date_in(db, -30),
                    phone: "029-86251234",
                    note: "群众可拨打电话反映部门作风和整改情况。",
                },
                &[],
            )
            .await?;
            continue;
        }
        // A few opinions in different states.
        let Some(first) = posted.first().copied() else {
            continue;
        };
        super::log_activity(
            db,
            &staff,
            g,
            &super::NewActivity {
                kind: "inspection",
                dept: &first.to_string(),
                title: "实地视察重点民生项目",
                held_on: &date_in(db, -20),
                phone: "",
                note: "",
            },
            &[],
        )
        .await?;
        let new = NewOpinion {
            title: format!(
                "关于{}工作的监督意见",
                GROUPS[gi].1.trim_end_matches("委员会")
            ),
            body: "视察中发现部分事项推进缓慢，建议制定整改方案，明确时限和责任人。".into(),
            department: first,
            deadline: chrono::NaiveDate::parse_from_str(&date_in(db, 45), "%Y-%m-%d")
                .map_err(|_| Error::NotFound)?,
        };
        let o = super::opinion::send(db, &cal, &staff, g, &new).await?;
        if gi >= 2 {
            super::opinion::answer_plan(
                db,
                &staff,
                o,
                "已制定整改方案：一月内完成排查，两月内完成整改。",
            )
            .await?;
        }
        if gi >= 3 {
            super::opinion::answer_result(db, &staff, o, "已完成整改，建立长效机制。").await?;
        }
        if gi == 4 {
            super::opinion::rate(db, &cal, &staff, o, "satisfied", "整改到位。").await?;
        }
    }
    Ok(())
}
