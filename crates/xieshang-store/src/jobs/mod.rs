//! The job queue (outbox): notifications, emails, deadline reminders and
//! escalations. Jobs are written in the same transaction as the change that causes
//! them and run later by a worker, so a request never waits for sending. A job is
//! claimed with a lease (a compare-and-set on `locked_until`), so two workers never
//! run one job at once; a job's own writes and its completion commit together, so
//! a job that dies half-way runs again from the start. Email leaves at least once.

pub mod webhook;

use crate::concern::triage::Policy;
use crate::db::{col, Db, Tx};
use crate::item;
use crate::{Error, Result};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::{json, Value};
use std::time::Duration;
use xieshang_core::calendar::Calendar;
use xieshang_core::item::{Action, CONCERN};
use xieshang_core::OrgPath;

/// How many jobs are due and not yet done: the worker's backlog.
pub async fn due_count(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND run_at <= $1")
            .bind(db.now_ms())
            .fetch_one(db.pool())
            .await?,
    )
}

/// How many jobs the worker gave up after their attempts (kept with their
/// errors in `jobs.given_up`).
pub async fn given_up_count(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE given_up IS NOT NULL")
            .fetch_one(db.pool())
            .await?,
    )
}

/// A job as read for a round: id, kind, payload.
type Job = (i64, String, Value);

/// Logs a round whose database-only jobs failed together (they run again one
/// by one).
fn failed_together(e: &anyhow::Error, jobs: usize) {
    if jobs > 1 {
        tracing::warn!(error = %e, jobs, "jobs failed together; running them one by one");
    }
}

/// Puts a lease on the jobs among `ids` that are still to run and not leased
/// by another worker; returns the ids it took.
async fn lease(tx: &mut Tx, now: i64, ids: impl IntoIterator<Item = i64>) -> Result<Vec<i64>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = crate::db::placeholders(3, ids.len());
    let mut args = vec![
        crate::db::Arg::Int(now + LEASE_MS),
        crate::db::Arg::Int(now),
    ];
    args.extend(ids.into_iter().map(crate::db::Arg::Int));
    crate::db::query_with(
        &format!(
            "UPDATE jobs SET locked_until = $1, attempts = attempts + 1
             WHERE id IN ({list}) AND done_at IS NULL
               AND (locked_until IS NULL OR locked_until < $2)
             RETURNING id"
        ),
        args,
    )
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok(col::<i64>(r, "id")?))
    .collect()
}

/// How long a claimed job stays locked before another worker may take it.
const LEASE_MS: i64 = 60_000;
/// Attempts before a failing job is given up (and logged).
const MAX_ATTEMPTS: i64 = 8;

/// Sends email through an SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailer(from {})", self.from)
    }
}

impl Mailer {
    /// A mailer for `smtp://[user:pass@]host:port` (plain SMTP; STARTTLS is not
    /// built in yet) sending from `from`.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Mailer> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| anyhow::anyhow!("the SMTP URL must start with smtp://"))?;
        let rest = rest.trim_end_matches('/');
        let (creds, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>()?),
            None => (hostport, 25),
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(20)));
        if let Some((user, pass)) = creds.and_then(|c| c.split_once(':')) {
            b = b.credentials(lettre::transport::smtp::authentication::Credentials::new(
                user.to_owned(),
                pass.to_owned(),
            ));
        }
        let transport = b.build();
        Ok(Mailer {
            transport,
            from: from.parse()?,
        })
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body.to_owned())?;
        self.transport.send(msg).await?;
        Ok(())
    }

    /// Sends a text with a calendar file (RFC 5545) attached as
    /// `meeting.ics`, which mail programs offer to add to the calendar.
    async fn send_with_calendar(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        ics: String,
    ) -> anyhow::Result<()> {
        use lettre::message::{header::ContentType, Attachment, MultiPart, SinglePart};
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(body.to_owned()))
                    .singlepart(
                        Attachment::new("meeting.ics".to_owned())
                            .body(ics, ContentType::parse("text/calendar; charset=utf-8")?),
                    ),
            )?;
        self.transport.send(msg).await?;
        Ok(())
    }
}

/// Days a done job is kept before `prune` deletes it, unless configured.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// Deletes up to `limit` jobs that were done more than `days` days ago,
/// oldest first, in one write; returns how many went. A job given up after its
/// attempts stays (it is done, but with `given_up` set), and so does every job
/// not yet done. `days` = 0 keeps everything.
pub async fn prune(db: &Db, days: u32, limit: i64) -> Result<u64> {
    if days == 0 {
        return Ok(0);
    }
    let before = db.now_ms() - i64::from(days) * 86_400_000;
    let mut tx = db.begin_write().await?;
    let gone = sqlx::query(
        "DELETE FROM jobs WHERE id IN (
            SELECT id FROM jobs WHERE done_at IS NOT NULL AND given_up IS NULL AND done_at < $1
            ORDER BY done_at LIMIT $2)",
    )
    .bind(before)
    .bind(limit)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(gone)
}

