//! Configuration: command-line flags, then `RADIX_*` environment variables, then an optional
//! TOML file, then built-in defaults (first one set wins). Unknown keys in the file are
//! rejected so a typo never silently falls back to a default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::core::i18n::Lang;

/// Settings read from the optional TOML file; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub base_url: Option<String>,
    pub default_language: Option<String>,
    pub contact_email: Option<String>,
    pub log_format: Option<String>,
    pub frame_ancestors: Option<Vec<String>>,
    pub metrics_token: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub request_timeout_seconds: Option<u64>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_tls: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub mail_from: Option<String>,
    pub mail_reply_to: Option<String>,
    pub retention_days_deactivated: Option<i64>,
    pub support_answer_days: Option<u32>,
    pub housekeeping_interval_seconds: Option<u64>,
    pub jobs_poll_milliseconds: Option<u64>,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("cannot read configuration file {}: {e}", path.display())
        })?;
        toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("invalid configuration file {}: {e}", path.display()))
    }
}

/// A secret that never shows up in logs or debug output.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (only for a relay on the same host or network).
    None,
    /// STARTTLS required.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The validated configuration the application runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub base_url: Option<String>,
    pub default_language: Lang,
    pub contact_email: Option<String>,
    pub log_format: LogFormat,
    pub frame_ancestors: Vec<String>,
    pub metrics_token: Option<Secret>,
    pub max_body_bytes: usize,
    pub request_timeout_seconds: u64,
    /// SMTP delivery; without it emails wait in the outbox.
    pub smtp: Option<SmtpSettings>,
    pub mail_from: String,
    pub mail_reply_to: Option<String>,
    /// Days after deactivation before an account's personal data is anonymised.
    pub retention_days_deactivated: i64,
    /// Working days within which a support request should get its first answer.
    pub support_answer_days: u32,
    /// How often expired sessions, old emails and audit entries are removed and the
    /// retention period is applied.
    pub housekeeping_interval_seconds: u64,
    /// How often each instance looks for due background jobs.
    pub jobs_poll_milliseconds: u64,
}

/// Values given on the command line or in the environment (already merged by clap).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub bind: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub base_url: Option<String>,
    pub default_language: Option<String>,
    pub contact_email: Option<String>,
    pub log_format: Option<String>,
    pub frame_ancestors: Option<Vec<String>>,
    pub metrics_token: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_tls: Option<String>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub mail_from: Option<String>,
    pub mail_reply_to: Option<String>,
}

