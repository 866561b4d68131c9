//! Browser test: key proposals and the public pages of issue 29. The
//! district's leader votes in the key-proposal ballot on a phone: two ticks
//! for a quota of one are refused with the ticks kept, one tick is taken;
//! anyone reads the body's public proposals, searches them and opens one, at
//! desktop and phone size. The pages pass the accessibility engine.

use crate::consult::submit;
use xieshang_core::proposal::Text;
use xieshang_store::proposal::{self, key, review};

async fn actor(db: &xieshang_store::Db, username: &str) -> xieshang_core::Actor {
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(db.pool())
        .await
        .unwrap();
    xieshang_store::account::user::actor(db, id).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_votes_on_a_phone_and_the_public_reads_the_proposals() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let db = &d.t.db;
    let body: i64 = sqlx::query_scalar("SELECT id FROM orgs WHERE code = 'yanliang'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let category = proposal::settings::entries(db, body, proposal::settings::List::Category, false)
        .await
        .unwrap()[0]
        .id;
    let committee = actor(db, "committee").await;
    let mut ids = Vec::new();
    for (who, title, sugg) in [
        (
            "member-fh-03",
            "关于校门口交通安全的建议",
            "设置潮汐车道和护学岗",
        ),
        (
            "member-fh-04",
            "关于老旧小区加装电梯的建议",
            "简化审批，分类补贴",
        ),
    ] {
        let author = actor(db, who).await;
        let text = Text {
            title: title.into(),
            situation: "上下学时段人车混行，家长反映强烈。".into(),
            analysis: "缺少交通组织和护学力量。".into(),
            suggestions: sugg.into(),
        };
        let id = proposal::create_draft(db, &author, &text, Some(category))
            .await
            .unwrap();
        key::disclosure::set(db, &author, id, true, "")
            .await
            .unwrap();
        proposal::file(db, &author, id).await.unwrap();
        review::decide(
            db,
            &committee,
            id,
            review::Decision::Accept { category: None },
        )
        .await
        .unwrap();
        key::nominate(db, &committee, id).await.unwrap();
        ids.push(id);
    }
    let session = proposal::get(
        db,
        &committee,
        xieshang_core::Permission::ProposalView,
        ids[0],
    )
    .await
    .unwrap()
    .session_id
    .unwrap();
    let ballot = key::open_ballot(db, &committee, session, Some(1), db.now_ms() + 86_400_000)
        .await
        .unwrap();
    let axe = crate::a11y::axe_source();
    let mut serious = Vec::new();

    // The leader votes on a phone, from the link on the home page.
    c.set_window_size(390, 844).await.unwrap();
    crate::login(c, base, "leader").await;
    c.goto(&format!("{base}/")).await.unwrap();
    submit(c, "a[href=\"/proposals/ballot\"]").await;
    for id in &ids {
        crate::click(c, &format!("#pick-{ballot}-{id}")).await;
    }
    submit(c, &format!("#vote-{ballot}")).await;
    assert!(crate::text_of(c, "#error-summary")
        .await
        .contains("超过名额"));
    let kept = c
        .execute(
            "return document.querySelectorAll('input[name=pick]:checked').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, serde_json::json!(2));
    crate::shot(c, "key-ballot-refused-phone").await;
    if let Some(axe) = &axe {
        serious.extend(crate::a11y::serious_here(c, axe, "ballot with errors").await);
        c.set_window_size(390, 844).await.unwrap();
    }
    crate::click(c, &format!("#pick-{ballot}-{}", ids[1])).await;
    submit(c, &format!("#vote-{ballot}")).await;
    let checked = c
        .execute(
            "return Array.from(document.querySelectorAll('input[name=pick]:checked')).map(e => e.value);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(checked, serde_json::json!([ids[0].to_string()]));
    crate::shot(c, "key-ballot-voted-phone").await;
    crate::logout(c).await;

    // Anyone reads the public proposals, searches, opens one.
    c.set_window_size(1280, 900).await.unwrap();
    c.goto(&format!("{base}/units/{body}/proposals"))
        .await
        .unwrap();
    crate::type_in(c, "#q", "潮汐").await;
    submit(c, "#public-search button").await;
    let list = crate::text_of(c, "main").await;
    assert!(list.contains("关于校门口交通安全的建议"));
    assert!(!list.contains("关于老旧小区加装电梯的建议"));
    crate::shot(c, "key-public-search-desktop").await;
    if let Some(axe) = &axe {
        serious.extend(crate::a11y::serious_here(c, axe, "public list").await);
        c.set_window_size(1280, 900).await.unwrap();
    }
    submit(
        c,
        &format!("a[href=\"/units/{body}/proposals/{}\"]", ids[0]),
    )
    .await;
    assert!(crate::text_of(c, "#text")
        .await
        .contains("设置潮汐车道和护学岗"));
    c.set_window_size(390, 844).await.unwrap();
    crate::shot(c, "key-public-one-phone").await;
    if let Some(axe) = &axe {
        serious.extend(crate::a11y::serious_here(c, axe, "public proposal").await);
    }
    d.finish().await;
    assert!(serious.is_empty(), "{serious:#?}");
}
