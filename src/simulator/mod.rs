//! The embedded vendor simulator: `qcc-credit simulate`, and in-process for tests and `demo`.
//!
//! It implements the vendor document, not our client's assumptions: it checks the key, the
//! `Token` and the `Timespan` (±300 s) against its own credentials and clock, validates
//! parameters, pages results, answers 201 for unknown companies, and injects the faults the
//! vendor is known for. It counts every call and every billed answer per key (`GET /__sim/stats`)
//! so tests can prove that nothing was paid twice.

pub mod changes;
pub mod dataset;
mod handler;
mod style;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

pub use crate::rng::SplitMix;
pub use dataset::{Company, Dataset};
pub use style::JsonStyle;

use crate::secrets::Credentials;

/// Demo credentials: the simulator's defaults and what `demo` uses. Not secret by design.
pub const DEMO_KEY: &str = "demo-key";
pub const DEMO_SECRET: &str = "demo-secret";

/// Fault injection, changeable while the simulator runs (tests flip quota, rates, ...).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Fixed latency added to every call.
    pub latency: Duration,
    /// Extra uniformly random latency, `0..jitter`.
    pub latency_jitter: Duration,
    /// Probability of HTTP 503 (with `Retry-After: 1`).
    pub http_5xx_rate: f64,
    /// Probability that the connection drops in the middle of the body.
    pub drop_rate: f64,
    /// Probability of a 200 whose body is not the documented JSON.
    pub malformed_rate: f64,
    /// Probability of status 120.
    pub rate_120: f64,
    /// Calls per second above which status 120 is answered (sliding one-second window).
    pub qps_ceiling: Option<u32>,
    /// Calls in flight above which status 122 is answered.
    pub concurrency_ceiling: Option<usize>,
    /// Answer 110 when the same (searchKey, page) is asked more than this many times a day.
    pub repeat_limit: Option<u32>,
    /// Billed answers a day before status 116.
    pub daily_quota: Option<u64>,
    /// How the JSON of every answer is written (the vendor's wire format is not documented).
    pub json_style: JsonStyle,
    /// Scripted answers: search key -> status code (e.g. `207`, `110`, `205`).
    pub scripted: HashMap<String, String>,
}

/// Simulator configuration.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub key: String,
    pub secret: String,
    pub seed: u64,
    pub companies: usize,
    pub faults: Faults,
    /// Seed of the fault dice (deterministic for a given call order).
    pub fault_seed: u64,
    /// Seconds the simulator's clock runs ahead of this machine's (negative: behind): its
    /// `Date` header and its 115 check both use it.
    pub clock_offset: i64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            key: DEMO_KEY.into(),
            secret: DEMO_SECRET.into(),
            seed: 42,
            companies: 1000,
            faults: Faults::default(),
            fault_seed: 7,
            clock_offset: 0,
        }
    }
}

/// Counters served at `GET /__sim/stats`.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Stats {
    /// Every HTTP request to the method, whatever the answer.
    pub calls: u64,
    /// Answers that the vendor bills (200 and 201).
    pub billed: u64,
    /// Calls by answered status (`"200"`, `"120"`, `"http503"`, `"dropped"`, `"malformed"` ...).
    pub by_status: BTreeMap<String, u64>,
    /// Per search key: calls and billed answers.
    pub per_key: BTreeMap<String, KeyStats>,
    /// The most calls seen in flight at once.
    pub max_in_flight: usize,
    /// Arrival times (milliseconds since the simulator started) of the last 100,000 calls.
    pub arrivals_ms: VecDeque<u64>,
    /// Bytes of the JSON answers sent (what a client receives as bodies).
    #[serde(default)]
    pub body_bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct KeyStats {
    pub calls: u64,
    pub billed: u64,
}

impl Stats {
    /// Keys billed more often than they have pages would show up here; tests compare with pages.
    pub fn billed_for(&self, key: &str) -> u64 {
        self.per_key.get(key).map(|k| k.billed).unwrap_or(0)
    }
}

/// What the simulator would answer for every page of `companies` companies of dataset `seed`
/// (page size 20, as the client asks), and the answers without data of each status code, written
/// in `style`: samples for training the evidence store's compression dictionary.
pub fn sample_answers(seed: u64, companies: usize, style: JsonStyle) -> Vec<String> {
    let ds = Dataset::generate(seed, companies);
    let mut n = 0u64;
    let mut order = || {
        n += 1;
        format!(
            "OPERATIONCHECK2026{:010}{n:08}",
            (n * 7_919) % 10_000_000_000
        )
    };
    let page_size = crate::qcc::PAGE_SIZE;
    let mut out = Vec::new();
    for c in &ds.companies {
        let pages = (c.records.len() as u64).div_ceil(page_size).max(1);
        for page in 1..=pages {
            out.push(style.write(&handler::page_body(c, order(), page, page_size)));
        }
    }
    for status in crate::qcc::status::TABLE {
        out.push(style.write(&handler::status_answer(status.code, order())));
    }
    out
}

