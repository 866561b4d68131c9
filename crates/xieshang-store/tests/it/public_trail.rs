//! The public status page reads what the concern's row carries of its
//! timeline, feedback and photos (migration 0016). Whatever path writes an
//! event, a feedback or a photo, the page must say what the records say; and
//! the migration's backfill must fold old records exactly as the live writes
//! and the data generator do.

use crate::HASH;
use xieshang_core::item::CONCERN;
use xieshang_core::Role;
use xieshang_store::concern::photo::Photo;
use xieshang_store::concern::{self, NewConcern, Rating};
use xieshang_store::item::{self, By};
use xieshang_store::testing::TestDb;
use xieshang_store::{migrate, org, seed};

/// What the records say the page should show: (timeline, feedback, photos).
async fn from_records(
    t: &TestDb,
    id: i64,
) -> (
    Vec<(String, String, i64)>,
    Vec<concern::PublicFeedback>,
    Vec<String>,
) {
    let timeline = item::timeline(&t.db, &CONCERN, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.to_state, e.at))
        .collect();
    let feedback = sqlx::query_as::<_, (String, Option<String>, Option<String>, i64)>(
        "SELECT rating, comment, thanks, at FROM item_feedback
         WHERE kind = 'concern' AND item_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    let photos = sqlx::query_scalar::<_, String>(
        "SELECT public_token FROM attachments WHERE kind = 'concern' AND item_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    (timeline, feedback, photos)
}

/// The three folded columns of every concern, by id.
async fn folded(t: &TestDb) -> Vec<(i64, String, String, String)> {
    sqlx::query_as(
        "SELECT id, public_timeline, public_feedback, public_photos FROM concerns ORDER BY id",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap()
}

/// Empties the folded columns and runs migration 16's backfill again.
async fn backfill(t: &TestDb) {
    sqlx::query(
        "UPDATE concerns SET public_timeline = '', public_feedback = '', public_photos = ''",
    )
    .execute(t.db.pool())
    .await
    .unwrap();
    let (_, _, sql) = migrate::MIGRATIONS
        .iter()
        .find(|m| m.0 == 16)
        .expect("migration 16");
    let update = sql
        .split(';')
        .find(|s| s.contains("UPDATE concerns SET"))
        .expect("the backfill statement")
        // Feedback has lived in the item engine's table since migration 23.
        .replace(
            "FROM concern_feedback f WHERE f.concern_id = concerns.id",
            "FROM item_feedback f WHERE f.kind = 'concern' AND f.item_id = concerns.id",
        );
    sqlx::query(&update).execute(t.db.pool()).await.unwrap();
}

/// The sample city, one of Fenghuang's grids and its street's staff.
async fn demo_grid() -> (TestDb, org::Org, xieshang_core::Actor) {
    let t = TestDb::new().await.unwrap();
    seed::load_demo(&t.db, HASH).await.unwrap();
    let grid = org::by_code_unchecked(&t.db, "yanliang-fenghuang-g07")
        .await
        .unwrap();
    let staff = crate::actor(&t, "staff").await;
    (t, grid, staff)
}

#[tokio::test]
async fn every_write_reaches_the_status_page_and_the_backfill_agrees() {
    let (t, grid, staff) = demo_grid().await;
    let photo = |n: u8| Photo {
        jpeg: vec![0xff, 0xd8, n],
        width: 1,
        height: 1,
    };
    let concern::Recorded { id, code, key } = concern::record_keyed(
        &t.db,
        By::Resident,
        NewConcern {
            photos: &[photo(1), photo(2)],
            ..crate::web_concern(grid.id, "road", "凤凰路井盖缺失", "夜里看不见，已有人绊倒")
        },
    )
    .await
    .unwrap();
    let check = |label: &'static str| {
        let (t, code) = (&t, code.clone());
        async move {
            let s = concern::public_status(&t.db, &code).await.unwrap();
            let (timeline, feedback, photos) = from_records(t, id).await;
            assert_eq!(s.timeline, timeline, "{label}");
            assert_eq!(s.feedback, feedback, "{label}");
            assert_eq!(s.photos, photos, "{label}");
            assert_eq!(s.state, concern::state(&t.db, id).await.unwrap(), "{label}");
            s
        }
    };
    assert_eq!(check("submitted").await.photos.len(), 2);

    let dept = By::Connected(Role::DepartmentHandler);
    for (action, by) in [
        (xieshang_core::item::Action::Accept, By::User(&staff)),
        (xieshang_core::item::Action::Assign, By::User(&staff)),
    ] {
        item::transition(&t.db, &CONCERN, id, action, by, None, &[])
            .await
            .unwrap();
    }
    check("assigned").await;
    // A note that leaves the state as it is, inside a transaction of its own.
    let mut tx = t.db.begin_write().await.unwrap();
    item::note_in(
        &mut tx,
        t.db.now_ms(),
        &CONCERN,
        id,
        xieshang_core::item::Action::Remind,
        Some("催办"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    xieshang_store::concern::photo::attach_now(&t.db, "concern", id, "progress", &[photo(3)])
        .await
        .unwrap();
    item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Progress,
        dept,
        Some("已到现场"),
        &[],
    )
    .await
    .unwrap();
    item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Resolve,
        dept,
        Some("已补装井盖"),
        &[],
    )
    .await
    .unwrap();
    check("resolved").await;
    // The tracking code alone gives no say: a wrong key, or none, is refused
    // with the same answer as a code that does not exist, and changes nothing.
    for (c, k) in [
        (code.as_str(), ""),
        (code.as_str(), "23456789ABCDEFGH"),
        ("NOSUCHCODE", key.as_str()),
    ] {
        let refused = concern::feedback(&t.db, c, k, Rating::Satisfied, None, None).await;
        assert!(
            matches!(
                refused,
                Err(item::TransitionError::Store(
                    xieshang_store::Error::Invalid {
                        key: "err.resident_key",
                        ..
                    }
                ))
            ),
            "{c} {k}: {refused:?}"
        );
    }
    check("resolved, after refused feedback").await;
    // The key is kept only as its hash.
    let stored: String = sqlx::query_scalar("SELECT resident_key_hash FROM concerns WHERE id = $1")
        .bind(id)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, concern::resident_key_hash(&key));
    assert!(!stored.contains(&key));
    // Unsatisfied feedback reopens it; free text with the separators in it.
    // The key read out in groups, in lower case, still works.
    let spoken = format!("{}-{}", &key[..8], &key[8..]).to_lowercase();
    concern::feedback(
        &t.db,
        &code,
        &spoken,
        Rating::Unsatisfied,
        Some("还是, 没修好 -3:x"),
        None,
    )
    .await
    .unwrap();
    item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Assign,
        By::User(&staff),
        None,
        &[],
    )
    .await
    .unwrap();
    item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Resolve,
        dept,
        None,
        &[],
    )
    .await
    .unwrap();
    concern::feedback(
        &t.db,
        &code,
        &key,
        Rating::Satisfied,
        Some("修好了"),
        Some("谢谢社区"),
    )
    .await
    .unwrap();
    let s = check("closed").await;
    assert_eq!(s.state, "closed");
    assert_eq!(s.timeline.len(), 10, "{:?}", s.timeline);
    assert_eq!(s.feedback.len(), 2);
    assert_eq!(s.photos.len(), 3);

    // A refused transition leaves the page as it was.
    let before = folded(&t).await;
    item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Resolve,
        dept,
        None,
        &[],
    )
    .await
    .unwrap_err();
    assert_eq!(folded(&t).await, before);

    // The backfill folds the records exactly as the live writes did.
    assert!(before.iter().all(|(_, tl, _, _)| !tl.is_empty()));
    backfill(&t).await;
    assert_eq!(folded(&t).await, before);
}

