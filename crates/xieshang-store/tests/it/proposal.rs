//! Proposals (issue 29) on the item engine: a body's terms, sessions and
//! lists; drafting with co-signers of the same body (the initiator first),
//! filing when every co-signer has answered, the committee's decisions with
//! their reasons on the timeline; and acceptances at the same instant,
//! through two connection pools (two server processes), numbered 1..n with
//! no gap and no repeat.

use crate::{actor, HASH};
use xieshang_core::item::State;
use xieshang_core::proposal::Text;
use xieshang_core::{Denied, Role};
use xieshang_store::db::Db;
use xieshang_store::item::TransitionError;
use xieshang_store::proposal::{self, review, settings};
use xieshang_store::testing::TestDb;
use xieshang_store::{account::user, org, seed, Error};

fn field_of(e: &Error) -> Option<(&'static str, &'static str)> {
    match e {
        Error::Invalid { field, key, .. } => Some((*field, *key)),
        _ => None,
    }
}

fn field_of_t(e: &TransitionError) -> Option<(&'static str, &'static str)> {
    match e {
        TransitionError::Store(e) => field_of(e),
        _ => None,
    }
}

fn text(title: &str, suggestions: &str) -> Text {
    Text {
        title: title.into(),
        situation: "学校门前道路人车混行。".into(),
        analysis: "缺少人行横道和限速标志。".into(),
        suggestions: suggestions.into(),
    }
}

async fn city() -> TestDb {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    t
}

/// A member of 碑林区 (another body), made by the administrator.
async fn beilin_member(t: &TestDb) -> xieshang_core::Actor {
    let admin = actor(t, "admin").await;
    let street = org::by_code_unchecked(&t.db, "beilin-nanyuanmen")
        .await
        .unwrap();
    let id = user::create(&t.db, &admin, "member-bl-01", "碑林委员", HASH, street.id)
        .await
        .unwrap();
    user::grant(&t.db, &admin, id, Role::Member, street.id)
        .await
        .unwrap();
    user::actor(&t.db, id).await.unwrap()
}

async fn category(db: &Db, body: i64, name: &str) -> i64 {
    settings::entries(db, body, settings::List::Category, false)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap()
        .id
}

/// A filed proposal of `author` (no co-signer).
async fn filed(t: &TestDb, author: &xieshang_core::Actor, title: &str) -> i64 {
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    let c = category(&t.db, yanliang.id, "城乡建设").await;
    let id = proposal::create_draft(&t.db, author, &text(title, "增设标志"), Some(c))
        .await
        .unwrap();
    assert_eq!(
        proposal::file(&t.db, author, id).await.unwrap(),
        State::Submitted
    );
    id
}

