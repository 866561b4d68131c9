//! Issue 29's story through the store, on SQLite and PostgreSQL: member-fh-01
//! logs a reception on school-gate traffic and marks it as a proposal lead,
//! adopts it into a draft, invites two co-signers who confirm, files it; the
//! committee accepts it (第N号) and assigns 阎良区交通运输局 to lead with
//! 阎良区教育局 co-handling; education objects within its window and is
//! replaced; the lead unit contacts the proposer and replies class B; the
//! proposer is unsatisfied; the second reply is class A and rated satisfied;
//! the leaders' ballot makes it a key proposal; the member's duty record
//! counts it with the rule's points; the public list shows it.

use crate::{actor, HASH};
use xieshang_core::calendar::Calendar;
use xieshang_core::item::State;
use xieshang_store::duty::reception::{self, FollowUp, NewReception};
use xieshang_store::proposal::handle::{self, Evaluated, Mode, NewEvaluation, NewReply};
use xieshang_store::proposal::leads::{self, Source};
use xieshang_store::proposal::{self, key, review};
use xieshang_store::testing::TestDb;
use xieshang_store::{org, seed};

#[tokio::test]
async fn a_lead_becomes_a_key_proposal_replied_twice_and_public() {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let db = &t.db;
    let cal = Calendar::builtin();
    let fh1 = actor(&t, "member-fh-01").await;
    let fh2 = actor(&t, "member-fh-02").await;
    let fh3 = actor(&t, "member-fh-03").await;
    let committee = actor(&t, "committee").await;
    let leader = actor(&t, "leader").await;
    let transport = actor(&t, "handler-jtj").await;
    let education = actor(&t, "handler-jyj").await;
    let jtj = org::by_code_unchecked(db, "yanliang-jtj").await.unwrap();
    let jyj = org::by_code_unchecked(db, "yanliang-jyj").await.unwrap();
    let cgj = org::by_code_unchecked(db, "yanliang-cgj").await.unwrap();

    // A reception, marked as a proposal lead; adopted into a draft.
    reception::log_outside_shift(
        db,
        None,
        &fh1,
        NewReception {
            name: None,
            phone: None,
            matter: "凤凰路中学门前上下学时段人车混行，家长希望施划人行横道、设置限速标志。",
            action_taken: "记录为提案线索",
        },
        FollowUp::Lead(xieshang_store::concern::triage::ConvertTo::ProposalLead),
    )
    .await
    .unwrap();
    let lead = leads::open_for(db, &fh1)
        .await
        .unwrap()
        .into_iter()
        .find(|l| matches!(l.source, Source::Reception(_)))
        .expect("the reception is a lead");
    let id = leads::adopt(db, &fh1, lead.source).await.unwrap();
    let body = proposal::body_of_member(db, &fh1).await.unwrap();
    let category =
        proposal::settings::entries(db, body.id, proposal::settings::List::Category, false)
            .await
            .unwrap()[1]
            .id;
    proposal::save_draft(
        db,
        &fh1,
        id,
        &xieshang_core::proposal::Text {
            title: "关于加强学校门前交通安全的建议".into(),
            situation: "凤凰路中学门前上下学时段人车混行。".into(),
            analysis: "路口没有人行横道，也没有限速标志。".into(),
            suggestions: "一、施划人行横道；二、设置限速标志；三、上下学时段安排护学岗。".into(),
        },
        Some(category),
    )
    .await
    .unwrap();
    // The proposer lets it and its reply be public.
    key::disclosure::set(db, &fh1, id, true, "").await.unwrap();
    // Two co-signers confirm; the initiator files.
    for co in [&fh2, &fh3] {
        proposal::invite(db, &fh1, id, co.user_id).await.unwrap();
        proposal::answer(db, co, id, true).await.unwrap();
    }
    assert_eq!(
        proposal::file(db, &fh1, id).await.unwrap(),
        State::Submitted
    );
    // Accepted with its number; assigned: transport leads, education co-handles.
    review::decide(
        db,
        &committee,
        id,
        review::Decision::Accept { category: None },
    )
    .await
    .unwrap();
    let p = proposal::get(db, &fh1, xieshang_core::Permission::ProposalView, id)
        .await
        .unwrap();
    let number = p.number.expect("a number");
    assert!(number >= 1);
    handle::assign(db, &cal, &committee, id, Mode::Joint, jtj.id, &[jyj.id])
        .await
        .unwrap();
    // Education objects within its window; the committee replaces it.
    handle::object(db, &education, id, "学校周边道路交通设施不属于我局职责")
        .await
        .unwrap();
    handle::assign(db, &cal, &committee, id, Mode::Joint, jtj.id, &[cgj.id])
        .await
        .unwrap();
    let units: Vec<i64> = proposal::assign::units(db, id)
        .await
        .unwrap()
        .iter()
        .map(|u| u.org_id)
        .collect();
    assert_eq!(units, [jtj.id, cgj.id]);
    // A reply before contact is refused; after contact, class B.
    let b = NewReply {
        doc_number: "阎交函〔2026〕12号",
        class: "B",
        body: "已列入明年道路改造计划，先行设置临时限速标志。",
    };
    assert!(handle::reply(db, &transport, id, &b).await.is_err());
    handle::contact(
        db,
        &transport,
        id,
        "phone",
        "电话沟通办理思路，提案人同意。",
    )
    .await
    .unwrap();
    assert_eq!(
        handle::reply(db, &transport, id, &b).await.unwrap(),
        State::Resolved
    );
    // Unsatisfied: a second round; then class A, satisfied.
    let unsatisfied = NewEvaluation {
        rating: "unsatisfied",
        consulted: "basically_satisfied",
        comment: "希望尽快施划人行横道。",
    };
    assert_eq!(
        handle::evaluate(db, &cal, &fh1, id, &unsatisfied)
            .await
            .unwrap(),
        Evaluated::SecondRound
    );
    handle::contact(db, &transport, id, "visit", "上门沟通，确定本月施划。")
        .await
        .unwrap();
    let a = NewReply {
        doc_number: "阎交函〔2026〕20号",
        class: "A",
        body: "人行横道和限速标志已施划设置完毕，上下学时段安排护学岗。",
    };
    handle::reply(db, &transport, id, &a).await.unwrap();
    let satisfied = NewEvaluation {
        rating: "satisfied",
        consulted: "satisfied",
        comment: "",
    };
    assert_eq!(
        handle::evaluate(db, &cal, &fh1, id, &satisfied)
            .await
            .unwrap(),
        Evaluated::Closed
    );
    // The leaders' ballot chooses it as a key proposal.
    key::nominate(db, &committee, id).await.unwrap();
    let session = p.session_id.unwrap();
    let ballot = key::open_ballot(db, &committee, session, Some(1), db.now_ms() + 86_400_000)
        .await
        .unwrap();
    key::vote(db, &leader, ballot, &[id]).await.unwrap();
    let chosen = key::close(db, &committee, ballot).await.unwrap();
    assert_eq!(chosen, [id]);
    let p = proposal::get(db, &fh1, xieshang_core::Permission::ProposalView, id)
        .await
        .unwrap();
    assert_eq!(p.state, State::Closed.as_str());
    // The public list shows it, found by a word, with its final reply's class
    // and the proposers' names.
    let (found, _) = key::disclosure::list(db, body.id, "人行横道", 1)
        .await
        .unwrap();
    let shown = found.iter().find(|f| f.id == id).expect("public");
    assert!(shown.key);
    assert_eq!(shown.number, number);
    assert!(shown.replies.iter().any(|r| r.class == "A"));
    assert_eq!(shown.proposers.len(), 3);
    // The member's duty record counts it; the score has the rule's points.
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let record = xieshang_store::duty::record::for_member(db, fh1.user_id, year)
        .await
        .unwrap();
    assert!(record.proposals_accepted >= 1);
    assert!(record.proposals_key >= 1);
    assert!(record.proposals_adopted >= 1);
    let cosigner = xieshang_store::duty::record::for_member(db, fh2.user_id, year)
        .await
        .unwrap();
    assert!(cosigner.proposals_cosigned >= 1);
}
