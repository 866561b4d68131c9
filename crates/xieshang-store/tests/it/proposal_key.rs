//! Key proposals (issue 29 point 8): nomination, the leaders' ballot with
//! its quota, changed choices, refusals (after the close, beyond the quota,
//! by a non-leader), the closing by the committee and by the clock, the
//! supervising leader's notes; votes at the same instant through two pools
//! counted exactly. Disclosure (point 9): the proposer's choice and the
//! public list.

use crate::{actor, HASH};
use xieshang_core::item::State;
use xieshang_core::proposal::Text;
use xieshang_core::{Actor, Permission, Role};
use xieshang_store::db::{Clock, Db};
use xieshang_store::proposal::key::{self, disclosure, Supervision};
use xieshang_store::proposal::{self, review, settings};
use xieshang_store::testing::TestDb;
use xieshang_store::{account::user, org, seed, Error};

fn key_of<T: std::fmt::Debug>(r: Result<T, Error>) -> &'static str {
    match r {
        Err(Error::Invalid { key, .. }) => key,
        other => panic!("expected a refused field, got {other:?}"),
    }
}

async fn city() -> TestDb {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    t
}

async fn yanliang(t: &TestDb) -> i64 {
    org::by_code_unchecked(&t.db, "yanliang").await.unwrap().id
}

/// A proposal of `author` filed and accepted by the committee.
async fn accepted(t: &TestDb, author: &Actor, title: &str, situation: &str) -> i64 {
    let body = yanliang(t).await;
    let c = settings::entries(&t.db, body, settings::List::Category, false)
        .await
        .unwrap()[0]
        .id;
    let text = Text {
        title: title.into(),
        situation: situation.into(),
        analysis: "分析".into(),
        suggestions: "建议".into(),
    };
    let id = proposal::create_draft(&t.db, author, &text, Some(c))
        .await
        .unwrap();
    proposal::file(&t.db, author, id).await.unwrap();
    let committee = actor(t, "committee").await;
    assert_eq!(
        review::decide(
            &t.db,
            &committee,
            id,
            review::Decision::Accept { category: None }
        )
        .await
        .unwrap(),
        State::Accepted
    );
    id
}

/// `n` more leaders of 阎良区, made by the administrator.
async fn leaders(t: &TestDb, n: usize) -> Vec<Actor> {
    let admin = actor(t, "admin").await;
    let body = yanliang(t).await;
    let mut out = vec![actor(t, "leader").await];
    for i in 0..n {
        let id = user::create(
            &t.db,
            &admin,
            &format!("leader-x{i}"),
            &format!("副主席{i}"),
            HASH,
            body,
        )
        .await
        .unwrap();
        user::grant(&t.db, &admin, id, Role::Leader, body)
            .await
            .unwrap();
        out.push(user::actor(&t.db, id).await.unwrap());
    }
    out
}

async fn session_of(t: &TestDb, id: i64) -> i64 {
    let committee = actor(t, "committee").await;
    proposal::get(&t.db, &committee, Permission::ProposalView, id)
        .await
        .unwrap()
        .session_id
        .unwrap()
}

async fn votes(t: &TestDb, ballot: i64, proposal: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_votes WHERE ballot_id = $1 AND proposal_id = $2",
    )
    .bind(ballot)
    .bind(proposal)
    .fetch_one(t.db.pool())
    .await
    .unwrap()
}