impl Config {
    pub fn resolve(overrides: Overrides, file: FileConfig) -> anyhow::Result<Config> {
        let data_dir = overrides
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./radix-data"));
        let database_url = overrides
            .database_url
            .or(file.database_url)
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| crate::core::db::Db::sqlite_url_in(&data_dir));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            anyhow::bail!("database URL must start with sqlite:, postgres:// or postgresql://");
        }
        let base_url = overrides
            .base_url
            .or(file.base_url)
            .map(|url| url.trim_end_matches('/').to_string());
        if let Some(url) = &base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            anyhow::bail!("base URL must start with http:// or https://");
        }
        let language = overrides
            .default_language
            .or(file.default_language)
            .unwrap_or_else(|| "nl".into());
        let default_language = Lang::from_code(&language)
            .ok_or_else(|| anyhow::anyhow!("default language must be one of nl, fr, de, en"))?;
        let log_format = match overrides
            .log_format
            .or(file.log_format)
            .as_deref()
            .unwrap_or("text")
        {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => anyhow::bail!("log format must be text or json, not {other:?}"),
        };
        let frame_ancestors = overrides
            .frame_ancestors
            .or(file.frame_ancestors)
            .unwrap_or_default();
        for origin in &frame_ancestors {
            let valid = origin.starts_with("https://")
                && !origin.contains([' ', ';', ',', '\'', '"'])
                && origin.len() > "https://".len();
            if !valid {
                anyhow::bail!("frame ancestor {origin:?} must be an https:// origin");
            }
        }
        let smtp = match overrides
            .smtp_host
            .or(file.smtp_host)
            .filter(|h| !h.trim().is_empty())
        {
            None => None,
            Some(host) => {
                let tls = match overrides
                    .smtp_tls
                    .or(file.smtp_tls)
                    .as_deref()
                    .unwrap_or("starttls")
                {
                    "none" => SmtpTls::None,
                    "starttls" => SmtpTls::StartTls,
                    "tls" => SmtpTls::Tls,
                    other => {
                        anyhow::bail!("SMTP TLS mode must be none, starttls or tls, not {other:?}")
                    }
                };
                let default_port = match tls {
                    SmtpTls::None => 25,
                    SmtpTls::StartTls => 587,
                    SmtpTls::Tls => 465,
                };
                Some(SmtpSettings {
                    host,
                    port: overrides
                        .smtp_port
                        .or(file.smtp_port)
                        .unwrap_or(default_port),
                    tls,
                    username: overrides
                        .smtp_username
                        .or(file.smtp_username)
                        .filter(|u| !u.is_empty()),
                    password: overrides
                        .smtp_password
                        .or(file.smtp_password)
                        .filter(|p| !p.is_empty())
                        .map(Secret::new),
                })
            }
        };
        let mail_from = overrides
            .mail_from
            .or(file.mail_from)
            .unwrap_or_else(|| "Radix <no-reply@radix.invalid>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            anyhow::bail!("sender address {mail_from:?} is not a valid mailbox");
        }
        let mail_reply_to = overrides
            .mail_reply_to
            .or(file.mail_reply_to)
            .filter(|r| !r.is_empty());
        if let Some(reply_to) = &mail_reply_to
            && reply_to.parse::<lettre::message::Mailbox>().is_err()
        {
            anyhow::bail!("reply-to address {reply_to:?} is not a valid mailbox");
        }
        let retention_days_deactivated = file.retention_days_deactivated.unwrap_or(180);
        if retention_days_deactivated < 1 {
            anyhow::bail!("retention_days_deactivated must be at least 1");
        }
        let support_answer_days = file.support_answer_days.unwrap_or(5);
        if !(1..=60).contains(&support_answer_days) {
            anyhow::bail!("support_answer_days must be between 1 and 60");
        }
        let housekeeping_interval_seconds = file.housekeeping_interval_seconds.unwrap_or(3600);
        if !(1..=7 * 24 * 3600).contains(&housekeeping_interval_seconds) {
            anyhow::bail!("housekeeping_interval_seconds must be between 1 and 604800");
        }
        let jobs_poll_milliseconds = file.jobs_poll_milliseconds.unwrap_or(1000);
        if !(50..=60_000).contains(&jobs_poll_milliseconds) {
            anyhow::bail!("jobs_poll_milliseconds must be between 50 and 60000");
        }
        Ok(Config {
            support_answer_days,
            housekeeping_interval_seconds,
            jobs_poll_milliseconds,
            smtp,
            mail_from,
            mail_reply_to,
            retention_days_deactivated,
            bind: overrides
                .bind
                .or(file.bind)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir,
            database_url,
            base_url,
            default_language,
            contact_email: overrides
                .contact_email
                .or(file.contact_email)
                .filter(|e| !e.trim().is_empty()),
            log_format,
            frame_ancestors,
            metrics_token: overrides
                .metrics_token
                .or(file.metrics_token)
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            max_body_bytes: file.max_body_bytes.unwrap_or(1024 * 1024),
            request_timeout_seconds: file.request_timeout_seconds.unwrap_or(30),
        })
    }

    pub fn housekeeping_interval(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.housekeeping_interval_seconds).unwrap_or(3600))
    }

    /// True when the public address is HTTPS (cookies get `Secure`).
    pub fn is_https(&self) -> bool {
        self.base_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }

    /// A configuration for tests and tools: SQLite in `data_dir`, defaults elsewhere.
    pub fn for_data_dir(data_dir: &Path) -> Config {
        Config::resolve(
            Overrides {
                data_dir: Some(data_dir.to_path_buf()),
                ..Overrides::default()
            },
            FileConfig::default(),
        )
        .expect("default configuration is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_wins_over_file() {
        let file: FileConfig =
            toml::from_str("bind = \"127.0.0.1:9000\"\ndefault_language = \"fr\"").expect("toml");
        let config = Config::resolve(
            Overrides {
                bind: Some("127.0.0.1:7000".parse().expect("addr")),
                ..Overrides::default()
            },
            file,
        )
        .expect("valid");
        assert_eq!(config.bind.port(), 7000);
        assert_eq!(config.default_language, Lang::Fr);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<FileConfig>("bnid = \"127.0.0.1:9000\"").is_err());
    }

    #[test]
    fn defaults_to_sqlite_in_data_dir() {
        let config = Config::for_data_dir(Path::new("/tmp/radix-x"));
        assert_eq!(config.database_url, "sqlite:///tmp/radix-x/radix.sqlite3");
        assert!(!config.is_https());
    }

    #[test]
    fn rejects_unknown_database_scheme_and_bad_frame_ancestor() {
        let bad_db = Overrides {
            database_url: Some("mysql://x".into()),
            ..Overrides::default()
        };
        assert!(Config::resolve(bad_db, FileConfig::default()).is_err());
        let bad_frame = Overrides {
            frame_ancestors: Some(vec!["https://a.example; script-src *".into()]),
            ..Overrides::default()
        };
        assert!(Config::resolve(bad_frame, FileConfig::default()).is_err());
    }
}
