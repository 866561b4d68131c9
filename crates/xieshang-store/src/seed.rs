//! The sample city (Xi'an) for `xieshang demo`, and the first-admin bootstrap.
//! All people here are fictional.

use crate::account::user;
use crate::audit::{self, Entry};
use crate::db::{col, Db, Tx};
use crate::org::{self, Org};
use crate::{Error, Result};
use serde_json::json;
use xieshang_core::values::Username;
use xieshang_core::{OrgKind, Role};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "xieshang-demo";

/// One demo account, printed by `xieshang demo`.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// Login name.
    pub username: &'static str,
    /// Role it demonstrates.
    pub role: Role,
    /// Unit it works in.
    pub org_name: &'static str,
}

/// The 13 district and county CPPCCs of Xi'an: (code, name).
pub const DISTRICTS: [(&str, &str); 13] = [
    ("xincheng", "新城区政协"),
    ("beilin", "碑林区政协"),
    ("lianhu", "莲湖区政协"),
    ("baqiao", "灞桥区政协"),
    ("weiyang", "未央区政协"),
    ("yanta", "雁塔区政协"),
    ("yanliang", "阎良区政协"),
    ("lintong", "临潼区政协"),
    ("changan", "长安区政协"),
    ("gaoling", "高陵区政协"),
    ("huyi", "鄠邑区政协"),
    ("lantian", "蓝田县政协"),
    ("zhouzhi", "周至县政协"),
];

/// The demo accounts, one per role (and a second district's staff for contrast).
pub const DEMO_ACCOUNTS: [DemoAccount; 20] = [
    DemoAccount {
        username: "admin",
        role: Role::Admin,
        org_name: "西安市政协",
    },
    DemoAccount {
        username: "overseer",
        role: Role::CityOverseer,
        org_name: "西安市政协",
    },
    DemoAccount {
        username: "staff-city",
        role: Role::Staff,
        org_name: "西安市政协",
    },
    DemoAccount {
        username: "staff",
        role: Role::Staff,
        org_name: "阎良区政协",
    },
    DemoAccount {
        username: "leader",
        role: Role::Leader,
        org_name: "阎良区政协",
    },
    DemoAccount {
        username: "committee",
        role: Role::ProposalCommittee,
        org_name: "阎良区政协",
    },
    DemoAccount {
        username: "liaison",
        role: Role::LiaisonOfficer,
        org_name: "关山街道",
    },
    DemoAccount {
        username: "informant",
        role: Role::Informant,
        org_name: "关山街道",
    },
    DemoAccount {
        username: "gw-fh-01",
        role: Role::GridWorker,
        org_name: "凤凰社区第1网格",
    },
    DemoAccount {
        username: "member-gs-01",
        role: Role::Member,
        org_name: "关山街道",
    },
    DemoAccount {
        username: "member-fh-01",
        role: Role::Member,
        org_name: "凤凰街道",
    },
    DemoAccount {
        username: "handler",
        role: Role::DepartmentHandler,
        org_name: "阎良区城市管理和综合执法局",
    },
    DemoAccount {
        username: "teacher",
        role: Role::Teacher,
        org_name: "阎良区凤凰路中学",
    },
    DemoAccount {
        username: "student",
        role: Role::Student,
        org_name: "阎良区凤凰路中学",
    },
    DemoAccount {
        username: "staff-beilin",
        role: Role::Staff,
        org_name: "碑林区政协",
    },
    // Issue 31 S: 未央区's supervision (supervision::demo).
    DemoAccount {
        username: "staff-weiyang",
        role: Role::Staff,
        org_name: "未央区政协",
    },
    DemoAccount {
        username: "member-wy-01",
        role: Role::Member,
        org_name: "未央宫街道",
    },
    DemoAccount {
        username: "handler-wy-scj",
        role: Role::DepartmentHandler,
        org_name: "未央区市场监督管理局",
    },
    // Issue 31 C: 碑林区's party organisation (party::demo).
    DemoAccount {
        username: "member-bl-p01",
        role: Role::Member,
        org_name: "南院门街道",
    },
    DemoAccount {
        username: "member-bl-secretary",
        role: Role::Member,
        org_name: "南院门街道",
    },
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: [&str; 24] = [
    "建国", "秀英", "志强", "丽华", "海涛", "雪梅", "文博", "静怡", "国栋", "晓燕", "振华", "春兰",
    "宏伟", "玉兰", "明辉", "淑芬", "立新", "红霞", "家乐", "慧敏", "永刚", "桂英", "子涵", "思远",
];

/// A fictional name for the n-th person.
fn person_name(n: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[n % SURNAMES.len()],
        GIVEN[(n * 7 + n / 20) % GIVEN.len()]
    )
}

struct Seeder<'a> {
    tx: &'a mut Tx,
    now: i64,
    hash: &'a str,
    people: usize,
}