#[tokio::test]
async fn generated_concerns_are_folded_as_the_backfill_folds_them() {
    let t = TestDb::new().await.unwrap();
    crate::generated_city(&t, 400, 30, 3, 5).await;
    let generated = folded(&t).await;
    assert_eq!(generated.len(), 400);
    assert!(generated.iter().all(|(_, tl, _, _)| !tl.is_empty()));
    assert!(generated.iter().any(|(_, _, fb, _)| !fb.is_empty()));
    backfill(&t).await;
    assert_eq!(folded(&t).await, generated);
}

/// The page names the concern's area from a cache of unit names (the page's
/// statement reads one table); a rename made by this process shows at once.
#[tokio::test]
async fn the_status_page_shows_a_renamed_area_at_once() {
    let (t, grid, staff) = demo_grid().await;
    let (_, code) = concern::record(
        &t.db,
        By::Resident,
        crate::web_concern(grid.id, "road", "凤凰路井盖缺失", "夜里看不见，已有人绊倒"),
    )
    .await
    .unwrap();
    let before = concern::public_status(&t.db, &code).await.unwrap();
    assert_eq!(before.area, grid.name);
    org::rename(&t.db, &staff, grid.id, "凤凰社区第七网格")
        .await
        .unwrap();
    let after = concern::public_status(&t.db, &code).await.unwrap();
    assert_eq!(after.area, "凤凰社区第七网格");
    // An unknown code is still not found (not an error of the name lookup).
    assert!(matches!(
        concern::public_status(&t.db, "NOSUCHCODE").await,
        Err(xieshang_store::Error::NotFound)
    ));
}

