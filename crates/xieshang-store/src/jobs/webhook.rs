//! Webhooks: a unit registers endpoints for concern, consultation, agreed
//! action and proposal events in its subtree. Each
//! event becomes a logged delivery and a `webhook` job; the worker POSTs the JSON
//! body signed with HMAC-SHA256 (header `X-Xieshang-Signature: sha256=<hex>`), and
//! a failed attempt is retried with back-off through the job queue. The signing
//! secret is sealed with the personal-data key and shown once, at registration.
//! Deliveries go over HTTPS (rustls, the system's root certificates) or HTTP,
//! only to addresses [`crate::net`] allows (public ones, and the private ranges
//! the operator allows), checked when a URL is saved and again when each
//! delivery connects. Redirects are never followed: a 3xx answer is a failed
//! attempt. The log holds the class of a failure, never the error's text.

use crate::audit::{self, Entry};
use crate::db::{col, Db, Tx};
use crate::item;
use crate::net::{self, AddressPolicy, Failure, Refusal};
use crate::seal::Sealer;
use crate::{Error, Result};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use xieshang_core::{Actor, OrgPath, Permission};

/// Events a hook may subscribe to, and what they come from: a concern's
/// notification event, or `kind:event` of an `item_webhook` job (a
/// consultation's or an agreed action's change, issue 28; a proposal's,
/// issue 29).
pub const EVENTS: [(&str, &str); 21] = [
    ("concern.created", "submitted"),
    ("concern.accepted", "accepted"),
    ("concern.rejected", "rejected"),
    ("concern.assigned", "assigned"),
    ("concern.progress", "progress"),
    ("concern.resolved", "resolved"),
    ("concern.reopened", "reopened"),
    ("concern.closed", "closed"),
    ("concern.overdue", "overdue"),
    ("consultation.convened", "consultation:convened"),
    ("consultation.held", "consultation:held"),
    ("consultation.closed", "consultation:closed"),
    ("consultation.cancelled", "consultation:cancelled"),
    ("agreed_action.assigned", "consultation_action:assigned"),
    ("agreed_action.progress", "consultation_action:progress"),
    ("agreed_action.resolved", "consultation_action:resolved"),
    ("agreed_action.overdue", "consultation_action:overdue"),
    ("proposal.assigned", "proposal:assigned"),
    ("proposal.replied", "proposal:replied"),
    ("proposal.evaluated", "proposal:evaluated"),
    ("proposal.overdue", "proposal:overdue"),
];

/// The webhook event for a notification event, if any.
pub fn event_for(notify_event: &str) -> Option<&'static str> {
    EVENTS
        .iter()
        .find(|(_, n)| *n == notify_event)
        .map(|(e, _)| *e)
}

/// The signature header value of a body under a secret.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A registered hook.
#[derive(Debug, Clone)]
pub struct Hook {
    /// Id.
    pub id: i64,
    /// Target URL, with any credentials masked.
    pub url: String,
    /// Subscribed events, space-separated.
    pub events: String,
    /// Whether it is disabled.
    pub disabled: bool,
}