impl Seeder<'_> {
    async fn org(
        &mut self,
        parent: Option<&Org>,
        kind: OrgKind,
        code: &str,
        name: &str,
    ) -> Result<Org> {
        let o = org::insert(self.tx, self.now, parent, kind, code, name).await?;
        audit::record(
            self.tx,
            self.now,
            Entry {
                actor: None,
                action: "org.create",
                entity: "org",
                entity_id: o.id.to_string(),
                org_id: Some(o.id),
                before: None,
                after: Some(json!({"kind": kind.code(), "code": code, "name": name, "seed": true})),
            },
        )
        .await?;
        Ok(o)
    }

    async fn pair(&mut self, grid: &Org, user_id: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO grid_pairs (grid_org_id, user_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(grid.id)
        .bind(user_id)
        .bind(self.now)
        .execute(&mut **self.tx)
        .await?;
        Ok(())
    }

    /// Puts a member's account on the body's roster, in a sector by turn.
    async fn roster(&mut self, body: &Org, street: &Org, user_id: i64, n: usize) -> Result<()> {
        const SECTORS: [&str; 8] = [
            "中国共产党",
            "民革",
            "无党派人士",
            "经济界",
            "教育界",
            "医药卫生界",
            "农业和农村界",
            "社会福利和社会保障界",
        ];
        let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut **self.tx)
            .await?;
        crate::roster::seed_member(
            self.tx,
            self.now,
            body.id,
            &format!("YL{n:03}"),
            &name,
            "第十届",
            SECTORS[n % SECTORS.len()],
            street.id,
            user_id,
            "2021-12-28",
        )
        .await
    }

    async fn person(&mut self, username: &str, role: Role, org: &Org) -> Result<i64> {
        let name = person_name(self.people);
        self.people += 1;
        let username = Username::parse(username).map_err(|e| Error::invalid("username", e))?;
        let id = user::insert(self.tx, self.now, &username, &name, self.hash, org.id).await?;
        user::insert_grant(self.tx, self.now, id, role, org.id).await?;
        audit::record(
            self.tx,
            self.now,
            Entry {
                actor: None,
                action: "user.create",
                entity: "user",
                entity_id: id.to_string(),
                org_id: Some(org.id),
                before: None,
                after: Some(
                    json!({"username": username.as_str(), "role": role.code(), "seed": true}),
                ),
            },
        )
        .await?;
        Ok(id)
    }
}

/// Refuses to seed a database that already holds organisation units.
async fn ensure_empty(tx: &mut Tx, key: &'static str, message: &'static str) -> Result<()> {
    let existing = sqlx::query("SELECT COUNT(*) AS n FROM orgs")
        .fetch_one(&mut **tx)
        .await?;
    if col::<i64>(&existing, "n")? > 0 {
        return Err(Error::field("database", key, message));
    }
    Ok(())
}

/// True once the sample city has been loaded.
pub async fn demo_loaded(db: &Db) -> Result<bool> {
    let row = sqlx::query("SELECT value FROM meta WHERE key = 'demo_loaded'")
        .fetch_optional(db.pool())
        .await?;
    Ok(row.is_some())
}