#[tokio::test]
async fn a_body_keeps_its_terms_sessions_and_lists() {
    let t = city().await;
    let staff = actor(&t, "staff-beilin").await;
    let beilin = org::by_code_unchecked(&t.db, "beilin").await.unwrap();
    // No lists before the first term; then the defaults.
    assert!(
        settings::entries(&t.db, beilin.id, settings::List::Category, true)
            .await
            .unwrap()
            .is_empty()
    );
    let term = settings::create_term(
        &t.db,
        &staff,
        beilin.id,
        "第十届",
        "2022-01-06",
        "2027-01-31",
    )
    .await
    .unwrap();
    let cats = settings::entries(&t.db, beilin.id, settings::List::Category, false)
        .await
        .unwrap();
    let names: Vec<_> = cats.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        &names[..4],
        ["经济建设", "城乡建设", "教育文化", "社会事业"]
    );
    assert_eq!(
        settings::entries(&t.db, beilin.id, settings::List::Ground, false)
            .await
            .unwrap()
            .len(),
        10
    );
    // An overlapping term, a session outside its term: refused on their field.
    let e = settings::create_term(
        &t.db,
        &staff,
        beilin.id,
        "第十一届",
        "2026-06-01",
        "2031-01-01",
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(&e), Some(("name", "err.proposal.term_overlap")));
    let e = settings::create_session(
        &t.db,
        &staff,
        term,
        "第一次会议",
        "2021-01-08",
        "2021-01-11",
    )
    .await
    .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("closes_on", "err.proposal.session_dates"))
    );
    let e = settings::create_term(&t.db, &staff, beilin.id, "第十一届", "2031-01-01", "bad")
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("ends_on", "err.proposal.day")));
    settings::create_session(
        &t.db,
        &staff,
        term,
        "第一次会议",
        "2022-01-08",
        "2022-01-11",
    )
    .await
    .unwrap();
    assert_eq!(settings::sessions(&t.db, beilin.id).await.unwrap().len(), 1);
    // Lists are edited: a category added, one hidden (still listed with all).
    let own = settings::add_entry(
        &t.db,
        &staff,
        beilin.id,
        settings::List::Category,
        "文史资料",
    )
    .await
    .unwrap();
    let e = settings::add_entry(
        &t.db,
        &staff,
        beilin.id,
        settings::List::Category,
        "文史资料",
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(&e), Some(("name", "err.proposal.entry_taken")));
    settings::set_hidden(&t.db, &staff, cats[0].id, true)
        .await
        .unwrap();
    let offered = settings::entries(&t.db, beilin.id, settings::List::Category, false)
        .await
        .unwrap();
    assert!(offered.iter().any(|c| c.id == own));
    assert!(!offered.iter().any(|c| c.id == cats[0].id));
    settings::set_cap(&t.db, &staff, beilin.id, Some(1500))
        .await
        .unwrap();
    assert_eq!(settings::cap(&t.db, beilin.id).await.unwrap(), Some(1500));
    let e = settings::set_cap(&t.db, &staff, beilin.id, Some(10))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("cap", "err.proposal.cap")));
    // Another district's staff, a member: not theirs.
    let yanliang_staff = actor(&t, "staff").await;
    assert!(matches!(
        settings::create_term(
            &t.db,
            &yanliang_staff,
            beilin.id,
            "x",
            "2040-01-01",
            "2041-01-01"
        )
        .await,
        Err(Error::Denied(Denied::OutOfScope))
    ));
    let member = actor(&t, "member-fh-01").await;
    assert!(
        settings::add_entry(&t.db, &member, beilin.id, settings::List::Ground, "x")
            .await
            .is_err()
    );
    // The committee keeps its own body's settings too.
    let committee = actor(&t, "committee").await;
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    settings::add_entry(
        &t.db,
        &committee,
        yanliang.id,
        settings::List::Ground,
        "重复提出",
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_member_drafts_invites_cosigners_and_files() {
    let t = city().await;
    let fh1 = actor(&t, "member-fh-01").await;
    let fh2 = actor(&t, "member-fh-02").await;
    let gs1 = actor(&t, "member-gs-01").await;
    let outsider = beilin_member(&t).await;
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    let cat = category(&t.db, yanliang.id, "城乡建设").await;
    // A draft keeps what is typed, suggestions still empty.
    let id = proposal::create_draft(
        &t.db,
        &fh1,
        &text("关于校门口交通安全的建议", ""),
        Some(cat),
    )
    .await
    .unwrap();
    let p = proposal::get(&t.db, &fh1, xieshang_core::Permission::ProposalView, id)
        .await
        .unwrap();
    assert_eq!((p.state.as_str(), p.org_id), ("draft", yanliang.id));
    // Co-signers: members of the same body only, not oneself, once each.
    let e = proposal::invite(&t.db, &fh1, id, outsider.user_id)
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("cosigner", "err.proposal.cosigner_outside"))
    );
    let staff = actor(&t, "staff").await;
    let e = proposal::invite(&t.db, &fh1, id, staff.user_id)
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("cosigner", "err.proposal.cosigner_outside"))
    );
    let e = proposal::invite(&t.db, &fh1, id, fh1.user_id)
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("cosigner", "err.proposal.cosigner_self"))
    );
    proposal::invite(&t.db, &fh1, id, fh2.user_id)
        .await
        .unwrap();
    proposal::invite(&t.db, &fh1, id, gs1.user_id)
        .await
        .unwrap();
    let e = proposal::invite(&t.db, &fh1, id, fh2.user_id)
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&e),
        Some(("cosigner", "err.proposal.cosigner_twice"))
    );
    // Only the initiator invites; a co-signer reads it, an outsider does not.
    assert!(matches!(
        proposal::invite(&t.db, &fh2, id, gs1.user_id).await,
        Err(Error::Denied(Denied::Forbidden))
    ));
    assert!(matches!(
        proposal::get(
            &t.db,
            &outsider,
            xieshang_core::Permission::ProposalView,
            id
        )
        .await,
        Err(Error::Denied(Denied::OutOfScope))
    ));
    // The initiator signs first; the co-signers follow as invited.
    let signers = proposal::signers(&t.db, id).await.unwrap();
    let order: Vec<_> = signers
        .iter()
        .map(|s| (s.user_id, s.answer.as_str()))
        .collect();
    assert_eq!(
        order,
        vec![
            (fh1.user_id, "initiator"),
            (fh2.user_id, "pending"),
            (gs1.user_id, "pending")
        ]
    );
    // It waits for them on their page.
    let mine = proposal::mine(&t.db, &fh2).await.unwrap();
    assert!(mine.to_sign.iter().any(|p| p.id == id));
    // Filing before every co-signer answered, or without suggestions: refused.
    let e = proposal::file(&t.db, &fh1, id).await.unwrap_err();
    assert_eq!(
        field_of_t(&e),
        Some(("suggestions", "err.proposal.suggestions"))
    );
    proposal::save_draft(
        &t.db,
        &fh1,
        id,
        &text("关于校门口交通安全的建议", "增设人行横道"),
        Some(cat),
    )
    .await
    .unwrap();
    let e = proposal::file(&t.db, &fh1, id).await.unwrap_err();
    assert_eq!(
        field_of_t(&e),
        Some(("cosigner", "err.proposal.cosigners_pending"))
    );
    proposal::answer(&t.db, &fh2, id, true).await.unwrap();
    proposal::answer(&t.db, &gs1, id, false).await.unwrap();
    // A changed text asks the co-signer who confirmed to confirm again.
    proposal::save_draft(
        &t.db,
        &fh1,
        id,
        &text("关于校门口交通安全的建议", "增设人行横道和限速标志"),
        Some(cat),
    )
    .await
    .unwrap();
    let answers: Vec<_> = proposal::signers(&t.db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.answer)
        .collect();
    assert_eq!(answers, ["initiator", "pending", "declined"]);
    proposal::answer(&t.db, &fh2, id, true).await.unwrap();
    // Someone who is not invited cannot answer.
    let fh3 = actor(&t, "member-fh-03").await;
    assert!(proposal::answer(&t.db, &fh3, id, true).await.is_err());
    assert_eq!(
        proposal::file(&t.db, &fh1, id).await.unwrap(),
        State::Submitted
    );
    let p = proposal::get(&t.db, &fh1, xieshang_core::Permission::ProposalView, id)
        .await
        .unwrap();
    assert_eq!(p.session.as_ref().map(|s| s.0.as_str()), Some("第十届"));
    assert!(p.occasion.is_some() && p.number.is_none());
    // Filed: no more changes, no more answers.
    let e = proposal::save_draft(&t.db, &fh1, id, &text("改", "改"), Some(cat))
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), Some(("state", "err.proposal.not_draft")));
    // The timeline tells the story.
    let actions: Vec<_> = proposal::timeline(&t.db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "submit",
            "invite_cosigner",
            "invite_cosigner",
            "cosign",
            "decline_cosign",
            "cosign",
            "file"
        ]
    );
}