/// Who handles a concern and their progress notes (migration 0027): the
/// status row carries them, written with the assignment and the progress
/// event; the page reads them without a read of the engine's tables, reads
/// what those tables say, and the migration's backfill folds the records as
/// the live writes and the data generator do.
#[tokio::test]
async fn handling_on_the_status_row_matches_the_records_and_the_backfill() {
    let (t, grid, staff) = demo_grid().await;
    let cal = xieshang_core::calendar::Calendar::builtin();
    let policy = concern::triage::Policy::default();
    let (id, code) = concern::record(
        &t.db,
        By::Resident,
        crate::web_concern(grid.id, "road", "凤凰路井盖缺失", "夜里看不见，已有人绊倒"),
    )
    .await
    .unwrap();
    item::transition(
        &t.db,
        &CONCERN,
        id,
        xieshang_core::item::Action::Accept,
        By::User(&staff),
        None,
        &[],
    )
    .await
    .unwrap();
    let cgj = org::by_code_unchecked(&t.db, "yanliang-cgj").await.unwrap();
    let zjj = org::by_code_unchecked(&t.db, "yanliang-zjj").await.unwrap();
    concern::triage::assign(
        &t.db,
        &cal,
        &policy,
        &staff,
        id,
        &[cgj.id, zjj.id],
        zjj.id,
        None,
    )
    .await
    .unwrap();
    let handler = crate::actor(&t, "handler").await;
    for note in ["已到现场：井盖缺失, 2处 -3:x", "已订购井盖"] {
        concern::handling::handle(&t.db, &cal, &policy, &handler, id, "progress", note, &[])
            .await
            .unwrap();
    }
    let s = concern::public_status(&t.db, &code).await.unwrap();
    // The lead first, then by name; as the engine's tables say.
    let from_tables: Vec<(String, bool)> = item::assignments(&t.db, &CONCERN, id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.name, a.lead))
        .collect();
    assert_eq!(s.departments, from_tables);
    assert_eq!(s.departments[0], (zjj.name.clone(), true));
    let notes: Vec<String> = s.progress.iter().map(|p| p.1.clone()).collect();
    assert_eq!(notes, vec!["已到现场：井盖缺失, 2处 -3:x", "已订购井盖"]);
    let folded_units = |t: &TestDb| {
        let pool = t.db.pool().clone();
        async move {
            sqlx::query_as::<_, (i64, String, String)>(
                "SELECT id, public_units, public_progress FROM concerns ORDER BY id",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let live = folded_units(&t).await;
    sqlx::query("UPDATE concerns SET public_units = '', public_progress = ''")
        .execute(t.db.pool())
        .await
        .unwrap();
    let (_, _, sql) = migrate::MIGRATIONS
        .iter()
        .find(|m| m.0 == 27)
        .expect("migration 27");
    let update = sql
        .split(';')
        .find(|s| s.contains("UPDATE concerns SET"))
        .expect("the backfill statement");
    sqlx::query(update).execute(t.db.pool()).await.unwrap();
    assert_eq!(folded_units(&t).await, live);

    // The data generator folds them as the backfill does.
    let g = TestDb::new().await.unwrap();
    crate::generated_city(&g, 400, 30, 3, 5).await;
    let generated = folded_units(&g).await;
    assert!(generated
        .iter()
        .any(|(_, u, p)| !u.is_empty() && !p.is_empty()));
    sqlx::query("UPDATE concerns SET public_units = '', public_progress = ''")
        .execute(g.db.pool())
        .await
        .unwrap();
    sqlx::query(update).execute(g.db.pool()).await.unwrap();
    assert_eq!(folded_units(&g).await, generated);
}