/// Loads the sample city unless it is there already. `password_hash` is the hash of
/// [`DEMO_PASSWORD`], computed once by the caller. Returns false when already loaded.
pub async fn load_demo(db: &Db, password_hash: &str) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let loaded = sqlx::query("SELECT value FROM meta WHERE key = 'demo_loaded'")
        .fetch_optional(&mut *tx)
        .await?;
    if loaded.is_some() {
        return Ok(false);
    }
    ensure_empty(
        &mut tx,
        "err.demo_not_empty",
        "the sample city only loads into an empty database",
    )
    .await?;
    let now = db.now_ms();
    let mut s = Seeder {
        tx: &mut tx,
        now,
        hash: password_hash,
        people: 0,
    };
    let city = s.org(None, OrgKind::City, "xa", "西安市政协").await?;
    s.person("admin", Role::Admin, &city).await?;
    s.person("overseer", Role::CityOverseer, &city).await?;
    // The city's staff: record the city's adoption of reports and its
    // leaders' instructions (issue 30).
    s.person("staff-city", Role::Staff, &city).await?;
    let mut yanliang = None;
    let mut beilin = None;
    for (code, name) in DISTRICTS {
        let d = s.org(Some(&city), OrgKind::District, code, name).await?;
        match code {
            "yanliang" => yanliang = Some(d),
            "beilin" => beilin = Some(d),
            _ => {}
        }
    }
    let yanliang = yanliang.ok_or(Error::NotFound)?;
    let beilin = beilin.ok_or(Error::NotFound)?;

    // Yanliang district: staff, leader, proposal committee.
    s.person("staff", Role::Staff, &yanliang).await?;
    s.person("leader", Role::Leader, &yanliang).await?;
    s.person("committee", Role::ProposalCommittee, &yanliang)
        .await?;

    // Guanshan street with its communities and a liaison officer.
    let guanshan = s
        .org(
            Some(&yanliang),
            OrgKind::Street,
            "yanliang-guanshan",
            "关山街道",
        )
        .await?;
    let mut guanshan_grids = Vec::new();
    for (i, name) in ["关山社区", "东刘社区", "北冯社区"].iter().enumerate() {
        let c = s
            .org(
                Some(&guanshan),
                OrgKind::Community,
                &format!("yanliang-guanshan-c{}", i + 1),
                name,
            )
            .await?;
        if i == 0 {
            for g in 1..=2 {
                let grid = s
                    .org(
                        Some(&c),
                        OrgKind::Grid,
                        &format!("yanliang-guanshan-g{g:02}"),
                        &format!("{name}第{g}网格"),
                    )
                    .await?;
                s.person(&format!("gw-gs-{g:02}"), Role::GridWorker, &grid)
                    .await?;
                guanshan_grids.push(grid);
            }
        }
    }
    s.person("liaison", Role::LiaisonOfficer, &guanshan).await?;
    // An invited informant (特邀信息员): submits opinion reports, nothing else.
    s.person("informant", Role::Informant, &guanshan).await?;
    // The member of the story: collects reports near the school and is paired
    // with Guanshan's grids.
    let gs_member = s.person("member-gs-01", Role::Member, &guanshan).await?;
    s.roster(&yanliang, &guanshan, gs_member, 1).await?;
    for g in &guanshan_grids {
        s.pair(g, gs_member).await?;
    }

    // Fenghuang street: three communities holding 39 grids, a grid worker each,
    // and 22 members.
    let fenghuang = s
        .org(
            Some(&yanliang),
            OrgKind::Street,
            "yanliang-fenghuang",
            "凤凰街道",
        )
        .await?;
    let communities = ["凤凰社区", "凤鸣社区", "凤翔社区"];
    let mut grid_no = 0;
    let mut fenghuang_grids = Vec::new();
    for (ci, cname) in communities.iter().enumerate() {
        let c = s
            .org(
                Some(&fenghuang),
                OrgKind::Community,
                &format!("yanliang-fenghuang-c{}", ci + 1),
                cname,
            )
            .await?;
        for gi in 1..=13 {
            grid_no += 1;
            let g = s
                .org(
                    Some(&c),
                    OrgKind::Grid,
                    &format!("yanliang-fenghuang-g{grid_no:02}"),
                    &format!("{cname}第{gi}网格"),
                )
                .await?;
            s.person(&format!("gw-fh-{grid_no:02}"), Role::GridWorker, &g)
                .await?;
            fenghuang_grids.push(g);
        }
    }
    // 22 members paired with the 39 grids in turn (some serve two).
    let mut members = Vec::new();
    for m in 1..=22 {
        let id = s
            .person(&format!("member-fh-{m:02}"), Role::Member, &fenghuang)
            .await?;
        s.roster(&yanliang, &fenghuang, id, m + 1).await?;
        members.push(id);
    }
    for (i, g) in fenghuang_grids.iter().enumerate() {
        s.pair(g, members[i % members.len()]).await?;
    }
    // The 凤凰路 member studio: the 22 members take Fridays in turn.
    crate::duty::studio::create_in(
        s.tx,
        s.now,
        fenghuang.id,
        "凤凰路委员工作室",
        &[chrono::Weekday::Fri],
        1,
        xieshang_core::duty::rota::OnHoliday::NextWorkingDay,
        &members,
    )
    .await?;

    // Departments that answer to the district, a school, a party organisation.
    let departments = [
        ("cgj", "阎良区城市管理和综合执法局"),
        ("swj", "阎良区水务局"),
        ("zjj", "阎良区住房和城乡建设局"),
        ("jyj", "阎良区教育局"),
        ("wjj", "阎良区卫生健康局"),
        ("jtj", "阎良区交通运输局"),
        ("scjgj", "阎良区市场监督管理局"),
    ];
    for (code, name) in departments {
        let d = s
            .org(
                Some(&yanliang),
                OrgKind::Department,
                &format!("yanliang-{code}"),
                name,
            )
            .await?;
        if code == "cgj" {
            s.person("handler", Role::DepartmentHandler, &d).await?;
        }
        // Handlers of the units a proposal on school-gate traffic goes to
        // (issue 29's story): the transport bureau leads, education co-handles.
        if code == "jtj" || code == "jyj" {
            s.person(&format!("handler-{code}"), Role::DepartmentHandler, &d)
                .await?;
        }
    }
    let school = s
        .org(
            Some(&yanliang),
            OrgKind::School,
            "yanliang-fhl-school",
            "阎良区凤凰路中学",
        )
        .await?;
    s.person("teacher", Role::Teacher, &school).await?;
    s.person("student", Role::Student, &school).await?;
    s.org(
        Some(&yanliang),
        OrgKind::Party,
        "yanliang-party",
        "阎良区政协机关党支部",
    )
    .await?;

    // A second district, so that isolation can be seen.
    s.person("staff-beilin", Role::Staff, &beilin).await?;
    s.org(
        Some(&beilin),
        OrgKind::Street,
        "beilin-nanyuanmen",
        "南院门街道",
    )
    .await?;
    s.org(
        Some(&beilin),
        OrgKind::Department,
        "beilin-cgj",
        "碑林区城市管理和综合执法局",
    )
    .await?;

    sqlx::query("INSERT INTO meta (key, value) VALUES ('demo_loaded', $1)")
        .bind(now.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // A database at an older schema (upgrade tests) has no consultations yet.
    let version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(db.pool())
        .await?;
    if version >= 28 {
        demo_consultations(db).await?;
    }
    if version >= 32 {
        demo_proposals(db).await?;
    }
    if version >= 43 {
        let (staff, member) = (
            demo_actor(db, "staff").await?,
            demo_actor(db, "member-gs-01").await?,
        );
        crate::study::demo(db, &staff, &member).await?;
        demo_reports(db).await?;
    }
    // --- issue 31 S: supervision demo (a call goes here) ---
    if version >= 47 {
        crate::supervision::demo::load(db, password_hash).await?;
    }

    // --- issue 31 P: best-practice demo (a call goes here) ---
    if version >= 49 {
        crate::practice::demo::demo(
            db,
            &demo_actor(db, "staff-city").await?,
            &demo_actor(db, "staff-beilin").await?,
        )
        .await?;
    }

    // --- issue 31 C: party organisation demo (a call goes here) ---
    if version >= 52 {
        crate::party::demo::load(db, password_hash).await?;
    }

    // h-locate begin
    if version >= 53 {
        demo_points(db).await?;
    }
    // h-locate end

    // --- end of issue 31 demo ---
    Ok(true)
}

