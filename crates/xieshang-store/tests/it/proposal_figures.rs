//! Proposal figures, the compilation and the duty record (issue 29 points
//! 10, 11): a small set of proposals in 碑林区 (no demo proposals there),
//! written through the product where it exists and, for replies,
//! evaluations and key proposals (built in parallel), as rows; every count
//! is checked exactly, on SQLite and PostgreSQL.

use crate::{actor, HASH};
use xieshang_core::proposal::Text;
use xieshang_core::{Actor, Role};
use xieshang_store::db::Db;
use xieshang_store::duty::{record, scoring};
use xieshang_store::proposal::figures::{self, Period};
use xieshang_store::proposal::{self, assign, review, settings};
use xieshang_store::testing::TestDb;
use xieshang_store::{account::user, org, seed, Error};

/// A new account of 碑林区 with a role over a unit.
async fn account(t: &TestDb, name: &str, display: &str, role: Role, unit: &str) -> Actor {
    let admin = actor(t, "admin").await;
    let unit = org::by_code_unchecked(&t.db, unit).await.unwrap();
    let id = user::create(&t.db, &admin, name, display, HASH, unit.id)
        .await
        .unwrap();
    user::grant(&t.db, &admin, id, role, unit.id).await.unwrap();
    user::actor(&t.db, id).await.unwrap()
}

/// The seeded set: its body, session, members and proposals.
pub struct Set {
    pub body: i64,
    pub session: i64,
    pub year: i32,
    pub m1: Actor,
    pub m2: Actor,
    pub m3: Actor,
    /// p1 (co-signed, key, two rounds), p2, p3 accepted; p4 not accepted.
    pub ids: [i64; 4],
    pub cgj: i64,
    pub other_unit: i64,
}

fn text(title: &str) -> Text {
    Text {
        title: title.into(),
        situation: "学校门前道路人车混行。".into(),
        analysis: "缺少人行横道和限速标志。".into(),
        suggestions: "施划人行横道，设置限速标志。".into(),
    }
}

async fn exec(db: &Db, sql: &str, args: &[i64]) {
    let mut q = sqlx::query(sql);
    for a in args {
        q = q.bind(*a);
    }
    q.execute(db.pool()).await.unwrap();
}

/// A lead unit's reply row (as the handling module writes them).
async fn reply(db: &Db, p: i64, round: i64, unit: i64, class: &str, due: Option<i64>, at: i64) {
    sqlx::query(
        "INSERT INTO proposal_replies (proposal_id, round, org_id, lead, doc_number, class, body,
            due_at, replied_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)",
    )
    .bind(p)
    .bind(round)
    .bind(unit)
    .bind(format!("碑城管函〔2026〕{p}{round}号"))
    .bind(class)
    .bind(format!(
        "关于第{p}号提案第{round}轮的答复：已施划人行横道。"
    ))
    .bind(due)
    .bind(at)
    .execute(db.pool())
    .await
    .unwrap();
}

async fn evaluate(db: &Db, p: i64, round: i64, user: i64, rating: &str) {
    sqlx::query(
        "INSERT INTO proposal_evaluations (proposal_id, round, user_id, rating, consulted, at)
         VALUES ($1, $2, $3, $4, 'satisfied', $5)",
    )
    .bind(p)
    .bind(round)
    .bind(user)
    .bind(rating)
    .bind(db.now_ms())
    .execute(db.pool())
    .await
    .unwrap();
}

