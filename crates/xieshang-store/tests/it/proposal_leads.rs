//! Proposal leads (issue 29 point 3): a resident's lead through the public
//! form (contact sealed), a concern marked as a lead, one list for the body's
//! members, adopting one into a draft (linked, gone from the list, its
//! source told, never adopted twice); a filed proposal converted to an
//! opinion report; similar past proposals while drafting (point 2).

use crate::{actor, HASH};
use xieshang_core::item::State;
use xieshang_core::proposal::Text;
use xieshang_store::concern::triage::{self, ConvertTo};
use xieshang_store::proposal::leads::{self, NewLead, Source};
use xieshang_store::proposal::{self, review};
use xieshang_store::seal::Sealer;
use xieshang_store::testing::TestDb;
use xieshang_store::{org, seed, Error};

fn key_of(e: &Error) -> Option<(&'static str, &'static str)> {
    match e {
        Error::Invalid { field, key, .. } => Some((*field, *key)),
        _ => None,
    }
}

async fn city() -> TestDb {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    t
}

#[tokio::test]
async fn a_residents_lead_is_adopted_once_and_its_sender_sees_it() {
    let t = city().await;
    let sealer = Sealer::from_hex(&Sealer::generate_hex()).unwrap();
    let yanliang = org::by_code_unchecked(&t.db, "yanliang").await.unwrap();
    let beilin = org::by_code_unchecked(&t.db, "beilin").await.unwrap();
    let bodies = leads::bodies(&t.db).await.unwrap();
    assert!(bodies.iter().any(|(id, _)| *id == yanliang.id));
    // 碑林区 has no proposal term in the demo: it takes no leads.
    assert!(!bodies.iter().any(|(id, _)| *id == beilin.id));

    // Bad input: every field's error at once; nothing is written.
    let bad = NewLead {
        body: Some(beilin.id),
        title: "",
        text: &"很".repeat(2001),
        contact: "138 0000 0000",
    };
    let errors = leads::check(&t.db, None, &bad).await.unwrap();
    let fields: Vec<_> = errors.iter().map(|e| (e.0, e.1)).collect();
    assert_eq!(
        fields,
        [
            ("body", "err.lead.body"),
            ("title", "err.lead.title"),
            ("text", "err.lead.text"),
            ("contact", "err.lead.no_key"),
        ]
    );
    assert!(leads::send(&t.db, None, &bad).await.is_err());

    let lead = NewLead {
        body: Some(yanliang.id),
        title: "学校门口上下学时段交通拥堵",
        text:
            "凤凰路小学门口每天上下学时段车辆乱停，孩子过马路很危险。建议设置临时停车区和护学岗。",
        contact: "王女士 13800001111",
    };
    let code = leads::send(&t.db, Some(&sealer), &lead).await.unwrap();
    // The contact is kept sealed: not in the clear anywhere in the row.
    let sealed: String =
        sqlx::query_scalar("SELECT contact_sealed FROM proposal_leads WHERE code = $1")
            .bind(&code)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert!(!sealed.contains("13800001111"));
    assert_eq!(sealer.open(&sealed).unwrap(), "王女士 13800001111");
    let s = leads::status(&t.db, &code.to_lowercase()).await.unwrap();
    assert_eq!(s.title, "学校门口上下学时段交通拥堵");
    assert!(s.adopted.is_none());
    assert!(matches!(
        leads::status(&t.db, "NOSUCHCODE").await,
        Err(Error::NotFound)
    ));

    // A member of the body sees it; a member of another body does not.
    let fh1 = actor(&t, "member-fh-01").await;
    let fh2 = actor(&t, "member-fh-02").await;
    let open = leads::open_for(&t.db, &fh1).await.unwrap();
    let mine = open
        .iter()
        .find(|l| l.title == "学校门口上下学时段交通拥堵")
        .expect("the body's member sees the lead");
    assert!(matches!(mine.source, Source::Resident(_)));
    let source = mine.source;

    let id = leads::adopt(&t.db, &fh1, source).await.unwrap();
    let p = proposal::get(&t.db, &fh1, xieshang_core::Permission::ProposalView, id)
        .await
        .unwrap();
    assert_eq!(p.state, State::Draft.as_str());
    assert_eq!(p.proposer_id, fh1.user_id);
    assert_eq!(p.text.title, "学校门口上下学时段交通拥堵");
    assert!(p.text.situation.contains("护学岗"));
    // Linked, and the sender sees it adopted.
    let (linked, title) = leads::source_of(&t.db, id).await.unwrap().unwrap();
    assert_eq!(linked, source);
    assert_eq!(title, "学校门口上下学时段交通拥堵");
    let s = leads::status(&t.db, &code).await.unwrap();
    let (_, adopted_title, state) = s.adopted.expect("adopted");
    assert_eq!(adopted_title, "学校门口上下学时段交通拥堵");
    assert_eq!(state, "draft");
    // Gone from the list; a second member cannot adopt it again.
    assert!(!leads::open_for(&t.db, &fh2)
        .await
        .unwrap()
        .iter()
        .any(|l| l.source == source));
    let count = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM proposals")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        n
    };
    let before = count().await;
    let e = leads::adopt(&t.db, &fh2, source).await.unwrap_err();
    assert_eq!(key_of(&e), Some(("lead", "err.lead.gone")));
    assert_eq!(
        count().await,
        before,
        "a refused adoption leaves no draft behind"
    );
    // Staff cannot adopt (not members).
    let staff = actor(&t, "staff").await;
    assert!(leads::adopt(&t.db, &staff, source).await.is_err());
}

