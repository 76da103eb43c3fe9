//! Test harness: a real database per test (SQLite temp file, or a fresh PostgreSQL schema
//! when TEST_DATABASE_URL is set) and the real server on a free loopback port.

use std::sync::atomic::{AtomicU64, Ordering};

use radix::core::config::Config;
use radix::core::db::{Db, PoolSettings};
use radix::{App, AppState, StartOptions};
use tempfile::TempDir;

pub struct TestDb {
    pub url: String,
    pub pool: PoolSettings,
    pub dir: TempDir,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh, empty database for one test.
pub async fn fresh_database() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    match postgres_url() {
        Some(url) => {
            let schema = format!(
                "t_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock")
                    .subsec_nanos()
            );
            let admin = Db::connect(
                &url,
                &PoolSettings {
                    max_connections: 1,
                    pg_schema: None,
                },
            )
            .await
            .expect("connect to PostgreSQL");
            if let Db::Postgres(pool) = &admin {
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(pool)
                    .await
                    .expect("create schema");
            }
            admin.close().await;
            TestDb {
                url,
                pool: PoolSettings {
                    max_connections: 5,
                    pg_schema: Some(schema),
                },
                dir,
            }
        }
        None => TestDb {
            url: Db::sqlite_url_in(dir.path()),
            pool: PoolSettings {
                max_connections: 5,
                pg_schema: None,
            },
            dir,
        },
    }
}

impl TestDb {
    pub async fn connect(&self) -> Db {
        Db::connect(&self.url, &self.pool).await.expect("connect")
    }

    pub fn config(&self) -> Config {
        let mut config = Config::for_data_dir(self.dir.path());
        config.database_url = self.url.clone();
        config
    }
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    database: Option<TestDb>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(false).await
    }

    pub async fn start_with(demo: bool) -> TestApp {
        let database = fresh_database().await;
        Self::start_on(database, demo).await
    }

    pub async fn start_on(database: TestDb, demo: bool) -> TestApp {
        Self::start_full(database, demo, axum::Router::new(), vec![]).await
    }

    /// A second instance on this one's database, as behind a load balancer.
    pub async fn beside(&self) -> TestApp {
        let database = self.database.as_ref().expect("database");
        let state = App::state(
            database.config(),
            database.connect().await,
            self.state.clock.clone(),
        )
        .await
        .expect("second instance");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let app = radix::router(state.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestApp {
            base: format!("http://{address}"),
            state,
            client: self.client.clone(),
            database: None,
            server,
        }
    }

    /// Starts with extra routes mounted inside the real middleware stack.
    pub async fn start_with_routes(
        extra: axum::Router<radix::AppState>,
        extra_policies: Vec<radix::core::auth::policy::RoutePolicy>,
    ) -> TestApp {
        Self::start_full(fresh_database().await, false, extra, extra_policies).await
    }

    async fn start_full(
        database: TestDb,
        demo: bool,
        extra: axum::Router<radix::AppState>,
        extra_policies: Vec<radix::core::auth::policy::RoutePolicy>,
    ) -> TestApp {
        let state = App::start(
            database.config(),
            StartOptions {
                migrate: true,
                demo,
                pool: database.pool.clone(),
                ..StartOptions::default()
            },
        )
        .await
        .expect("app starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let app = radix::router_with(state.clone(), extra, &extra_policies)
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        TestApp {
            base: format!("http://{address}"),
            state,
            client,
            database: Some(database),
            server,
        }
    }

    /// Stops the server and hands back its database, to start again on the same data.
    pub async fn stop(mut self) -> TestDb {
        self.server.abort();
        self.state.db.close().await;
        self.database.take().expect("database")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_with_language(&self, path: &str, accept_language: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.base, path))
            .header("accept-language", accept_language)
            .send()
            .await
            .expect("request")
    }

    pub async fn text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    pub async fn json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("json body"))
    }
}

/// A real SMTP server on loopback (Python's aiosmtpd), writing each message to a maildir.
pub struct SmtpSink {
    pub port: u16,
    dir: TempDir,
    child: std::process::Child,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpSink {
    pub async fn start() -> Option<SmtpSink> {
        let available = std::process::Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !available {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let dir = tempfile::tempdir().ok()?;
        let maildir = dir.path().join("mail");
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(SmtpSink { port, dir, child });
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        None
    }

    pub async fn wait_for_messages(&self, count: usize) -> Vec<String> {
        for _ in 0..100 {
            let new = self.dir.path().join("mail").join("new");
            let mut messages: Vec<String> = std::fs::read_dir(&new)
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok())
                        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                        .collect()
                })
                .unwrap_or_default();
            if messages.len() >= count {
                messages.sort();
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the SMTP server did not receive {count} message(s)");
    }
}
