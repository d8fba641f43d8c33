//! The embedded vendor simulator: `qcc-credit simulate`, and in-process for tests and `demo`.
//!
//! It implements the vendor document, not our client's assumptions: it checks the key, the
//! `Token` and the `Timespan` (±300 s) against its own credentials and clock, validates
//! parameters, pages results, answers 201 for unknown companies, and injects the faults the
//! vendor is known for. It counts every call and every billed answer per key (`GET /__sim/stats`)
//! so tests can prove that nothing was paid twice.

pub mod dataset;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

pub use dataset::{Company, Dataset, SplitMix};

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
    orders: AtomicU64,
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
        orders: AtomicU64::new(0),
    });
    let app = Router::new()
        .route(crate::vendor::METHOD_PATH, get(get_list))
        .route("/OperationCheck/GetList", get(get_list))
        .route("/__sim/stats", get(stats))
        .route("/__sim/reset-quota", post(reset))
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

async fn reset(State(s): State<Arc<Shared>>) -> &'static str {
    reset_quota(&s);
    "quota reset\n"
}

/// The vendor's message for each status code (from its document).
pub fn vendor_message(code: &str) -> &'static str {
    match code {
        "200" => "【有效请求】查询成功",
        "201" => "【有效请求】查询无结果",
        "202" => "【有效请求】查询参数错误，请检查",
        "205" => "【有效请求】等待处理中",
        "207" => "【有效请求】请求数据的条目数超过上限（5000）",
        "208" => "【有效请求】此接口不支持此公司类型查询",
        "209" => "【有效请求】企业数量超过上限",
        "213" => "【有效请求】参数长度不能小于2",
        "215" => "【有效请求】不支持的查询关键字",
        "218" => "【有效请求】该企业暂不支持空壳扫描",
        "219" => "【有效请求】该企业暂不支持准入尽调",
        "105" => "【有效请求】接口已下线停用",
        "110" => "【有效请求】当前相同查询连续出错，请等2小时后重试",
        "101" => "【无效请求】当前的KEY无效或者还未生效中",
        "102" => "【无效请求】当前KEY已欠费",
        "103" => "【无效请求】当前KEY被暂停使用",
        "104" => "【无效请求】请求KEY异常，请联系管理员",
        "106" => "【无效请求】非法请求过多，请联系管理员",
        "107" => "【无效请求】被禁止的IP或者签名错误",
        "108" => "【无效请求】异常请求过多，请联系管理员",
        "109" => "【无效请求】请求超过每日系统限制",
        "111" => "【无效请求】接口权限未开通，请联系管理员",
        "112" => "【无效请求】您的账号剩余使用量已不足或已过期",
        "113" => "【无效请求】当前接口已被删除，请重新申请",
        "114" => "【无效请求】当前接口已被禁用，请联系管理员",
        "115" => "【无效请求】身份验证错误或者已过期",
        "116" => "【无效请求】请求超过每日调用总量限制",
        "117" => "【无效请求】当前不支持的请求参数调用量过多",
        "118" => "【无效请求】当前接口不支持此方式的调用",
        "119" => "【无效请求】您的帐号出现异常，请联系管理员",
        "120" => "【无效请求】系统流量异常，请稍后再试",
        "121" => "【无效请求】数据不能出境",
        "122" => "【无效请求】并发超过限制，请稍后再试",
        "199" => "【无效请求】系统未知错误，请联系技术客服",
        "203" => "【无效请求】系统查询有异常，请联系技术人员",
        "214" => "【无效请求】您还未购买过该接口，请先购买",
        "223" => "【无效请求】当前接口的计费方式不支持此查询参数",
        _ => "【无效请求】未知状态",
    }
}

struct InFlight<'a>(&'a AtomicUsize);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn status_body(s: &Shared, code: &str) -> Value {
    json!({"Status": code, "Message": vendor_message(code), "OrderNumber": order_number(s)})
}

fn order_number(s: &Shared) -> String {
    let n = s.orders.fetch_add(1, Ordering::SeqCst);
    format!(
        "OPERATIONCHECK{}{:08}",
        chrono::Utc::now().format("%Y%m%d%H%M%S"),
        n
    )
}