#[tokio::test]
async fn a_concern_marked_as_a_lead_is_listed_adopted_and_its_marker_told() {
    let t = city().await;
    let staff = actor(&t, "staff").await;
    let grid = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g07")
        .await
        .unwrap();
    let concern = xieshang_store::concern::record_keyed(
        &t.db,
        xieshang_store::item::By::Resident,
        crate::web_concern(
            grid.id,
            "road",
            "小学门口接送车辆乱停",
            "每天放学时堵成一团",
        ),
    )
    .await
    .unwrap()
    .id;
    triage::convert(
        &t.db,
        &staff,
        concern,
        ConvertTo::ProposalLead,
        Some("政策性问题"),
    )
    .await
    .unwrap();
    let fh1 = actor(&t, "member-fh-01").await;
    let open = leads::open_for(&t.db, &fh1).await.unwrap();
    let lead = open
        .iter()
        .find(|l| matches!(l.source, Source::Concern(_)))
        .expect("the marked concern is a lead");
    let source = lead.source;
    let id = leads::adopt(&t.db, &fh1, source).await.unwrap();
    // The link is picked up by the draft.
    let to: Option<i64> = sqlx::query_scalar(
        "SELECT to_id FROM item_links WHERE from_kind = 'concern' AND from_id = $1
           AND to_kind = 'proposal_lead'",
    )
    .bind(concern)
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(to, Some(id));
    // The staff member who marked it is told.
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'lead_adopted'
           AND item_id = $2",
    )
    .bind(staff.user_id)
    .bind(id)
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(told, 1);
    assert!(!leads::open_for(&t.db, &fh1)
        .await
        .unwrap()
        .iter()
        .any(|l| l.source == source));
}