// h-locate begin
/// Representative points of the demo's streets and communities (issue 26
/// point 5, decision 0049): near where 阎良区's 凤凰路 and 关山 and 碑林区's
/// 南院门 lie, a few hundred metres between communities, so the report
/// form's location button has somewhere to place a resident. Approximate,
/// for the demo; the grids have none (their community's stands for them).
pub const DEMO_POINTS: [(&str, f64, f64); 9] = [
    ("yanliang-guanshan", 34.7160, 109.3050),
    ("yanliang-guanshan-c1", 34.7180, 109.3080),
    ("yanliang-guanshan-c2", 34.7100, 109.3150),
    ("yanliang-guanshan-c3", 34.7260, 109.2990),
    ("yanliang-fenghuang", 34.6620, 109.2270),
    ("yanliang-fenghuang-c1", 34.6650, 109.2250),
    ("yanliang-fenghuang-c2", 34.6590, 109.2320),
    ("yanliang-fenghuang-c3", 34.6560, 109.2200),
    ("beilin-nanyuanmen", 34.2560, 108.9420),
];

async fn demo_points(db: &Db) -> Result<()> {
    let mut tx = db.begin_write().await?;
    for (code, lat, lng) in DEMO_POINTS {
        let id: i64 = sqlx::query_scalar("SELECT id FROM orgs WHERE code = $1")
            .bind(code)
            .fetch_one(&mut *tx)
            .await?;
        let p = xieshang_core::org::point::Point::new(lat, lng).ok_or(Error::NotFound)?;
        org::point::set_in(&mut tx, id, Some(p)).await?;
    }
    tx.commit().await?;
    Ok(())
}
// h-locate end

