//! Issue 29 point 14: the whole story of a proposal in Chromium, through the
//! real pages as each person would go through them. member-fh-01 logs a
//! visitor's matter on school-gate traffic at her duty page and marks it as a
//! proposal lead, adopts it from the leads list into a draft (which shows the
//! similar items), writes it, lets it be public, invites member-fh-02 and
//! member-fh-03, who confirm, and files it; the committee accepts it (第N号)
//! and assigns 阎良区交通运输局 to lead with 阎良区教育局 co-handling; the
//! education bureau's handler objects within the window and the committee
//! puts 阎良区城市管理和综合执法局 in its place; the transport bureau's
//! handler contacts the proposer and replies class B; she is unsatisfied; the
//! second reply is class A and she is satisfied; the committee nominates it,
//! opens the leaders' ballot, the leader votes, the committee closes it and
//! it is a key proposal; her duty record counts it, and staff see her score
//! grow by the rule's points; the body's public page lists it with its reply.
//!
//! Screenshots at phone (390×844) and desktop (1280×900) size at the key
//! steps go to target/screenshots/story-*.png; the accessibility engine runs
//! on the pages the story passes when axe-core is installed.

use crate::consult::submit;
use fantoccini::{Client, Locator};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 900);

/// Screenshots of the current page at desktop and phone size, scrolled to
/// `anchor` when given; the window is left at desktop size.
async fn shots(c: &Client, name: &str, anchor: Option<&str>) {
    for ((w, h), size) in [(DESKTOP, "desktop"), (PHONE, "phone")] {
        c.set_window_size(w, h).await.unwrap();
        if let Some(a) = anchor {
            c.execute(
                "document.querySelector(arguments[0]).scrollIntoView();",
                vec![a.into()],
            )
            .await
            .unwrap();
        }
        crate::shot(c, &format!("story-{name}-{size}")).await;
    }
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

/// [`shots`], and the accessibility engine's serious findings (and any
/// sideways scrolling) on the page into `serious`.
async fn look(
    c: &Client,
    axe: &Option<String>,
    serious: &mut Vec<String>,
    name: &str,
    anchor: Option<&str>,
) {
    shots(c, name, anchor).await;
    if let Some(axe) = axe {
        serious.extend(crate::a11y::serious_here(c, axe, name).await);
    }
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

/// Logs in from the home page and follows the link of "what waits for you"
/// to `href`.
async fn from_home(c: &Client, base: &str, user: &str, href: &str) {
    crate::login(c, base, user).await;
    c.goto(&format!("{base}/")).await.unwrap();
    submit(c, &format!("#today a[href=\"{href}\"]")).await;
}

/// Replaces what a field holds with `text`.
async fn retype(c: &Client, css: &str, text: &str) {
    let e = c.wait().for_element(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

/// Chooses the option of a `<select>` whose text contains `label`.
async fn choose(c: &Client, select: &str, label: &str) {
    c.find(Locator::XPath(&format!(
        "//select[@id='{select}']/option[contains(., '{label}')]"
    )))
    .await
    .unwrap_or_else(|e| panic!("{select}: {label}: {e}"))
    .click()
    .await
    .unwrap();
}

/// The id of the checkbox or radio button whose label contains `label`.
async fn input_by_label(c: &Client, scope: &str, label: &str) -> String {
    c.find(Locator::XPath(&format!(
        "//*[@id='{scope}']//label[contains(., '{label}')]/input"
    )))
    .await
    .unwrap_or_else(|e| panic!("{scope}: {label}: {e}"))
    .attr("id")
    .await
    .unwrap()
    .unwrap()
}

/// A member's total on the street's scores page, as staff read it (from the
/// organisation tree, the street's page, its scores), with the rule table's
/// points per item.
async fn scores_as_staff(
    c: &Client,
    base: &str,
    names: &[&str],
) -> (Vec<i64>, std::collections::BTreeMap<String, i64>) {
    crate::login(c, base, "staff").await;
    submit(c, "#nav-orgs").await;
    let street = c
        .find(Locator::XPath(
            "//*[@id='org-tree']//a[normalize-space()='凤凰街道']",
        ))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    submit(c, &format!("#org-tree a[href=\"{street}\"]")).await;
    submit(c, "#scores-link").await;
    let mut totals = Vec::new();
    for name in names {
        let cell = c
            .find(Locator::XPath(&format!(
                "//table[@id='scores']//tr[td/a[normalize-space()='{name}']]/td[@class='score']"
            )))
            .await
            .unwrap_or_else(|e| panic!("{name} on the scores page: {e}"));
        totals.push(cell.text().await.unwrap().trim().parse::<i64>().unwrap());
    }
    let rules: Vec<(String, String)> = serde_json::from_value(
        c.execute(
            "return Array.from(document.querySelectorAll('#rules tbody tr')).map(r => \
               [r.querySelector('th').id.replace('rule-', ''), \
                (r.querySelector('td input') || r.querySelector('td')).value \
                  || r.querySelector('td').innerText]);",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    let rules = rules
        .into_iter()
        .map(|(item, points)| (item, points.trim().parse::<i64>().unwrap()))
        .collect();
    (totals, rules)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposal_story_in_chromium() {
    let Some(d) = crate::demo().await else { return };
    let (c, base) = (&d.c, d.base.as_str());
    let db = &d.t.db;
    let name_of = |user: &'static str| async move {
        sqlx::query_scalar::<_, String>("SELECT display_name FROM users WHERE username = $1")
            .bind(user)
            .fetch_one(db.pool())
            .await
            .unwrap()
    };
    let (fh1, fh2, fh3) = (
        name_of("member-fh-01").await,
        name_of("member-fh-02").await,
        name_of("member-fh-03").await,
    );
    let axe = crate::a11y::axe_source();
    let mut serious = Vec::new();
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();

    // Before the story: the three members' scores as staff see them.
    let (before, rules) = scores_as_staff(c, base, &[&fh1, &fh2, &fh3]).await;
    crate::logout(c).await;
    // The DOMAIN.md points are the default rule rows.
    assert_eq!(rules.get("proposal_accepted"), Some(&15), "{rules:?}");
    assert_eq!(rules.get("proposal_cosigned"), Some(&3), "{rules:?}");
    assert_eq!(rules.get("proposal_key"), Some(&15), "{rules:?}");
    assert_eq!(rules.get("proposal_adopted"), Some(&5), "{rules:?}");

    // 1. A visitor's matter, logged on her phone and marked as a proposal lead.
    let matter = "凤凰路中学门前上下学时段人车混行，家长希望施划人行横道、设置限速标志。";
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "member-fh-01").await;
    submit(c, "#nav-duty").await;
    crate::type_in(c, "#matter", matter).await;
    crate::type_in(c, "#action_taken", "记录为提案线索").await;
    submit(c, "#log-reception").await;
    let mark = c
        .find(Locator::XPath(
            "//ol[@id='receptions']/li[contains(., '凤凰路中学门前')]//button[starts-with(@id, 'lead-proposal-')]",
        ))
        .await
        .expect("the reception can be marked as a lead")
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    submit(c, &format!("#{mark}")).await;
    let logged = crate::text_of(c, "#receptions").await;
    assert!(logged.contains("提案线索"), "{logged}");

    // 2. She adopts it from the leads list into a draft, at desktop size.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    c.goto(&format!("{base}/")).await.unwrap();
    submit(c, "#today a[href=\"/proposals/mine\"]").await;
    submit(c, "#open-leads").await;
    let adopt = c
        .find(Locator::XPath(
            "//table[@id='leads']//tr[contains(., '凤凰路中学门前')]//button[starts-with(@id, 'adopt-')]",
        ))
        .await
        .expect("the reception is in the leads list")
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    submit(c, &format!("#{adopt}")).await;
    let url = c.current_url().await.unwrap();
    let id: i64 = url
        .path()
        .trim_start_matches("/proposals/")
        .parse()
        .unwrap_or_else(|_| panic!("{url}"));
    assert!(crate::text_of(c, "#lead-source")
        .await
        .contains("凤凰路中学门前"));
    let situation = c
        .execute("return document.getElementById('situation').value;", vec![])
        .await
        .unwrap();
    assert_eq!(situation, serde_json::json!(matter), "the lead's words");
    retype(c, "#title", "关于加强学校门前交通安全的建议").await;
    choose(c, "category", "城乡建设").await;
    retype(
        c,
        "#situation",
        "凤凰路中学门前上下学时段人车混行，家长反映强烈。",
    )
    .await;
    retype(c, "#analysis", "路口没有人行横道，也没有限速标志。").await;
    retype(
        c,
        "#suggestions",
        "一、施划人行横道；二、设置限速标志；三、上下学时段安排护学岗。",
    )
    .await;
    submit(c, "#save-draft").await;
    // The proposal and its reply may be public.
    crate::click(c, "#disclosure-public").await;
    submit(c, "#save-disclosure").await;
    // The draft shows her proposal of last year's session on the same
    // gates, with its reply (the demo's).
    let similar = crate::text_of(c, "#similar-proposals").await;
    assert!(
        similar.contains("关于在凤凰路中学门前设置限速标志的建议")
            && similar.contains("答复B类")
            && similar.contains("列入下一年度道路改造计划"),
        "{similar}"
    );
    look(c, &axe, &mut serious, "draft", Some("#similar")).await;

    // Two co-signers invited; each confirms on her phone.
    for who in [&fh2, &fh3] {
        choose(c, "cosigner", who).await;
        submit(c, "#invite").await;
    }
    let signers = crate::text_of(c, "#signers").await;
    assert!(
        signers.contains(fh2.as_str()) && signers.contains(fh3.as_str()),
        "{signers}"
    );
    crate::logout(c).await;
    for who in ["member-fh-02", "member-fh-03"] {
        c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
        from_home(c, base, who, "/proposals/mine").await;
        submit(c, &format!("#to-sign a[href=\"/proposals/{id}\"]")).await;
        submit(c, "#confirm").await;
        crate::logout(c).await;
    }

    // She files it.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    from_home(c, base, "member-fh-01", "/proposals/mine").await;
    submit(c, &format!("#written a[href=\"/proposals/{id}\"]")).await;
    let signers = crate::text_of(c, "#signers").await;
    assert_eq!(signers.matches("已确认联名").count(), 2, "{signers}");
    submit(c, "#file").await;
    assert_eq!(crate::text_of(c, "#state").await, "已提交，待审查");
    crate::logout(c).await;

    // 3. The committee accepts it with its number and assigns it.
    from_home(c, base, "committee", "/proposals/review").await;
    submit(c, &format!("#filed a[href=\"/proposals/{id}\"]")).await;
    crate::click(c, "#decide-accept").await;
    look(c, &axe, &mut serious, "review", Some("#review-form")).await;
    submit(c, "#decide").await;
    assert_eq!(crate::text_of(c, "#state").await, "已立案");
    let number = crate::text_of(c, "#number").await;
    // The demo accepted 第1号 of this session.
    assert!(number.contains("第2号"), "{number}");
    let number = number.rsplit(' ').next().unwrap().to_owned();
    choose(c, "lead", "阎良区交通运输局").await;
    let jyj = input_by_label(c, "co", "阎良区教育局").await;
    crate::click(c, &format!("#{jyj}")).await;
    submit(c, "#assign").await;
    let assigned = crate::text_of(c, "#assigned").await;
    assert!(
        assigned.contains("阎良区交通运输局（主办单位）")
            && assigned.contains("阎良区教育局（会办单位）"),
        "{assigned}"
    );
    assert_eq!(crate::text_of(c, "#state").await, "已交办");
    crate::logout(c).await;

    // 4. 区教育局 objects within its window.
    from_home(c, base, "handler-jyj", "/proposals/assigned").await;
    submit(c, &format!("#assigned-list a[href=\"/proposals/{id}\"]")).await;
    crate::type_in(c, "#objection", "学校周边道路交通设施不属于我局职责").await;
    submit(c, "#object").await;
    let units = crate::text_of(c, "#handling-units").await;
    assert!(units.contains("不属于我局职责"), "{units}");
    crate::logout(c).await;

    // The committee, told of the objection, replaces it with 区城管局.
    crate::login(c, base, "committee").await;
    submit(c, "#nav-notifications").await;
    let told = crate::text_of(c, "#notifications").await;
    assert!(told.contains("关于加强学校门前交通安全的建议"), "{told}");
    submit(c, &format!("#notifications a[href=\"/proposals/{id}\"]")).await;
    let cgj = input_by_label(c, "reassign-form", "阎良区城市管理和综合执法局").await;
    crate::click(c, &format!("#{cgj}")).await;
    submit(c, "#reassign").await;
    let assigned = crate::text_of(c, "#assigned").await;
    assert!(
        assigned.contains("阎良区交通运输局（主办单位）")
            && assigned.contains("阎良区城市管理和综合执法局（会办单位）")
            && !assigned.contains("阎良区教育局"),
        "{assigned}"
    );
    crate::logout(c).await;

    // 5. The transport bureau contacts the proposer and replies class B.
    unit_replies(
        c,
        base,
        id,
        "phone",
        "阎交函〔2026〕12号",
        "B",
        "已列入明年道路改造计划，先行设置临时限速标志。",
        Some((&axe, &mut serious)),
    )
    .await;

    // 6. The proposer is unsatisfied: a second round.
    proposer_rates(c, base, id, "unsatisfied", "希望尽快施划人行横道。", None).await;
    assert_eq!(crate::text_of(c, "#round").await, "2");
    assert_eq!(crate::text_of(c, "#state").await, "重新办理");
    crate::logout(c).await;

    // 7. The second reply is class A; she is satisfied.
    unit_replies(
        c,
        base,
        id,
        "visit",
        "阎交函〔2026〕20号",
        "A",
        "人行横道和限速标志已施划设置完毕，上下学时段安排护学岗。",
        None,
    )
    .await;
    proposer_rates(c, base, id, "satisfied", "", Some((&axe, &mut serious))).await;
    assert_eq!(crate::text_of(c, "#state").await, "已办结");
    let evaluations = crate::text_of(c, "#evaluations").await;
    assert!(
        evaluations.contains("不满意") && evaluations.contains("满意"),
        "{evaluations}"
    );
    let replies = crate::text_of(c, "#handling").await;
    assert!(
        replies.contains("阎交函〔2026〕12号") && replies.contains("阎交函〔2026〕20号"),
        "{replies}"
    );
    shots(c, "handled", Some("#handling")).await;
    crate::logout(c).await;

    // 8. The committee nominates it and opens the leaders' ballot.
    crate::login(c, base, "committee").await;
    c.goto(&format!("{base}/proposals/review")).await.unwrap();
    c.goto(&format!("{base}/proposals/{id}")).await.unwrap();
    submit(c, "#nominate").await;
    assert_eq!(
        crate::text_of(c, "#key-status").await,
        "已提名为重点提案候选"
    );
    c.goto(&format!("{base}/")).await.unwrap();
    submit(c, "#today a[href=\"/proposals/ballots\"]").await;
    let waiting = crate::text_of(c, "#waiting").await;
    assert!(
        waiting.contains("关于加强学校门前交通安全的建议"),
        "{waiting}"
    );
    submit(c, "#waiting form button[type=submit]").await;
    let ballot = c
        .find(Locator::Css("#ballots [id^='close-']"))
        .await
        .expect("an open ballot")
        .attr("id")
        .await
        .unwrap()
        .unwrap()
        .trim_start_matches("close-")
        .to_owned();
    crate::logout(c).await;

    // The leader votes on a phone, from the home page.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    from_home(c, base, "leader", "/proposals/ballot").await;
    crate::click(c, &format!("#pick-{ballot}-{id}")).await;
    let candidate = crate::text_of(c, &format!("#picks-{ballot}")).await;
    assert!(candidate.contains(&number), "{candidate}");
    look(
        c,
        &axe,
        &mut serious,
        "ballot",
        Some(&format!("#ballot-{ballot}")),
    )
    .await;
    submit(c, &format!("#vote-{ballot}")).await;
    let mine = c
        .execute(
            "return Array.from(document.querySelectorAll('input[name=pick]:checked')).map(e => e.value);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(mine, serde_json::json!([id.to_string()]));
    crate::logout(c).await;

    // The committee closes it: the proposal is a key proposal.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    from_home(c, base, "committee", "/proposals/ballots").await;
    submit(c, &format!("#close-{ballot}")).await;
    let result = crate::text_of(c, &format!("#ballot-{ballot}-result")).await;
    assert!(
        result.contains("关于加强学校门前交通安全的建议") && result.contains("重点提案"),
        "{result}"
    );
    c.goto(&format!("{base}/proposals/{id}")).await.unwrap();
    assert!(crate::text_of(c, "#key-status").await.contains("重点提案"));
    crate::logout(c).await;

    // 9. Her duty record counts it.
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    crate::login(c, base, "member-fh-01").await;
    submit(c, "#nav-my").await;
    submit(c, "#record-link").await;
    assert_eq!(crate::text_of(c, "#proposals-accepted").await, "1");
    assert_eq!(crate::text_of(c, "#proposals-key").await, "1");
    assert_eq!(crate::text_of(c, "#proposals-adopted").await, "1");
    let leads = crate::text_of(c, "#receptions-leads").await;
    assert_eq!(leads, "1", "the reception marked as a lead");
    look(c, &axe, &mut serious, "duty-record", Some("#duty-record")).await;
    crate::logout(c).await;

    // Staff see her score grow by the rule's points: the reception, the
    // accepted proposal, the key proposal, the adopted one (class A); each
    // co-signer's by the co-signature's.
    let (after, _) = scores_as_staff(c, base, &[&fh1, &fh2, &fh3]).await;
    let points = |item: &str| rules[item];
    assert_eq!(
        after[0] - before[0],
        points("reception")
            + points("proposal_accepted")
            + points("proposal_key")
            + points("proposal_adopted"),
        "{before:?} → {after:?}"
    );
    assert_eq!(after[1] - before[1], points("proposal_cosigned"));
    assert_eq!(after[2] - before[2], points("proposal_cosigned"));
    look(c, &axe, &mut serious, "scores", Some("#scores")).await;
    shots(c, "score-rules", Some("#rules")).await;
    crate::logout(c).await;

    // 10. Anyone finds it on the body's public page, with its reply.
    let body: i64 = sqlx::query_scalar("SELECT id FROM orgs WHERE code = 'yanliang'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    c.goto(&format!("{base}/units/{body}/proposals"))
        .await
        .unwrap();
    crate::type_in(c, "#q", "人行横道").await;
    submit(c, "#public-search button").await;
    let entry = c
        .find(Locator::XPath(
            "//section[contains(@class, 'public-proposal')][.//a[normalize-space()='关于加强学校门前交通安全的建议']]",
        ))
        .await
        .expect("the proposal on the public list");
    let text = entry.text().await.unwrap();
    for part in [
        number.as_str(),
        "重点提案",
        "A类",
        fh1.as_str(),
        fh2.as_str(),
        fh3.as_str(),
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    look(c, &axe, &mut serious, "public-list", None).await;
    submit(c, &format!("a[href=\"/units/{body}/proposals/{id}\"]")).await;
    let reply = crate::text_of(c, "#reply").await;
    assert!(
        reply.contains("A类") && reply.contains("人行横道和限速标志已施划设置完毕"),
        "{reply}"
    );
    let page = crate::text_of(c, "main").await;
    assert!(
        !page.contains("1380") && !page.contains("1391"),
        "no phone numbers"
    );
    look(c, &axe, &mut serious, "public-one", Some("#reply")).await;
    d.finish().await;
    assert!(serious.is_empty(), "{serious:#?}");
}

type Audit<'a> = Option<(&'a Option<String>, &'a mut Vec<String>)>;

/// The transport bureau's handler records the contact with the proposer and
/// replies with `class`, at desktop size.
#[allow(clippy::too_many_arguments)]
async fn unit_replies(
    c: &Client,
    base: &str,
    id: i64,
    way: &str,
    doc: &str,
    class: &str,
    body: &str,
    audit: Audit<'_>,
) {
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    from_home(c, base, "handler-jtj", "/proposals/assigned").await;
    let queue = crate::text_of(c, "#assigned-list").await;
    assert!(queue.contains("关于加强学校门前交通安全的建议"), "{queue}");
    submit(c, &format!("#assigned-list a[href=\"/proposals/{id}\"]")).await;
    crate::click(c, &format!("#way-{way}")).await;
    crate::type_in(c, "#contact_note", "与提案人沟通办理思路，听取意见。").await;
    submit(c, "#record-contact").await;
    crate::type_in(c, "#doc_number", doc).await;
    crate::click(c, &format!("#class-{class}")).await;
    crate::type_in(c, "#reply_body", body).await;
    if let Some((axe, serious)) = audit {
        look(c, axe, serious, "reply-form", Some("#reply-form")).await;
    }
    submit(c, "#send-reply").await;
    let handling = crate::text_of(c, "#handling").await;
    assert!(
        handling.contains(doc) && handling.contains(body),
        "{handling}"
    );
    crate::logout(c).await;
}

/// The proposer rates the round's reply on her phone, from her proposals.
async fn proposer_rates(
    c: &Client,
    base: &str,
    id: i64,
    rating: &str,
    comment: &str,
    audit: Audit<'_>,
) {
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    from_home(c, base, "member-fh-01", "/proposals/mine").await;
    submit(
        c,
        &format!("#to-rate a[href=\"/proposals/{id}#evaluate-form\"]"),
    )
    .await;
    crate::click(c, &format!("#rating-{rating}")).await;
    crate::click(c, "#consulted-satisfied").await;
    if !comment.is_empty() {
        crate::type_in(c, "#comment", comment).await;
    }
    if let Some((axe, serious)) = audit {
        look(c, axe, serious, "evaluation", Some("#evaluate-form")).await;
    }
    submit(c, "#send-rating").await;
}
