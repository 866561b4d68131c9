//! Browser test: the member's phone home (履职通, issue 30 point 6) at phone
//! size. member-fh-01 logs in and lands on it; from there she opens her duty
//! page and types a visitor's matter into the reception form; the page opened
//! again (as after a lost connection or a closed tab) has the draft back; a
//! refused form keeps it too; once the reception is logged the draft is gone.

use fantoccini::Locator;

async fn value_of(c: &fantoccini::Client, id: &str) -> serde_json::Value {
    c.execute(
        "return document.getElementById(arguments[0]).value;",
        vec![id.into()],
    )
    .await
    .unwrap()
}

async fn kept(c: &fantoccini::Client) -> serde_json::Value {
    c.execute("return localStorage.getItem('xs-draft:reception');", vec![])
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_s_reception_draft_survives_on_the_phone() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    c.set_window_size(390, 844).await.unwrap();
    crate::login(c, base, "member-fh-01").await;
    // She lands on her phone home.
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/today");
    let to_sign = crate::text_of(c, "#today-to-sign").await;
    assert!(
        to_sign.contains("关于加强中小学生心理健康教育的建议"),
        "{to_sign}"
    );
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::json!(true), "no sideways scrolling");
    crate::shot(c, "today-phone-home").await;

    // She starts logging a visitor's matter.
    crate::click(c, "#today-receptions a[href=\"/duty\"]").await;
    c.wait()
        .for_element(Locator::Css("#reception-form"))
        .await
        .unwrap();
    crate::type_in(c, "#matter", "小区充电桩不够用，电动车在楼道里充电").await;
    crate::type_in(c, "#action_taken", "记下诉求，答应向街道反映").await;
    assert_ne!(kept(c).await, serde_json::Value::Null, "kept while typing");
    // The page opened again from scratch: what she typed is back.
    c.goto(&format!("{base}/today")).await.unwrap();
    c.goto(&format!("{base}/duty")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#reception-form"))
        .await
        .unwrap();
    assert_eq!(
        value_of(c, "matter").await,
        serde_json::json!("小区充电桩不够用，电动车在楼道里充电")
    );
    assert_eq!(
        value_of(c, "action_taken").await,
        serde_json::json!("记下诉求，答应向街道反映")
    );
    let note = c
        .find(Locator::Css("#draft-note"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap();
    assert!(note, "she is told the draft came back");
    crate::shot(c, "today-reception-draft-restored-phone").await;

    // A refused form (a phone number that is not one) loses nothing either.
    crate::type_in(c, "#phone", "12345").await;
    crate::click(c, "#log-reception").await;
    c.wait().for_element(Locator::Css("p.error")).await.unwrap();
    assert_eq!(
        value_of(c, "matter").await,
        serde_json::json!("小区充电桩不够用，电动车在楼道里充电")
    );
    assert_eq!(value_of(c, "phone").await, serde_json::json!("12345"));

    // Corrected and logged: the draft is dropped and the form is empty.
    c.find(Locator::Css("#phone"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    crate::type_in(c, "#phone", "13712345678").await;
    crate::click(c, "#log-reception").await;
    c.wait()
        .for_element(Locator::Css("#receptions"))
        .await
        .unwrap();
    let logged = crate::text_of(c, "#receptions").await;
    assert!(logged.contains("小区充电桩不够用"), "{logged}");
    assert_eq!(
        kept(c).await,
        serde_json::Value::Null,
        "the draft is dropped"
    );
    c.goto(&format!("{base}/duty")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("#reception-form"))
        .await
        .unwrap();
    assert_eq!(value_of(c, "matter").await, serde_json::json!(""));
    // The reception now waits on her phone home (a lead is not marked, no
    // concern filed: logged and done, so not listed).
    c.goto(&format!("{base}/today")).await.unwrap();
    let receptions = crate::text_of(c, "#today-receptions").await;
    assert!(!receptions.contains("小区充电桩不够用"), "{receptions}");
}