async fn get_list(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let now_in_flight = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _guard = InFlight(&s.in_flight);
    let search_key = q.get("searchKey").cloned().unwrap_or_default();
    {
        let mut st = lock(&s.stats);
        st.calls += 1;
        st.max_in_flight = st.max_in_flight.max(now_in_flight);
        st.per_key.entry(search_key.clone()).or_default().calls += 1;
        let ms = s.started.elapsed().as_millis() as u64;
        if st.arrivals_ms.len() >= 100_000 {
            st.arrivals_ms.pop_front();
        }
        st.arrivals_ms.push_back(ms);
    }
    let faults = s.faults.read().unwrap_or_else(|e| e.into_inner()).clone();
    let (delay, roll_drop, roll_5xx, roll_bad, roll_120) = {
        let mut d = lock(&s.dice);
        let jitter = faults.latency_jitter.as_secs_f64() * d.unit();
        (
            faults.latency + Duration::from_secs_f64(jitter),
            d.unit() < faults.drop_rate,
            d.unit() < faults.http_5xx_rate,
            d.unit() < faults.malformed_rate,
            d.unit() < faults.rate_120,
        )
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let over_qps = faults.qps_ceiling.is_some_and(|ceiling| {
        let now = Instant::now();
        let mut w = lock(&s.window);
        while w
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            w.pop_front();
        }
        w.push_back(now);
        w.len() > ceiling as usize
    });
    if roll_drop {
        count(&s, "dropped", &search_key, false);
        return dropped_response();
    }
    if roll_5xx {
        count(&s, "http503", &search_key, false);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("Retry-After", "1")],
            "<html><body>503 Service Temporarily Unavailable</body></html>",
        )
            .into_response();
    }
    if roll_bad {
        count(&s, "malformed", &search_key, false);
        return (StatusCode::OK, [("Content-Type", "application/json")], "{\"Status\":\"200\",\"Message\":\"【有效请求】查询成功\",\"Result\":{\"Data\":[{\"Id\":").into_response();
    }
    let (code, body) = answer(
        &s,
        &faults,
        &headers,
        &q,
        &search_key,
        over_qps,
        now_in_flight,
        roll_120,
    );
    let billed = code == "200" || code == "201";
    if billed {
        lock(&s.quota).1 += 1;
    }
    count(&s, &code, &search_key, billed);
    (StatusCode::OK, Json(body)).into_response()
}

fn count(s: &Shared, what: &str, key: &str, billed: bool) {
    let mut st = lock(&s.stats);
    *st.by_status.entry(what.to_string()).or_default() += 1;
    if billed {
        st.billed += 1;
        st.per_key.entry(key.to_string()).or_default().billed += 1;
    }
}

/// A response whose body breaks off: the client sees the connection drop mid-answer.
fn dropped_response() -> Response {
    let chunks: Vec<Result<&'static [u8], std::io::Error>> = vec![
        Ok(b"{\"Status\":\"200\",\"Mess"),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated drop",
        )),
    ];
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .header("Content-Length", "4096")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[allow(clippy::too_many_arguments)]
fn answer(
    s: &Shared,
    faults: &Faults,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    search_key: &str,
    over_qps: bool,
    in_flight: usize,
    roll_120: bool,
) -> (String, Value) {
    let status = |code: &str| (code.to_string(), status_body(s, code));
    // Authentication: the key, then the signature, then the clock.
    if q.get("key").map(String::as_str) != Some(s.key.as_str()) {
        return status("101");
    }
    let timespan = headers
        .get("Timespan")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = headers
        .get("Token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if token.len() != 32 || !s.creds.verify_token(timespan, token) {
        return status("107");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    match timespan.trim().parse::<i64>() {
        Ok(ts) if (now - ts).abs() <= 300 => {}
        _ => return status("115"),
    }
    // Traffic control.
    if faults.concurrency_ceiling.is_some_and(|c| in_flight > c) {
        return status("122");
    }
    if over_qps || roll_120 {
        return status("120");
    }
    {
        let mut quota = lock(&s.quota);
        if quota.0 != today() {
            *quota = (today(), 0);
        }
        if faults.daily_quota.is_some_and(|limit| quota.1 >= limit) {
            return status("116");
        }
    }
    // Parameters.
    if search_key.trim().is_empty() {
        return status("202");
    }
    if search_key.trim().chars().count() < 2 {
        return status("213");
    }
    let page_size = match q.get("pageSize").map(|v| v.trim().parse::<u64>()) {
        None => 10,
        Some(Ok(n)) if (1..=20).contains(&n) => n,
        Some(_) => return status("202"),
    };
    let page_index = match q.get("pageIndex").map(|v| v.trim().parse::<u64>()) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => return status("202"),
    };
    if let Some(code) = faults.scripted.get(search_key) {
        return status(code);
    }
    if let Some(limit) = faults.repeat_limit {
        let mut r = lock(&s.repeats);
        if r.0 != today() {
            *r = (today(), HashMap::new());
        }
        let n =
            r.1.entry((search_key.to_string(), page_index as u32))
                .or_default();
        *n += 1;
        if *n > limit {
            return status("110");
        }
    }
    let data = s.data.read().unwrap_or_else(|e| e.into_inner());
    let Some(company) = data.lookup(search_key.trim()) else {
        return status("201");
    };
    let total = company.records.len() as u64;
    let start = (page_index - 1) * page_size;
    if start >= total {
        return status("201");
    }
    let page: Vec<Value> = company
        .records
        .iter()
        .skip(start as usize)
        .take(page_size as usize)
        .cloned()
        .collect();
    let body = json!({
        "Status": "200",
        "Message": vendor_message("200"),
        "OrderNumber": order_number(s),
        "Paging": {"PageSize": page_size, "PageIndex": page_index, "TotalRecords": total},
        "Result": {"VerifyResult": 1, "Data": page},
    });
    ("200".into(), body)
}
