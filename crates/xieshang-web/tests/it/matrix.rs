//! The isolation matrix. It walks every registered route (the registry is the
//! router, so a new route joins by construction) and proves, for each one that
//! reads or changes data:
//! - a role without the right gets 403 on a route without a record, and 404 on
//!   a record it may not see, byte for byte the answer for an id that does not
//!   exist (decision 0018: ids are sequential, so any difference would count
//!   the records it may not see);
//! - a role that sees the record but may not do this gets 403;
//! - staff of one district get that same 404 on another district's records, and
//!   the database does not change;
//! - staff of the record's own district do get through (so the check can fail).
//!   A POST route needs a sample form below; without one its body is refused with
//!   400 and the matrix fails, which is how a new route is caught.

use crate::app::TestApp;
use axum::http::StatusCode;
use xieshang_core::{Permission, Role};
use xieshang_web::{Access, Target};

struct Side {
    org: i64,
    concern: i64,
    /// Fresh concerns for the routes that move one (each needs its own state).
    for_route: Vec<(&'static str, i64)>,
    /// Tracking code of a concern another may be merged into.
    survivor: String,
    /// A department of the side.
    department: i64,
    /// Code of the area its concerns are in.
    area_code: &'static str,
    parent_org: i64,
    user: i64,
    grant: i64,
    /// A name that belongs to this side only, for list pages.
    marker: &'static str,
    /// A member studio of the side, two of its shifts, and a later range.
    studio: i64,
    shifts: (i64, i64),
    later: (String, String),
    /// A member on the roster, in the side's street group, and the side's code.
    member: i64,
    org_code: &'static str,
    /// A consultation of the side's unit (called, not held) and its room.
    consultation: i64,
    room: i64,
    /// Fresh consultations for the routes that move one.
    consult_for_route: Vec<(&'static str, i64)>,
    /// A material of the side's consultation.
    material: i64,
    /// The side's body's proposals: one filed (titled with the marker), one
    /// filed for the review route; its term, a category, a day in its term.
    proposal: i64,
    proposal_for_review: i64,
    proposal_for_assign: i64,
    /// Proposals in the state each handling route needs (issue 29 A).
    proposal_for_route: Vec<(&'static str, i64)>,
    term: i64,
    entry: i64,
    this_year: i32,
    /// Key proposals (issue 29 point 8): the marker proposal, a candidate
    /// in an open ballot of its session and a key proposal supervised by
    /// the district's leader; the ballot, the session, the leader.
    key: (i64, i64, i64, i64),
    // h-audit begin
    /// The side's latest audit row (of its own unit).
    audit_entry: i64,
    // h-audit end
}

/// The side's proposals (issue 29): its body's term (the demo has
/// Yanliang's; another body gets one), a category named with the marker
/// (the settings page lists it), and four proposals filed by a member of the
/// body: one titled with the marker (the committee's queue lists it), one
/// for the review route, one accepted for the assignment route, and one
/// titled with the marker assigned to the side's department (its queue
/// lists it).
async fn side_proposals(
    app: &TestApp,
    staff: &xieshang_core::Actor,
    (body, street, department): (i64, i64, i64),
    marker: &'static str,
) -> (
    i64,
    i64,
    i64,
    i64,
    i64,
    i32,
    (i64, i64, i64, i64),
    Vec<(&'static str, i64)>,
) {
    use xieshang_store::proposal::{self, settings};
    let year = chrono::Datelike::year(&xieshang_core::calendar::cst_date(app.t.db.now_ms()));
    let term = match settings::terms(&app.t.db, body).await.unwrap().first() {
        Some(t) => t.id,
        None => {
            let t = settings::create_term(
                &app.t.db,
                staff,
                body,
                "第十届",
                &format!("{}-01-06", year - 4),
                &format!("{}-01-31", year + 1),
            )
            .await
            .unwrap();
            settings::create_session(
                &app.t.db,
                staff,
                t,
                "第一次会议",
                &format!("{}-01-08", year - 4),
                &format!("{}-01-11", year - 4),
            )
            .await
            .unwrap();
            t
        }
    };
    let entry = settings::add_entry(&app.t.db, staff, body, settings::List::Category, marker)
        .await
        .unwrap();
    // A member of the body who is no one else's in the matrix.
    let admin = actor(app, "admin").await;
    let name = format!("matrix-member-{body}");
    let member = xieshang_store::account::user::create(
        &app.t.db,
        &admin,
        &name,
        "矩阵委员",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        street,
    )
    .await
    .unwrap();
    xieshang_store::account::user::grant(&app.t.db, &admin, member, Role::Member, street)
        .await
        .unwrap();
    let member = xieshang_store::account::user::actor(&app.t.db, member)
        .await
        .unwrap();
    // An opinion report titled with the marker (issue 30): the office's
    // queue lists it.
    xieshang_store::report::submit(
        &app.t.db,
        &member,
        &xieshang_store::report::NewReport {
            title: marker,
            matter: "矩阵社情民意",
            for_group: false,
            origin: xieshang_store::report::Origin::Scratch,
        },
    )
    .await
    .unwrap();
    let committee = xieshang_store::account::user::create(
        &app.t.db,
        &admin,
        &format!("matrix-committee-{body}"),
        "矩阵提案委",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        body,
    )
    .await
    .unwrap();
    xieshang_store::account::user::grant(
        &app.t.db,
        &admin,
        committee,
        Role::ProposalCommittee,
        body,
    )
    .await
    .unwrap();
    let committee = xieshang_store::account::user::actor(&app.t.db, committee)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for title in [marker, "矩阵提案", "矩阵交办", marker] {
        let text = xieshang_core::proposal::Text {
            title: title.into(),
            situation: "矩阵".into(),
            analysis: "矩阵".into(),
            suggestions: "矩阵建议".into(),
        };
        let id = proposal::create_draft(&app.t.db, &member, &text, Some(entry))
            .await
            .unwrap();
        proposal::file(&app.t.db, &member, id).await.unwrap();
        ids.push(id);
    }
    for id in &ids[2..] {
        let accept = proposal::review::Decision::Accept { category: None };
        proposal::review::decide(&app.t.db, &committee, *id, accept)
            .await
            .unwrap();
    }
    let cal = xieshang_core::calendar::Calendar::builtin();
    proposal::assign::assign(&app.t.db, &cal, &committee, ids[3], department, &[])
        .await
        .unwrap();
    // The assigned marker proposal: a candidate in an open ballot, and (as
    // if chosen before) a key proposal the district's leader supervises.
    let key = proposal::key::nominate(&app.t.db, &committee, ids[3]).await;
    key.unwrap();
    let session = proposal::get(
        &app.t.db,
        &committee,
        xieshang_core::Permission::ProposalView,
        ids[3],
    )
    .await
    .unwrap()
    .session_id
    .unwrap();
    let now = app.t.db.now_ms();
    let ballot = proposal::key::open_ballot(
        &app.t.db,
        &committee,
        session,
        Some(1),
        now + 30 * 86_400_000,
    )
    .await
    .unwrap();
    let leader: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'leader'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE proposals SET key_at = $1, supervisor_id = $2 WHERE id = $3")
        .bind(now)
        .bind(leader)
        .bind(ids[3])
        .execute(app.t.db.pool())
        .await
        .unwrap();
    let for_route =
        handling_proposals(app, &member, &committee, body, department, entry, marker).await;
    (
        ids[0],
        ids[1],
        ids[2],
        term,
        entry,
        year,
        (ids[3], ballot, session, leader),
        for_route,
    )
}

/// A proposal of the side for each handling route (issue 29 A), in the
/// state the route needs: assigned to the side's department (as a
/// co-handling unit for the opinion), contacted for the reply, with an
/// extension asked for the committee's decision, replied for closing.
async fn handling_proposals(
    app: &TestApp,
    member: &xieshang_core::Actor,
    committee: &xieshang_core::Actor,
    body: i64,
    department: i64,
    entry: i64,
    marker: &str,
) -> Vec<(&'static str, i64)> {
    use xieshang_store::proposal::{self, handle};
    let db = &app.t.db;
    let cal = xieshang_core::calendar::Calendar::builtin();
    let admin = actor(app, "admin").await;
    let handler = xieshang_store::account::user::create(
        db,
        &admin,
        &format!("matrix-handler-{department}"),
        "矩阵承办人",
        "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        department,
    )
    .await
    .unwrap();
    xieshang_store::account::user::grant(db, &admin, handler, Role::DepartmentHandler, department)
        .await
        .unwrap();
    let handler = xieshang_store::account::user::actor(db, handler)
        .await
        .unwrap();
    let other = proposal::assign::units_of_body(db, body)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| *id != department);
    let until = xieshang_core::proposal::handling::add_months(
        xieshang_core::calendar::cst_date(db.now_ms()),
        4,
    )
    .format("%Y-%m-%d")
    .to_string();
    let mut out = Vec::new();
    for route in [
        "/proposals/{id}/object",
        "/proposals/{id}/opinion",
        "/proposals/{id}/contact",
        "/proposals/{id}/reply",
        "/proposals/{id}/extension",
        "/proposals/{id}/extension/decide",
        "/proposals/{id}/close",
        // Closed, titled with the marker: the unit's closed list shows it.
        "closed",
    ] {
        let text = xieshang_core::proposal::Text {
            title: if route == "closed" {
                marker
            } else {
                "矩阵办理"
            }
            .into(),
            situation: "矩阵".into(),
            analysis: "矩阵".into(),
            suggestions: "矩阵建议".into(),
        };
        let id = proposal::create_draft(db, member, &text, Some(entry))
            .await
            .unwrap();
        proposal::file(db, member, id).await.unwrap();
        let accept = proposal::review::Decision::Accept { category: None };
        proposal::review::decide(db, committee, id, accept)
            .await
            .unwrap();
        let (lead, co) = match (route, other) {
            ("/proposals/{id}/opinion", Some(o)) => (o, vec![department]),
            _ => (department, vec![]),
        };
        handle::assign(db, &cal, committee, id, handle::Mode::Joint, lead, &co)
            .await
            .unwrap();
        if matches!(
            route,
            "/proposals/{id}/reply" | "/proposals/{id}/close" | "closed"
        ) {
            handle::contact(db, &handler, id, "phone", "矩阵沟通")
                .await
                .unwrap();
        }
        if matches!(route, "/proposals/{id}/close" | "closed") {
            let r = handle::NewReply {
                doc_number: "矩阵1号",
                class: "B",
                body: "矩阵答复",
            };
            handle::reply(db, &handler, id, &r).await.unwrap();
        }
        if route == "closed" {
            handle::close(db, committee, id, "矩阵办结").await.unwrap();
            continue;
        }
        if route == "/proposals/{id}/extension/decide" {
            handle::request_extension(db, &cal, &handler, id, &until, "矩阵延期")
                .await
                .unwrap();
        }
        out.push((route, id));
    }
    out
}

/// The date an extension asks for in the sample form: four months on.
fn extension_until() -> String {
    xieshang_core::proposal::handling::add_months(
        xieshang_core::calendar::cst_date(chrono::Utc::now().timestamp_millis()),
        4,
    )
    .format("%Y-%m-%d")
    .to_string()
}

/// A PDF for the routes that take a consultation's material.
const MATERIAL_PDF: &[u8] = b"%PDF-1.7\n%%EOF";

/// A consultation of the side called through the product: `state` is
/// `convened` (its meeting a day ahead), `started` (convened, its meeting
/// begun, so minutes may be recorded), `held`, or `done` (held, its one
/// agreed action done, so it may close).
async fn side_consultation(
    app: &TestApp,
    staff: &xieshang_core::Actor,
    org: i64,
    department: i64,
    topic: &str,
    room: Option<i64>,
    state: &str,
) -> i64 {
    use xieshang_store::consult;
    let now = app.t.db.now_ms();
    // A slot of its own in the room (each call a day further on).
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consultations")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    let starts = now + (n + 1) * 86_400_000 + 3_600_000;
    let id = consult::convene(
        &app.t.db,
        &app.state.calendar,
        staff,
        &consult::NewConsultation {
            org_id: org,
            kind: "grassroots",
            topic,
            description: "",
            starts_at: starts,
            ends_at: starts + 3_600_000,
            room_id: room,
            place: Some("矩阵会议室"),
            concerns: &[],
            plan_id: None,
            short_notice_ok: true,
        },
    )
    .await
    .unwrap();
    if state == "convened" {
        return id;
    }
    // Its meeting began an hour ago.
    sqlx::query("UPDATE consultations SET starts_at = $1 WHERE id = $2")
        .bind(now - 3_600_000)
        .bind(id)
        .execute(app.t.db.pool())
        .await
        .unwrap();
    if state == "started" {
        return id;
    }
    consult::hold(&app.t.db, staff, id, "矩阵纪要", &[], &[])
        .await
        .unwrap();
    if state == "held" {
        return id;
    }
    let a = consult::action::add(
        &app.t.db,
        &app.state.calendar,
        staff,
        id,
        Some(department),
        topic,
        "",
        Some(5),
    )
    .await
    .unwrap();
    consult::action::act(&app.t.db, staff, a, "resolve", "矩阵完成")
        .await
        .unwrap();
    id
}

async fn new_concern(app: &TestApp, area: i64) -> (i64, String) {
    xieshang_store::concern::record(
        &app.t.db,
        xieshang_store::item::By::Resident,
        xieshang_store::testing::web_concern(area, "road", "矩阵事项", "用于隔离测试"),
    )
    .await
    .unwrap()
}

async fn actor(app: &TestApp, username: &str) -> xieshang_core::Actor {
    xieshang_store::account::user::actor(&app.t.db, app.user_id(username).await)
        .await
        .unwrap()
}

#[allow(clippy::too_many_arguments)]
async fn side(
    app: &TestApp,
    org: &'static str,
    parent: &str,
    user: &str,
    concern_area: &'static str,
    marker: &'static str,
    staff: &str,
    department: &str,
) -> Side {
    use xieshang_core::item::CONCERN;
    use xieshang_store::item::{transition, By};
    let area = app.org_id(concern_area).await;
    let (concern, _) = new_concern(app, area).await;
    let staff = actor(app, staff).await;
    let department = app.org_id(department).await;
    let mut for_route = Vec::new();
    for path in [
        "/concerns/{id}/transition",
        "/concerns/{id}/merge",
        "/concerns/{id}/convert",
        "/concerns/{id}/assign",
        "/concerns/{id}/handle",
    ] {
        let (id, _) = new_concern(app, area).await;
        if path.ends_with("assign") || path.ends_with("handle") {
            transition(
                &app.t.db,
                &CONCERN,
                id,
                xieshang_core::item::Action::Accept,
                By::User(&staff),
                None,
                &[],
            )
            .await
            .unwrap();
        }
        if path.ends_with("handle") {
            xieshang_store::concern::triage::assign(
                &app.t.db,
                &app.state.calendar,
                &app.state.config.policy,
                &staff,
                id,
                &[department],
                department,
                None,
            )
            .await
            .unwrap();
        }
        for_route.push((path, id));
    }
    let (_, survivor) = new_concern(app, area).await;
    let user_id = app.user_id(user).await;
    let grant: i64 = sqlx::query_scalar("SELECT id FROM grants WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    // A studio in the side's unit with two members and a fortnight of Mondays.
    let org_id = app.org_id(org).await;
    let studio = xieshang_store::duty::studio::create(
        &app.t.db,
        org_id,
        marker,
        &[
            chrono::Weekday::Mon,
            chrono::Weekday::Tue,
            chrono::Weekday::Wed,
            chrono::Weekday::Thu,
            chrono::Weekday::Fri,
            chrono::Weekday::Sat,
            chrono::Weekday::Sun,
        ],
        1,
        xieshang_core::duty::rota::OnHoliday::Skip,
        &[
            user_id,
            if user_id == staff.user_id {
                app.user_id("admin").await
            } else {
                staff.user_id
            },
        ],
    )
    .await
    .unwrap();
    // A fortnight from today (the rota only plans from today on).
    let today = xieshang_core::calendar::cst_date(app.t.db.now_ms());
    let at = |n: u64| today.checked_add_days(chrono::Days::new(n)).unwrap();
    let ymd = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    xieshang_store::duty::studio::generate(
        &app.t.db,
        &app.state.calendar,
        &staff,
        studio,
        at(0),
        at(13),
        xieshang_store::duty::studio::Regenerate::Keep,
    )
    .await
    .unwrap();
    let sh = xieshang_store::duty::studio::shifts(&app.t.db, studio, &ymd(at(0)), &ymd(at(13)))
        .await
        .unwrap();
    let member = xieshang_store::roster::add(
        &app.t.db,
        app.state.sealer.as_deref(),
        &staff,
        org_id,
        &xieshang_store::roster::Fields {
            code: format!("M-{marker}"),
            name: "矩阵委员".into(),
            term: "第十届".into(),
            sector: "经济界".into(),
            street_group: org.into(),
            phone: "13812345678".into(),
            ..Default::default()
        },
        "矩阵",
    )
    .await
    .unwrap();
    let room = xieshang_store::consult::room::create(&app.t.db, &staff, org_id, marker, 20)
        .await
        .unwrap()
        .id;
    let consultation = side_consultation(
        app,
        &staff,
        org_id,
        department,
        marker,
        Some(room),
        "convened",
    )
    .await;
    // Its outcome list shows the side's marker: an agreed action so named.
    side_consultation(app, &staff, org_id, department, marker, None, "done").await;
    let mut consult_for_route = Vec::new();
    for (path, state) in [
        ("/consultations/{id}/hold", "started"),
        ("/consultations/{id}/actions", "held"),
        ("/consultations/{id}/close", "done"),
        ("/consultations/{id}/cancel", "convened"),
    ] {
        let id = side_consultation(app, &staff, org_id, department, "矩阵协商", None, state).await;
        consult_for_route.push((path, id));
    }
    let material = xieshang_store::consult::material::add(
        &app.t.db,
        &staff,
        consultation,
        marker,
        &xieshang_store::consult::material::check("矩阵.pdf", MATERIAL_PDF.to_vec()).unwrap(),
    )
    .await
    .unwrap();
    let ids = (app.org_id(parent).await, org_id, department);
    let (proposal, proposal_for_review, proposal_for_assign, term, entry, this_year, key, handling) =
        side_proposals(app, &staff, ids, marker).await;
    let audit_entry: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_log WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    Side {
        audit_entry,
        key,
        proposal,
        proposal_for_review,
        proposal_for_assign,
        proposal_for_route: handling,
        term,
        entry,
        this_year,
        consultation,
        room,
        consult_for_route,
        material,
        member,
        org_code: org,
        studio,
        shifts: (sh[0].id, sh[1].id),
        later: (ymd(at(20)), ymd(at(30))),
        org: org_id,
        concern,
        for_route,
        survivor,
        department,
        area_code: concern_area,
        parent_org: app.org_id(parent).await,
        user: user_id,
        grant,
        marker,
    }
}

fn sample_form(path: &str, s: &Side, n: usize) -> Vec<(String, String)> {
    let org = s.org.to_string();
    let parent = s.parent_org.to_string();
    let v: Vec<(&str, String)> = match path {
        "/orgs/{id}/children" => vec![
            ("kind", "community".into()),
            ("name", "矩阵社区".into()),
            ("code", format!("{}-matrix-{n}", s.org_code)),
        ],
        "/orgs/{id}/rename" => vec![("name", "矩阵改名".into())],
        "/orgs/{id}/move" => vec![("parent_id", parent)],
        "/orgs/{id}/archive" => vec![("archived", "0".into())],
        // h-locate begin
        "/orgs/{id}/point" => vec![("lat", "34.7161".into()), ("lng", "109.3051".into())],
        // h-locate end
        "/users" => vec![
            ("username", format!("matrix-{n}")),
            ("display_name", "矩阵".into()),
            ("home_org_id", org),
            ("password", "matrix-password-1".into()),
        ],
        "/users/{id}/grants" => vec![
            ("role", Role::LiaisonOfficer.code().into()),
            ("org_id", org),
        ],
        "/users/{id}/reset" => vec![("password", "matrix-password-1".into())],
        "/concerns/{id}/transition" => vec![("action", "accept".into()), ("note", "矩阵".into())],
        "/orgs/{id}/webhooks" => vec![
            ("action", "create".into()),
            ("url", "https://hooks.example.com/matrix".into()),
            ("events", "concern.created".into()),
        ],
        "/concerns/{id}/merge" => vec![
            ("into", s.survivor.clone()),
            ("note", "矩阵".into()),
            ("confirm", "1".into()),
        ],
        "/record/same" => vec![("code", s.survivor.clone()), ("name", "矩阵".into())],
        // A complete material but for its audience, which is the side's body.
        "/study" => vec![
            ("audience", s.org.to_string()),
            ("title", "矩阵学习资料".into()),
            ("text", "矩阵学习资料正文".into()),
            ("due_on", s.later.1.clone()),
        ],
        "/units/{id}/rules" => vec![("item", "meeting".into()), ("points", "5".into())],
        "/units/{id}/judging" => vec![("judge", "pro_rata".into())],
        "/users/{id}/duty" => vec![
            ("year", "2026".into()),
            ("kind", "speech".into()),
            ("description", "矩阵发言".into()),
            ("evidence", "会议纪要".into()),
        ],
        "/studios" => vec![
            ("org", s.org.to_string()),
            ("name", "矩阵工作室".into()),
            ("wd5", "1".into()),
            ("per_day", "1".into()),
        ],
        "/studios/{id}" => vec![
            ("name", "矩阵工作室".into()),
            ("wd1", "1".into()),
            ("per_day", "1".into()),
        ],
        "/studios/{id}/rota" => vec![("from", s.later.0.clone()), ("to", s.later.1.clone())],
        "/studios/{id}/swap" => vec![("a", s.shifts.0.to_string()), ("b", s.shifts.1.to_string())],
        "/concerns/{id}/convert" => vec![("to", "opinion_report".into())],
        "/units/{id}/roster" => vec![
            ("code", format!("matrix-{n}")),
            ("name", "矩阵增补".into()),
            ("term", "第十届".into()),
            ("sector", "教育界".into()),
            ("street_group", s.org_code.into()),
        ],
        "/units/{id}/roster/import" => vec![
            ("mode", "commit".into()),
            (
                "rows",
                format!(
                    "编号,姓名,届次,界别,街道组\nimport-{n},矩阵导入,第十届,教育界,{}",
                    s.org_code
                ),
            ),
        ],
        "/members/{id}" => vec![
            ("name", "矩阵委员".into()),
            ("term", "第十届".into()),
            ("sector", "教育界".into()),
            ("street_group", s.org_code.into()),
        ],
        "/members/{id}/exit" => vec![
            ("exit_type", "resignation".into()),
            ("reason", "矩阵辞职".into()),
        ],
        "/members/{id}/rejoin" => vec![("reason", "矩阵重新加入".into())],
        "/concerns/{id}/assign" => vec![
            ("departments", s.department.to_string()),
            ("lead", s.department.to_string()),
        ],
        "/concerns/{id}/handle" => vec![("action", "progress".into()), ("note", "矩阵进展".into())],
        "/concerns/{id}/supervise" => vec![("action", "urge".into()), ("note", "矩阵督办".into())],
        "/consultations" => vec![
            ("org", s.org.to_string()),
            ("kind", "grassroots".into()),
            ("topic", format!("矩阵协商{n}")),
            ("starts_at", "2099-06-01T09:00".into()),
            ("ends_at", "2099-06-01T11:00".into()),
            ("place", "矩阵会议室".into()),
            ("short_notice_ok", "1".into()),
        ],
        "/consultations/{id}/invite" => {
            vec![("who", "expert".into()), ("name", format!("矩阵专家{n}"))]
        }
        "/consultations/{id}/agenda" => vec![("title", "矩阵议程".into())],
        "/consultations/{id}/hold" => vec![("minutes", "矩阵纪要".into())],
        "/consultations/{id}/actions" => vec![
            ("title", "矩阵事项".into()),
            ("owner", s.department.to_string()),
            ("due_days", "5".into()),
        ],
        "/consultations/{id}/close" => vec![("concerns", "leave".into()), ("publish", "1".into())],
        "/consultations/{id}/cancel" => vec![("reason", "矩阵取消".into())],
        "/consultations/settings/kinds" => {
            vec![("org", s.org.to_string()), ("name", format!("矩阵类型{n}"))]
        }
        "/consultations/settings/kinds/hide" => {
            vec![("org", s.org.to_string()), ("code", "thematic".into())]
        }
        "/consultations/settings/rules" => vec![
            ("org", s.org.to_string()),
            ("kind", String::new()),
            ("notice_days", "10".into()),
            ("materials_days", "5".into()),
            ("minutes_days", "7".into()),
        ],
        "/consultations/settings/rules/clear" => {
            vec![("org", s.org.to_string()), ("code", String::new())]
        }
        "/consultations/settings/plan" => vec![
            ("org", s.org.to_string()),
            ("quarter", "2".into()),
            ("topic", format!("矩阵计划{n}")),
        ],
        "/consultations/{id}/materials" => vec![("material_title", format!("矩阵材料{n}"))],
        "/consultations/{id}/materials/{material}/publish" => vec![("published", "1".into())],
        "/rooms" => vec![
            ("org", s.org.to_string()),
            ("name", format!("矩阵会议室{n}")),
            ("capacity", "12".into()),
        ],
        "/proposals/{id}/review" => vec![("action", "accept".into())],
        "/proposals/ballot" => vec![
            ("ballot", s.key.1.to_string()),
            ("pick", s.key.0.to_string()),
        ],
        "/proposals/ballots" => vec![
            ("session", s.key.2.to_string()),
            ("quota", String::new()),
            ("closes_at", "2099-01-01T09:00".into()),
        ],
        "/proposals/ballots/close" => vec![("ballot", s.key.1.to_string())],
        "/proposals/{id}/supervisor" => vec![("leader", s.key.3.to_string())],
        "/proposals/{id}/supervise" => vec![
            ("what", "urge".into()),
            ("supervise_note", format!("矩阵督办{n}")),
        ],
        "/proposals/{id}/assign" => vec![("lead", s.department.to_string())],
        "/proposal-settings/terms" => vec![
            ("org", parent.clone()),
            ("name", format!("矩阵届{n}")),
            ("starts_on", format!("{}-01-01", 2200 + n)),
            ("ends_on", format!("{}-12-31", 2200 + n)),
        ],
        "/proposal-settings/sessions" => vec![
            ("term", s.term.to_string()),
            ("name", format!("矩阵会议{n}")),
            ("opens_on", format!("{}-03-01", s.this_year)),
            ("closes_on", format!("{}-03-02", s.this_year)),
        ],
        "/proposal-settings/entries" => vec![
            ("org", parent.clone()),
            ("list", "category".into()),
            ("name", format!("矩阵类别{n}")),
        ],
        "/proposal-settings/entries/hide" => {
            vec![("id", s.entry.to_string()), ("hidden", "0".into())]
        }
        "/proposal-settings/cap" => vec![("org", parent.clone()), ("cap", "1500".into())],
        "/proposals/{id}/object" => vec![("objection", "矩阵异议".into())],
        "/proposals/{id}/opinion" => vec![("opinion", "矩阵会办意见".into())],
        "/proposals/{id}/contact" => {
            vec![("way", "phone".into()), ("contact_note", "矩阵沟通".into())]
        }
        "/proposals/{id}/reply" => vec![
            ("doc_number", format!("矩阵{n}号")),
            ("class", "B".into()),
            ("reply_body", "矩阵答复".into()),
        ],
        "/proposals/{id}/extension" => vec![
            ("until", extension_until()),
            ("extension_reason", "矩阵延期".into()),
        ],
        "/proposals/{id}/extension/decide" => vec![("decision", "approve".into())],
        "/proposals/{id}/close" => vec![("close_note", "矩阵办结".into())],
        "/proposal-settings/handling" => vec![
            ("org", parent.clone()),
            ("objection_days", "5".into()),
            ("co_opinion_days", "30".into()),
            ("reply_months", "3".into()),
            ("plenary_reply_months", "3".into()),
            ("extension_max_months", "6".into()),
            ("classes", "ABC".into()),
        ],
        "/record" => vec![
            ("channel", "liaison".into()),
            ("category", "road".into()),
            ("area", s.area_code.into()),
            ("title", "矩阵代录".into()),
            ("description", "矩阵".into()),
        ],
        _ => vec![],
    };
    v.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// An id no record has.
const MISSING: i64 = 987_654_321;

/// The route's URL for an id that does not exist.
fn fill_missing(path: &str) -> String {
    path.replace("{id}", &MISSING.to_string())
        .replace("{grant}", &MISSING.to_string())
        .replace("{material}", &MISSING.to_string())
}

/// Asserts that two answers are the same bytes (status, redirect, type, body).
fn assert_same(hidden: &crate::app::Resp, missing: &crate::app::Resp, what: &str) {
    assert_eq!(hidden.status, missing.status, "{what}: status");
    assert_eq!(hidden.location, missing.location, "{what}: location");
    assert_eq!(
        hidden.headers.get("content-type"),
        missing.headers.get("content-type"),
        "{what}: content type"
    );
    assert_eq!(hidden.body, missing.body, "{what}: body");
}

fn fill(path: &str, target: Target, s: &Side) -> String {
    let id = match target {
        Target::Org | Target::Area => s.org,
        Target::User => s.user,
        Target::Concern => s
            .for_route
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, id)| *id)
            .unwrap_or(s.concern),
        Target::Studio => s.studio,
        Target::Member => s.member,
        Target::Consultation => s
            .consult_for_route
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, id)| *id)
            .unwrap_or(s.consultation),
        Target::Room => s.room,
        Target::Proposal if path == "/proposals/{id}/review" => s.proposal_for_review,
        Target::Proposal if path == "/proposals/{id}/assign" => s.proposal_for_assign,
        Target::Proposal if path == "/proposals/{id}/nominate" => s.proposal_for_assign,
        Target::Proposal
            if path == "/proposals/{id}/supervisor" || path == "/proposals/{id}/supervise" =>
        {
            s.key.0
        }
        Target::Proposal => s
            .proposal_for_route
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, id)| *id)
            .unwrap_or(s.proposal),
        Target::AuditEntry => s.audit_entry,
        Target::None => 0,
    };
    let url = path
        .replace("{id}", &id.to_string())
        .replace("{grant}", &s.grant.to_string())
        .replace("{material}", &s.material.to_string())
        .replace("{file}", "concerns.csv");
    // Search lists nothing without a query: ask for the title both sides share.
    if url == "/search" {
        return "/search?q=%E7%9F%A9%E9%98%B5".into();
    }
    // h-audit begin
    // The audit log's latest page holds the side's latest rows, of any
    // unit: its concerns' rows name the side's area, which is the marker.
    if url == "/audit" {
        return "/audit?kind=concern".into();
    }
    // h-audit end
    url
}