/// The sample city's opinion reports (issue 30), written through the
/// product's own functions, one at each step and level: adopted by the city
/// with a city leader's instruction; adopted nationally; used at the
/// district's own level and sent to the district's party committee; kept for
/// reference; in editing; and the informant's, waiting in the office's
/// queue. member-gs-01 has none, so the walk of issue 30's story starts from
/// a clean duty record.
async fn demo_reports(db: &Db) -> Result<()> {
    use crate::report::edit::{self, Decision};
    use crate::report::{self, levels, NewReport, Origin};
    use xieshang_core::report::{Level, RawInstruction, Text};
    let staff = demo_actor(db, "staff").await?;
    let city = demo_actor(db, "staff-city").await?;
    let submit = |who: &'static str, title: &'static str, matter: &'static str, group: bool| async move {
        let actor = demo_actor(db, who).await?;
        let new = NewReport {
            title,
            matter,
            for_group: group,
            origin: Origin::Scratch,
        };
        report::submit(db, &actor, &new).await
    };
    let used = |id: i64, title: &'static str, matter: &'static str| {
        let staff = staff.clone();
        async move {
            let text = Text {
                title: title.to_owned(),
                matter: matter.to_owned(),
            };
            edit::revise(db, &staff, id, &text).await?;
            edit::decide(db, &staff, id, Decision::Use, "").await
        }
    };

    // Adopted by the city, with a city leader's instruction.
    const MARKET: &str = "凤凰路早市每天清晨占用机动车道经营，摊位延伸至路口，\
                          早高峰时段车辆与行人混行，存在安全隐患。\n建议在凤凰路北侧\
                          空地划定临时经营区域，实行定时定点经营，并安排城管和交警错峰巡查。";
    let id = submit("member-fh-11", "凤凰路早市占道", MARKET, false).await?;
    used(id, "关于规范凤凰路早市占道经营的建议", MARKET).await?;
    levels::forward(db, &staff, id, Level::City).await?;
    levels::adopt(db, &city, id, Level::City, "市政协社情民意信息第3期").await?;
    let given_on = xieshang_core::calendar::cst_date(db.now_ms()).to_string();
    levels::instruct(
        db,
        &city,
        id,
        &RawInstruction {
            leader: "李副市长",
            level: "city",
            given_on: &given_on,
            text: "请市城管局会同阎良区政府研究落实。",
        },
    )
    .await?;

    // Adopted by the city and by the national CPPCC.
    const WELLS: &str = "阎良区部分农村地区仍有居民饮用自备井水，水质未定期检测，\
                         夏季偶有浑浊。\n建议将农村自备井纳入水质监测范围，\
                         逐步推进城乡供水一体化。";
    let id = submit("member-fh-12", "农村饮水安全", WELLS, false).await?;
    used(id, "关于加快推进农村供水一体化的建议", WELLS).await?;
    levels::forward(db, &staff, id, Level::City).await?;
    levels::adopt(db, &city, id, Level::City, "市政协社情民意信息第5期").await?;
    levels::forward(db, &staff, id, Level::National).await?;
    levels::adopt(
        db,
        &city,
        id,
        Level::National,
        "全国政协办公厅《社情民意信息》采用通知",
    )
    .await?;

    // Used at the district's own level, sent to the district's party committee,
    // on behalf of 凤凰街道's member group.
    const MEALS: &str = "凤凰社区60岁以上老人约1,200人，独居老人吃饭难问题突出，\
                         社区目前没有助餐点。\n建议依托社区服务中心开设老年助餐点，\
                         对高龄、独居老人给予用餐补贴。";
    let id = submit("member-fh-13", "老年助餐", MEALS, true).await?;
    used(id, "关于在凤凰社区增设老年助餐点的建议", MEALS).await?;
    levels::forward(db, &staff, id, Level::Party).await?;

    // Kept for reference.
    let id = submit(
        "member-fh-14",
        "快递柜收费",
        "部分小区快递柜超时收费标准不一，居民意见较大。建议规范收费公示。",
        false,
    )
    .await?;
    edit::decide(db, &staff, id, Decision::Keep, "已转相关部门参考").await?;

    // In editing.
    let id = submit(
        "member-fh-15",
        "背街小巷路灯",
        "凤翔社区三条背街小巷路灯损坏已逾两月，夜间出行不便。建议尽快修复并建立巡查机制。",
        false,
    )
    .await?;
    edit::take_up(db, &staff, id).await?;

    // The informant's, waiting for the office.
    submit(
        "informant",
        "关山街道菜市场周边停车难",
        "关山街道菜市场周边没有规划停车位，早晚车辆乱停，影响通行。建议利用周边闲置地块设置临时停车场。",
        false,
    )
    .await?;
    Ok(())
}