#[tokio::test]
async fn the_committee_converts_a_filed_proposal_and_drafts_see_similar_ones() {
    let t = city().await;
    let fh1 = actor(&t, "member-fh-01").await;
    let committee = actor(&t, "committee").await;
    let text = Text {
        title: "关于加强老旧小区加装电梯的建议".into(),
        situation: "老旧小区老年人多，上下楼困难。".into(),
        analysis: "加装电梯审批流程复杂，居民意见难统一。".into(),
        suggestions: "简化加装电梯审批，设立专项补贴。".into(),
    };
    let cats = proposal::settings::entries(
        &t.db,
        proposal::body_of_member(&t.db, &fh1).await.unwrap().id,
        proposal::settings::List::Category,
        false,
    )
    .await
    .unwrap();
    let first = proposal::create_draft(&t.db, &fh1, &text, Some(cats[0].id))
        .await
        .unwrap();
    proposal::file(&t.db, &fh1, first).await.unwrap();
    // Converting needs a reason.
    let e = review::decide(
        &t.db,
        &committee,
        first,
        review::Decision::Convert {
            to: review::ConvertTo::OpinionReport,
            note: " ",
        },
    )
    .await
    .unwrap_err()
    .into_store();
    assert_eq!(key_of(&e), Some(("note", "err.proposal.note")));
    let to = review::decide(
        &t.db,
        &committee,
        first,
        review::Decision::Convert {
            to: review::ConvertTo::OpinionReport,
            note: "更适合作为社情民意信息反映",
        },
    )
    .await
    .unwrap();
    assert_eq!(to, State::Converted);
    let p = proposal::get(&t.db, &fh1, xieshang_core::Permission::ProposalView, first)
        .await
        .unwrap();
    assert_eq!(
        p.decision_note.as_deref(),
        Some("更适合作为社情民意信息反映")
    );
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM item_links WHERE from_kind = 'proposal' AND from_id = $1
           AND to_kind = 'opinion_report' AND picked_up_at IS NULL",
    )
    .bind(first)
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(waiting, 1);
    let timeline = proposal::timeline(&t.db, first).await.unwrap();
    assert!(timeline
        .iter()
        .any(|e| e.action == "convert" && e.note.as_deref().unwrap_or("").contains("社情民意")));

    // An accepted, public proposal on the same matter shows beside a new
    // draft; the member's own converted one (never accepted) does not.
    let second = proposal::create_draft(&t.db, &fh1, &text, Some(cats[0].id))
        .await
        .unwrap();
    proposal::file(&t.db, &fh1, second).await.unwrap();
    review::decide(
        &t.db,
        &committee,
        second,
        review::Decision::Accept { category: None },
    )
    .await
    .unwrap();
    sqlx::query("UPDATE proposals SET disclosure = 'public' WHERE id = $1")
        .bind(second)
        .execute(t.db.pool())
        .await
        .unwrap();
    let body = proposal::body_of_member(&t.db, &fh1).await.unwrap();
    let draft = Text {
        title: "老旧小区加装电梯".into(),
        situation: "老年人上下楼困难，希望加装电梯。".into(),
        ..Text::default()
    };
    let (similar, _concerns) = leads::similar(&t.db, &fh1, &body, &draft, 0, 5)
        .await
        .unwrap();
    let ids: Vec<i64> = similar.iter().map(|s| s.id).collect();
    assert!(ids.contains(&second), "{ids:?}");
    assert!(!ids.contains(&first));
    // Unrelated words find nothing of it.
    let other = Text {
        title: "河道垃圾清理".into(),
        situation: "河边堆满垃圾。".into(),
        ..Text::default()
    };
    let (similar, _) = leads::similar(&t.db, &fh1, &body, &other, 0, 5)
        .await
        .unwrap();
    assert!(!similar.iter().any(|s| s.id == second));
    // Only members draft: staff are refused.
    let staff = actor(&t, "staff").await;
    assert!(leads::similar(&t.db, &staff, &body, &draft, 0, 5)
        .await
        .is_err());
}

#[tokio::test]
async fn a_draft_is_filed_in_a_collectives_name_by_its_convenor() {
    let t = city().await;
    let fh1 = actor(&t, "member-fh-01").await;
    let fh2 = actor(&t, "member-fh-02").await;
    let id = proposal::create_draft(
        &t.db,
        &fh1,
        &Text {
            title: "关于社区养老服务的建议".into(),
            ..Text::default()
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(leads::filed_for(&t.db, id).await.unwrap(), None);
    // A collective needs its name; an unknown kind is refused.
    let e = leads::set_filed_for(&t.db, &fh1, id, "sector", " ")
        .await
        .unwrap_err();
    assert_eq!(
        key_of(&e),
        Some(("filed_for_name", "err.proposal.filed_for_name"))
    );
    let e = leads::set_filed_for(&t.db, &fh1, id, "club", "x")
        .await
        .unwrap_err();
    assert_eq!(key_of(&e), Some(("filed_for", "err.proposal.filed_for")));
    leads::set_filed_for(&t.db, &fh1, id, "sector", "经济界")
        .await
        .unwrap();
    assert_eq!(
        leads::filed_for(&t.db, id).await.unwrap(),
        Some(("sector".to_owned(), "经济界".to_owned()))
    );
    // Not another member's to set; back to the member's own name.
    assert!(leads::set_filed_for(&t.db, &fh2, id, "member", "")
        .await
        .is_err());
    leads::set_filed_for(&t.db, &fh1, id, "member", "经济界")
        .await
        .unwrap();
    assert_eq!(leads::filed_for(&t.db, id).await.unwrap(), None);
}
