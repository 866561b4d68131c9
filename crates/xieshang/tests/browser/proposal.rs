//! Browser test: a proposal of issue 29 in Chromium, from drafting to
//! acceptance. member-fh-01 drafts one on traffic safety by the schools at
//! desktop size (what she types is kept on the device and offered back when
//! the page opens again) and invites member-fh-02, who confirms on her phone; the
//! initiator files it; the proposal committee accepts it and it gets its
//! number (第2号: the demo accepted 第1号 of the session).

use crate::consult::submit;
use fantoccini::Locator;

/// Chooses an option of a `<select>` by its value.
async fn choose(c: &fantoccini::Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![id.into(), value.into()],
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proposal_is_drafted_cosigned_filed_and_accepted() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let db = &d.t.db;
    let category: i64 = sqlx::query_scalar(
        "SELECT c.id FROM proposal_options c JOIN orgs o ON o.id = c.org_id
          WHERE o.code = 'yanliang' AND c.list = 'category' AND c.name = '城乡建设'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let fh2: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'member-fh-02'")
        .fetch_one(db.pool())
        .await
        .unwrap();

    // The member drafts at desktop size, from the link on her page.
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, base, "member-fh-01").await;
    c.goto(&format!("{base}/proposals/mine")).await.unwrap();
    crate::click(c, "#new-proposal").await;
    // What is typed is kept on the device: the page opened again (a lost
    // connection, a closed tab) offers it back.
    crate::type_in(c, "#title", "关于校门口施划人行横道的建议").await;
    c.goto(&format!("{base}/proposals/new")).await.unwrap();
    crate::click(c, "#draft-restore").await;
    let restored = c
        .execute("return document.getElementById('title').value;", vec![])
        .await
        .unwrap();
    assert_eq!(restored, serde_json::json!("关于校门口施划人行横道的建议"));
    choose(c, "category", &category.to_string()).await;
    crate::type_in(c, "#situation", "凤凰路中学门前上下学时段人车混行。").await;
    crate::type_in(c, "#analysis", "路口没有人行横道，也没有限速标志。").await;
    crate::type_in(c, "#suggestions", "一、施划人行横道；二、设置限速标志。").await;
    submit(c, "#save-draft").await;
    let url = c.current_url().await.unwrap();
    let id: i64 = url
        .path()
        .trim_start_matches("/proposals/")
        .parse()
        .unwrap_or_else(|_| panic!("{url}"));
    // The text kept while it was new went with the saved draft.
    c.goto(&format!("{base}/proposals/new")).await.unwrap();
    let offered = c
        .execute(
            "return document.getElementById('draft-restore').hidden;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(offered, serde_json::json!(true));
    c.goto(&format!("{base}/proposals/{id}")).await.unwrap();
    choose(c, "cosigner", &fh2.to_string()).await;
    submit(c, "#invite").await;
    assert!(crate::text_of(c, "#signers").await.contains("待确认"));
    crate::shot(c, "proposal-draft-desktop").await;
    crate::logout(c).await;

    // The co-signer confirms on her phone.
    c.set_window_size(390, 844).await.unwrap();
    crate::login(c, base, "member-fh-02").await;
    c.goto(&format!("{base}/proposals/mine")).await.unwrap();
    let link = format!("#to-sign a[href=\"/proposals/{id}\"]");
    submit(c, &link).await;
    submit(c, "#confirm").await;
    assert!(crate::text_of(c, "#signers").await.contains("已确认联名"));
    crate::shot(c, "proposal-cosign-phone").await;
    crate::logout(c).await;

    // The initiator files it.
    c.set_window_size(1280, 900).await.unwrap();
    crate::login(c, base, "member-fh-01").await;
    c.goto(&format!("{base}/proposals/{id}")).await.unwrap();
    submit(c, "#file").await;
    assert_eq!(crate::text_of(c, "#state").await, "已提交，待审查");
    crate::logout(c).await;

    // The committee finds it in its queue and accepts it.
    crate::login(c, base, "committee").await;
    c.goto(&format!("{base}/proposals/review")).await.unwrap();
    submit(c, &format!("#filed a[href=\"/proposals/{id}\"]")).await;
    crate::click(c, "#decide-accept").await;
    submit(c, "#decide").await;
    assert_eq!(crate::text_of(c, "#state").await, "已立案");
    assert!(crate::text_of(c, "#number").await.contains("第2号"));
    c.find(Locator::Css("#timeline")).await.unwrap();
    crate::shot(c, "proposal-accepted-desktop").await;
    crate::logout(c).await;
    d.finish().await;
}