/// The sample city's proposals (issue 29), written through the product's
/// own functions: 阎良区's current term (第十届, five years up to next
/// January) with a session each January, and proposals in different states:
/// two filed and waiting for the committee, one accepted (第1号 of this
/// year's session), one not accepted, and a draft whose co-signer
/// (member-fh-01) has not answered yet; and one of last year's session,
/// answered and rated ([`last_years_proposal`]).
async fn demo_proposals(db: &Db) -> Result<()> {
    use crate::proposal::{self, review, settings};
    use xieshang_core::proposal::Text;
    let user = |name: &'static str| demo_actor(db, name);
    let staff = user("staff").await?;
    let committee = user("committee").await?;
    let yanliang = crate::org::by_code_unchecked(db, "yanliang").await?;
    let year = chrono::Datelike::year(&xieshang_core::calendar::cst_date(db.now_ms()));
    let term = settings::create_term(
        db,
        &staff,
        yanliang.id,
        "第十届",
        &format!("{}-01-06", year - 4),
        &format!("{}-01-31", year + 1),
    )
    .await?;
    for (k, name) in [
        "第一次会议",
        "第二次会议",
        "第三次会议",
        "第四次会议",
        "第五次会议",
    ]
    .iter()
    .enumerate()
    {
        let y = year - 4 + k as i32;
        settings::create_session(
            db,
            &staff,
            term,
            name,
            &format!("{y}-01-08"),
            &format!("{y}-01-11"),
        )
        .await?;
    }
    let categories = settings::entries(db, yanliang.id, settings::List::Category, false).await?;
    let category = |name: &str| categories.iter().find(|c| c.name == name).map(|c| c.id);
    let grounds = settings::entries(db, yanliang.id, settings::List::Ground, false).await?;
    let refused = crate::item::TransitionError::into_store;
    // (author, co-signer, category, title, situation, analysis, suggestions)
    let drafts = [
        (
            "member-fh-01",
            Some("member-fh-02"),
            "城乡建设",
            "关于加强学校周边交通安全管理的建议",
            "西飞第二中学、凤凰路中学门前道路上下学时段人车混行，路口缺少人行横道和限速标志。",
            "学校周边交通设施由交通、城管、教育等多个部门分管，缺少统筹，家长接送车辆无处停放。",
            "一、在学校周边路口施划人行横道、设置限速标志；二、上下学时段安排交警和志愿者护学；三、规划建设家长接送停车区。",
        ),
        (
            "member-fh-02",
            None,
            "城乡建设",
            "关于推进老旧小区加装电梯的建议",
            "我区2000年以前建成的老旧小区多为六层以下住宅，老年住户上下楼困难。",
            "加装电梯涉及全体业主意见统一、资金分摊和管线迁改，审批环节多。",
            "一、简化加装电梯审批流程；二、对低楼层住户给予适当补偿；三、财政给予每部电梯定额补贴。",
        ),
        (
            "member-fh-03",
            None,
            "社会事业",
            "关于完善社区养老服务站功能的建议",
            "全区社区养老服务站已覆盖多数社区，但服务内容以文体活动为主。",
            "助餐、助浴、医疗服务供给不足，专业护理人员缺乏。",
            "一、推动养老服务站与社区卫生服务中心签约合作；二、发展老年助餐点；三、加强护理人员培训。",
        ),
        (
            "member-fh-04",
            None,
            "其他",
            "关于解决本人小区物业纠纷的建议",
            "本人所住小区物业公司收费后服务不到位。",
            "业主与物业公司之间存在合同纠纷。",
            "请有关部门责令物业公司退还本人多交的物业费。",
        ),
        (
            "member-gs-01",
            Some("member-fh-01"),
            "教育文化",
            "关于加强中小学生心理健康教育的建议",
            "近年来中小学生心理问题呈上升趋势。",
            "",
            "",
        ),
    ];
    let mut ids = Vec::new();
    for (author, cosigner, cat, title, situation, analysis, suggestions) in drafts {
        let author = user(author).await?;
        let text = Text {
            title: title.into(),
            situation: situation.into(),
            analysis: analysis.into(),
            suggestions: suggestions.into(),
        };
        let id = proposal::create_draft(db, &author, &text, category(cat)).await?;
        if let Some(c) = cosigner {
            let c = user(c).await?;
            proposal::invite(db, &author, id, c.user_id).await?;
            if suggestions.is_empty() {
                // The draft still being written waits for its co-signer.
                ids.push(id);
                continue;
            }
            proposal::answer(db, &c, id, true).await?;
        }
        proposal::file(db, &author, id).await.map_err(refused)?;
        ids.push(id);
    }
    review::decide(
        db,
        &committee,
        ids[2],
        review::Decision::Accept { category: None },
    )
    .await
    .map_err(refused)?;
    review::decide(
        db,
        &committee,
        ids[3],
        review::Decision::NotAccept {
            ground: grounds.first().map(|g| g.id).ok_or(Error::NotFound)?,
            note: "所提事项属于个人权益诉求，建议通过12345热线或法律途径解决。",
        },
    )
    .await
    .map_err(refused)?;
    // A resident's lead waiting for a member (no contact: the demo may run
    // without a personal-data key).
    let body = settings::body_of(db, &committee_path(&committee)?).await?;
    crate::proposal::leads::send(
        db,
        None,
        &crate::proposal::leads::NewLead {
            body: Some(body.id),
            title: "凤凰路农贸市场周边早晚占道经营",
            text: "凤凰路农贸市场周边早晚摊点占道，车辆通行困难，希望规划便民疏导点，既方便群众买菜又不影响交通。",
            contact: "",
        },
    )
    .await?;
    last_years_proposal(db, year, category("城乡建设")).await
}

