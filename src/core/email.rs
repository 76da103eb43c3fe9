//! Email: every message is written to the `email_outbox` table inside the business
//! transaction, then a background worker delivers it over SMTP with retries and back-off.
//! Several instances never send the same message twice: on PostgreSQL a worker claims rows
//! with `FOR UPDATE SKIP LOCKED`; SQLite has a single writer. Without SMTP configured the
//! messages stay in the outbox, readable by administrators, so nothing is lost.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_query::{Expr, ExprTrait, Iden, Order, Query};

use crate::core::clock::Clock;
use crate::core::config::{SmtpSettings, SmtpTls};
use crate::core::db::{Db, DbError, Tx};
use crate::core::jobs::JobSpec;

#[derive(Iden)]
enum EmailOutbox {
    Table,
    Id,
    Recipient,
    Subject,
    BodyText,
    BodyHtml,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    SentAt,
    LastError,
    CreatedAt,
    Language,
    AttachmentName,
    AttachmentType,
    AttachmentBody,
}

/// A message ready to be queued.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEmail {
    /// Language code of the text ("nl", "fr", "de", "en").
    pub language: &'static str,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A text attachment (an iCalendar invitation, say).
    pub attachment: Option<Attachment>,
}

/// A text file sent with a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub name: String,
    /// A MIME type, e.g. `text/calendar; method=REQUEST; charset=utf-8`.
    pub content_type: String,
    pub body: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub language: String,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_body: Option<String>,
}

const MAX_ATTEMPTS: i64 = 10;

/// True for an address we are willing to send to: one `@`, no spaces or control
/// characters (so no header injection), at most 254 characters.
pub fn is_valid_address(address: &str) -> bool {
    let address = address.trim();
    if address.is_empty()
        || address.len() > 254
        || address.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return false;
    }
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !address.contains(['<', '>', '"', ',', ';', '(', ')', '[', ']', '\\'])
        && address.parse::<Mailbox>().is_ok()
}

/// Queues a message inside the caller's transaction.
pub async fn enqueue(
    tx: &mut Tx,
    email: &OutgoingEmail,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let now = now.trunc_subsecs(6);
    let statement = Query::insert()
        .into_table(EmailOutbox::Table)
        .columns([
            EmailOutbox::Recipient,
            EmailOutbox::Subject,
            EmailOutbox::BodyText,
            EmailOutbox::BodyHtml,
            EmailOutbox::Status,
            EmailOutbox::Attempts,
            EmailOutbox::NextAttemptAt,
            EmailOutbox::CreatedAt,
            EmailOutbox::Language,
            EmailOutbox::AttachmentName,
            EmailOutbox::AttachmentType,
            EmailOutbox::AttachmentBody,
        ])
        .values_panic([
            email.to.clone().into(),
            email.subject.clone().into(),
            email.text.clone().into(),
            email.html.clone().into(),
            "pending".into(),
            0i64.into(),
            now.into(),
            now.into(),
            email.language.into(),
            email.attachment.as_ref().map(|a| a.name.clone()).into(),
            email
                .attachment
                .as_ref()
                .map(|a| a.content_type.clone())
                .into(),
            email.attachment.as_ref().map(|a| a.body.clone()).into(),
        ])
        .to_owned();
    tx.execute(&statement).await.map(|_| ())
}

const COLUMNS: [EmailOutbox; 15] = [
    EmailOutbox::Id,
    EmailOutbox::Recipient,
    EmailOutbox::Subject,
    EmailOutbox::BodyText,
    EmailOutbox::BodyHtml,
    EmailOutbox::Status,
    EmailOutbox::Attempts,
    EmailOutbox::NextAttemptAt,
    EmailOutbox::SentAt,
    EmailOutbox::LastError,
    EmailOutbox::CreatedAt,
    EmailOutbox::Language,
    EmailOutbox::AttachmentName,
    EmailOutbox::AttachmentType,
    EmailOutbox::AttachmentBody,
];

/// The most recent messages, newest first (administrators' outbox view).
pub async fn recent(db: &Db, limit: u64) -> Result<Vec<OutboxRow>, DbError> {
    let query = Query::select()
        .columns(COLUMNS)
        .from(EmailOutbox::Table)
        .order_by(EmailOutbox::Id, Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&query).await
}

/// Messages sent to one address (a person's data export).
pub async fn to_recipient(db: &Db, recipient: &str) -> Result<Vec<OutboxRow>, DbError> {
    let query = Query::select()
        .columns(COLUMNS)
        .from(EmailOutbox::Table)
        .and_where(Expr::col(EmailOutbox::Recipient).eq(recipient))
        .order_by(EmailOutbox::Id, Order::Asc)
        .to_owned();
    db.fetch_all(&query).await
}

