//! Email notifications over a real SMTP exchange: a minimal SMTP server runs inside
//! the test on a local port, the worker's mailer (lettre) talks SMTP to it, and the
//! test reads what arrived. Requests never wait for mail: the page answers first,
//! the worker sends later.

use crate::app::TestApp;
use axum::http::StatusCode;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Default, Clone)]
struct Mail {
    from: String,
    to: Vec<String>,
    data: String,
}

/// Accepts SMTP sessions and keeps each message; enough of RFC 5321 for a client
/// that sends EHLO, MAIL, RCPT, DATA, QUIT.
async fn smtp_sink() -> (String, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let inbox: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let kept = inbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let inbox = kept.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink.test ESMTP\r\n").await.unwrap();
                let mut mail = Mail::default();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink.test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        mail.from = line[10..].trim().to_owned();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        mail.to.push(line[8..].trim().to_owned());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        w.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        mail.data = data;
                        inbox.lock().unwrap().push(std::mem::take(&mut mail));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else if upper == "RSET" || upper == "NOOP" {
                        b"250 OK\r\n"
                    } else {
                        b"502 not implemented\r\n"
                    };
                    if w.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("smtp://{addr}"), inbox)
}

#[tokio::test]
async fn assignment_emails_the_department_through_smtp() {
    let app = TestApp::new().await;
    let (url, inbox) = smtp_sink().await;
    sqlx::query(
        "UPDATE users SET email = 'cgj-handler@yanliang.example' WHERE username = 'handler'",
    )
    .execute(app.t.db.pool())
    .await
    .unwrap();
    let mailer = xieshang_store::jobs::Mailer::new(&url, "协商 <noreply@xieshang.test>").unwrap();
    let worker = app.worker(Some(mailer));

    let mut staff = app.login("staff").await;
    let mut member = app.login("member-gs-01").await;
    let r = member
        .post_multipart(
            "/record",
            &[
                ("channel", "member"),
                ("category", "road"),
                ("area", "yanliang-guanshan-g01"),
                ("title", "人行道砖松动"),
                ("description", "关山中学北侧人行道砖松动"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id: i64 = sqlx::query_scalar("SELECT id FROM concerns WHERE title = '人行道砖松动'")
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    staff
        .post(
            &format!("/concerns/{id}/transition"),
            &[("action", "accept")],
        )
        .await;
    let cgj = app.org_id("yanliang-cgj").await.to_string();
    let r = staff
        .post(
            &format!("/concerns/{id}/assign"),
            &[("departments", &cgj), ("lead", &cgj)],
        )
        .await;
    assert!(!r.location.unwrap().contains("err="));
    // The request did not send anything itself.
    assert!(inbox.lock().unwrap().is_empty());

    // First pass writes notifications and queues the email; the next sends it.
    worker.run_until_idle().await.unwrap();
    let mails = inbox.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let m = &mails[0];
    assert_eq!(m.to, vec!["<cgj-handler@yanliang.example>".to_owned()]);
    assert!(m.from.contains("noreply@xieshang.test"));
    // The subject is an encoded word and the body base64: decode both.
    let subject = decode_words(&m.data);
    assert!(
        subject.contains("【协商】诉求已交办：人行道砖松动"),
        "{subject}"
    );
    let body = decode_body(&m.data);
    assert!(
        body.contains(&format!("http://xieshang.test/concerns/{id}")),
        "{body}"
    );
    assert_eq!(
        xieshang_store::jobs::pending_due(&app.t.db).await.unwrap(),
        0
    );
}

/// A worker whose SMTP server refuses every connection (nothing listens on
/// its port), with the district's staff account given an email address.
async fn worker_refused_by_smtp(app: &TestApp) -> xieshang_store::jobs::Worker {
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", dead.local_addr().unwrap());
    drop(dead);
    sqlx::query("UPDATE users SET email = 'staff@yanliang.example' WHERE username = 'staff'")
        .execute(app.t.db.pool())
        .await
        .unwrap();
    app.worker(Some(
        xieshang_store::jobs::Mailer::new(&url, "noreply@xieshang.test").unwrap(),
    ))
}

#[tokio::test]
async fn a_refusing_server_means_retry_later_not_loss() {
    let app = TestApp::new().await;
    let worker = worker_refused_by_smtp(&app).await;
    let mut resident = app.client();
    resident.get("/report").await;
    let token = resident
        .cookies
        .iter()
        .find(|(k, _)| k == "xs_csrf")
        .unwrap()
        .1
        .clone();
    let r = resident
        .post_raw(
            "/report",
            &[
                ("_csrf", &token),
                ("category", "water"),
                ("area", "yanliang-guanshan-g02"),
                ("title", "停水"),
                ("description", "三天没有水"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    worker.run_until_idle().await.unwrap();
    let (attempts, done): (i64, Option<i64>) = {
        let row = sqlx::query("SELECT attempts, done_at FROM jobs WHERE kind = 'email'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
        use sqlx::Row;
        (row.get("attempts"), row.get("done_at"))
    };
    assert_eq!(attempts, 1);
    assert_eq!(done, None, "kept for a retry");
    // With the server back, the retry after the back-off delivers it.
    let (url2, inbox) = smtp_sink().await;
    let worker = app.worker(Some(
        xieshang_store::jobs::Mailer::new(&url2, "noreply@xieshang.test").unwrap(),
    ));
    worker.run_until_idle().await.unwrap();
    assert!(inbox.lock().unwrap().is_empty(), "not before the back-off");
    app.advance(31_000);
    worker.run_until_idle().await.unwrap();
    assert_eq!(inbox.lock().unwrap().len(), 1);
}

/// A resident's report through the web form (which notifies the district's
/// staff, and staff@yanliang.example by email), filed as new even when it
/// resembles one already in hand.
async fn report(app: &TestApp, title: &str) {
    let mut resident = app.client();
    let r = resident
        .post(
            "/report",
            &[
                ("category", "water"),
                ("area", "yanliang-guanshan-g02"),
                ("title", title),
                ("description", "三天没有水"),
                ("confirm_new", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn ids(app: &TestApp, sql: &str) -> Vec<i64> {
    sqlx::query_scalar(sql)
        .fetch_all(app.t.db.pool())
        .await
        .unwrap()
}

/// An email that never gets through is given up after its attempts and kept
/// with its error; done jobs go once past the retention period, and nothing
/// else does: not the job given up, not a job done since, not one still to run.
#[tokio::test]
async fn done_jobs_go_after_the_retention_but_a_job_given_up_stays() {
    use xieshang_store::jobs::{prune, DEFAULT_RETENTION_DAYS};
    const DAY: i64 = 86_400_000;
    let app = TestApp::new().await;
    let worker = worker_refused_by_smtp(&app).await;
    report(&app, "停水").await;
    worker.run_until_idle().await.unwrap();
    // The back-off is under a day for every attempt: a day between runs
    // gives each attempt its turn, eight in all.
    for _ in 0..7 {
        app.advance(DAY);
        worker.run_until_idle().await.unwrap();
    }
    let email =
        sqlx::query("SELECT id, attempts, done_at, given_up FROM jobs WHERE kind = 'email'")
            .fetch_one(app.t.db.pool())
            .await
            .unwrap();
    use sqlx::Row;
    let email_id: i64 = email.get("id");
    let attempts: i64 = email.get("attempts");
    let done: Option<i64> = email.get("done_at");
    let given_up: Option<String> = email.get("given_up");
    assert_eq!(attempts, 8);
    assert!(done.is_some(), "given up, so no longer due");
    let error = given_up.expect("given up with its error");
    assert!(error.to_lowercase().contains("refused"), "{error}");
    let m = app.client().get("/metrics").await;
    assert!(m.body.contains("xieshang_jobs_given_up 1\n"), "{}", m.body);

    // Thirty-one days after the email was given up, everything done so far is
    // past the retention; then another report, whose jobs run now.
    app.advance(31 * DAY);
    let old_done = ids(
        &app,
        "SELECT id FROM jobs WHERE done_at IS NOT NULL AND given_up IS NULL ORDER BY id",
    )
    .await;
    assert!(!old_done.is_empty(), "the notification ran");
    report(&app, "又停水").await;
    worker.run_until_idle().await.unwrap();
    let recent = ids(
        &app,
        "SELECT id FROM jobs WHERE done_at IS NOT NULL AND given_up IS NULL ORDER BY id",
    )
    .await
    .into_iter()
    .filter(|id| !old_done.contains(id))
    .collect::<Vec<_>>();
    assert!(!recent.is_empty());
    let waiting = ids(
        &app,
        "SELECT id FROM jobs WHERE done_at IS NULL ORDER BY id",
    )
    .await;

    assert_eq!(prune(&app.t.db, 0, 1_000).await.unwrap(), 0, "0 keeps all");
    // One at a time, then the rest.
    assert_eq!(
        prune(&app.t.db, DEFAULT_RETENTION_DAYS, 1).await.unwrap(),
        1
    );
    let rest = prune(&app.t.db, DEFAULT_RETENTION_DAYS, 1_000)
        .await
        .unwrap();
    assert_eq!(rest as usize + 1, old_done.len());
    assert_eq!(
        prune(&app.t.db, DEFAULT_RETENTION_DAYS, 1_000)
            .await
            .unwrap(),
        0
    );
    let left = ids(&app, "SELECT id FROM jobs ORDER BY id").await;
    let mut want: Vec<i64> = recent.iter().chain(&waiting).copied().collect();
    want.push(email_id);
    want.sort();
    assert_eq!(left, want);
    // The notifications themselves are the staff's, and stay.
    let notes = ids(
        &app,
        "SELECT id FROM notifications WHERE kind = 'submitted'",
    )
    .await;
    assert!(notes.len() >= 2, "{notes:?}");
}

fn b64(s: &str) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The text of every `=?utf-8?b?…?=` word in the message, concatenated.
fn decode_words(data: &str) -> String {
    data.split("=?utf-8?b?")
        .skip(1)
        .filter_map(|w| w.split("?=").next())
        .map(b64)
        .collect()
}

/// The base64 body after the blank line that ends the headers.
fn decode_body(data: &str) -> String {
    let body = data.split("\n\n").nth(1).unwrap_or_default();
    b64(&body.replace('\n', ""))
}

#[tokio::test]
async fn a_locked_out_owner_resets_the_password_through_an_emailed_link() {
    let app = TestApp::new().await;
    let (url, inbox) = smtp_sink().await;
    // The member gives the address reset links go to, on their password page.
    let mut m = app.login("member-fh-02").await;
    let r = m
        .post("/password/email", &[("email", "not an address")])
        .await;
    // Back with the address as typed and marked.
    crate::forms::assert_marked(&r, "email");
    crate::forms::assert_value(&r.body, "email", "not an address");
    let r = m
        .post("/password/email", &[("email", " fh02@yanliang.example ")])
        .await;
    assert_eq!(r.location.as_deref(), Some("/password?ok=common.saved"));
    assert!(m
        .get("/password")
        .await
        .body
        .contains("value=\"fh02@yanliang.example\""));
    let mailer = xieshang_store::jobs::Mailer::new(&url, "协商 <noreply@xieshang.test>").unwrap();
    let worker = app.worker(Some(mailer));
    // Someone else's wrong guesses lock the account.
    let mut c = app.client();
    for _ in 0..5 {
        c.login("member-fh-02", "wrong password!").await;
    }
    let r = c
        .login("member-fh-02", xieshang_store::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(r.location.as_deref(), Some("/login?err=login.failed"));

    // The owner asks for a link; an unknown name gets the same answer, and
    // no mail.
    let mut owner = app.client();
    let page = owner.get("/login").await;
    assert!(page.body.contains("/password/forgot"));
    owner.get("/password/forgot").await;
    // Asked again at once (or by someone else), no second link replaces it.
    for name in ["member-fh-02", "no-such-account", "member-fh-02"] {
        let r = owner.post("/password/forgot", &[("username", name)]).await;
        assert_eq!(
            r.location.as_deref(),
            Some("/password/forgot?ok=reset.sent")
        );
    }
    worker.run_until_idle().await.unwrap();
    let mails = inbox.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, ["<fh02@yanliang.example>"]);
    let body = decode_body(&mails[0].data);
    let at = body
        .find("/password/reset?token=")
        .expect("a link in the mail");
    let token: String = body[at + 22..].chars().take(32).collect();
    assert_eq!(token.len(), 32, "{body}");
    assert!(
        body[..at].ends_with("http://xieshang.test"),
        "the public address"
    );
    // The sent job keeps no copy of the link.
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE payload LIKE $1")
        .bind(format!("%{token}%"))
        .fetch_one(app.t.db.pool())
        .await
        .unwrap();
    assert_eq!(kept, 0);

    // A made-up token shows no form.
    let r = owner
        .get(&format!("/password/reset?token={}", "a".repeat(32)))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = owner.get(&format!("/password/reset?token={token}")).await;
    assert!(r.body.contains("reset-form"));
    let r = owner
        .post(
            "/password/reset",
            &[
                ("token", &token),
                ("new", "my-own-new-password"),
                ("confirm", "my-own-new-password"),
            ],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/login?ok=reset.done"));
    // Unlocked, with the new password; the link is used up.
    let r = owner.login("member-fh-02", "my-own-new-password").await;
    assert_eq!(r.location.as_deref(), Some("/today"));
    let r = owner
        .post(
            "/password/reset",
            &[
                ("token", &token),
                ("new", "another-new-password"),
                ("confirm", "another-new-password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "used up");
}

/// Quoted-printable (RFC 2045 §6.7) decoded: soft line breaks dropped,
/// `=XX` read as a byte.
fn quoted_printable(s: &str) -> String {
    let joined = s.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'=')
            .then(|| joined.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).replace('\n', "\r\n")
}

/// The parts of a multipart message: (headers, body decoded from base64
/// where the part says so).
fn mime_parts(data: &str) -> Vec<(String, String)> {
    let boundary = data
        .split("boundary=\"")
        .nth(1)
        .and_then(|b| b.split('"').next())
        .expect("a multipart message");
    let mut parts = Vec::new();
    for chunk in data.split(&format!("--{boundary}")).skip(1) {
        let Some((head, body)) = chunk.trim_start_matches('\n').split_once("\n\n") else {
            continue;
        };
        let lower = head.to_ascii_lowercase();
        let body = if lower.contains("content-transfer-encoding: base64") {
            b64(&body.replace('\n', ""))
        } else if lower.contains("content-transfer-encoding: quoted-printable") {
            quoted_printable(body)
        } else {
            body.to_owned()
        };
        parts.push((head.to_owned(), body));
    }
    parts
}

/// A consultation's invitation reaches the invited member by email with the
/// meeting attached as a calendar file that parses back to the meeting.
#[tokio::test]
async fn a_consultation_invitation_is_emailed_with_the_meeting_attached() {
    use icalendar::{Component, EventLike};
    let app = TestApp::new().await;
    let (url, inbox) = smtp_sink().await;
    sqlx::query("UPDATE users SET email = 'gs01@yanliang.example' WHERE username = 'member-gs-01'")
        .execute(app.t.db.pool())
        .await
        .unwrap();
    let guanshan = app.org_id("yanliang-guanshan").await;
    let member = app.user_id("member-gs-01").await;
    let starts = app.t.db.now_ms() + 30 * 86_400_000;
    let cst = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
            .unwrap()
            .naive_utc()
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let mut staff = app.login("staff").await;
    let r = staff
        .post(
            "/consultations",
            &[
                ("org", &guanshan.to_string()),
                ("kind", "grassroots"),
                ("topic", "背街小巷路灯协商"),
                ("description", ""),
                ("starts_at", &cst(starts)),
                ("ends_at", &cst(starts + 3_600_000)),
                ("room", ""),
                ("place", "关山街道办事处二楼"),
                ("concerns", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location.unwrap();
    let id: i64 = page
        .trim_start_matches("/consultations/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = staff
        .post(
            &format!("/consultations/{id}/invite"),
            &[("who", "member"), ("user", &member.to_string())],
        )
        .await;
    assert!(!r.location.unwrap_or_default().contains("err="));
    assert!(inbox.lock().unwrap().is_empty(), "the request sent nothing");

    let mailer = xieshang_store::jobs::Mailer::new(&url, "协商 <noreply@xieshang.test>").unwrap();
    app.worker(Some(mailer)).run_until_idle().await.unwrap();
    let mails = inbox.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let m = &mails[0];
    assert_eq!(m.to, vec!["<gs01@yanliang.example>".to_owned()]);
    assert!(
        decode_words(&m.data).contains("【协商】协商会议通知：背街小巷路灯协商"),
        "{}",
        m.data
    );
    let parts = mime_parts(&m.data);
    let text = parts
        .iter()
        .find(|(h, _)| h.to_ascii_lowercase().contains("text/plain"))
        .map(|(_, b)| b.clone())
        .expect("a text part");
    assert!(text.contains("关山街道办事处二楼"), "{text}");
    assert!(
        text.contains(&format!("http://xieshang.test/consultations/{id}")),
        "{text}"
    );
    let (head, ics) = parts
        .iter()
        .find(|(h, _)| h.to_ascii_lowercase().contains("text/calendar"))
        .expect("a calendar attachment");
    assert!(head.contains("meeting.ics"), "{head}");
    let cal: icalendar::Calendar = ics.parse().expect("the attachment parses as RFC 5545");
    let events: Vec<_> = cal.events().collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].get_summary(), Some("背街小巷路灯协商"));
    assert_eq!(events[0].get_location(), Some("关山街道办事处二楼"));
    assert_eq!(
        events[0].get_start(),
        Some(icalendar::DatePerhapsTime::DateTime(
            icalendar::CalendarDateTime::Utc(
                chrono::DateTime::from_timestamp_millis(starts - starts % 60_000).unwrap()
            )
        ))
    );
}