/// Done jobs `run_forever` deletes in one write (one `prune`).
const PRUNE_CHUNK: i64 = 1_000;

/// What the worker needs.
#[derive(Debug, Clone)]
pub struct Worker {
    /// The database.
    pub db: Db,
    /// Working-day calendar.
    pub calendar: Calendar,
    /// Concern loop settings.
    pub policy: Policy,
    /// SMTP, when configured.
    pub mailer: Option<Mailer>,
    /// Public base URL for links in emails.
    pub base_url: String,
    /// The personal-data key (opens webhook secrets).
    pub sealer: Option<crate::seal::Sealer>,
    /// Days done jobs are kept (`prune`); 0 keeps them for good.
    pub retention_days: u32,
    /// Where webhook deliveries may connect.
    pub webhook_policy: crate::net::AddressPolicy,
}

impl Worker {
    /// Runs due jobs until none is left; returns how many ran.
    pub async fn run_until_idle(&self) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.run_due(50).await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Claims and runs up to `limit` due jobs; returns how many were claimed.
    pub async fn run_due(&self, limit: i64) -> Result<usize> {
        match self.db.dialect().skip_locked() {
            Some(lock) => self.run_round_locked(limit, lock).await,
            None => self.run_round_leased(limit).await,
        }
    }

    /// The due jobs (id, kind, payload), at most `limit`, in run order.
    async fn due<'c, E>(&self, conn: E, now: i64, limit: i64, lock: &str) -> Result<Vec<Job>>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        sqlx::query(&format!(
            "SELECT id, kind, payload FROM jobs WHERE done_at IS NULL AND run_at <= $1
               AND (locked_until IS NULL OR locked_until < $1) ORDER BY run_at, id LIMIT $2{lock}"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            let payload: Value =
                serde_json::from_str(&col::<String>(r, "payload")?).unwrap_or(Value::Null);
            Ok((col::<i64>(r, "id")?, col::<String>(r, "kind")?, payload))
        })
        .collect()
    }

    /// SQLite's round: the due jobs are read, leased in one short write, and
    /// then the database-only ones run and are marked done together in a
    /// second (one by one again if that fails), the others one by one. With
    /// one writer at a time, a round held in one write transaction (as on
    /// PostgreSQL) kept residents' intake waiting for the whole round, and
    /// intake measured about a quarter slower that way (BENCHMARKS.md).
    async fn run_round_leased(&self, limit: i64) -> Result<usize> {
        let now = self.db.now_ms();
        let due = self.due(self.db.pool(), now, limit, "").await?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut tx = self.db.begin_write().await?;
        let leased = lease(&mut tx, now, due.iter().map(|(id, _, _)| *id)).await?;
        tx.commit().await?;
        let (local, outside): (Vec<_>, Vec<_>) = due
            .into_iter()
            .filter(|(id, _, _)| leased.contains(id))
            .partition(|(_, kind, _)| {
                matches!(kind.as_str(), "notify" | "deadline" | "item_webhook")
            });
        if !local.is_empty() {
            let together = async {
                let mut tx = self.db.begin_write().await?;
                self.run_local_together(&mut tx, self.db.now_ms(), &local)
                    .await?;
                tx.commit().await?;
                anyhow::Ok(())
            }
            .await;
            if let Err(e) = together {
                failed_together(&e, local.len());
                self.run_each(&local).await?;
            }
        }
        self.run_each(&outside).await?;
        Ok(leased.len())
    }

    /// Runs leased jobs one by one, each marked done with its own writes or
    /// put back for a retry.
    async fn run_each(&self, jobs: &[Job]) -> Result<()> {
        for (id, kind, payload) in jobs {
            if let Err(e) = self.run_one(*id, kind, payload).await {
                self.failed(*id, kind, &e).await?;
            }
        }
        Ok(())
    }

    /// PostgreSQL's round is one transaction: it takes the due jobs with
    /// `FOR UPDATE SKIP LOCKED`, so another worker skips them, runs the ones
    /// that only write to the database (notifications, deadline stages) and
    /// marks them done, and puts a lease on the ones that talk to the outside
    /// world, which run after the commit. So a busy queue pays one commit per round, and a notification's
    /// job row is written once more (done), not twice (leased, then done). If
    /// the round's work fails, nothing of it stays; then every job of the
    /// round is leased on its own and run one by one, so the failure lands on
    /// the job that caused it.
    async fn run_round_locked(&self, limit: i64, lock: &str) -> Result<usize> {
        let mut tx = self.db.begin_write().await?;
        let now = self.db.now_ms();
        let due = self.due(&mut *tx, now, limit, lock).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let ran = due.len();
        let (local, outside): (Vec<_>, Vec<_>) = due.into_iter().partition(|(_, kind, _)| {
            matches!(kind.as_str(), "notify" | "deadline" | "item_webhook")
        });
        let together = async {
            if !local.is_empty() {
                self.run_local_together(&mut tx, now, &local).await?;
            }
            lease(&mut tx, now, outside.iter().map(|(id, _, _)| *id)).await?;
            tx.commit().await?;
            anyhow::Ok(())
        }
        .await;
        if let Err(e) = together {
            failed_together(&e, local.len());
            for job in local.iter().chain(&outside) {
                let mut tx = self.db.begin_write().await?;
                let leased = lease(&mut tx, self.db.now_ms(), [job.0]).await?;
                tx.commit().await?;
                // An empty lease: another worker has it.
                if !leased.is_empty() {
                    self.run_each(std::slice::from_ref(job)).await?;
                }
            }
            return Ok(ran);
        }
        self.run_each(&outside).await?;
        Ok(ran)
    }

    /// Runs jobs that only write to the database in one transaction, marking
    /// them done with it.
    async fn run_local_together(&self, tx: &mut Tx, now: i64, jobs: &[Job]) -> anyhow::Result<()> {
        // The round's notifications are written together (a few statements
        // for the whole round instead of several per concern); the other jobs
        // one after another in the same transaction.
        let mut notices = Vec::new();
        for (_, kind, payload) in jobs {
            match notice_of(kind, payload) {
                Some(n) => notices.push(n),
                None => self.run_local(tx, now, kind, payload).await?,
            }
        }
        self.notify(tx, now, &notices).await?;
        let events: Vec<(i64, &str)> = notices.iter().map(|n| (n.concern, n.event)).collect();
        crate::jobs::webhook::enqueue_for_many(tx, now, &self.base_url, &events).await?;
        let list = crate::db::placeholders(2, jobs.len());
        let mut args = vec![crate::db::Arg::Int(now)];
        args.extend(jobs.iter().map(|(id, _, _)| crate::db::Arg::Int(*id)));
        crate::db::query_with(
            &format!("UPDATE jobs SET done_at = $1, locked_until = NULL WHERE id IN ({list})"),
            args,
        )
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn failed(&self, id: i64, kind: &str, e: &anyhow::Error) -> Result<()> {
        let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_one(self.db.pool())
            .await?;
        let now = self.db.now_ms();
        if attempts >= MAX_ATTEMPTS {
            tracing::error!(job.id = id, job.kind = kind, error = %e, "job given up");
            // Kept with its error: prune never deletes a job given up.
            let error: String = format!("{e:#}").chars().take(2_000).collect();
            sqlx::query(
                "UPDATE jobs SET done_at = $1, locked_until = NULL, given_up = $2 WHERE id = $3",
            )
            .bind(now)
            .bind(error)
            .bind(id)
            .execute(self.db.pool())
            .await?;
        } else {
            // Back off: 30 s, 1 min, 2 min … doubled per attempt.
            let delay = 30_000 * (1_i64 << (attempts - 1).clamp(0, 10));
            tracing::warn!(job.id = id, job.kind = kind, attempts, error = %e, "job failed; will retry");
            sqlx::query("UPDATE jobs SET run_at = $1, locked_until = NULL WHERE id = $2")
                .bind(now + delay)
                .bind(id)
                .execute(self.db.pool())
                .await?;
        }
        Ok(())
    }

    async fn run_one(&self, id: i64, kind: &str, p: &Value) -> anyhow::Result<()> {
        // Jobs that talk to the outside world do so before the transaction opens,
        // and are marked done only once that succeeded.
        match kind {
            "webhook" => {
                let delivery = p["delivery_id"].as_i64().unwrap_or_default();
                crate::jobs::webhook::deliver(
                    &self.db,
                    self.sealer.as_ref(),
                    &self.webhook_policy,
                    delivery,
                )
                .await?;
            }
            "email" => {
                let mailer = self
                    .mailer
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("no SMTP configured"))?;
                mailer
                    .send(
                        p["to"].as_str().unwrap_or_default(),
                        p["subject"].as_str().unwrap_or_default(),
                        p["body"].as_str().unwrap_or_default(),
                    )
                    .await?;
            }
            "password_reset" => {
                let mailer = self
                    .mailer
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("no SMTP configured"))?;
                let link = format!(
                    "{}/password/reset?token={}",
                    self.base_url.trim_end_matches('/'),
                    p["token"].as_str().unwrap_or_default()
                );
                let body = format!(
                    "有人（希望是您本人）请求重设协商平台账号的密码。\n\
                     如是您本人，请在 30 分钟内打开以下链接设置新密码；账号如已被锁定，设置后即解锁：\n\n{link}\n\n\
                     如不是您本人，请忽略此邮件，您的密码不会改变。\n\n\
                     Someone (we hope you) asked to reset the password of your account. Within 30 minutes, \
                     open the link above to choose a new one; a locked account is unlocked. If it was not you, \
                     ignore this email: your password stays as it is.\n"
                );
                mailer
                    .send(
                        p["to"].as_str().unwrap_or_default(),
                        "【协商】重设密码 / Reset your password",
                        &body,
                    )
                    .await?;
            }
            crate::consult::notice::EMAIL_JOB => {
                let cid = p["consultation_id"].as_i64().unwrap_or_default();
                let c = crate::consult::notice::for_email(&self.db, cid).await?;
                // Without SMTP nobody is emailed (the in-app notices went out
                // already), and a meeting no longer called for is not
                // announced: either way the job is done.
                match &self.mailer {
                    Some(mailer) if c.state == "convened" => {
                        let (subject, body) = meeting_email(
                            &self.base_url,
                            &c,
                            p["event"].as_str().unwrap_or_default(),
                        );
                        let ics = crate::consult::ics::calendar(
                            &c.topic,
                            &[crate::consult::ics::event_of(&self.base_url, &c)],
                        );
                        mailer
                            .send_with_calendar(
                                p["to"].as_str().unwrap_or_default(),
                                &subject,
                                &body,
                                ics,
                            )
                            .await?;
                    }
                    Some(_) => {}
                    None => tracing::debug!(consultation = cid, "no SMTP configured: not emailed"),
                }
            }
            "notify" | "deadline" | "item_webhook" | crate::consult::notice::REMINDER_JOB => {}
            crate::proposal::key::BALLOT_JOB => {}
            // Writes its PDF before the job is marked done (decision 0046).
            crate::practice::booklet::JOB => {
                crate::practice::booklet::generate(
                    &self.db,
                    p["booklet_id"].as_i64().unwrap_or_default(),
                )
                .await?;
            }
            // Keeps its result before the job is marked done; a rerun
            // only checks again (issue 33 point 5).
            crate::audit::check::JOB => {
                crate::audit::check::run(&self.db).await?;
            }
            other => anyhow::bail!("unknown job kind {other}"),
        }
        let mut tx = self.db.begin_write().await?;
        let now = self.db.now_ms();
        self.run_local(&mut tx, now, kind, p).await?;
        sqlx::query("UPDATE jobs SET done_at = $1, locked_until = NULL WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if kind == "password_reset" {
            // The link is a credential until it expires: once sent, the job
            // keeps no copy of it.
            sqlx::query("UPDATE jobs SET payload = '{}' WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The database writes of a job, inside the caller's transaction.
    async fn run_local(&self, tx: &mut Tx, now: i64, kind: &str, p: &Value) -> anyhow::Result<()> {
        match kind {
            "notify" => {
                if let Some(n) = notice_of(kind, p) {
                    self.notify(tx, now, std::slice::from_ref(&n)).await?;
                    crate::jobs::webhook::enqueue_for(tx, now, &self.base_url, n.concern, n.event)
                        .await?;
                }
            }
            "deadline" => self.deadline(tx, now, p).await?,
            crate::consult::notice::REMINDER_JOB => {
                crate::consult::notice::remind_in(tx, now, p).await?;
            }
            crate::proposal::key::BALLOT_JOB => {
                crate::proposal::key::close_due_in(tx, now, p).await?;
            }
            // A consultation's or an agreed action's change, for webhooks.
            "item_webhook" => {
                crate::jobs::webhook::enqueue_item(
                    tx,
                    now,
                    &self.base_url,
                    p["kind"].as_str().unwrap_or_default(),
                    p["item_id"].as_i64().unwrap_or_default(),
                    p["event"].as_str().unwrap_or_default(),
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// A concern's deadline stage: reminder, deadline (escalate to the body's
    /// leaders), escalate_up (to the level above). Stale stages (the concern was
    /// resolved or reassigned since) do nothing.
    async fn deadline(&self, tx: &mut Tx, now: i64, p: &Value) -> anyhow::Result<()> {
        // Keyed by kind and item (migration 23 rewrote the queued ones).
        let Some(spec) = xieshang_core::item::spec(p["kind"].as_str().unwrap_or_default()) else {
            return Ok(());
        };
        let id = p["item_id"].as_i64().unwrap_or_default();
        if spec.kind == xieshang_core::item::CONSULTATION_ACTION.kind {
            let stage = p["stage"].as_str().unwrap_or_default();
            crate::consult::action::deadline_in(tx, now, id, stage).await?;
            return Ok(());
        }
        if spec.kind == xieshang_core::item::PROPOSAL.kind {
            let round = p["round"].as_i64().unwrap_or_default();
            let stage = p["stage"].as_str().unwrap_or_default();
            crate::proposal::handle::deadline_in(tx, now, id, round, stage).await?;
            return Ok(());
        }
        if spec.kind == xieshang_core::item::SUPERVISION_OPINION.kind {
            let round = p["round"].as_i64().unwrap_or_default();
            let stage = p["stage"].as_str().unwrap_or_default();
            crate::supervision::opinion::deadline_in(tx, now, id, round, stage).await?;
            return Ok(());
        }
        if spec.kind != CONCERN.kind {
            // Kinds without deadline stages.
            return Ok(());
        }
        let round = p["round"].as_i64().unwrap_or_default();
        let stage = p["stage"].as_str().unwrap_or_default();
        let table = item::table(spec)?;
        let Some(row) = sqlx::query(&format!(
            "SELECT state, assignment_round FROM {table} WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        else {
            return Ok(());
        };
        let state: String = col(&row, "state")?;
        let current: i64 = col(&row, "assignment_round")?;
        if stage == "feedback_window" {
            // The reporters' time to answer has passed: a concern still
            // resolved in that round closes.
            if current == round {
                crate::concern::close_after_window_in(tx, now, id).await?;
            }
            return Ok(());
        }
        if current != round || !matches!(state.as_str(), "assigned" | "in_progress") {
            return Ok(());
        }
        match stage {
            "reminder" => {
                item::note_in(tx, now, spec, id, Action::Remind, None).await?;
                let n = Notice {
                    concern: id,
                    event: "reminder",
                    leaders_of: None,
                };
                self.notify(tx, now, &[n]).await?;
            }
            "deadline" | "escalate_up" => {
                let level: i64 = if stage == "deadline" { 1 } else { 2 };
                let body = self.body_for(tx, id, level).await?;
                let Some((body_id, body_name)) = body else {
                    return Ok(());
                };
                item::note_in(tx, now, spec, id, Action::Escalate, Some(&body_name)).await?;
                sqlx::query("UPDATE concerns SET escalation_level = $1 WHERE id = $2")
                    .bind(level)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                let n = Notice {
                    concern: id,
                    event: "overdue",
                    leaders_of: Some(body_id),
                };
                self.notify(tx, now, &[n]).await?;
                crate::jobs::webhook::enqueue_for(tx, now, &self.base_url, id, "overdue").await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The consultative body over a concern at escalation `level`: 1 is the
    /// nearest district or city body above it, 2 the one above that.
    async fn body_for(&self, tx: &mut Tx, id: i64, level: i64) -> Result<Option<(i64, String)>> {
        let path: String = sqlx::query_scalar(
            "SELECT o.path FROM concerns c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1",
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
        let ids = OrgPath::parse(&path).ok_or(Error::NotFound)?.ids();
        let mut bodies = Vec::new();
        for oid in ids.iter().rev() {
            let row = sqlx::query("SELECT kind, name FROM orgs WHERE id = $1")
                .bind(*oid)
                .fetch_one(&mut **tx)
                .await?;
            let kind: String = col(&row, "kind")?;
            if kind == "district" || kind == "city" {
                bodies.push((*oid, col::<String>(&row, "name")?));
            }
        }
        Ok(bodies.into_iter().nth((level - 1) as usize))
    }

    /// Writes in-app notifications for every party of each notice's event on
    /// its concern, and queues an email for those with an address when SMTP is
    /// configured. The concerns are read in one statement, the staff over all
    /// of them in one (grants over a unit are found by the ids of the unit's
    /// ancestors, which its path holds, so the lookup reads the grants index
    /// instead of every grant of the city), and the notifications written in
    /// one; only events that reach departments or followers read more per
    /// concern.
    async fn notify(&self, tx: &mut Tx, now: i64, notices: &[Notice<'_>]) -> Result<()> {
        use crate::db::Arg::{Int, Text};
        if notices.is_empty() {
            return Ok(());
        }
        let mut ids: Vec<i64> = notices.iter().map(|n| n.concern).collect();
        ids.sort_unstable();
        ids.dedup();
        let list = crate::db::placeholders(1, ids.len());
        // id → (title, recorder, path). The path comes from a subquery per
        // row: joined, PostgreSQL's generic plan for fifty ids hash-joined all
        // units of the city (1.5 ms against 0.25 ms by EXPLAIN ANALYZE).
        let mut concerns = std::collections::HashMap::new();
        for row in crate::db::query_with(
            &format!(
                "SELECT c.id, c.title, c.recorded_by,
                        (SELECT o.path FROM orgs o WHERE o.id = c.org_id) AS path
                   FROM concerns c WHERE c.id IN ({list})"
            ),
            ids.iter().map(|id| Int(*id)).collect(),
        )
        .fetch_all(&mut **tx)
        .await?
        {
            let path = OrgPath::parse(&col::<String>(&row, "path")?).ok_or(Error::NotFound)?;
            concerns.insert(
                col::<i64>(&row, "id")?,
                (
                    col::<String>(&row, "title")?,
                    col::<Option<i64>>(&row, "recorded_by")?,
                    path,
                ),
            );
        }
        let wants_staff = |event: &str| !matches!(event, "assigned" | "reminder");
        let mut units: Vec<i64> = notices
            .iter()
            .filter(|n| wants_staff(n.event))
            .filter_map(|n| concerns.get(&n.concern))
            .flat_map(|(_, _, path)| path.ids())
            .collect();
        units.sort_unstable();
        units.dedup();
        let staff = holders_by_unit(tx, "staff", &units).await?;
        let mut rows = crate::db::Batch::new(
            "INSERT INTO notifications (user_id, kind, item_kind, item_id, body, created_at)",
            6,
            &[1, 2, 4],
        );
        // (recipients, title, event, concern) of each notice, for the emails.
        let mut sent: Vec<(Vec<i64>, &str, &str, i64)> = Vec::new();
        for n in notices {
            let Some((title, recorder, path)) = concerns.get(&n.concern) else {
                continue;
            };
            let event = n.event;
            let mut to: Vec<i64> = Vec::new();
            let want_handlers = matches!(
                event,
                "assigned"
                    | "reminder"
                    | "overdue"
                    | "reopened"
                    | "closed"
                    | "urged"
                    | "instructed"
            );
            let want_followers = !matches!(event, "submitted" | "reminder");
            if wants_staff(event) {
                for unit in path.ids() {
                    to.extend(staff.get(&unit).into_iter().flatten());
                }
            }
            if want_handlers {
                // Handlers of the departments on the current assignment, granted on
                // the department or a unit above it.
                let departments: Vec<String> = sqlx::query_scalar(
                    "SELECT d.path FROM item_assignments a JOIN orgs d ON d.id = a.org_id
                     WHERE a.kind = $2 AND a.item_id = $1
                       AND a.round = (SELECT assignment_round FROM concerns WHERE id = $1)",
                )
                .bind(n.concern)
                .bind(CONCERN.kind)
                .fetch_all(&mut **tx)
                .await?;
                let mut units: Vec<i64> = departments
                    .iter()
                    .filter_map(|p| OrgPath::parse(p))
                    .flat_map(|p| p.ids())
                    .collect();
                units.sort_unstable();
                units.dedup();
                to.extend(holders(tx, "department_handler", &units).await?);
            }
            if want_followers {
                to.extend(item::follower_ids_in(tx, &CONCERN, n.concern).await?);
            }
            if let Some(body) = n.leaders_of {
                to.extend(holders(tx, "leader", &[body]).await?);
            }
            to.extend(*recorder);
            to.sort_unstable();
            to.dedup();
            for user in &to {
                rows.push(vec![
                    Some(Int(*user)),
                    Some(Text(event.to_owned())),
                    Some(Text("concern".to_owned())),
                    Some(Int(n.concern)),
                    Some(Text(title.clone())),
                    Some(Int(now)),
                ]);
            }
            if !to.is_empty() {
                sent.push((to, title, event, n.concern));
            }
            // Well below either database's limit on parameters per statement
            // (six per row), however many people a round reaches.
            if rows.rows >= NOTIFICATION_ROWS {
                rows.flush(tx).await?;
            }
        }
        rows.flush(tx).await?;
        if self.mailer.is_none() || sent.is_empty() {
            return Ok(());
        }
        let mut users: Vec<i64> = sent
            .iter()
            .flat_map(|(to, ..)| to.iter().copied())
            .collect();
        users.sort_unstable();
        users.dedup();
        let list = crate::db::placeholders(1, users.len());
        let mut emails = std::collections::HashMap::new();
        for r in crate::db::query_with(
            &format!("SELECT id, email FROM users WHERE id IN ({list}) AND disabled_at IS NULL"),
            users.iter().map(|u| Int(*u)).collect(),
        )
        .fetch_all(&mut **tx)
        .await?
        {
            if let Some(email) = col::<Option<String>>(&r, "email")?.filter(|e| e.contains('@')) {
                emails.insert(col::<i64>(&r, "id")?, email);
            }
        }
        let mut jobs: Vec<item::Job> = Vec::new();
        for (to, title, event, concern) in &sent {
            let label = event_label(event);
            // In account order, as each notice's recipients are.
            for email in to.iter().filter_map(|u| emails.get(u)) {
                jobs.push(item::Job {
                    kind: "email",
                    payload: json!({
                        "to": email,
                        "subject": format!("【协商】{label}：{title}"),
                        "body": format!("{label}：{title}\n\n{}/concerns/{concern}\n", self.base_url.trim_end_matches('/')),
                    }),
                });
            }
        }
        item::enqueue(tx, now, &jobs).await?;
        Ok(())
    }
}

/// The subject and text of an email about a meeting: its topic, time and
/// place and a link to its page, in Chinese and English (the account's
/// language is not known to the worker).
fn meeting_email(
    base_url: &str,
    c: &crate::consult::Consultation,
    event: &str,
) -> (String, String) {
    let (label, en) = match event {
        "reminder" => ("会议提醒", "Reminder"),
        _ => ("协商会议通知", "Invitation"),
    };
    let cst = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms + 8 * 3_600_000)
            .map(|t| t.naive_utc().format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let place = c
        .room_name
        .as_ref()
        .map(|r| format!("{} {r}", c.org_name))
        .or(c.place.clone())
        .unwrap_or_default();
    let link = format!("{}/consultations/{}", base_url.trim_end_matches('/'), c.id);
    let subject = format!("【协商】{label}：{}", c.topic);
    let body = format!(
        "{label}：{topic}\n时间：{start} 至 {end}（北京时间）\n地点：{place}\n\n\
         请在平台上答复是否出席：{link}\n会议已附为日历文件（meeting.ics）。\n\n\
         {en}: {topic}\nTime: {start} to {end} (China Standard Time)\nPlace: {place}\n\n\
         Please answer on the platform: {link}\nThe meeting is attached as a calendar file.\n",
        topic = c.topic,
        start = cst(c.starts_at),
        end = cst(c.ends_at),
    );
    (subject, body)
}

/// At most this many notifications go into one INSERT.
const NOTIFICATION_ROWS: usize = 1_000;

/// One notification to write: an event on a concern, and the body whose
/// leaders hear of it too (escalations).
struct Notice<'a> {
    concern: i64,
    event: &'a str,
    leaders_of: Option<i64>,
}

/// The notice a `notify` job carries.
fn notice_of<'a>(kind: &str, p: &'a Value) -> Option<Notice<'a>> {
    (kind == "notify").then(|| Notice {
        concern: p["concern_id"].as_i64().unwrap_or_default(),
        event: p["event"].as_str().unwrap_or("updated"),
        leaders_of: None,
    })
}

/// The accounts holding `role` on each of `units`, by unit.
async fn holders_by_unit(
    tx: &mut Tx,
    role: &str,
    units: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<i64>>> {
    let mut out: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    if units.is_empty() {
        return Ok(out);
    }
    let list = crate::db::placeholders(2, units.len());
    let mut args = vec![crate::db::Arg::Text(role.to_owned())];
    args.extend(units.iter().map(|u| crate::db::Arg::Int(*u)));
    for r in crate::db::query_with(
        &format!(
            "SELECT DISTINCT org_id, user_id FROM grants WHERE role = $1 AND org_id IN ({list})"
        ),
        args,
    )
    .fetch_all(&mut **tx)
    .await?
    {
        out.entry(col::<i64>(&r, "org_id")?)
            .or_default()
            .push(col::<i64>(&r, "user_id")?);
    }
    Ok(out)
}

/// The accounts holding `role` on any of `units`.
async fn holders(tx: &mut Tx, role: &str, units: &[i64]) -> Result<Vec<i64>> {
    Ok(holders_by_unit(tx, role, units)
        .await?
        .into_values()
        .flatten()
        .collect())
}

/// The zh-CN label of a notification event (emails are in zh-CN).
pub fn event_label(event: &str) -> &'static str {
    match event {
        "submitted" => "新诉求",
        "assigned" => "诉求已交办",
        "progress" => "办理进展",
        "resolved" => "诉求已办结",
        "reassignment_requested" => "申请改派",
        "reminder" => "临期提醒",
        "overdue" => "逾期督办",
        "reopened" => "诉求重新办理",
        "closed" => "诉求已评价",
        "merged" => "诉求已并案",
        "converted" => "诉求已转办",
        "urged" => "领导督办",
        "instructed" => "领导批示",
        _ => "诉求更新",
    }
}

/// Jobs due now and not done (tests assert none is left behind).
pub async fn pending_due(db: &Db) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND run_at <= $1")
            .bind(db.now_ms())
            .fetch_one(db.pool())
            .await?,
    )
}

/// One in-app notification.
#[derive(Debug, Clone)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// Event code.
    pub kind: String,
    /// The item's kind (`concern`, `consultation`).
    pub item_kind: String,
    /// The item's id.
    pub item_id: i64,
    /// Its title.
    pub body: String,
    /// When, unix ms.
    pub created_at: i64,
    /// Whether it has been read.
    pub read: bool,
}

/// The user's notifications, newest first.
pub async fn notifications(db: &Db, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
    let rows = sqlx::query(
        "SELECT id, kind, item_kind, item_id, body, created_at, read_at FROM notifications
         WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Notification {
                id: col(r, "id")?,
                kind: col(r, "kind")?,
                item_kind: col(r, "item_kind")?,
                item_id: col(r, "item_id")?,
                body: col(r, "body")?,
                created_at: col(r, "created_at")?,
                read: col::<Option<i64>>(r, "read_at")?.is_some(),
            })
        })
        .collect()
}

/// Unread notifications of a user.
pub async fn unread(db: &Db, user_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?)
}

/// Marks all of a user's notifications read.
pub async fn mark_read(db: &Db, user_id: i64) -> Result<()> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(db.now_ms())
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Jobs a worker claims at a time.
const ROUND: i64 = 50;

/// Queues the audit chain's daily check when it is due (03:00 in China;
/// at once on a database that never had one): the process that moves the
/// due time on queues it, so servers sharing a database queue one a day.
/// Returns whether it queued one.
pub async fn schedule_audit_check(db: &Db) -> Result<bool> {
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let due = crate::audit::check::claim_due(&mut tx, now).await?;
    if due {
        crate::item::enqueue_at(
            &mut tx,
            now,
            now,
            &crate::item::Job {
                kind: crate::audit::check::JOB,
                payload: serde_json::json!({}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(due)
}

/// Runs the worker until `stop` resolves: round after round while jobs are
/// waiting, then polling every second. At most once a second, busy or not, it
/// folds the dashboard's count log into its tallies (tally.rs), so the log
/// stays at about a second of changes; and it deletes done jobs past their
/// retention a chunk at a time (and queues the audit chain's daily check
/// when due: [`schedule_audit_check`]): once a minute, or at every pass while the last
/// chunk came back full (a first run on a long-kept queue), so a backlog of
/// old jobs goes at about a chunk a second between the rounds.
pub async fn run_forever(worker: Worker, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut compacted = std::time::Instant::now();
    let mut pruned: Option<(std::time::Instant, bool)> = None;
    loop {
        if compacted.elapsed() >= Duration::from_secs(1) {
            if let Err(e) = crate::concern::tally::compact(&worker.db).await {
                tracing::error!(error = %e, "folding the dashboard's counts");
            }
            compacted = std::time::Instant::now();
        }
        let prune_due = match pruned {
            None => true,
            Some((at, full)) => at.elapsed() >= Duration::from_secs(if full { 1 } else { 60 }),
        };
        if prune_due {
            let full = match prune(&worker.db, worker.retention_days, PRUNE_CHUNK).await {
                Ok(n) => n as i64 == PRUNE_CHUNK,
                Err(e) => {
                    tracing::error!(error = %e, "deleting done jobs past their retention");
                    false
                }
            };
            pruned = Some((std::time::Instant::now(), full));
            // The audit chain's daily check is looked for as often.
            if let Err(e) = schedule_audit_check(&worker.db).await {
                tracing::error!(error = %e, "queueing the audit chain's check");
            }
        }
        let ran = match worker.run_due(ROUND).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, "job worker");
                0
            }
        };
        if ran as i64 == ROUND && !stop.has_changed().unwrap_or(true) {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}