/// Deletes delivered messages after 30 days and undeliverable ones after 90: they hold
/// names and links, and their job is done.
pub async fn purge_old(db: &Db, now: DateTime<Utc>) -> Result<u64, DbError> {
    let sent = Query::delete()
        .from_table(EmailOutbox::Table)
        .and_where(Expr::col(EmailOutbox::Status).eq("sent"))
        .and_where(Expr::col(EmailOutbox::CreatedAt).lt(now - chrono::Duration::days(30)))
        .to_owned();
    let failed = Query::delete()
        .from_table(EmailOutbox::Table)
        .and_where(Expr::col(EmailOutbox::Status).eq("failed"))
        .and_where(Expr::col(EmailOutbox::CreatedAt).lt(now - chrono::Duration::days(90)))
        .to_owned();
    Ok(db.execute(&sent).await? + db.execute(&failed).await?)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<OutboxRow>, DbError> {
    let query = Query::select()
        .columns(COLUMNS)
        .from(EmailOutbox::Table)
        .and_where(Expr::col(EmailOutbox::Id).eq(id))
        .to_owned();
    db.fetch_optional(&query).await
}

/// Claims up to `limit` due messages for `lease` so that no other worker takes them.
pub async fn claim_due(
    db: &Db,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<OutboxRow>, DbError> {
    let now = now.trunc_subsecs(6);
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    // The claim must be one atomic statement; the row lock clause exists only on PostgreSQL.
    let sql = match db.backend() {
        crate::core::db::Backend::Postgres => {
            "UPDATE email_outbox SET claimed_until = $1 WHERE id IN (\
               SELECT id FROM email_outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
               AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $3 \
               FOR UPDATE SKIP LOCKED) \
             RETURNING id, recipient, subject, body_text, body_html, status, attempts, \
               next_attempt_at, sent_at, last_error, created_at, language, attachment_name, \
               attachment_type, attachment_body"
        }
        crate::core::db::Backend::Sqlite => {
            "UPDATE email_outbox SET claimed_until = $1 WHERE id IN (\
               SELECT id FROM email_outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
               AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $3) \
             RETURNING id, recipient, subject, body_text, body_html, status, attempts, \
               next_attempt_at, sent_at, last_error, created_at, language, attachment_name, \
               attachment_type, attachment_body"
        }
    };
    match db {
        Db::Postgres(pool) => {
            sqlx::query_as::<_, OutboxRow>(sql)
                .bind(until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
        }
        Db::Sqlite(pool) => {
            sqlx::query_as::<_, OutboxRow>(sql)
                .bind(until)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
        }
    }
}

pub async fn mark_sent(db: &Db, id: i64, now: DateTime<Utc>) -> Result<(), DbError> {
    let statement = Query::update()
        .table(EmailOutbox::Table)
        .values([
            (EmailOutbox::Status, "sent".into()),
            (EmailOutbox::SentAt, now.trunc_subsecs(6).into()),
            (
                EmailOutbox::ClaimedUntil,
                Option::<DateTime<Utc>>::None.into(),
            ),
        ])
        .and_where(Expr::col(EmailOutbox::Id).eq(id))
        .to_owned();
    db.execute(&statement).await.map(|_| ())
}

/// Exponential back-off: 1, 2, 4 … minutes, at most six hours; gives up after ten tries.
pub fn next_attempt(attempts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exponent = u32::try_from(std::cmp::max(attempts, 1) - 1).unwrap_or(0);
    let minutes = std::cmp::min(2i64.saturating_pow(exponent), 360);
    Some(now + chrono::Duration::minutes(minutes))
}

pub async fn mark_failed_attempt(
    db: &Db,
    row: &OutboxRow,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let attempts = row.attempts + 1;
    let (status, next) = match next_attempt(attempts, now) {
        Some(next) => ("pending", next),
        None => ("failed", now),
    };
    let statement = Query::update()
        .table(EmailOutbox::Table)
        .values([
            (EmailOutbox::Status, status.into()),
            (EmailOutbox::Attempts, attempts.into()),
            (EmailOutbox::NextAttemptAt, next.trunc_subsecs(6).into()),
            (
                EmailOutbox::ClaimedUntil,
                Option::<DateTime<Utc>>::None.into(),
            ),
            (
                EmailOutbox::LastError,
                error.chars().take(500).collect::<String>().into(),
            ),
        ])
        .and_where(Expr::col(EmailOutbox::Id).eq(row.id))
        .to_owned();
    db.execute(&statement).await.map(|_| ())
}

/// Delivers messages over SMTP.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
}