async fn actions(t: &TestDb, id: i64) -> Vec<String> {
    proposal::timeline(&t.db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

const DAY: i64 = 86_400_000;

#[tokio::test]
async fn the_leaders_ballot_selects_the_most_voted_up_to_the_quota() {
    let t = city().await;
    let committee = actor(&t, "committee").await;
    let author = actor(&t, "member-fh-05").await;
    let a = accepted(&t, &author, "甲", "甲").await;
    let b = accepted(&t, &author, "乙", "乙").await;
    let c = accepted(&t, &author, "丙", "丙").await;
    let d = accepted(&t, &author, "丁", "丁").await;
    let session = session_of(&t, a).await;

    // Only accepted proposals, once each.
    let draft = proposal::create_draft(
        &t.db,
        &author,
        &Text {
            title: "草稿".into(),
            ..Text::default()
        },
        None,
    )
    .await
    .unwrap();
    let e = key_of(key::nominate(&t.db, &committee, draft).await);
    assert_eq!(e, "err.proposal.not_nominable");
    for id in [a, b, c] {
        key::nominate(&t.db, &committee, id).await.unwrap();
    }
    assert_eq!(
        key_of(key::nominate(&t.db, &committee, a).await),
        "err.proposal.nominated_already"
    );
    assert!(actions(&t, a).await.contains(&"nominate".to_owned()));
    // A leader may not nominate.
    let leader = actor(&t, "leader").await;
    assert!(matches!(
        key::nominate(&t.db, &leader, d).await,
        Err(Error::Denied(_))
    ));

    // The quota offered: 5% of the session's accepted, rounded up.
    let waiting = key::nominated(&t.db, &committee).await.unwrap();
    let w = waiting.iter().find(|n| n.session_id == session).unwrap();
    assert_eq!(w.candidates.len(), 3);
    assert!(w.accepted >= 4);
    assert_eq!(w.quota, key::default_quota(w.accepted, 5));
    assert_eq!(key::default_quota(40, 5), 2);
    assert_eq!(key::default_quota(41, 5), 3);
    assert_eq!(key::default_quota(0, 5), 1);

    // Opening: a time to come, a quota within the candidates.
    let now = t.db.now_ms();
    assert_eq!(
        key_of(key::open_ballot(&t.db, &committee, session, Some(2), now - 1).await),
        "err.proposal.ballot_closes"
    );
    assert_eq!(
        key_of(key::open_ballot(&t.db, &committee, session, Some(4), now + DAY).await),
        "err.proposal.ballot_quota"
    );
    let ballot = key::open_ballot(&t.db, &committee, session, Some(2), now + DAY)
        .await
        .unwrap();
    assert_eq!(
        key_of(key::open_ballot(&t.db, &committee, session, None, now + DAY).await),
        "err.proposal.ballot_no_candidates"
    );

    let l = leaders(&t, 2).await;
    key::vote(&t.db, &l[0], ballot, &[a, b]).await.unwrap();
    key::vote(&t.db, &l[1], ballot, &[b, c]).await.unwrap();
    key::vote(&t.db, &l[2], ballot, &[c]).await.unwrap();
    // Changed choices: the last counts; an empty one takes the vote back.
    key::vote(&t.db, &l[2], ballot, &[c, c]).await.unwrap();
    assert_eq!(votes(&t, ballot, c).await, 2);
    key::vote(&t.db, &l[2], ballot, &[]).await.unwrap();
    // Beyond the quota, or not a candidate: refused, the vote as it was.
    assert_eq!(
        key_of(key::vote(&t.db, &l[0], ballot, &[a, b, c]).await),
        "err.proposal.vote_over_quota"
    );
    assert_eq!(
        key_of(key::vote(&t.db, &l[0], ballot, &[d]).await),
        "err.proposal.vote_not_candidate"
    );
    assert_eq!(votes(&t, ballot, a).await, 1);
    // Not a leader: staff see the body and are told; others find nothing.
    let staff = actor(&t, "staff").await;
    assert_eq!(
        key_of(key::vote(&t.db, &staff, ballot, &[a]).await),
        "err.proposal.vote_not_leader"
    );
    assert!(matches!(
        key::vote(&t.db, &author, ballot, &[a]).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        key::vote(&t.db, &actor(&t, "staff-beilin").await, ballot, &[a]).await,
        Err(Error::NotFound)
    ));

    // The leaders' page: their own choice, no tally of others needed.
    let seen = key::ballots(&t.db, &l[0], Permission::ProposalSupervise)
        .await
        .unwrap();
    let mine: Vec<i64> = seen[0]
        .candidates
        .iter()
        .filter(|c| c.mine)
        .map(|c| c.proposal_id)
        .collect();
    assert_eq!(mine, vec![a, b]);

    // a 1, b 2, c 1: b, then the tie of a and c goes to a (the lower number).
    assert!(matches!(
        key::close(&t.db, &leader, ballot).await,
        Err(Error::Denied(_))
    ));
    let selected = key::close(&t.db, &committee, ballot).await.unwrap();
    assert_eq!(selected, vec![b, a]);
    for (id, key) in [(a, true), (b, true), (c, false), (d, false)] {
        assert_eq!(key::status(&t.db, id).await.unwrap().key_at.is_some(), key);
        assert_eq!(
            actions(&t, id).await.contains(&"select_key".to_owned()),
            key
        );
    }
    let closed = key::ballots(&t.db, &committee, Permission::ProposalReview)
        .await
        .unwrap();
    let closed = closed.iter().find(|x| x.id == ballot).unwrap();
    assert!(closed.closed_at.is_some());
    let tally: Vec<(i64, i64, bool)> = closed
        .candidates
        .iter()
        .map(|c| (c.proposal_id, c.votes, c.selected))
        .collect();
    assert_eq!(tally, vec![(a, 1, true), (b, 2, true), (c, 1, false)]);

    // After the close: no vote, no second close.
    assert_eq!(
        key_of(key::vote(&t.db, &l[1], ballot, &[a]).await),
        "err.proposal.ballot_closed"
    );
    assert_eq!(
        key_of(key::close(&t.db, &committee, ballot).await),
        "err.proposal.ballot_closed"
    );
    assert_eq!(votes(&t, ballot, a).await, 1);

    // A supervising leader for a key proposal, among the body's leaders.
    assert_eq!(
        key_of(key::name_supervisor(&t.db, &committee, c, l[1].user_id).await),
        "err.proposal.not_key"
    );
    assert_eq!(
        key_of(key::name_supervisor(&t.db, &committee, b, staff.user_id).await),
        "err.proposal.supervisor"
    );
    key::name_supervisor(&t.db, &committee, b, l[1].user_id)
        .await
        .unwrap();
    assert_eq!(
        key::status(&t.db, b).await.unwrap().supervisor.unwrap().0,
        l[1].user_id
    );
    // Only that leader writes visits and instructions, with a text.
    assert_eq!(
        key_of(key::supervise(&t.db, &l[0], b, Supervision::Urge, "看过").await),
        "err.proposal.not_supervisor"
    );
    assert_eq!(
        key_of(key::supervise(&t.db, &l[1], b, Supervision::Urge, "  ").await),
        "err.proposal.supervise_note"
    );
    key::supervise(&t.db, &l[1], b, Supervision::Urge, "到交通局现场督办")
        .await
        .unwrap();
    key::supervise(&t.db, &l[1], b, Supervision::Instruct, "请于月底前答复")
        .await
        .unwrap();
    let events = proposal::timeline(&t.db, b).await.unwrap();
    let notes: Vec<(String, Option<String>)> = events
        .iter()
        .filter(|e| e.action == "urge" || e.action == "instruct")
        .map(|e| (e.action.clone(), e.note.clone()))
        .collect();
    assert_eq!(
        notes,
        vec![
            ("urge".into(), Some("到交通局现场督办".into())),
            ("instruct".into(), Some("请于月底前答复".into()))
        ]
    );
    let list = key::supervised(&t.db, &l[1]).await.unwrap();
    assert_eq!(list.iter().map(|p| p.id).collect::<Vec<_>>(), vec![b]);
    assert!(key::supervised(&t.db, &l[0]).await.unwrap().is_empty());
}

fn worker(db: &Db) -> xieshang_store::jobs::Worker {
    xieshang_store::jobs::Worker {
        db: db.clone(),
        calendar: xieshang_core::calendar::Calendar::builtin(),
        policy: Default::default(),
        mailer: None,
        base_url: "http://localhost".into(),
        sealer: None,
        retention_days: xieshang_store::jobs::DEFAULT_RETENTION_DAYS,
        webhook_policy: Default::default(),
    }
}

#[tokio::test]
async fn a_ballot_closes_by_itself_at_its_time() {
    let t = city().await;
    let committee = actor(&t, "committee").await;
    let author = actor(&t, "member-fh-06").await;
    let a = accepted(&t, &author, "自动截止甲", "甲").await;
    let b = accepted(&t, &author, "自动截止乙", "乙").await;
    for id in [a, b] {
        key::nominate(&t.db, &committee, id).await.unwrap();
    }
    let now = t.db.now_ms();
    let ballot = key::open_ballot(
        &t.db,
        &committee,
        session_of(&t, a).await,
        Some(1),
        now + DAY,
    )
    .await
    .unwrap();
    let leader = actor(&t, "leader").await;
    key::vote(&t.db, &leader, ballot, &[b]).await.unwrap();
    // Before its time the job leaves it open.
    worker(&t.db).run_until_idle().await.unwrap();
    assert!(key::status(&t.db, b).await.unwrap().key_at.is_none());
    // Past its time: no vote, even before the job has run; then the job
    // closes it and selects.
    let later = t.db.clone().with_clock(Clock::Manual(std::sync::Arc::new(
        std::sync::atomic::AtomicI64::new(now + DAY + 60_000),
    )));
    assert_eq!(
        key_of(key::vote(&later, &leader, ballot, &[a]).await),
        "err.proposal.ballot_closed"
    );
    worker(&later).run_until_idle().await.unwrap();
    assert!(key::status(&t.db, b).await.unwrap().key_at.is_some());
    assert!(key::status(&t.db, a).await.unwrap().key_at.is_none());
    assert!(actions(&t, b).await.contains(&"select_key".to_owned()));
    let closed_by: Option<i64> =
        sqlx::query_scalar("SELECT closed_by FROM proposal_ballots WHERE id = $1")
            .bind(ballot)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!(closed_by, None, "closed by the system");
}

/// Leaders voting at the same instant through two pools (two server
/// processes), one of them the same choice six times at once: each
/// candidate counts once per leader, the totals exact.
#[tokio::test]
async fn votes_at_the_same_instant_count_once_per_leader() {
    let t = city().await;
    let other = Db::connect(&t.url).await.unwrap();
    let committee = actor(&t, "committee").await;
    let author = actor(&t, "member-fh-07").await;
    let a = accepted(&t, &author, "并发甲", "甲").await;
    let b = accepted(&t, &author, "并发乙", "乙").await;
    let c = accepted(&t, &author, "并发丙", "丙").await;
    for id in [a, b, c] {
        key::nominate(&t.db, &committee, id).await.unwrap();
    }
    let ballot = key::open_ballot(
        &t.db,
        &committee,
        session_of(&t, a).await,
        Some(2),
        t.db.now_ms() + DAY,
    )
    .await
    .unwrap();
    let l = leaders(&t, 6).await;
    let mut tasks = Vec::new();
    // Leader 0: [a, c] six times at once.
    for i in 0..6 {
        let db = if i % 2 == 0 {
            t.db.clone()
        } else {
            other.clone()
        };
        let who = l[0].clone();
        tasks.push(tokio::spawn(async move {
            key::vote(&db, &who, ballot, &[a, c]).await
        }));
    }
    // Leaders 1..6: [b] then [a, b], each twice at once on the two pools.
    for (i, who) in l[1..].iter().enumerate() {
        for pick in [vec![b], vec![a, b]] {
            let db = if i % 2 == 0 {
                t.db.clone()
            } else {
                other.clone()
            };
            let who = who.clone();
            tasks.push(tokio::spawn(async move {
                key::vote(&db, &who, ballot, &pick).await
            }));
        }
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // Each of leaders 1..6 holds one of their two choices: b from every one
    // of them, a from some.
    assert_eq!(votes(&t, ballot, b).await, 6);
    assert_eq!(votes(&t, ballot, c).await, 1);
    let a_votes = votes(&t, ballot, a).await;
    assert!((1..=7).contains(&a_votes), "{a_votes}");
    let per_leader: Vec<i64> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM proposal_votes WHERE ballot_id = $1 GROUP BY user_id ORDER BY user_id",
    )
    .bind(ballot)
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    assert_eq!(per_leader.len(), 7);
    assert!(per_leader.iter().all(|n| (1..=2).contains(n)));
    // Now the same leader's two different choices once more, one after the
    // other: the last one stands.
    key::vote(&other, &l[3], ballot, &[c]).await.unwrap();
    key::vote(&t.db, &l[3], ballot, &[a, b]).await.unwrap();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM proposal_votes WHERE ballot_id = $1")
        .bind(ballot)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    // a (leaders 0 and 3, and some of the others) and b (six) beat c (one);
    // which of a and b leads depends on which choices landed last.
    let (va, vb) = (votes(&t, ballot, a).await, votes(&t, ballot, b).await);
    let mut selected = key::close(&other, &committee, ballot).await.unwrap();
    let first = if va > vb || (va == vb && a < b) { a } else { b };
    assert_eq!(selected[0], first);
    selected.sort_unstable();
    assert_eq!(selected, vec![a, b]);
    // The tally kept is the rows counted.
    let kept: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(votes) AS BIGINT) FROM proposal_candidates WHERE ballot_id = $1",
    )
    .bind(ballot)
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(kept, total);
    other.close().await;
}

