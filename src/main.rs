//! The `radix` command line: one binary for the web server and the operator's tasks.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use radix::core::config::{Config, FileConfig, LogFormat, Overrides};
use radix::core::db::{Db, PoolSettings};
use radix::geo::GeoState;
use radix::{App, StartOptions};

// Rendering a page allocates and frees many small strings and values from several threads;
// mimalloc's per-thread free lists cost a fraction of glibc malloc's there (ADR 0009).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Radix: the platform of the Belgian federal Radix Team supporting cities and
/// municipalities in preventing violent radicalisation.
///
/// Settings come from command-line flags, then RADIX_* environment variables, then the TOML
/// file given with --config (or RADIX_CONFIG), then defaults.
#[derive(Parser, Debug)]
#[command(name = "radix", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct CommonArgs {
    /// TOML configuration file.
    #[arg(long, env = "RADIX_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Directory for the SQLite database and other local data [default: ./radix-data].
    #[arg(long, env = "RADIX_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB [default: SQLite in the data directory].
    #[arg(long, env = "RADIX_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Log format: text or json [default: text].
    #[arg(long, env = "RADIX_LOG_FORMAT", global = true)]
    log_format: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server (applies migrations and loads reference data first).
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate,
    /// Import reference data or boundaries.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Load the demonstration data set (fictitious accounts and LIVC-R history) without
    /// starting the server; the database is then marked as a demonstration database.
    Demo {
        /// Pad the LIVC-R history to at least this many observations (for load tests).
        #[arg(long, default_value_t = 0)]
        observations: usize,
        /// Add this many support requests (two messages each, a meeting for two in five)
        /// for load tests.
        #[arg(long, default_value_t = 0)]
        support_requests: usize,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an administrator. The password is read from RADIX_ADMIN_PASSWORD or, if unset,
    /// from the first line of standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// nl, fr, de or en.
        #[arg(long, default_value = "nl")]
        language: String,
    },
    /// List accounts.
    List,
    /// Deactivate an account (its sessions end at once).
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Remove an account's second factor so that its owner can set it up again.
    Reset2fa {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Recompute the hash chain and name the first entry that does not match.
    Verify,
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "RADIX_BIND")]
    bind: Option<SocketAddr>,
    /// Public base URL, e.g. https://radix.example.be (HTTPS switches on secure cookies).
    #[arg(long, env = "RADIX_BASE_URL")]
    base_url: Option<String>,
    /// Language used when the browser expresses no supported preference: nl, fr, de or en [default: nl].
    #[arg(long, env = "RADIX_DEFAULT_LANGUAGE")]
    default_language: Option<String>,
    /// Address shown on the contact page.
    #[arg(long, env = "RADIX_CONTACT_EMAIL")]
    contact_email: Option<String>,
    /// Partner origins allowed to embed pages (comma-separated https:// origins).
    #[arg(long, env = "RADIX_FRAME_ANCESTORS", value_delimiter = ',')]
    frame_ancestors: Option<Vec<String>>,
    /// Bearer token that grants access to /metrics from other hosts than loopback.
    #[arg(long, env = "RADIX_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Mail server for outgoing email; without it, emails wait in the outbox.
    #[arg(long, env = "RADIX_SMTP_HOST")]
    smtp_host: Option<String>,
    /// Mail server port [default: 587 for starttls, 465 for tls, 25 for none].
    #[arg(long, env = "RADIX_SMTP_PORT")]
    smtp_port: Option<u16>,
    /// starttls, tls or none [default: starttls].
    #[arg(long, env = "RADIX_SMTP_TLS")]
    smtp_tls: Option<String>,
    /// User name on the mail server.
    #[arg(long, env = "RADIX_SMTP_USERNAME")]
    smtp_username: Option<String>,
    /// Password on the mail server.
    #[arg(long, env = "RADIX_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// Sender of the platform's emails, e.g. "Radix <radix@example.be>".
    #[arg(long, env = "RADIX_MAIL_FROM")]
    mail_from: Option<String>,
    /// Reply-to address of the platform's emails.
    #[arg(long, env = "RADIX_MAIL_REPLY_TO")]
    mail_reply_to: Option<String>,
    /// Load the clearly labelled demonstration data set (idempotent).
    #[arg(long, env = "RADIX_DEMO")]
    demo: bool,
    /// Do not apply migrations at start; refuse to start if any is pending.
    #[arg(long)]
    no_migrate: bool,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import past field visits from a CSV file (UTF-8; columns date, place, type, topics,
    /// report — see docs/import-visits.md). Every rejected line is listed with the reason.
    Visits {
        file: PathBuf,
        /// Check and report only; store nothing.
        #[arg(long)]
        dry_run: bool,
        /// Store the valid lines even when others are rejected.
        #[arg(long)]
        skip_invalid: bool,
        /// Language of the report: nl, fr, de or en.
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// (Re)load the Belgian reference geography; idempotent.
    Geography {
        /// Directory with municipalities.csv, admin_units.csv, mergers.csv, police_zones.csv
        /// and police_zone_members.csv [default: the data set built into the binary].
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Load municipality boundary polygons from a GeoJSON file (WGS84, property "nis").
    Boundaries {
        /// The GeoJSON FeatureCollection.
        file: PathBuf,
        /// Store the valid features even when others are invalid (they are reported).
        #[arg(long)]
        skip_invalid: bool,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RADIX_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("radix: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = match &cli.common.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    let mut overrides = Overrides {
        data_dir: cli.common.data_dir.clone(),
        database_url: cli.common.database_url.clone(),
        log_format: cli.common.log_format.clone(),
        ..Overrides::default()
    };
    let (demo, migrate) = match &cli.command {
        Command::Serve(args) => {
            overrides.bind = args.bind;
            overrides.base_url = args.base_url.clone();
            overrides.default_language = args.default_language.clone();
            overrides.contact_email = args.contact_email.clone();
            overrides.frame_ancestors = args.frame_ancestors.clone();
            overrides.metrics_token = args.metrics_token.clone();
            overrides.smtp_host = args.smtp_host.clone();
            overrides.smtp_port = args.smtp_port;
            overrides.smtp_tls = args.smtp_tls.clone();
            overrides.smtp_username = args.smtp_username.clone();
            overrides.smtp_password = args.smtp_password.clone();
            overrides.mail_from = args.mail_from.clone();
            overrides.mail_reply_to = args.mail_reply_to.clone();
            (args.demo, !args.no_migrate)
        }
        _ => (false, true),
    };
    let config = Config::resolve(overrides, file)?;
    init_logging(config.log_format);

    match cli.command {
        Command::Serve(_) => {
            let bind = config.bind;
            let state = App::start(
                config,
                StartOptions {
                    migrate,
                    demo,
                    pool: PoolSettings::default(),
                    ..StartOptions::default()
                },
            )
            .await?;
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
            let address = listener.local_addr()?;
            let public = state
                .config
                .base_url
                .clone()
                .unwrap_or_else(|| format!("http://{address}"));
            tracing::info!(
                database = state.db.backend().name(),
                demo = state.demo_loaded(),
                "Radix is ready: open {public}/ in your browser"
            );
            if !radix::identity::service::has_administrator(&state.db)
                .await
                .unwrap_or(true)
            {
                println!(
                    "No administrator yet. Create one with:\n  radix user create-admin --email you@example.be --name \"Your Name\""
                );
            }
            if state.demo_loaded() {
                println!(
                    "Demonstration data loaded. Fictitious accounts (password: {}):",
                    radix::identity::demo::DEMO_PASSWORD
                );
                for (email, _, _, role, _) in radix::identity::demo::DEMO_ACCOUNTS {
                    println!("  {:<32} {}", email, role.code());
                }
                println!("  Staff accounts set up their second factor at first sign-in.");
            }
            println!("Radix is ready: open {public}/ in your browser (Ctrl+C to stop)");
            radix::serve(state, listener).await
        }
        Command::User(command) => run_user_command(&config, command).await,
        Command::Audit(AuditCommand::Verify) => {
            let db = open_database(&config).await?;
            match radix::core::audit::verify(&db).await? {
                radix::core::audit::Verification::Intact { entries } => {
                    println!("Audit trail intact: {entries} entries checked.");
                    Ok(())
                }
                radix::core::audit::Verification::Broken { entry_id } => {
                    anyhow::bail!(
                        "audit trail broken at entry #{entry_id}: it or an earlier entry was altered"
                    )
                }
            }
        }
        Command::Demo {
            observations,
            support_requests,
        } => {
            prepare_data_dir(&config)?;
            let state = App::start(
                config,
                StartOptions {
                    demo: true,
                    ..StartOptions::default()
                },
            )
            .await?;
            let geography = state.geography();
            let added =
                radix::registry::demo::load(&state.db, &geography, observations, state.clock.now())
                    .await?;
            let registry = radix::registry::service::load_registry(&state.db).await?;
            println!(
                "Demonstration data loaded: {} observations in the LIVC-R history ({added} added now).",
                registry.observation_count()
            );
            if support_requests > 0 {
                let (requests, messages, meetings) = radix::support::demo::seed_load(
                    &state.db,
                    &geography,
                    support_requests,
                    state.clock.now(),
                )
                .await?;
                println!(
                    "Load-test support data added: {requests} requests, {messages} messages, {meetings} meetings."
                );
            }
            Ok(())
        }
        Command::Migrate => {
            prepare_data_dir(&config)?;
            let db = Db::connect(&config.database_url, &PoolSettings::default()).await?;
            db.migrate().await?;
            println!("Migrations applied ({}).", db.backend().name());
            Ok(())
        }
        Command::Import(ImportCommand::Geography { from }) => {
            prepare_data_dir(&config)?;
            let db = Db::connect(&config.database_url, &PoolSettings::default()).await?;
            db.migrate().await?;
            let summary = radix::geo::service::import_geography(
                &db,
                from.as_deref(),
                radix::core::clock::Clock::system().now(),
            )
            .await?;
            println!(
                "{} municipalities, {} police zones, {} merger links: {}.",
                summary.municipalities,
                summary.police_zones,
                summary.mergers,
                if summary.changed {
                    "loaded"
                } else {
                    "already up to date"
                }
            );
            Ok(())
        }
        Command::Import(ImportCommand::Visits {
            file,
            dry_run,
            skip_invalid,
            language,
        }) => {
            let lang = radix::core::i18n::Lang::from_code(&language).ok_or_else(|| {
                anyhow::anyhow!("unknown language {language:?}: use nl, fr, de or en")
            })?;
            prepare_data_dir(&config)?;
            let db = Db::connect(&config.database_url, &PoolSettings::default()).await?;
            db.migrate().await?;
            radix::geo::service::import_geography(
                &db,
                None,
                radix::core::clock::Clock::system().now(),
            )
            .await?;
            let geography = radix::geo::service::load_geography(&db).await?;
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let outcome = radix::support::visits::import(
                &db,
                &geography,
                &bytes,
                dry_run,
                skip_invalid,
                radix::core::clock::Clock::system().now(),
            )
            .await?;
            let i18n = radix::core::i18n::I18n::load()?;
            let say = |key: &str, args: &[(&str, String)]| {
                let args: Vec<(&str, fluent_bundle::FluentValue)> = args
                    .iter()
                    .map(|(k, v)| (*k, fluent_bundle::FluentValue::from(v.as_str())))
                    .collect();
                i18n.t_args(lang, key, &args)
            };
            if let Some(fatal) = &outcome.checked.fatal {
                anyhow::bail!("{}", say(fatal.key, &[("detail", fatal.detail.clone())]));
            }
            for rejected in &outcome.checked.rejected {
                println!(
                    "{}",
                    say(
                        "visits-line",
                        &[
                            ("line", rejected.line.to_string()),
                            (
                                "reason",
                                say(rejected.key, &[("detail", rejected.detail.clone())])
                            ),
                        ]
                    )
                );
            }
            let valid = outcome.checked.visits.len().to_string();
            let rejected = outcome.checked.rejected.len().to_string();
            if dry_run {
                println!(
                    "{}",
                    say(
                        "visits-summary-dry-run",
                        &[("valid", valid), ("rejected", rejected)]
                    )
                );
            } else if outcome.imported == 0 && !outcome.checked.rejected.is_empty() {
                anyhow::bail!(
                    "{}",
                    say("visits-summary-refused", &[("rejected", rejected)])
                );
            } else {
                println!(
                    "{}",
                    say(
                        "visits-summary-imported",
                        &[
                            ("imported", outcome.imported.to_string()),
                            ("rejected", rejected)
                        ]
                    )
                );
            }
            Ok(())
        }
        Command::Import(ImportCommand::Boundaries { file, skip_invalid }) => {
            prepare_data_dir(&config)?;
            let db = Db::connect(&config.database_url, &PoolSettings::default()).await?;
            db.migrate().await?;
            radix::geo::service::import_geography(
                &db,
                None,
                radix::core::clock::Clock::system().now(),
            )
            .await?;
            let geography = radix::geo::service::load_geography(&db).await?;
            let report = radix::geo::boundaries::import_boundaries(
                &db,
                &geography,
                &file,
                skip_invalid,
                radix::core::clock::Clock::system().now(),
            )
            .await?;
            for skipped in &report.skipped {
                println!(
                    "feature {}{}: {}",
                    skipped.index,
                    skipped
                        .nis
                        .as_deref()
                        .map(|n| format!(" (NIS {n})"))
                        .unwrap_or_default(),
                    skipped.reason
                );
            }
            if report.refused {
                anyhow::bail!(
                    "{} feature(s) are invalid: nothing was stored (use --skip-invalid to store the valid ones)",
                    report.skipped.len()
                );
            }
            println!(
                "{} boundaries stored, {} features skipped.",
                report.stored,
                report.skipped.len()
            );
            Ok(())
        }
    }
}

async fn open_database(config: &Config) -> anyhow::Result<Db> {
    prepare_data_dir(config)?;
    let db = Db::connect(&config.database_url, &PoolSettings::default()).await?;
    db.migrate().await?;
    radix::geo::service::import_geography(&db, None, radix::core::clock::Clock::system().now())
        .await?;
    Ok(db)
}

fn read_new_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("RADIX_ADMIN_PASSWORD") {
        return Ok(password);
    }
    eprintln!("Password for the new administrator (at least 12 characters), then Enter:");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn run_user_command(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    use radix::identity::service;
    let db = open_database(config).await?;
    let i18n = radix::core::i18n::I18n::load()?;
    let public_url = config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.bind));
    let ctx = service::Context {
        db: &db,
        i18n: &i18n,
        base_url: &public_url,
        now: radix::core::clock::Clock::system().now(),
    };
    let actor = radix::core::audit::Actor::system("cli");
    let find = |email: String| {
        let db = db.clone();
        async move {
            service::user_id_by_email(&db, &email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .ok_or_else(|| anyhow::anyhow!("no account with the address {email}"))
        }
    };
    match command {
        UserCommand::CreateAdmin {
            email,
            name,
            language,
        } => {
            let language = radix::core::i18n::Lang::from_code(&language)
                .ok_or_else(|| anyhow::anyhow!("language must be nl, fr, de or en"))?;
            let password = read_new_password()?;
            let id = service::create_administrator(&ctx, &email, &name, language, &password)
                .await
                .map_err(|e| {
                    anyhow::anyhow!("{}", i18n.t(radix::core::i18n::Lang::En, e.message_key()))
                })?;
            println!(
                "Administrator #{id} created. Sign in at {public_url}/{}/sign-in; you will set up the second factor first.",
                language.code()
            );
        }
        UserCommand::List => {
            for account in service::list_accounts(&db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                println!(
                    "#{:<5} {:<10} {:<11} 2FA:{:<3} {} <{}> {}",
                    account.id,
                    account.role.code(),
                    account.status,
                    if account.totp_enabled { "yes" } else { "no" },
                    account.display_name,
                    account.email,
                    account.municipalities.join(",")
                );
            }
        }
        UserCommand::Deactivate { email } => {
            let id = find(email).await?;
            service::deactivate(&ctx, &actor, id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Account #{id} deactivated.");
        }
        UserCommand::Reset2fa { email } => {
            let id = find(email).await?;
            service::reset_second_factor(&ctx, id, &actor)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Second factor of account #{id} removed; its sessions ended.");
        }
    }
    Ok(())
}

fn prepare_data_dir(config: &Config) -> anyhow::Result<()> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    Ok(())
}