#[tokio::test]
async fn over_the_cap_is_refused_and_the_draft_kept() {
    let t = city().await;
    let staff = actor(&t, "staff").await;
    let fh1 = actor(&t, "member-fh-01").await;
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    settings::set_cap(&t.db, &staff, yanliang.id, Some(200))
        .await
        .unwrap();
    let cat = category(&t.db, yanliang.id, "城乡建设").await;
    let long = text("长提案", &"建".repeat(300));
    let id = proposal::create_draft(&t.db, &fh1, &long, Some(cat))
        .await
        .unwrap();
    let e = proposal::file(&t.db, &fh1, id).await.unwrap_err();
    assert_eq!(field_of_t(&e), Some(("situation", "err.proposal.over_cap")));
    let p = proposal::get(&t.db, &fh1, xieshang_core::Permission::ProposalView, id)
        .await
        .unwrap();
    assert_eq!((p.text, p.state.as_str()), (long, "draft"));
}

#[tokio::test]
async fn the_committee_decides_and_the_proposer_reads_why() {
    let t = city().await;
    let committee = actor(&t, "committee").await;
    let fh5 = actor(&t, "member-fh-05").await;
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    // The demo gave 第1号 already in this session.
    let accepted = filed(&t, &fh5, "甲").await;
    let refused = filed(&t, &fh5, "乙").await;
    let merged = filed(&t, &fh5, "丙").await;
    let returned = filed(&t, &fh5, "丁").await;
    let withdrawn = filed(&t, &fh5, "戊").await;
    // A member, staff, a leader: not theirs to decide.
    for who in ["member-fh-05", "staff", "leader"] {
        let a = actor(&t, who).await;
        let e = review::decide(
            &t.db,
            &a,
            accepted,
            review::Decision::Accept { category: None },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, TransitionError::Store(Error::Denied(Denied::Forbidden))),
            "{who}: {e:?}"
        );
    }
    assert_eq!(
        review::decide(
            &t.db,
            &committee,
            accepted,
            review::Decision::Accept { category: None }
        )
        .await
        .unwrap(),
        State::Accepted
    );
    let p = proposal::get(
        &t.db,
        &fh5,
        xieshang_core::Permission::ProposalView,
        accepted,
    )
    .await
    .unwrap();
    assert_eq!(p.number, Some(2));
    // Twice: refused by the rules.
    assert!(matches!(
        review::decide(
            &t.db,
            &committee,
            accepted,
            review::Decision::Accept { category: None }
        )
        .await,
        Err(TransitionError::Refused(_))
    ));
    // Not accepted: a ground of the body and a note, both required.
    let grounds = settings::entries(&t.db, yanliang.id, settings::List::Ground, false)
        .await
        .unwrap();
    let e = review::decide(
        &t.db,
        &committee,
        refused,
        review::Decision::NotAccept {
            ground: grounds[2].id,
            note: " ",
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("note", "err.proposal.note")));
    let cat = category(&t.db, yanliang.id, "城乡建设").await;
    let e = review::decide(
        &t.db,
        &committee,
        refused,
        review::Decision::NotAccept {
            ground: cat,
            note: "没有具体建议",
        },
    )
    .await
    .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("ground", "err.proposal.ground")));
    review::decide(
        &t.db,
        &committee,
        refused,
        review::Decision::NotAccept {
            ground: grounds[2].id,
            note: "建议过于笼统，请补充具体措施。",
        },
    )
    .await
    .unwrap();
    let p = proposal::get(
        &t.db,
        &fh5,
        xieshang_core::Permission::ProposalView,
        refused,
    )
    .await
    .unwrap();
    assert_eq!(p.state, "rejected");
    assert_eq!(p.ground.as_deref(), Some("没有具体建议或建议不可行"));
    assert_eq!(
        p.decision_note.as_deref(),
        Some("建议过于笼统，请补充具体措施。")
    );
    assert!(p.number.is_none());
    let last = proposal::timeline(&t.db, refused)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.action, "reject");
    assert_eq!(
        last.note.as_deref(),
        Some("没有具体建议或建议不可行：建议过于笼统，请补充具体措施。")
    );
    // Merged into another of the body (not into itself, not into a refused one).
    for into in [merged, refused] {
        let e = review::decide(&t.db, &committee, merged, review::Decision::Merge { into })
            .await
            .unwrap_err();
        assert_eq!(field_of_t(&e), Some(("into", "err.proposal.merge_into")));
    }
    review::decide(
        &t.db,
        &committee,
        merged,
        review::Decision::Merge { into: accepted },
    )
    .await
    .unwrap();
    let p = proposal::get(&t.db, &fh5, xieshang_core::Permission::ProposalView, merged)
        .await
        .unwrap();
    assert_eq!(
        (p.state.as_str(), p.merged_into),
        ("merged", Some(accepted))
    );
    // Returned for revision: a draft again, revised and filed again.
    review::decide(
        &t.db,
        &committee,
        returned,
        review::Decision::Return {
            note: "请将建议分条列出。",
        },
    )
    .await
    .unwrap();
    let p = proposal::get(
        &t.db,
        &fh5,
        xieshang_core::Permission::ProposalView,
        returned,
    )
    .await
    .unwrap();
    assert_eq!(
        (p.state.as_str(), p.decision_note.as_deref()),
        ("draft", Some("请将建议分条列出。"))
    );
    proposal::save_draft(
        &t.db,
        &fh5,
        returned,
        &text("丁", "一、增设标志；二、护学岗。"),
        Some(cat),
    )
    .await
    .unwrap();
    proposal::file(&t.db, &fh5, returned).await.unwrap();
    // Withdrawn at the proposer's request, after acceptance too.
    review::decide(
        &t.db,
        &committee,
        withdrawn,
        review::Decision::Withdraw {
            note: "提案人书面申请撤回。",
        },
    )
    .await
    .unwrap();
    // The queue holds what is filed and undecided.
    let queue = proposal::in_state(
        &t.db,
        &committee,
        xieshang_core::Permission::ProposalReview,
        State::Submitted,
    )
    .await
    .unwrap();
    let ids: Vec<_> = queue.iter().map(|p| p.id).collect();
    assert!(ids.contains(&returned) && !ids.contains(&accepted) && !ids.contains(&withdrawn));
    // Another district's staff sees none of it.
    let beilin = actor(&t, "staff-beilin").await;
    assert!(proposal::in_state(
        &t.db,
        &beilin,
        xieshang_core::Permission::ProposalView,
        State::Submitted
    )
    .await
    .unwrap()
    .is_empty());
}