fn check_url(url: &str, policy: &AddressPolicy) -> Result<()> {
    let bad = || {
        Error::field(
            "url",
            "err.webhook_url",
            "an https:// or http:// URL of at most 500 characters",
        )
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(bad)?;
    if url.len() > 500
        || rest.is_empty()
        || rest.starts_with('/')
        || url.chars().any(char::is_whitespace)
    {
        return Err(bad());
    }
    net::check_target(url, policy).map_err(|r| match r {
        Refusal::Malformed => bad(),
        Refusal::Credentials => Error::field(
            "url",
            "err.webhook_credentials",
            "no user name or password in the URL: deliveries are signed instead",
        ),
        Refusal::Address => Error::field(
            "url",
            "err.webhook_address",
            "the address is internal (loopback, private, link-local ...) and not allowed",
        ),
    })
}

/// Registers a hook for the unit (the actor manages it); returns (id, secret).
/// The URL must reach an address the policy allows.
pub async fn create(
    db: &Db,
    sealer: &Sealer,
    policy: &AddressPolicy,
    actor: &Actor,
    org_id: i64,
    url: &str,
    events: &[String],
) -> Result<(i64, String)> {
    let org = crate::org::get(db, actor, Permission::OrgManage, org_id).await?;
    let url = url.trim();
    check_url(url, policy)?;
    let events: Vec<&str> = events
        .iter()
        .filter_map(|e| EVENTS.iter().find(|(k, _)| k == e).map(|(k, _)| *k))
        .collect();
    if events.is_empty() {
        return Err(Error::field(
            "events",
            "err.webhook_events",
            "choose at least one event",
        ));
    }
    let secret = crate::account::session::random_token();
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (org_id, url, secret_sealed, events, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org.id)
    .bind(url)
    .bind(sealer.seal(&secret))
    .bind(events.join(" "))
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "webhook.create",
            entity: "webhook",
            entity_id: id.to_string(),
            org_id: Some(org.id),
            before: None,
            after: Some(json!({"url": url, "events": events})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// Disables a hook of the unit.
pub async fn disable(db: &Db, actor: &Actor, org_id: i64, hook_id: i64) -> Result<()> {
    let org = crate::org::get(db, actor, Permission::OrgManage, org_id).await?;
    let mut tx = db.begin_write().await?;
    let now = db.now_ms();
    let n = sqlx::query("UPDATE webhooks SET disabled_at = $1 WHERE id = $2 AND org_id = $3 AND disabled_at IS NULL")
        .bind(now)
        .bind(hook_id)
        .bind(org.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound);
    }
    audit::record(
        &mut tx,
        now,
        Entry {
            actor: Some(actor),
            action: "webhook.disable",
            entity: "webhook",
            entity_id: hook_id.to_string(),
            org_id: Some(org.id),
            before: None,
            after: Some(json!({"disabled": true})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The unit's hooks.
pub async fn list(db: &Db, actor: &Actor, org_id: i64) -> Result<Vec<Hook>> {
    let org = crate::org::get(db, actor, Permission::OrgManage, org_id).await?;
    let rows = sqlx::query(
        "SELECT id, url, events, disabled_at FROM webhooks WHERE org_id = $1 ORDER BY id",
    )
    .bind(org.id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Hook {
                id: col(r, "id")?,
                url: net::mask_credentials(&col::<String>(r, "url")?),
                events: col(r, "events")?,
                disabled: col::<Option<i64>>(r, "disabled_at")?.is_some(),
            })
        })
        .collect()
}

/// One delivery in the log.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Id.
    pub id: i64,
    /// Hook id.
    pub webhook_id: i64,
    /// Event.
    pub event: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Last HTTP status.
    pub last_status: Option<i64>,
    /// Last error: the class of the failure ([`Failure`]).
    pub last_error: Option<String>,
    /// Created at (unix ms).
    pub created_at: i64,
    /// Delivered at (unix ms).
    pub delivered_at: Option<i64>,
}

/// The unit's latest deliveries.
pub async fn deliveries(db: &Db, actor: &Actor, org_id: i64, limit: i64) -> Result<Vec<Delivery>> {
    let org = crate::org::get(db, actor, Permission::OrgManage, org_id).await?;
    let rows = sqlx::query(
        "SELECT d.id, d.webhook_id, d.event, d.attempts, d.last_status, d.last_error, d.created_at,
                d.delivered_at
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE w.org_id = $1 ORDER BY d.id DESC LIMIT $2",
    )
    .bind(org.id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Delivery {
                id: col(r, "id")?,
                webhook_id: col(r, "webhook_id")?,
                event: col(r, "event")?,
                attempts: col(r, "attempts")?,
                last_status: col(r, "last_status")?,
                last_error: col::<Option<String>>(r, "last_error")?
                    .map(|e| Failure::shown(&e).to_owned()),
                created_at: col(r, "created_at")?,
                delivered_at: col(r, "delivered_at")?,
            })
        })
        .collect()
}

/// Queues deliveries of `notify_event` on a concern to every active hook of a unit
/// above (or at) the concern's unit that subscribed to it (inside the job's
/// transaction).
pub(crate) async fn enqueue_for(
    tx: &mut Tx,
    now: i64,
    base_url: &str,
    concern_id: i64,
    notify_event: &str,
) -> Result<()> {
    enqueue_for_many(tx, now, base_url, &[(concern_id, notify_event)]).await
}

/// The hooks not disabled: id, events and their unit's path.
async fn active_hooks(tx: &mut Tx) -> Result<Vec<sqlx::any::AnyRow>> {
    Ok(sqlx::query(
        "SELECT w.id, w.events, o.path FROM webhooks w JOIN orgs o ON o.id = w.org_id
         WHERE w.disabled_at IS NULL",
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// [`enqueue_for`] for several (concern, event) pairs: the active hooks are
/// read once, and a concern only when some hook is active.
pub(crate) async fn enqueue_for_many(
    tx: &mut Tx,
    now: i64,
    base_url: &str,
    events: &[(i64, &str)],
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let hooks = active_hooks(tx).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    for (concern_id, notify_event) in events {
        enqueue_one(tx, now, base_url, *concern_id, notify_event, &hooks).await?;
    }
    Ok(())
}

async fn enqueue_one(
    tx: &mut Tx,
    now: i64,
    base_url: &str,
    concern_id: i64,
    notify_event: &str,
    hooks: &[sqlx::any::AnyRow],
) -> Result<()> {
    let Some(event) = event_for(notify_event) else {
        return Ok(());
    };
    let Some(row) = sqlx::query(
        "SELECT c.tracking_code, c.state, c.category, c.title, c.deadline_at, c.result_note,
                o.code AS area_code, o.path
         FROM concerns c JOIN orgs o ON o.id = c.org_id WHERE c.id = $1",
    )
    .bind(concern_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    let path = OrgPath::parse(&col::<String>(&row, "path")?).ok_or(Error::NotFound)?;
    let concern = json!({
        "tracking_code": col::<String>(&row, "tracking_code")?,
        "state": col::<String>(&row, "state")?,
        "category": col::<String>(&row, "category")?,
        "title": col::<String>(&row, "title")?,
        "area_code": col::<String>(&row, "area_code")?,
        "deadline_at": col::<Option<i64>>(&row, "deadline_at")?,
        "result_note": col::<Option<String>>(&row, "result_note")?,
        // The concern's page for staff, at the configured public address.
        "url": format!("{}/concerns/{concern_id}", base_url.trim_end_matches('/')),
    });
    let mut fields = serde_json::Map::new();
    fields.insert("concern".into(), concern);
    deliveries_in(tx, now, hooks, &[path], event, fields).await
}

/// Queues deliveries of a consultation's, an agreed action's or a
/// proposal's `event` (an `item_webhook` job's) to every active hook of a
/// unit above (or at) one of the units it concerns that subscribed to it (inside the job's
/// transaction).
pub(crate) async fn enqueue_item(
    tx: &mut Tx,
    now: i64,
    base_url: &str,
    kind: &str,
    id: i64,
    item_event: &str,
) -> Result<()> {
    let Some(event) = event_for(&format!("{kind}:{item_event}")) else {
        return Ok(());
    };
    let hooks = active_hooks(tx).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let body = if kind == xieshang_core::item::PROPOSAL.kind {
        crate::proposal::api::webhook_body_in(tx, id, base_url).await?
    } else {
        crate::consult::webhook_body_in(tx, kind, id, base_url).await?
    };
    let Some((paths, body)) = body else {
        return Ok(());
    };
    let serde_json::Value::Object(fields) = body else {
        return Ok(());
    };
    deliveries_in(tx, now, &hooks, &paths, event, fields).await
}

/// Writes a delivery and its job for each hook subscribed to `event` whose
/// unit holds one of `paths`; the body is the event, its time and `item`.
async fn deliveries_in(
    tx: &mut Tx,
    now: i64,
    hooks: &[sqlx::any::AnyRow],
    paths: &[OrgPath],
    event: &str,
    fields: serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    for h in hooks {
        let hook_path = OrgPath::parse(&col::<String>(h, "path")?).ok_or(Error::NotFound)?;
        let events: String = col(h, "events")?;
        if !paths.iter().any(|p| p.is_within(&hook_path))
            || !events.split_whitespace().any(|e| e == event)
        {
            continue;
        }
        let hook_id: i64 = col(h, "id")?;
        let mut body = serde_json::Map::new();
        body.insert("event".into(), json!(event));
        body.insert("occurred_at".into(), json!(now));
        body.extend(fields.clone());
        let body = serde_json::Value::Object(body).to_string();
        let delivery: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(hook_id)
        .bind(event)
        .bind(&body)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        item::enqueue(
            tx,
            now,
            &[item::Job {
                kind: "webhook",
                payload: json!({"delivery_id": delivery}),
            }],
        )
        .await?;
    }
    Ok(())
}

/// Makes one delivery attempt and logs it. Ok when the endpoint answered 2xx (or
/// the hook is gone); an error makes the job retry later.
pub(crate) async fn deliver(
    db: &Db,
    sealer: Option<&Sealer>,
    policy: &AddressPolicy,
    delivery_id: i64,
) -> anyhow::Result<()> {
    let Some(row) = sqlx::query(
        "SELECT d.event, d.payload, d.delivered_at, w.url, w.secret_sealed, w.disabled_at
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
    )
    .bind(delivery_id)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(());
    };
    if col::<Option<i64>>(&row, "delivered_at")?.is_some()
        || col::<Option<i64>>(&row, "disabled_at")?.is_some()
    {
        return Ok(());
    }
    let sealer =
        sealer.ok_or_else(|| anyhow::anyhow!("no personal-data key to open the webhook secret"))?;
    let secret = sealer.open(&col::<String>(&row, "secret_sealed")?)?;
    let payload: String = col(&row, "payload")?;
    let event: String = col(&row, "event")?;
    let url: String = col(&row, "url")?;
    let result = post(
        policy,
        &url,
        &event,
        delivery_id,
        &sign(&secret, payload.as_bytes()),
        payload,
    )
    .await;
    let now = db.now_ms();
    let (status, error) = match result {
        Ok(s) => (
            Some(i64::from(s)),
            (!(200..300).contains(&s)).then(|| Failure::Status(s).to_string()),
        ),
        Err(f) => (None, Some(f.to_string())),
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $1, last_error = $2,
           last_attempt_at = $3, delivered_at = $4 WHERE id = $5",
    )
    .bind(status)
    .bind(error.as_deref())
    .bind(now)
    .bind(error.is_none().then_some(now))
    .bind(delivery_id)
    .execute(db.pool())
    .await?;
    match error {
        None => Ok(()),
        Some(e) => anyhow::bail!("webhook delivery {delivery_id}: {e}"),
    }
}

/// The TLS settings of deliveries (the system's root certificates, read once).
fn tls() -> anyhow::Result<rustls::ClientConfig> {
    use hyper_rustls::ConfigBuilderExt;
    static TLS: std::sync::OnceLock<rustls::ClientConfig> = std::sync::OnceLock::new();
    if let Some(c) = TLS.get() {
        return Ok(c.clone());
    }
    let c = rustls::ClientConfig::builder()
        .with_native_roots()?
        .with_no_client_auth();
    Ok(TLS.get_or_init(|| c).clone())
}

/// POSTs one delivery through a connector that reaches only addresses the
/// policy permits; the status, or the class of the failure (the error itself
/// goes to the server's log, for the operator).
async fn post(
    policy: &AddressPolicy,
    url: &str,
    event: &str,
    delivery: i64,
    signature: &str,
    body: String,
) -> std::result::Result<u16, Failure> {
    use http_body_util::Full;
    let req = hyper::Request::post(url)
        .header("content-type", "application/json")
        .header("user-agent", "xieshang-webhook/1")
        .header("x-xieshang-event", event)
        .header("x-xieshang-delivery", delivery.to_string())
        .header("x-xieshang-signature", signature)
        .body(Full::new(hyper::body::Bytes::from(body)))
        .map_err(|_| Failure::AddressNotAllowed)?;
    let tls = tls().map_err(|e| {
        tracing::error!(error = %e, "no TLS root certificates for webhook deliveries");
        Failure::Tls
    })?;
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(net::VettedConnector::new(policy.clone()));
    // A client per delivery: no connection outlives the check of its address.
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Full<hyper::body::Bytes>>(https);
    match tokio::time::timeout(std::time::Duration::from_secs(10), client.request(req)).await {
        Ok(Ok(res)) => Ok(res.status().as_u16()),
        Ok(Err(e)) => {
            let class = net::classify(&e);
            tracing::info!(webhook.delivery = delivery, error = %format!("{e:#}"), %class, "webhook delivery failed");
            Err(class)
        }
        Err(_) => Err(Failure::Timeout),
    }
}