#[tokio::test]
async fn the_proposer_chooses_disclosure_and_the_public_list_shows_only_public_ones() {
    let t = city().await;
    let body = yanliang(&t).await;
    let author = actor(&t, "member-fh-08").await;
    let cosigner = actor(&t, "member-fh-09").await;
    let decliner = actor(&t, "member-fh-10").await;
    // A public one with a confirmed and a declined co-signer.
    let c = settings::entries(&t.db, body, settings::List::Category, false)
        .await
        .unwrap()[0]
        .clone();
    let text = Text {
        title: "关于校门口交通安全的建议".into(),
        situation: "上下学时段校门口人车混行".into(),
        analysis: "缺少护学岗".into(),
        suggestions: "设置潮汐车道".into(),
    };
    let open = proposal::create_draft(&t.db, &author, &text, Some(c.id))
        .await
        .unwrap();
    for who in [&cosigner, &decliner] {
        proposal::invite(&t.db, &author, open, who.user_id)
            .await
            .unwrap();
    }
    proposal::answer(&t.db, &cosigner, open, true)
        .await
        .unwrap();
    proposal::answer(&t.db, &decliner, open, false)
        .await
        .unwrap();
    // Not public without a reason; the reason kept; then public.
    assert_eq!(
        key_of(disclosure::set(&t.db, &author, open, false, " ").await),
        "err.proposal.private_reason"
    );
    disclosure::set(&t.db, &author, open, false, "涉及未公开的规划")
        .await
        .unwrap();
    assert_eq!(
        disclosure::choice(&t.db, open).await.unwrap(),
        (Some("private".into()), Some("涉及未公开的规划".into()))
    );
    // Only the initiator chooses.
    assert!(disclosure::set(&t.db, &cosigner, open, true, "")
        .await
        .is_err());
    disclosure::set(&t.db, &author, open, true, "")
        .await
        .unwrap();
    assert_eq!(
        disclosure::choice(&t.db, open).await.unwrap(),
        (Some("public".into()), None)
    );
    // Public, but not accepted yet: not listed.
    assert!(disclosure::list(&t.db, body, "", 1)
        .await
        .unwrap()
        .0
        .is_empty());
    proposal::file(&t.db, &author, open).await.unwrap();
    let committee = actor(&t, "committee").await;
    review::decide(
        &t.db,
        &committee,
        open,
        review::Decision::Accept { category: None },
    )
    .await
    .unwrap();
    // A private one and one with no choice: accepted, not listed.
    let private = accepted(&t, &author, "不公开的提案", "校门口").await;
    disclosure::set(&t.db, &author, private, false, "个人原因")
        .await
        .unwrap();
    let unchosen = accepted(&t, &author, "未选择的提案", "校门口").await;

    let (rows, more) = disclosure::list(&t.db, body, "", 1).await.unwrap();
    assert!(!more);
    assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![open]);
    assert_eq!(
        rows[0].proposers,
        vec![author.display_name.clone(), cosigner.display_name.clone()]
    );
    assert_eq!(rows[0].category.as_deref(), Some(c.name.as_str()));
    assert!(rows[0].replies.is_empty());
    // Searching: a substring of the title or the text, every word; a
    // wildcard is a character.
    for (q, hit) in [
        ("校门口", true),
        ("潮汐", true),
        ("护学岗 潮汐", true),
        ("护学岗 地铁", false),
        ("%", false),
        ("不公开", false),
    ] {
        let n = disclosure::list(&t.db, body, q, 1).await.unwrap().0.len();
        assert_eq!(n, usize::from(hit), "{q}");
    }
    assert!(disclosure::list(&t.db, body, "", 2)
        .await
        .unwrap()
        .0
        .is_empty());
    // Another body lists none of them; a private one has no public page.
    let beilin = org::by_code_unchecked(&t.db, "beilin").await.unwrap().id;
    assert!(disclosure::list(&t.db, beilin, "", 1)
        .await
        .unwrap()
        .0
        .is_empty());
    for id in [private, unchosen] {
        assert!(matches!(
            disclosure::get(&t.db, body, id).await,
            Err(Error::NotFound)
        ));
    }
    assert!(matches!(
        disclosure::get(&t.db, beilin, open).await,
        Err(Error::NotFound)
    ));

    // Once replied: the reply is shown (the lead unit's of the latest
    // round), and the choice is closed.
    let unit = org::by_code_unchecked(&t.db, "yanliang-jtj")
        .await
        .map(|o| o.id)
        .unwrap_or(body);
    for (round, class, text) in [(1, "B", "正在规划"), (2, "A", "已设置潮汐车道")] {
        sqlx::query(
            "INSERT INTO proposal_replies (proposal_id, round, org_id, lead, doc_number, class,
               body, replied_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $7)",
        )
        .bind(open)
        .bind(round)
        .bind(unit)
        .bind(format!("阎交复〔2026〕{round}号"))
        .bind(class)
        .bind(text)
        .bind(t.db.now_ms())
        .execute(t.db.pool())
        .await
        .unwrap();
    }
    sqlx::query("UPDATE proposals SET replied_at = $1, reply_class = 'A' WHERE id = $2")
        .bind(t.db.now_ms())
        .bind(open)
        .execute(t.db.pool())
        .await
        .unwrap();
    let p = disclosure::get(&t.db, body, open).await.unwrap();
    assert_eq!(p.replies.len(), 1);
    assert_eq!(p.replies[0].class, "A");
    assert_eq!(p.replies[0].body, "已设置潮汐车道");
    assert_eq!(
        key_of(disclosure::set(&t.db, &author, open, false, "改主意").await),
        "err.proposal.disclosure_closed"
    );
}