/// Acceptances at the same instant through two pools (two server
/// processes): the numbers of the session are 1..n, no gap, no repeat.
#[tokio::test]
async fn concurrent_acceptances_number_without_gap_or_repeat() {
    let t = city().await;
    let committee = actor(&t, "committee").await;
    let other = Db::connect(&t.url).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..16 {
        let author = actor(&t, &format!("member-fh-{:02}", 5 + n % 10)).await;
        ids.push(filed(&t, &author, &format!("并发{n}")).await);
    }
    let before = proposal::get(
        &t.db,
        &committee,
        xieshang_core::Permission::ProposalView,
        ids[0],
    )
    .await
    .unwrap();
    let session = before.session_id.unwrap();
    let given: i64 = sqlx::query_scalar("SELECT last_number FROM proposal_sessions WHERE id = $1")
        .bind(session)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let db = if i % 2 == 0 {
                t.db.clone()
            } else {
                other.clone()
            };
            let (c, id) = (committee.clone(), *id);
            tokio::spawn(async move {
                review::decide(&db, &c, id, review::Decision::Accept { category: None }).await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), State::Accepted);
    }
    let mut numbers: Vec<i64> = sqlx::query_scalar(
        "SELECT number FROM proposals WHERE session_id = $1 AND number IS NOT NULL ORDER BY number",
    )
    .bind(session)
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    numbers.dedup();
    let expected: Vec<i64> = (1..=given + ids.len() as i64).collect();
    assert_eq!(numbers, expected);
    // Each of ours has one, and the same proposal twice at once gets one.
    let twice = filed(&t, &actor(&t, "member-fh-20").await, "同时两次").await;
    let (a, b) = tokio::join!(
        review::decide(
            &t.db,
            &committee,
            twice,
            review::Decision::Accept { category: None }
        ),
        review::decide(
            &other,
            &committee,
            twice,
            review::Decision::Accept { category: None }
        ),
    );
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1);
    let last: i64 = sqlx::query_scalar("SELECT last_number FROM proposal_sessions WHERE id = $1")
        .bind(session)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(last, given + ids.len() as i64 + 1);
    other.close().await;
}

