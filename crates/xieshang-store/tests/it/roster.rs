//! The member roster on the suite's backend: the demo's roster, an import's dry
//! run that names every refused row, an all-or-nothing import, exits with their
//! effects on the account, re-joins, edits and audited reveals.

use crate::{actor, count};
use xieshang_core::{Permission, Role};
use xieshang_store::roster::{self, Fields, Filter};
use xieshang_store::seal::Sealer;
use xieshang_store::testing::TestDb;
use xieshang_store::{account::user, duty::studio, org, seed, Error};

/// 阎良区's roster (the demo's other bodies have rosters of their own).
const YANLIANG_MEMBERS: &str =
    "SELECT COUNT(*) FROM members WHERE body_id = (SELECT id FROM orgs WHERE code = 'yanliang')";

fn table(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn import_checks_every_row_and_writes_all_or_nothing() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let sealer = Sealer::from_hex(&Sealer::generate_hex()).unwrap();
    let staff = actor(&t, "staff").await;
    let beilin = actor(&t, "staff-beilin").await;
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap().id;
    let fenghuang = org::by_code_unchecked(&t.db, "yanliang-fenghuang")
        .await
        .unwrap()
        .id;

    // The demo's roster: 23 members of 阎良区政协, 22 of them in 凤凰街道's group.
    let all = roster::list(&t.db, &staff, yanliang, &Filter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 23);
    assert!(all
        .iter()
        .all(|m| m.status == "active" && m.term == "第十届"));
    let fh = roster::list(&t.db, &staff, fenghuang, &Filter::default())
        .await
        .unwrap();
    assert_eq!(fh.len(), 22);
    // Finding by number ignores case.
    let found = roster::list(
        &t.db,
        &staff,
        yanliang,
        &Filter {
            text: Some("yl002".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].code, "YL002");
    assert!(matches!(
        roster::list(&t.db, &beilin, yanliang, &Filter::default()).await,
        Err(Error::Denied(_))
    ));

    // A table with a problem on most lines: each is named, nothing is written.
    let bad = table(
        "编号,姓名,届次,界别,街道组,电话,邮箱,加入日期,账号\n\
         N01,赵一,第十届,教育界,凤凰街道,13800001111,zhao@example.cn,2026-01-05,\n\
         N02,钱二,第十届,经济界,yanliang-guanshan,12345,,2026-01-05,\n\
         N01,孙三,第十届,经济界,,,,,\n\
         YL002,李四,第十届,经济界,,,,,\n\
         N05,周五,第十届,经济界,南院门街道,,,,\n\
         N06,吴六,第十届,经济界,,,not-an-email,,\n\
         N07,,第十届,经济界,,,,2099-01-01,\n\
         N08,郑八,第十届,经济界,,,,,nobody-here\n\
         N09,王九,第十届,经济界,,,,,member-fh-02\n\
         N10,冯十,第十届,经济界,,,,,staff-beilin\n\
         ,,,,,,,,\n",
    );
    let audit_before = count(&t, "SELECT COUNT(*) FROM audit_log").await;
    let report = roster::import(&t.db, Some(&sealer), &staff, yanliang, &bad, "", true)
        .await
        .unwrap();
    assert_eq!(report.rows, 10, "the blank line is skipped");
    assert!(!report.written);
    assert_eq!(report.accepted, 1, "only N01 on line 2 passes");
    let got: Vec<(usize, &str, &str)> = report
        .rejects
        .iter()
        .map(|r| (r.line, r.field, r.key))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "phone", "err.phone"),
            (4, "code", "err.member_code_twice"),
            (5, "code", "err.member_code_taken"),
            (6, "street_group", "err.member_street"),
            (7, "email", "err.email"),
            (8, "name", "err.member_name"),
            (8, "joined_on", "err.member_date"),
            (9, "username", "err.member_account"),
            (10, "username", "err.member_account_taken"),
            (11, "username", "err.member_account"),
        ]
    );
    assert_eq!(count(&t, YANLIANG_MEMBERS).await, 23);
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );

    // A header without the sector column refuses the whole table at line 1.
    let report = roster::import(
        &t.db,
        Some(&sealer),
        &staff,
        yanliang,
        &table("编号,姓名,届次\nN01,赵一,第十届"),
        "",
        false,
    )
    .await
    .unwrap();
    assert_eq!(report.rejects.len(), 1);
    assert_eq!(
        (report.rejects[0].line, report.rejects[0].field),
        (1, "sector")
    );

    // Staff of another district cannot import into this body.
    assert!(matches!(
        roster::import(&t.db, Some(&sealer), &beilin, yanliang, &bad, "", false).await,
        Err(Error::Denied(_))
    ));

    // A clean table: the dry run writes nothing, the import writes every row.
    let good = table(
        "code,name,term,sector,street_group,phone,email,joined_on\n\
         N01,赵一,第十届,教育界,凤凰街道,13800001111,zhao@example.cn,2026-01-05\n\
         N02,钱二,第十届,经济界,yanliang-guanshan,029-86660000,,2026/1/5\n\
         N03,孙三,第十届,医药卫生界,,,,\n",
    );
    let dry = roster::import(
        &t.db,
        Some(&sealer),
        &staff,
        yanliang,
        &good,
        "换届增补",
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        (dry.accepted, dry.rejects.len(), dry.written),
        (3, 0, false)
    );
    assert_eq!(count(&t, YANLIANG_MEMBERS).await, 23);
    let done = roster::import(
        &t.db,
        Some(&sealer),
        &staff,
        yanliang,
        &good,
        "换届增补",
        true,
    )
    .await
    .unwrap();
    assert!(done.written);
    assert_eq!(count(&t, YANLIANG_MEMBERS).await, 26);
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'member.join'"
        )
        .await,
        3
    );
    // Contact details are sealed at rest and shown masked.
    let sealed: String = sqlx::query_scalar("SELECT phone_sealed FROM members WHERE code = 'N01'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert!(!sealed.contains("13800001111"));
    let n01 = roster::list(
        &t.db,
        &staff,
        yanliang,
        &Filter {
            text: Some("赵一".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(n01.len(), 1);
    let n01 = &n01[0];
    assert_eq!(n01.phone.as_deref(), Some("138****1111"));
    assert_eq!(n01.email.as_deref(), Some("z***@example.cn"));
    assert_eq!(n01.joined_on, "2026-01-05");
    assert_eq!(
        n01.street_group.as_ref().map(|s| s.1.as_str()),
        Some("凤凰街道")
    );
    // The same table again is refused whole: every number is now taken.
    let again = roster::import(&t.db, Some(&sealer), &staff, yanliang, &good, "", true)
        .await
        .unwrap();
    assert_eq!((again.rejects.len(), again.written), (3, false));

    // Revealing the contact is for roles that may, and is audited.
    assert!(matches!(
        roster::reveal(&t.db, &sealer, &actor(&t, "leader").await, n01.id).await,
        Err(Error::Denied(_))
    ));
    let shown = roster::reveal(&t.db, &sealer, &staff, n01.id)
        .await
        .unwrap();
    assert_eq!(
        shown,
        (
            Some("13800001111".to_owned()),
            Some("zhao@example.cn".to_owned())
        )
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'member.reveal_contact'"
        )
        .await,
        1
    );

    // Without a personal-data key, contact details are refused, not stored bare.
    let r = roster::import(
        &t.db,
        None,
        &staff,
        yanliang,
        &table("code,name,term,sector,phone\nN20,陈二十,第十届,经济界,13800002222"),
        "",
        true,
    )
    .await
    .unwrap();
    assert_eq!(r.rejects[0].key, "err.no_seal_key");
}

#[tokio::test]
async fn an_exit_ends_the_members_duties_and_the_history_keeps_it() {
    let clock = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let t = TestDb::new().await.unwrap();
    let db =
        t.db.clone()
            .with_clock(xieshang_store::Clock::Manual(clock.clone()));
    seed::load_demo(&db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    // Monday 2026-09-07, 10:00 in China.
    clock.store(1_788_746_400_000, std::sync::atomic::Ordering::SeqCst);
    let staff = actor(&t, "staff").await;
    let fenghuang = org::by_code_unchecked(&db, "yanliang-fenghuang")
        .await
        .unwrap()
        .id;
    let member_user = user::credentials(&db, "member-fh-01")
        .await
        .unwrap()
        .unwrap()
        .id;
    let m = roster::list(&db, &staff, fenghuang, &Filter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.account.as_ref().is_some_and(|a| a.0 == member_user))
        .expect("member-fh-01 is on the roster");

    // Give the member a rota: the studio's first Fridays fall to member-fh-01.
    let (studio_id, _, _) = studio::list(&db, &staff).await.unwrap()[0].clone();
    let cal = xieshang_core::calendar::Calendar::builtin();
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    studio::generate(
        &db,
        &cal,
        &staff,
        studio_id,
        day("2026-09-07"),
        day("2027-06-30"),
        studio::Regenerate::Keep,
    )
    .await
    .unwrap();
    let shifts_before = count(
        &t,
        &format!("SELECT COUNT(*) FROM duty_shifts WHERE user_id = {member_user}"),
    )
    .await;
    assert!(shifts_before >= 2, "{shifts_before}");
    let pairs_before = count(
        &t,
        &format!("SELECT COUNT(*) FROM grid_pairs WHERE user_id = {member_user}"),
    )
    .await;
    assert_eq!(pairs_before, 2, "member-fh-01 serves two of the 39 grids");

    // Bad exits are refused with a reason a person understands.
    for (kind, reason, on, key) in [
        ("retired", "年龄", "", "err.exit_type"),
        ("resignation", "  ", "", "err.member_reason"),
        ("resignation", "工作调动", "2099-01-01", "err.member_date"),
    ] {
        match roster::exit(&db, &staff, m.id, kind, reason, on).await {
            Err(Error::Invalid { key: k, .. }) => assert_eq!(k, key),
            other => panic!("{kind}: {other:?}"),
        }
    }
    assert!(matches!(
        roster::exit(
            &db,
            &actor(&t, "staff-beilin").await,
            m.id,
            "resignation",
            "x",
            ""
        )
        .await,
        Err(Error::Denied(_))
    ));

    let effects = roster::exit(
        &db,
        &staff,
        m.id,
        "persuaded",
        "连续两年履职不合格",
        "2026-09-07",
    )
    .await
    .unwrap();
    assert_eq!(effects.grants, 1);
    assert_eq!(effects.grids, 2);
    assert_eq!(effects.studios, 1);
    assert_eq!(effects.shifts as i64, shifts_before);
    let a = user::actor(&db, member_user).await.unwrap();
    assert!(!a.has_role(Role::Member));
    assert!(!a.has_permission(Permission::ConcernRecord));
    let s = studio::get(&db, &staff, Permission::OrgView, studio_id)
        .await
        .unwrap();
    assert_eq!(s.members.len(), 21);
    // Exiting twice is refused.
    assert!(matches!(
        roster::exit(&db, &staff, m.id, "resignation", "again", "").await,
        Err(Error::Invalid {
            key: "err.member_not_active",
            ..
        })
    ));
    // The roster filters by status.
    let exited = roster::list(
        &db,
        &staff,
        fenghuang,
        &Filter {
            status: Some("exited".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(exited.len(), 1);
    assert_eq!(exited[0].exited_on.as_deref(), Some("2026-09-07"));

    // Joining again, in a new term: the member role comes back.
    roster::rejoin(&db, &staff, m.id, "第十一届", "换届重新推荐", "")
        .await
        .unwrap();
    let a = user::actor(&db, member_user).await.unwrap();
    assert!(a.has_role(Role::Member));
    let h = roster::history(&db, &staff, m.id).await.unwrap();
    let kinds: Vec<(&str, Option<&str>, &str)> = h
        .iter()
        .map(|c| (c.kind.as_str(), c.exit_type.as_deref(), c.reason.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("join", None, ""),
            ("exit", Some("persuaded"), "连续两年履职不合格"),
            ("rejoin", None, "换届重新推荐"),
        ]
    );
    assert_eq!(h[2].term.as_deref(), Some("第十一届"));

    // Edits go through the same checks; the number stays.
    let f = Fields {
        code: "ignored".into(),
        name: m.name.clone(),
        term: "第十一届".into(),
        sector: "科学技术界".into(),
        street_group: "yanliang-fenghuang".into(),
        username: "member-fh-02".into(),
        ..Default::default()
    };
    assert!(matches!(
        roster::update(&db, None, &staff, m.id, &f).await,
        Err(Error::Invalid {
            key: "err.member_account_taken",
            ..
        })
    ));
    let f = Fields {
        username: "member-fh-01".into(),
        ..f
    };
    roster::update(&db, None, &staff, m.id, &f).await.unwrap();
    let after = roster::get(&db, &staff, Permission::UserView, m.id)
        .await
        .unwrap();
    assert_eq!(
        (after.code.as_str(), after.sector.as_str()),
        (m.code.as_str(), "科学技术界")
    );
    assert_eq!(
        count(
            &t,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'member' AND entity_id = '{}'",
                m.id
            )
        )
        .await,
        3,
        "exit, rejoin and update are audited"
    );
}

/// A member who leaves the body leaves its party units (their pages,
/// check-in and reports are a member's), and a staff grant below a body
/// (a street's) does not keep the body's party system or supervision.
#[tokio::test]
async fn an_exit_ends_the_party_placing_and_a_streets_staff_keep_no_body() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .unwrap();
    let placed = "SELECT COUNT(*) FROM party_members
                   WHERE user_id = (SELECT id FROM users WHERE username = 'member-bl-p01')";
    assert_eq!(count(&t, placed).await, 1);
    let member: i64 = count(
        &t,
        "SELECT id FROM members
          WHERE user_id = (SELECT id FROM users WHERE username = 'member-bl-p01')",
    )
    .await;
    let beilin = actor(&t, "staff-beilin").await;
    roster::exit(&t.db, &beilin, member, "resignation", "工作调动", "")
        .await
        .unwrap();
    assert_eq!(count(&t, placed).await, 0, "the exit ends the placing");

    // 碑林区's staff keep both; a staff grant on one of its streets keeps neither.
    assert!(xieshang_store::party::staff_body(&t.db, &beilin)
        .await
        .unwrap()
        .is_some());
    sqlx::query(
        "INSERT INTO grants (user_id, role, org_id, created_at)
         SELECT u.id, 'staff', o.id, 0 FROM users u, orgs o
          WHERE u.username = 'member-bl-p07' AND o.code = 'beilin-nanyuanmen'",
    )
    .execute(t.db.pool())
    .await
    .unwrap();
    let street = actor(&t, "member-bl-p07").await;
    assert!(xieshang_store::party::staff_body(&t.db, &street)
        .await
        .unwrap()
        .is_none());
    assert!(xieshang_store::supervision::staff_body(&t.db, &street)
        .await
        .unwrap()
        .is_none());
}