/// Seeds the set in 碑林区 on a city with the demo.
pub async fn seeded() -> (TestDb, Set) {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let db = &t.db;
    let staff = actor(&t, "staff-beilin").await;
    let committee = account(
        &t,
        "committee-bl",
        "碑林提案委",
        Role::ProposalCommittee,
        "beilin",
    )
    .await;
    let street = "beilin-nanyuanmen";
    let m1 = account(&t, "member-bl-01", "王碑林", Role::Member, street).await;
    let m2 = account(&t, "member-bl-02", "李南门", Role::Member, street).await;
    let m3 = account(&t, "member-bl-03", "赵书院", Role::Member, street).await;
    let beilin = org::by_code_unchecked(db, "beilin").await.unwrap();
    let year = chrono::Datelike::year(&xieshang_core::calendar::cst_date(db.now_ms()));
    let term = settings::create_term(
        db,
        &staff,
        beilin.id,
        "第十届",
        &format!("{}-01-06", year - 1),
        &format!("{}-01-31", year + 1),
    )
    .await
    .unwrap();
    let session = settings::create_session(
        db,
        &staff,
        term,
        "第二次会议",
        &format!("{year}-01-08"),
        &format!("{year}-01-11"),
    )
    .await
    .unwrap();
    let cats = settings::entries(db, beilin.id, settings::List::Category, false)
        .await
        .unwrap();
    let cat = |n: &str| cats.iter().find(|c| c.name == n).map(|c| c.id);
    let mut ids = [0; 4];
    for (i, (author, title, c)) in [
        (&m1, "关于加强碑林区学校周边交通安全的建议", "城乡建设"),
        (&m1, "关于增设社区停车位的建议", "城乡建设"),
        (&m2, "关于扶持夜间经济的建议", "经济建设"),
        (&m3, "关于解决本人邻里纠纷的建议", "经济建设"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = proposal::create_draft(db, author, &text(title), cat(c))
            .await
            .unwrap();
        if i == 0 {
            proposal::invite(db, author, id, m2.user_id).await.unwrap();
            proposal::answer(db, &m2, id, true).await.unwrap();
        }
        proposal::file(db, author, id).await.unwrap();
        ids[i] = id;
    }
    for id in &ids[..3] {
        review::decide(
            db,
            &committee,
            *id,
            review::Decision::Accept { category: None },
        )
        .await
        .unwrap();
    }
    let ground = settings::entries(db, beilin.id, settings::List::Ground, false)
        .await
        .unwrap()[0]
        .id;
    review::decide(
        db,
        &committee,
        ids[3],
        review::Decision::NotAccept {
            ground,
            note: "属于个人诉求。",
        },
    )
    .await
    .unwrap();
    let cgj = org::by_code_unchecked(db, "beilin-cgj").await.unwrap().id;
    let admin = actor(&t, "admin").await;
    let other_unit = org::create(
        db,
        &admin,
        beilin.id,
        xieshang_core::OrgKind::Department,
        "beilin-jyj",
        "碑林区教育局",
    )
    .await
    .unwrap()
    .id;
    let cal = xieshang_core::calendar::Calendar::builtin();
    for (id, unit) in [(ids[0], cgj), (ids[1], cgj), (ids[2], other_unit)] {
        assign::assign(db, &cal, &committee, id, unit, &[])
            .await
            .unwrap();
    }
    let now = db.now_ms();
    let day = 86_400_000;
    // p1: round 1 class B on time, rated unsatisfied; round 2 class A late,
    // rated satisfied by the initiator and unsatisfied by the co-signer; key.
    reply(db, ids[0], 1, cgj, "B", Some(now), now - 30 * day).await;
    evaluate(db, ids[0], 1, m1.user_id, "unsatisfied").await;
    reply(db, ids[0], 2, cgj, "A", Some(now - 2 * day), now - day).await;
    evaluate(db, ids[0], 2, m1.user_id, "satisfied").await;
    evaluate(db, ids[0], 2, m2.user_id, "unsatisfied").await;
    exec(
        db,
        "UPDATE proposals SET handling_round = 2, reply_class = 'A', replied_at = $1,
            due_at = $2, key_at = $1 WHERE id = $3",
        &[now - day, now - 2 * day, ids[0]],
    )
    .await;
    // p2: class C without a deadline, rated basically satisfied.
    reply(db, ids[1], 1, cgj, "C", None, now).await;
    evaluate(db, ids[1], 1, m1.user_id, "basically_satisfied").await;
    exec(
        db,
        "UPDATE proposals SET handling_round = 1, reply_class = 'C', replied_at = $1 WHERE id = $2",
        &[now, ids[1]],
    )
    .await;
    exec(
        db,
        "UPDATE proposals SET handling_round = 1 WHERE id = $1",
        &[ids[2]],
    )
    .await;
    let set = Set {
        body: beilin.id,
        session,
        year,
        m1,
        m2,
        m3,
        ids,
        cgj,
        other_unit,
    };
    (t, set)
}

fn counts(c: &[figures::Count]) -> Vec<(&str, i64)> {
    c.iter().map(|c| (c.name.as_str(), c.count)).collect()
}

#[tokio::test]
async fn a_sessions_figures_are_counted_exactly() {
    let (t, s) = seeded().await;
    let committee = actor(&t, "staff-beilin").await;
    for period in [Period::Session(s.session), Period::Year(s.year)] {
        let f = figures::figures(&t.db, &committee, s.body, period)
            .await
            .unwrap();
        assert_eq!((f.filed, f.accepted, f.key), (4, 3, 1), "{period:?}");
        assert_eq!(f.acceptance_rate(), Some(75.0));
        let cats: Vec<_> = f
            .by_category
            .iter()
            .map(|c| (c.name.as_str(), c.filed, c.accepted))
            .collect();
        assert_eq!(cats, [("城乡建设", 2, 2), ("经济建设", 2, 1)]);
        let cgj = f.by_unit.iter().find(|u| u.org_id == s.cgj).unwrap();
        assert_eq!(
            (cgj.led, cgj.replies, cgj.on_time, cgj.adopted),
            (2, 3, 2, 1)
        );
        let other = f.by_unit.iter().find(|u| u.org_id == s.other_unit).unwrap();
        assert_eq!((other.led, other.replies), (1, 0));
        assert_eq!(f.by_unit[0].org_id, s.cgj, "the most led first");
        assert_eq!((f.replies, f.replies_on_time), (3, 2));
        assert_eq!(f.on_time_rate(), Some(66.7));
        assert_eq!(counts(&f.classes), [("A", 1), ("B", 0), ("C", 1), ("D", 0)]);
        // The initiator's rating of the latest round only.
        assert_eq!(
            counts(&f.satisfaction),
            [
                ("satisfied", 1),
                ("basically_satisfied", 1),
                ("unsatisfied", 0)
            ]
        );
        assert_eq!(f.satisfaction_rate(), Some(100.0));
    }
    let before = figures::figures(&t.db, &committee, s.body, Period::Year(s.year - 1))
        .await
        .unwrap();
    assert_eq!((before.filed, before.accepted, before.replies), (0, 0, 0));
    assert_eq!(before.acceptance_rate(), None);
}

#[tokio::test]
async fn figures_stay_within_the_body() {
    let (t, s) = seeded().await;
    // Another district's staff and committee, a member, a handler: no such body.
    for who in ["staff", "committee", "member-fh-01", "handler"] {
        let a = actor(&t, who).await;
        let e = figures::figures(&t.db, &a, s.body, Period::Session(s.session))
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::NotFound | Error::Denied(_)),
            "{who}: {e:?}"
        );
        assert!(figures::compilation(&t.db, &a, s.body, s.session)
            .await
            .is_err());
    }
    // Their own body's figures do not count 碑林区's proposals.
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    let staff = actor(&t, "staff").await;
    let own = figures::figures(&t.db, &staff, yanliang.id, Period::Year(s.year))
        .await
        .unwrap();
    assert!(own.by_unit.iter().all(|u| u.org_id != s.cgj));
    // A session of another body: refused on its field.
    let e = figures::figures(&t.db, &staff, yanliang.id, Period::Session(s.session))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Invalid {
            field: "session",
            ..
        }
    ));
}