#[tokio::test]
async fn an_accepted_proposal_is_assigned_and_its_units_see_it() {
    let t = city().await;
    let committee = actor(&t, "committee").await;
    let handler = actor(&t, "handler").await;
    let fh7 = actor(&t, "member-fh-07").await;
    let cal = xieshang_core::calendar::Calendar::builtin();
    let jtj = org::by_code_unchecked(&t.db, "yanliang-jtj").await.unwrap();
    let cgj = org::by_code_unchecked(&t.db, "yanliang-cgj").await.unwrap();
    let beilin_cgj = org::by_code_unchecked(&t.db, "beilin-cgj").await.unwrap();
    let id = filed(&t, &fh7, "关于学校周边交通的建议").await;
    // Only an accepted proposal is assigned.
    assert!(matches!(
        proposal::assign::assign(&t.db, &cal, &committee, id, jtj.id, &[]).await,
        Err(TransitionError::Refused(_))
    ));
    review::decide(
        &t.db,
        &committee,
        id,
        review::Decision::Accept { category: None },
    )
    .await
    .unwrap();
    // The handler cannot see it before it is assigned to their unit.
    assert!(matches!(
        proposal::get(&t.db, &handler, xieshang_core::Permission::ProposalView, id).await,
        Err(Error::Denied(Denied::OutOfScope))
    ));
    // Units outside the body's departments: refused on their field.
    let e = proposal::assign::assign(&t.db, &cal, &committee, id, beilin_cgj.id, &[])
        .await
        .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("lead", "err.proposal.unit")));
    let e = proposal::assign::assign(&t.db, &cal, &committee, id, jtj.id, &[beilin_cgj.id])
        .await
        .unwrap_err();
    assert_eq!(field_of_t(&e), Some(("co", "err.proposal.unit")));
    assert_eq!(
        proposal::assign::assign(&t.db, &cal, &committee, id, jtj.id, &[cgj.id, jtj.id])
            .await
            .unwrap(),
        State::Assigned
    );
    let units: Vec<_> = proposal::assign::units(&t.db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.org_id, u.lead, u.objection_until.is_some()))
        .collect();
    assert_eq!(units, [(jtj.id, true, true), (cgj.id, false, true)]);
    // The co-handling unit's handler finds it in their queue and reads it.
    let queue = proposal::assign::queue(&t.db, &handler).await.unwrap();
    assert_eq!(
        queue
            .iter()
            .map(|(p, lead)| (p.id, *lead))
            .collect::<Vec<_>>(),
        [(id, false)]
    );
    proposal::get(&t.db, &handler, xieshang_core::Permission::ProposalView, id)
        .await
        .unwrap();
    let last = proposal::timeline(&t.db, id).await.unwrap().pop().unwrap();
    assert_eq!(last.action, "assign");
    assert_eq!(
        last.note.as_deref(),
        Some("阎良区交通运输局、阎良区城市管理和综合执法局")
    );
    // Another district's handler does not.
    assert!(
        proposal::assign::queue(&t.db, &actor(&t, "staff-beilin").await)
            .await
            .unwrap()
            .is_empty()
    );
}