/// member-fh-01's proposal of last year's session on the same school gates,
/// accepted, answered class B (planned) by the transport bureau and rated
/// basically satisfied: what a new draft on the matter shows as a similar
/// past proposal with its reply (issue 29's story). Written through the
/// product's functions on a clock set to last year's plenary; she did not
/// choose to make it public.
async fn last_years_proposal(db: &Db, year: i32, category: Option<i64>) -> Result<()> {
    use crate::proposal::{self, handle, review};
    use std::sync::atomic::AtomicI64;
    use std::sync::Arc;
    const DAY: i64 = 86_400_000;
    let refused = crate::item::TransitionError::into_store;
    // 10:00 in Xi'an on the second day of last year's plenary.
    let start = chrono::NaiveDate::from_ymd_opt(year - 1, 1, 9)
        .and_then(|d| d.and_hms_opt(2, 0, 0))
        .ok_or(Error::NotFound)?
        .and_utc()
        .timestamp_millis();
    let clock = crate::db::Clock::Manual(Arc::new(AtomicI64::new(start)));
    let past = db.clone().with_clock(clock.clone());
    let fh1 = demo_actor(db, "member-fh-01").await?;
    let committee = demo_actor(db, "committee").await?;
    let handler = demo_actor(db, "handler-jtj").await?;
    let jtj = crate::org::by_code_unchecked(db, "yanliang-jtj").await?;
    let text = xieshang_core::proposal::Text {
        title: "关于在凤凰路中学门前设置限速标志的建议".into(),
        situation: "凤凰路中学门前道路车速快，上下学时段学生过街危险。".into(),
        analysis: "学校门前没有限速标志和减速带，也没有人行横道。".into(),
        suggestions: "一、设置限速标志和减速带；二、施划人行横道。".into(),
    };
    let id = proposal::create_draft(&past, &fh1, &text, category).await?;
    proposal::file(&past, &fh1, id).await.map_err(refused)?;
    clock.advance_ms(DAY);
    review::decide(
        &past,
        &committee,
        id,
        review::Decision::Accept { category: None },
    )
    .await
    .map_err(refused)?;
    clock.advance_ms(DAY);
    let cal = xieshang_core::calendar::Calendar::builtin();
    handle::assign(
        &past,
        &cal,
        &committee,
        id,
        handle::Mode::Joint,
        jtj.id,
        &[],
    )
    .await
    .map_err(refused)?;
    clock.advance_ms(30 * DAY);
    handle::contact(
        &past,
        &handler,
        id,
        "phone",
        "电话沟通，说明需纳入道路改造计划统筹。",
    )
    .await?;
    let doc = format!("阎交函〔{}〕8号", year - 1);
    handle::reply(
        &past,
        &handler,
        id,
        &handle::NewReply {
            doc_number: &doc,
            class: "B",
            body: "已将凤凰路中学门前限速标志和减速带列入下一年度道路改造计划。",
        },
    )
    .await
    .map_err(refused)?;
    clock.advance_ms(7 * DAY);
    handle::evaluate(
        &past,
        &cal,
        &fh1,
        id,
        &handle::NewEvaluation {
            rating: "basically_satisfied",
            consulted: "satisfied",
            comment: "希望尽快落实。",
        },
    )
    .await
    .map_err(refused)?;
    // The year since: the worker has run that round's deadline stages
    // (nothing to do for a proposal done), so none is left waiting.
    crate::jobs::Worker {
        db: db.clone(),
        calendar: cal,
        policy: Default::default(),
        mailer: None,
        base_url: String::new(),
        sealer: None,
        retention_days: crate::jobs::DEFAULT_RETENTION_DAYS,
        webhook_policy: Default::default(),
    }
    .run_until_idle()
    .await?;
    Ok(())
}

/// The unit the committee's first grant is over (its body).
fn committee_path(committee: &xieshang_core::Actor) -> Result<xieshang_core::OrgPath> {
    committee
        .grants
        .first()
        .map(|g| g.org_path.clone())
        .ok_or(Error::NotFound)
}

/// The signed-in actor of a demo account.
async fn demo_actor(db: &Db, username: &str) -> Result<xieshang_core::Actor> {
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(db.pool())
        .await?;
    crate::account::user::actor(db, id).await
}