#[tokio::test]
async fn the_compilation_lists_accepted_proposals_with_their_final_replies() {
    let (t, s) = seeded().await;
    let staff = actor(&t, "staff-beilin").await;
    let (body, name, list) = figures::compilation(&t.db, &staff, s.body, s.session)
        .await
        .unwrap();
    assert_eq!(body.name, "碑林区政协");
    assert_eq!(name, "第十届第二次会议");
    assert_eq!(list.iter().map(|c| c.number).collect::<Vec<_>>(), [1, 2, 3]);
    let p1 = list.iter().find(|c| c.id == s.ids[0]).unwrap();
    assert_eq!(p1.signers, ["王碑林", "李南门"]);
    assert!(p1.key);
    assert_eq!(p1.replies.len(), 1, "only the latest round");
    assert_eq!(p1.replies[0].class, "A");
    assert!(list.iter().all(|c| c.id != s.ids[3]));
}

#[tokio::test]
async fn proposals_count_in_the_duty_record_and_score() {
    let (t, s) = seeded().await;
    let r1 = record::for_member(&t.db, s.m1.user_id, s.year)
        .await
        .unwrap();
    assert_eq!(
        (
            r1.proposals_filed,
            r1.proposals_accepted,
            r1.proposals_cosigned,
            r1.proposals_key,
            r1.proposals_adopted
        ),
        (2, 2, 0, 1, 1)
    );
    let r2 = record::for_member(&t.db, s.m2.user_id, s.year)
        .await
        .unwrap();
    assert_eq!(
        (
            r2.proposals_filed,
            r2.proposals_accepted,
            r2.proposals_cosigned
        ),
        (1, 1, 1)
    );
    let r3 = record::for_member(&t.db, s.m3.user_id, s.year)
        .await
        .unwrap();
    assert_eq!((r3.proposals_filed, r3.proposals_accepted), (1, 0));
    // The year before holds none of it.
    let r0 = record::for_member(&t.db, s.m1.user_id, s.year - 1)
        .await
        .unwrap();
    assert_eq!((r0.proposals_filed, r0.proposals_accepted), (0, 0));
    // The default rules: accepted 15 (lead author), co-signed 3, key 15,
    // adopted 5; the scores page reads them.
    let staff = actor(&t, "staff-beilin").await;
    let street = org::by_code_unchecked(&t.db, "beilin-nanyuanmen")
        .await
        .unwrap();
    let scores = scoring::scores(&t.db, &staff, street.id, s.year)
        .await
        .unwrap();
    let total = |id: i64| scores.iter().find(|x| x.user_id == id).unwrap().total;
    assert_eq!(total(s.m1.user_id), 2 * 15 + 15 + 5);
    assert_eq!(total(s.m2.user_id), 15 + 3);
    assert_eq!(total(s.m3.user_id), 0);
}