async fn call(
    c: &mut crate::app::Client,
    method: &str,
    url: &str,
    form: &[(String, String)],
) -> crate::app::Resp {
    if method == "GET" {
        c.get(url).await
    } else if url.ends_with("/materials") || url == "/study" {
        // A material is a file: the form is multipart, with a PDF.
        let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        c.post_multipart(url, &f, &[("file", "矩阵.pdf", MATERIAL_PDF.to_vec())])
            .await
    } else {
        let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        c.post(url, &f).await
    }
}

async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn every_route_isolates_districts_and_roles() {
    let app = TestApp::new().await;
    let own = side(
        &app,
        "yanliang-guanshan",
        "yanliang",
        "member-fh-03",
        "yanliang-fenghuang",
        "凤凰街道",
        "staff",
        "yanliang-cgj",
    )
    .await;
    let other = side(
        &app,
        "beilin-nanyuanmen",
        "beilin",
        "staff-beilin",
        "beilin-nanyuanmen",
        "南院门街道",
        "staff-beilin",
        "beilin-cgj",
    )
    .await;
    // A member of the own district who follows none of the side's concerns:
    // members paired with the grids under a concern's street follow it once it
    // is assigned, and see it (issue 26), so a Fenghuang member would.
    let mut member = app.login("member-gs-01").await;
    let mut staff = app.login("staff").await;
    // Who lacks a permission (members record concerns, so a leader stands in),
    // and who holds it in the own district (handling comes from an assignment).
    let mut leader = app.login("leader").await;
    let mut handler = app.login("handler").await;
    // Reviewing proposals is the proposal committee's.
    let mut committee = app.login("committee").await;
    let mut anon = app.client();

    let guarded: Vec<_> = app
        .routes
        .iter()
        .filter(|r| matches!(r.access, Access::Needs(..)))
        .collect();
    assert!(
        guarded.len() >= 10,
        "the registry lists the guarded routes: {}",
        guarded.len()
    );
    let before = audit_rows(&app).await;

    for (n, r) in app.routes.iter().enumerate() {
        let Access::Needs(_, target) = r.access else {
            if r.access == Access::SignedIn && r.method == "GET" {
                let res = anon.get(r.path).await;
                if r.path.starts_with("/api/") {
                    // A member's own reads in the JSON API (decision 0044):
                    // refused in JSON, not sent to a page.
                    assert_eq!(
                        (res.status, res.location.as_deref()),
                        (StatusCode::UNAUTHORIZED, None),
                        "{} {} without login",
                        r.method,
                        r.path
                    );
                    assert!(res.body.contains("\"error\""), "{}", r.path);
                } else {
                    assert_eq!(
                        res.location.as_deref(),
                        Some("/login"),
                        "{} {} without login",
                        r.method,
                        r.path
                    );
                }
            }
            continue;
        };
        let Access::Needs(permission, _) = r.access else {
            continue;
        };
        // No right: a member (or, for what members may do, such as recording
        // or drafting, a leader) in the record's own district.
        let url = fill(r.path, target, &own);
        let lacking = if Role::Member.allows(permission) {
            assert!(
                !Role::Leader.allows(permission),
                "{} {}: neither member nor leader lacks {permission:?}",
                r.method,
                r.path
            );
            &mut leader
        } else {
            &mut member
        };
        let form = sample_form(r.path, &own, n);
        let res = call(lacking, r.method, &url, &form).await;
        if target == Target::None {
            assert_eq!(
                res.status,
                StatusCode::FORBIDDEN,
                "no right: {} {url}",
                r.method
            );
        } else {
            // A record the role does not see: as if there were none.
            assert_eq!(
                res.status,
                StatusCode::NOT_FOUND,
                "no right, unseen record: {} {url}",
                r.method
            );
            let missing = call(lacking, r.method, &fill_missing(r.path), &form).await;
            assert_same(&res, &missing, &format!("no right: {} {url}", r.method));
        }

        // A role that sees the record but may not do this (a leader of the
        // record's own district sees its units, accounts and concerns): 403.
        // (Every permission is seen with OrgView, UserView or ConcernView,
        // which a leader holds over the district.)
        if target != Target::None && !Role::Leader.allows(permission) {
            let res = call(&mut leader, r.method, &url, &form).await;
            assert_eq!(
                res.status,
                StatusCode::FORBIDDEN,
                "seen, not allowed: {} {url} {:?}",
                r.method,
                res.location
            );
        }

        // Not logged in: sent to the login page (GET) or refused (POST has no token).
        let res = call(&mut anon, r.method, &url, &[]).await;
        assert!(
            res.location.as_deref() == Some("/login") || res.status == StatusCode::FORBIDDEN,
            "anonymous: {} {url}: {}",
            r.method,
            res.status
        );

        // Another district's record.
        let url = fill(r.path, target, &other);
        let holder = if matches!(
            permission,
            Permission::ConcernHandle | Permission::ProposalHandle
        ) {
            &mut handler
        } else if matches!(
            permission,
            Permission::ConcernSupervise | Permission::ProposalSupervise
        ) {
            // Urging and instructing, and the key-proposal ballot, are the
            // leaders'.
            &mut leader
        } else if permission == Permission::ProposalReview {
            &mut committee
        } else {
            &mut staff
        };
        let form = sample_form(r.path, &other, n);
        let res = call(holder, r.method, &url, &form).await;
        if target == Target::None && r.method == "GET" {
            assert_eq!(res.status, StatusCode::OK, "{url}");
            assert!(
                !res.body.contains(other.marker),
                "{url} shows another district's {}",
                other.marker
            );
            // The proposal and report figures and the compilation count the
            // body's items without naming streets (a PDF's text is compressed):
            // their own test reads the own body's numbers and titles.
            let counts_only = r.path.starts_with("/proposals/figures")
                || r.path.starts_with("/reports/figures")
                || r.path == "/proposals/compilation.pdf"
                // The city view (issue 31 C) names districts, not streets.
                || r.path.starts_with("/city");
            assert!(
                res.body.contains(own.marker) || r.path == "/orgs" || counts_only,
                "{url} lists own district"
            );
        } else if target == Target::None {
            // A form naming another district's unit: refused as an unknown one.
            assert!(
                matches!(res.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                    // A form that comes back with its fields marked (the
                    // sample is complete but for the other district's unit).
                    || (res.status == StatusCode::OK && res.body.contains("aria-invalid=\"true\""))
                    || res
                        .location
                        .as_deref()
                        .is_some_and(|l| l.contains("err=err.org_unknown")
                            || l.contains("err=err.org_parent")),
                "staff of another district: {} {url}: {} {:?}",
                r.method,
                res.status,
                res.location
            );
        } else {
            assert_eq!(
                res.status,
                StatusCode::NOT_FOUND,
                "staff of another district: {} {url}: {:?}",
                r.method,
                res.location
            );
            let missing = call(holder, r.method, &fill_missing(r.path), &form).await;
            assert_same(
                &res,
                &missing,
                &format!("staff of another district: {} {url}", r.method),
            );
        }
    }
    assert_eq!(
        audit_rows(&app).await,
        before,
        "refused requests changed nothing"
    );

    // Positive control: staff (or the assigned department's handler) of the
    // record's own district get through.
    for (n, r) in app.routes.iter().enumerate() {
        let Access::Needs(permission, target) = r.access else {
            continue;
        };
        let url = fill(r.path, target, &own);
        let holder = if matches!(
            permission,
            Permission::ConcernHandle | Permission::ProposalHandle
        ) {
            &mut handler
        } else if matches!(
            permission,
            Permission::ConcernSupervise | Permission::ProposalSupervise
        ) {
            // Urging and instructing, and the key-proposal ballot, are the
            // leaders'.
            &mut leader
        } else if permission == Permission::ProposalReview {
            &mut committee
        } else {
            &mut staff
        };
        let res = call(holder, r.method, &url, &sample_form(r.path, &own, n + 1000)).await;
        assert!(
            res.status == StatusCode::OK
                || (res.status == StatusCode::SEE_OTHER
                    && !res.location.as_deref().unwrap_or("").contains("err=")),
            "own-district staff: {} {url}: {} {:?}",
            r.method,
            res.status,
            res.location
        );
    }
    assert!(
        audit_rows(&app).await > before,
        "the allowed changes were made and audited"
    );
}

/// Issue 31 point 4: the party routes (every route under `/party`, taken
/// from the registry, so a new one joins by construction) are the party
/// units' own and their body's staff's. A record (unit, meeting, member's
/// life, report) of 碑林区's party system answers another district's staff
/// and a member of the district outside the party system as a record that
/// does not exist, byte for byte, and changes nothing; a page without a
/// record says whom it is for; a form without a record is refused (403);
/// the body's staff get through.
#[tokio::test]
async fn party_routes_are_the_units_own_and_their_staffs() {
    let app = TestApp::new().await;
    let db = app.t.db.pool();
    let unit = app.org_id("beilin-dzb").await;
    let meeting: i64 = sqlx::query_scalar("SELECT MIN(id) FROM party_meetings WHERE unit_id = $1")
        .bind(unit)
        .fetch_one(db)
        .await
        .unwrap();
    let member = app.user_id("member-bl-p01").await;
    let report: i64 = sqlx::query_scalar(
        "SELECT MIN(id) FROM party_reports WHERE user_id = $1 AND state = 'submitted'",
    )
    .bind(member)
    .fetch_one(db)
    .await
    .unwrap();
    let id_for = |path: &str| {
        if path.starts_with("/party/units/") {
            unit
        } else if path.starts_with("/party/meetings/") {
            meeting
        } else if path.starts_with("/party/members/") {
            member
        } else {
            report
        }
    };
    let routes: Vec<_> = app
        .routes
        .iter()
        .filter(|r| r.path.starts_with("/party"))
        .collect();
    assert!(routes.len() >= 12, "the party routes: {}", routes.len());
    let rows = || async {
        let mut n = 0i64;
        for t in [
            "party_units",
            "party_members",
            "party_meetings",
            "party_attendance",
            "party_reports",
        ] {
            n += sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {t}"))
                .fetch_one(db)
                .await
                .unwrap();
        }
        let decided: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM party_reports WHERE state <> 'submitted'")
                .fetch_one(db)
                .await
                .unwrap();
        (n, decided, audit_rows(&app).await)
    };
    let before = rows().await;
    let form: Vec<(&str, &str)> = vec![
        ("decision", "confirm"),
        ("kind", "branch_assembly"),
        ("title", "矩阵"),
        ("date", "2026-12-01"),
        ("start", "09:00"),
        ("end", "10:00"),
        ("place", "矩阵"),
        ("member", "1"),
        ("role", "member"),
        ("present", "1"),
    ];
    for who in ["staff", "member-bl-p07"] {
        let mut c = app.login(who).await;
        for r in &routes {
            if r.path.contains("{id}") {
                let url = r.path.replace("{id}", &id_for(r.path).to_string());
                let none = r.path.replace("{id}", &MISSING.to_string());
                let (a, b) = if r.method == "GET" {
                    (c.get(&url).await, c.get(&none).await)
                } else {
                    (c.post(&url, &form).await, c.post(&none, &form).await)
                };
                assert_eq!(a.status, StatusCode::NOT_FOUND, "{who}: {} {url}", r.method);
                assert_same(&a, &b, &format!("{who}: {} {url}", r.method));
            } else if r.method == "GET" {
                let a = c.get(r.path).await;
                assert_eq!(a.status, StatusCode::OK, "{who}: {}", r.path);
                assert!(
                    !a.body.contains("碑林区政协机关党支部"),
                    "{who}: {}",
                    r.path
                );
            } else if who == "member-bl-p07" {
                let a = if r.path == "/party/reports" {
                    c.post_multipart(r.path, &form, &[]).await
                } else {
                    c.post(r.path, &form).await
                };
                assert_eq!(a.status, StatusCode::FORBIDDEN, "{who}: POST {}", r.path);
            }
        }
    }
    assert_eq!(rows().await, before, "refused requests changed nothing");
    // Positive control: the body's staff reach every page of a record.
    let mut staff = app.login("staff-beilin").await;
    for r in routes.iter().filter(|r| r.method == "GET") {
        let url = r.path.replace("{id}", &id_for(r.path).to_string());
        let a = staff.get(&url).await;
        assert_eq!(a.status, StatusCode::OK, "staff-beilin: {url}");
    }
    let a = staff
        .post(
            &format!("/party/reports/{report}/decide"),
            &[("decision", "confirm")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "staff-beilin decides");
}