/// Day number and how often each (searchKey, page) was asked that day.
type RepeatCounter = (i64, HashMap<(String, u32), u32>);

struct Shared {
    creds: Credentials,
    key: String,
    data: RwLock<Dataset>,
    faults: RwLock<Faults>,
    stats: Mutex<Stats>,
    dice: Mutex<SplitMix>,
    in_flight: AtomicUsize,
    window: Mutex<VecDeque<Instant>>,
    quota: Mutex<(i64, u64)>,
    repeats: Mutex<RepeatCounter>,
    started: Instant,
    clock_offset: i64,
    orders: AtomicU64,
    /// Every JSON answer sent, by its OrderNumber, once [`SimHandle::keep_bodies`] asked.
    sent: Mutex<Option<HashMap<String, String>>>,
}

/// A running simulator. Dropping it does not stop it; call [`SimHandle::shutdown`].
#[derive(Clone)]
pub struct SimHandle {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: CancellationToken,
}

impl SimHandle {
    /// `http://ADDR`, for `--base-url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn stats(&self) -> Stats {
        lock(&self.shared.stats).clone()
    }
    pub fn set_faults(&self, f: impl FnOnce(&mut Faults)) {
        let mut g = self
            .shared
            .faults
            .write()
            .unwrap_or_else(|e| e.into_inner());
        f(&mut g);
    }
    /// Change the dataset (a re-screen then sees the change).
    pub fn with_dataset<R>(&self, f: impl FnOnce(&mut Dataset) -> R) -> R {
        let mut g = self.shared.data.write().unwrap_or_else(|e| e.into_inner());
        f(&mut g)
    }
    /// From now on, keep every JSON answer sent (tests compare what was stored with it).
    pub fn keep_bodies(&self) {
        lock(&self.shared.sent).get_or_insert_with(HashMap::new);
    }
    /// The answers sent since [`SimHandle::keep_bodies`], by OrderNumber, as written.
    pub fn sent_bodies(&self) -> HashMap<String, String> {
        lock(&self.shared.sent).clone().unwrap_or_default()
    }
    /// A new day for the quota and the repeat counter.
    pub fn reset_quota(&self) {
        reset_quota(&self.shared);
    }
    pub fn shutdown(&self) {
        self.stop.cancel();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn reset_quota(s: &Shared) {
    lock(&s.quota).1 = 0;
    lock(&s.repeats).1.clear();
}

/// Bind `addr` (use `127.0.0.1:0` in tests) and serve until [`SimHandle::shutdown`].
pub async fn spawn(cfg: SimConfig, addr: SocketAddr) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        creds: Credentials::new(cfg.key.clone(), cfg.secret.clone()),
        key: cfg.key.clone(),
        data: RwLock::new(Dataset::generate(cfg.seed, cfg.companies)),
        faults: RwLock::new(cfg.faults.clone()),
        stats: Mutex::new(Stats::default()),
        dice: Mutex::new(SplitMix::new(cfg.fault_seed)),
        in_flight: AtomicUsize::new(0),
        window: Mutex::new(VecDeque::new()),
        quota: Mutex::new((today(), 0)),
        repeats: Mutex::new((today(), HashMap::new())),
        started: Instant::now(),
        clock_offset: cfg.clock_offset,
        orders: AtomicU64::new(0),
        sent: Mutex::new(None),
    });
    let app = Router::new()
        .route(crate::qcc::METHOD_PATH, get(handler::get_list))
        .route("/OperationCheck/GetList", get(handler::get_list))
        .route("/__sim/stats", get(stats))
        .route("/__sim/reset-quota", post(reset))
        .route("/__sim/changes", post(change_data))
        .with_state(shared.clone());
    let stop = CancellationToken::new();
    let s2 = stop.clone();
    tokio::spawn(async move {
        let r = axum::serve(listener, app)
            .with_graceful_shutdown(async move { s2.cancelled().await })
            .await;
        if let Err(e) = r {
            tracing::error!("simulator stopped: {e}");
        }
    });
    Ok(SimHandle { addr, shared, stop })
}

fn today() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64 / 86_400)
        .unwrap_or(0)
}

async fn stats(State(s): State<Arc<Shared>>) -> Json<Stats> {
    Json(lock(&s.stats).clone())
}

/// `POST /__sim/changes`: a script of [`changes`] applied to the data now; 400 naming the line
/// when one is wrong (nothing is applied then).
async fn change_data(
    State(s): State<Arc<Shared>>,
    script: String,
) -> (axum::http::StatusCode, String) {
    let mut data = s.data.write().unwrap_or_else(|e| e.into_inner());
    match changes::apply_script(&mut data, "request body", &script) {
        Ok(n) => (
            axum::http::StatusCode::OK,
            format!("{n} change(s) applied\n"),
        ),
        Err(e) => (axum::http::StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

async fn reset(State(s): State<Arc<Shared>>) -> &'static str {
    reset_quota(&s);
    "quota reset\n"
}