impl Mailer {
    pub fn new(
        settings: &SmtpSettings,
        from: &str,
        reply_to: Option<&str>,
    ) -> anyhow::Result<Mailer> {
        let tls = match settings.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(TlsParameters::new(settings.host.clone())?),
            SmtpTls::Tls => Tls::Wrapper(TlsParameters::new(settings.host.clone())?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
                .port(settings.port)
                .tls(tls)
                .timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: from
                .parse()
                .map_err(|e| anyhow::anyhow!("invalid sender address {from:?}: {e}"))?,
            reply_to: reply_to
                .map(|r| {
                    r.parse()
                        .map_err(|e| anyhow::anyhow!("invalid reply-to address {r:?}: {e}"))
                })
                .transpose()?,
        })
    }

    pub async fn send(&self, row: &OutboxRow) -> Result<(), String> {
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| format!("invalid recipient: {e}"))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone());
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        let alternative =
            MultiPart::alternative_plain_html(row.body_text.clone(), row.body_html.clone());
        let body = match (
            &row.attachment_name,
            &row.attachment_type,
            &row.attachment_body,
        ) {
            (Some(name), Some(content_type), Some(content)) => {
                let content_type = lettre::message::header::ContentType::parse(content_type)
                    .map_err(|e| format!("invalid attachment type: {e}"))?;
                MultiPart::mixed().multipart(alternative).singlepart(
                    lettre::message::Attachment::new(name.clone())
                        .body(content.clone(), content_type),
                )
            }
            _ => alternative,
        };
        let message = builder
            .multipart(body)
            .map_err(|e| format!("cannot build message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Delivers due messages once; returns how many were sent.
pub async fn deliver_due(db: &Db, mailer: &Mailer, clock: &Clock) -> Result<usize, DbError> {
    let rows = claim_due(db, clock.now(), Duration::from_secs(120), 20).await?;
    let mut sent = 0;
    for row in rows {
        match mailer.send(&row).await {
            Ok(()) => {
                mark_sent(db, row.id, clock.now()).await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(email_id = row.id, attempts = row.attempts + 1, %error, "email delivery failed");
                mark_failed_attempt(db, &row, &error, clock.now()).await?;
            }
        }
    }
    Ok(sent)
}

/// The outbox delivery as a recurring job, when an SMTP server is configured.
pub fn delivery_job<S: Send + 'static>(
    db: Db,
    mailer: Mailer,
    clock: Clock,
    every: chrono::Duration,
) -> JobSpec<S> {
    JobSpec::every("core.email-delivery", every, move |_state: S, _run| {
        let (db, mailer, clock) = (db.clone(), mailer.clone(), clock.clone());
        async move {
            match deliver_due(&db, &mailer, &clock).await {
                Ok(0) => Ok(None),
                Ok(sent) => Ok(Some(format!("{sent} emails sent"))),
                Err(error) => Err(error.to_string()),
            }
        }
    })
}

/// Builds a message from the Fluent messages `{key}-subject` and `{key}-body` in the
/// recipient's language: plain text, and HTML with the same paragraphs (escaped).
pub fn compose(
    i18n: &crate::core::i18n::I18n,
    lang: crate::core::i18n::Lang,
    to: &str,
    key: &str,
    args: &[(&str, String)],
    link: Option<&str>,
) -> OutgoingEmail {
    let fluent_args: Vec<(&str, fluent_bundle::FluentValue<'_>)> = args
        .iter()
        .map(|(name, value)| (*name, fluent_bundle::FluentValue::from(value.as_str())))
        .collect();
    let subject = i18n.t_args(lang, &format!("{key}-subject"), &fluent_args);
    let body = i18n.t_args(lang, &format!("{key}-body"), &fluent_args);
    let signature = i18n.t(lang, "email-signature");
    let mut text = body.clone();
    if let Some(link) = link {
        text.push_str("\n\n");
        text.push_str(link);
    }
    text.push_str("\n\n-- \n");
    text.push_str(&signature);
    let mut html = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:Arial,sans-serif;line-height:1.5;color:#1b1f24\">",
        lang.code(),
        escape_html(&subject)
    );
    for paragraph in body.split("\n\n") {
        html.push_str("<p>");
        html.push_str(&escape_html(paragraph).replace('\n', "<br>"));
        html.push_str("</p>");
    }
    if let Some(link) = link {
        let escaped = escape_html(link);
        html.push_str(&format!("<p><a href=\"{escaped}\">{escaped}</a></p>"));
    }
    html.push_str(&format!(
        "<p style=\"color:#4a5360\">{}</p></body></html>",
        escape_html(&signature)
    ));
    OutgoingEmail {
        language: lang.code(),
        to: to.to_string(),
        subject: subject.replace(['\r', '\n'], " "),
        text,
        html,
        attachment: None,
    }
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_injection_or_oddities_are_refused() {
        assert!(is_valid_address("elodie.dupont@commune.be"));
        assert!(is_valid_address("jurgen.muller@gemeente.be"));
        assert!(!is_valid_address("a@b.be\r\nBcc: victim@example.org"));
        assert!(!is_valid_address("a@b.be\nSubject: x"));
        assert!(!is_valid_address("no-at-sign.be"));
        assert!(!is_valid_address("a@@b.be"));
        assert!(!is_valid_address("\"Eve\" <eve@example.org>"));
        assert!(!is_valid_address(&format!("{}@b.be", "a".repeat(300))));
        assert!(!is_valid_address("a@localhost"));
    }

    #[test]
    fn back_off_grows_and_stops() {
        let now = DateTime::from_timestamp(1_780_000_000, 0).expect("instant");
        assert_eq!(
            next_attempt(1, now),
            Some(now + chrono::Duration::minutes(1))
        );
        assert_eq!(
            next_attempt(3, now),
            Some(now + chrono::Duration::minutes(4))
        );
        assert_eq!(
            next_attempt(9, now),
            Some(now + chrono::Duration::minutes(256))
        );
        assert_eq!(next_attempt(10, now), None);
    }
}