/// The sample city's consultations (issue 28), written through the product's
/// own functions: 关山街道's 多商量议事室, this year's plan, a consultation
/// held three days ago on the road by 西飞第二中学 with its two agreed actions
/// (one done), and one called for three weeks ahead.
async fn demo_consultations(db: &Db) -> Result<()> {
    use crate::consult::{self, action, room, Invitee, NewConsultation, ParticipantRole};
    use chrono::TimeZone;
    const DAY: i64 = 86_400_000;
    let user = |name: &'static str| demo_actor(db, name);
    let staff = user("staff").await?;
    let member = user("member-gs-01").await?;
    let guanshan = crate::org::by_code_unchecked(db, "yanliang-guanshan").await?;
    let cgj = crate::org::by_code_unchecked(db, "yanliang-cgj").await?;
    let zjj = crate::org::by_code_unchecked(db, "yanliang-zjj").await?;
    let cal = xieshang_core::calendar::Calendar::builtin();
    let now = db.now_ms();
    let today = xieshang_core::calendar::cst_date(now);
    // 09:30 in Beijing, `days` from today.
    let at = |days: i64| -> i64 {
        let d = today + chrono::Duration::days(days);
        chrono::FixedOffset::east_opt(8 * 3600)
            .and_then(|tz| {
                d.and_hms_opt(9, 30, 0)
                    .and_then(|t| tz.from_local_datetime(&t).single())
            })
            .map_or(now + days * DAY, |t| t.timestamp_millis())
    };
    let room = room::create(db, &staff, guanshan.id, "多商量议事室", 30).await?;
    let year = i64::from(chrono::Datelike::year(&today));
    let mut plan = Vec::new();
    for (q, topic) in [
        (1, "老旧小区加装电梯"),
        (2, "背街小巷照明"),
        (3, "学校周边交通安全"),
        (4, "社区养老服务站建设"),
    ] {
        plan.push(consult::plan_add(db, &staff, guanshan.id, year, q, topic).await?);
    }
    // Held three days ago (called three weeks before): the product's clock
    // set back for its steps. Every deadline of its actions lies ahead, so
    // the demo starts with no job due.
    let past = db
        .clone()
        .with_clock(crate::db::Clock::Manual(std::sync::Arc::new(
            std::sync::atomic::AtomicI64::new(now - 30 * DAY),
        )));
    let held = consult::convene(
        &past,
        &cal,
        &staff,
        &NewConsultation {
            org_id: guanshan.id,
            kind: "grassroots",
            topic: "西飞第二中学门前道路修复",
            description: "居民反映学校门前路面破损、路口缺少人行横道标志，学生上学不安全。",
            starts_at: at(-3),
            ends_at: at(-3) + 2 * 3_600_000,
            room_id: Some(room.id),
            place: None,
            concerns: &[],
            plan_id: Some(plan[2]),
            short_notice_ok: true,
        },
    )
    .await?;
    for (unit, who) in [(cgj.id, "王科长"), (zjj.id, "李科长")] {
        consult::invite(
            &past,
            None,
            &staff,
            held,
            &Invitee::Unit {
                org_id: unit,
                representative: who,
            },
        )
        .await?;
    }
    consult::invite(
        &past,
        None,
        &staff,
        held,
        &Invitee::Person {
            role: ParticipantRole::Member,
            user_id: member.user_id,
        },
    )
    .await?;
    consult::add_agenda(&past, &staff, held, "居民代表介绍情况").await?;
    consult::add_agenda(&past, &staff, held, "部门说明修复方案").await?;
    past.clock()
        .advance_ms(at(-3) - (now - 30 * DAY) + 3_600_000);
    // Everyone came; the member spoke.
    let parts = consult::participants(&past, held).await?;
    let present: Vec<i64> = parts.iter().map(|p| p.id).collect();
    let spoke: Vec<i64> = parts
        .iter()
        .filter(|p| p.user_id == Some(member.user_id))
        .map(|p| p.id)
        .collect();
    consult::hold(
        &past,
        &staff,
        held,
        "与会各方同意：区住建局修复学校门前路面；区城管局在路口增设人行横道标志。",
        &present,
        &spoke,
    )
    .await
    .map_err(|e| match e {
        crate::item::TransitionError::Store(e) => e,
        crate::item::TransitionError::Refused(_) => Error::NotFound,
    })?;
    let sign = action::add(
        &past,
        &cal,
        &staff,
        held,
        Some(cgj.id),
        "在学校路口增设人行横道标志",
        "",
        Some(5),
    )
    .await?;
    action::add(
        &past,
        &cal,
        &staff,
        held,
        Some(zjj.id),
        "修复西飞第二中学门前路面",
        "",
        Some(20),
    )
    .await?;
    past.clock().advance_ms(DAY);
    action::act(&past, &staff, sign, "resolve", "标志已设置")
        .await
        .map_err(|e| match e {
            crate::item::TransitionError::Store(e) => e,
            crate::item::TransitionError::Refused(_) => Error::NotFound,
        })?;
    // The held meeting's reminder went out the working day before it, in
    // the demo's past: nothing of it is left for the worker.
    sqlx::query("UPDATE jobs SET done_at = run_at WHERE kind = $1 AND run_at <= $2")
        .bind(consult::notice::REMINDER_JOB)
        .bind(now)
        .execute(db.pool())
        .await?;
    // Coming in three weeks.
    consult::convene(
        db,
        &cal,
        &staff,
        &NewConsultation {
            org_id: guanshan.id,
            kind: "grassroots",
            topic: "背街小巷照明",
            description: "东刘社区几条小巷夜间没有路灯。",
            starts_at: at(21),
            ends_at: at(21) + 2 * 3_600_000,
            room_id: Some(room.id),
            place: None,
            concerns: &[],
            plan_id: Some(plan[1]),
            short_notice_ok: true,
        },
    )
    .await?;
    Ok(())
}

/// Creates the root unit and a first admin in an empty database.
pub async fn bootstrap(
    db: &Db,
    root_code: &str,
    root_name: &str,
    username: &str,
    password_hash: &str,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    ensure_empty(
        &mut tx,
        "err.bootstrap_not_empty",
        "bootstrap only runs on an empty database",
    )
    .await?;
    let now = db.now_ms();
    let mut s = Seeder {
        tx: &mut tx,
        now,
        hash: password_hash,
        people: 0,
    };
    let root = s.org(None, OrgKind::City, root_code, root_name).await?;
    s.person(username, Role::Admin, &root).await?;
    tx.commit().await?;
    Ok(())
}
