//! `GET …/OperationCheck/GetList`: the vendor's checks in the vendor's order (key, signature,
//! clock; traffic; quota; parameters), then the dataset's answer, with faults rolled first.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Company, Faults, Shared, lock, today};
use crate::qcc::status::vendor_message;

/// How far the `Timespan` may be from the simulator's clock, as the vendor allows.
const CLOCK_TOLERANCE_SECS: i64 = 300;

struct InFlight<'a>(&'a AtomicUsize);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What one request asked, and the traffic it arrived in.
struct Request<'a> {
    headers: &'a HeaderMap,
    query: &'a HashMap<String, String>,
    search_key: &'a str,
    over_qps: bool,
    in_flight: usize,
    roll_120: bool,
}

/// The dice of one call: which faults strike it.
struct Dice {
    delay: Duration,
    drop: bool,
    http_5xx: bool,
    malformed: bool,
    slow_down: bool,
}

fn status_body(s: &Shared, code: &str) -> Value {
    status_answer(code, order_number(s))
}

fn order_number(s: &Shared) -> String {
    let n = s.orders.fetch_add(1, Ordering::SeqCst);
    format!(
        "OPERATIONCHECK{}{:08}",
        chrono::Utc::now().format("%Y%m%d%H%M%S"),
        n
    )
}

pub(super) async fn get_list(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let now_in_flight = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    let _guard = InFlight(&s.in_flight);
    let search_key = q.get("searchKey").cloned().unwrap_or_default();
    record_arrival(&s, &search_key, now_in_flight);
    let faults = s.faults.read().unwrap_or_else(|e| e.into_inner()).clone();
    let dice = roll(&s, &faults);
    if !dice.delay.is_zero() {
        tokio::time::sleep(dice.delay).await;
    }
    let over_qps = faults
        .qps_ceiling
        .is_some_and(|ceiling| over_ceiling(&s, ceiling));
    if let Some(r) = injected_fault(&s, &dice, &search_key) {
        return r;
    }
    let req = Request {
        headers: &headers,
        query: &q,
        search_key: &search_key,
        over_qps,
        in_flight: now_in_flight,
        roll_120: dice.slow_down,
    };
    // The quota is checked and charged under one lock: calls that arrive together (a client
    // sends several at once) cannot all take its last unit.
    let (code, body, billed) = {
        let mut quota = lock(&s.quota);
        let (code, body) = answer(&s, &faults, &req, &mut quota);
        let billed = code == "200" || code == "201";
        if billed {
            quota.1 += 1;
        }
        (code, body, billed)
    };
    count(&s, &code, &search_key, billed);
    let date = vendor_now(&s)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let text = faults.json_style.write(&body);
    lock(&s.stats).body_bytes += text.len() as u64;
    if let Some(sent) = lock(&s.sent).as_mut()
        && let Some(order) = body.get("OrderNumber").and_then(Value::as_str)
    {
        sent.insert(order.to_string(), text.clone());
    }
    let headers = [("Date", date), ("Content-Type", "application/json".into())];
    (StatusCode::OK, headers, text).into_response()
}

/// The simulator's clock: this machine's, shifted by `--clock-offset`.
fn vendor_now(s: &Shared) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::seconds(s.clock_offset)
}

fn record_arrival(s: &Shared, search_key: &str, in_flight: usize) {
    let mut st = lock(&s.stats);
    st.calls += 1;
    st.max_in_flight = st.max_in_flight.max(in_flight);
    st.per_key.entry(search_key.to_string()).or_default().calls += 1;
    let ms = s.started.elapsed().as_millis() as u64;
    if st.arrivals_ms.len() >= 100_000 {
        st.arrivals_ms.pop_front();
    }
    st.arrivals_ms.push_back(ms);
}

fn roll(s: &Shared, faults: &Faults) -> Dice {
    let mut d = lock(&s.dice);
    let jitter = faults.latency_jitter.as_secs_f64() * d.unit();
    Dice {
        delay: faults.latency + Duration::from_secs_f64(jitter),
        drop: d.unit() < faults.drop_rate,
        http_5xx: d.unit() < faults.http_5xx_rate,
        malformed: d.unit() < faults.malformed_rate,
        slow_down: d.unit() < faults.rate_120,
    }
}

/// True when this call makes more than `ceiling` in the last second (sliding window).
fn over_ceiling(s: &Shared, ceiling: u32) -> bool {
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
}

/// Transport-level faults: a dropped connection, an HTTP 503, a body that is not JSON.
fn injected_fault(s: &Shared, dice: &Dice, search_key: &str) -> Option<Response> {
    if dice.drop {
        count(s, "dropped", search_key, false);
        return Some(dropped_response());
    }
    if dice.http_5xx {
        count(s, "http503", search_key, false);
        return Some(
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [("Retry-After", "1")],
                "<html><body>503 Service Temporarily Unavailable</body></html>",
            )
                .into_response(),
        );
    }
    if dice.malformed {
        count(s, "malformed", search_key, false);
        return Some((StatusCode::OK, [("Content-Type", "application/json")], "{\"Status\":\"200\",\"Message\":\"【有效请求】查询成功\",\"Result\":{\"Data\":[{\"Id\":").into_response());
    }
    None
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

/// The vendor's answer: the first check that fails gives its code, else the data.
fn answer(
    s: &Shared,
    faults: &Faults,
    req: &Request<'_>,
    used: &mut (i64, u64),
) -> (String, Value) {
    let refused = authenticate(s, req)
        .or_else(|| traffic(faults, req))
        .or_else(|| quota(used, faults))
        .map(Err)
        .unwrap_or_else(|| parameters(req));
    let (page_index, page_size) = match refused {
        Ok(p) => p,
        Err(code) => return (code.to_string(), status_body(s, code)),
    };
    if let Some(code) = faults.scripted.get(req.search_key) {
        return (code.clone(), status_body(s, code));
    }
    if repeated_too_often(s, faults, req.search_key, page_index) {
        return ("110".into(), status_body(s, "110"));
    }
    data_page(s, req.search_key, page_index, page_size)
}

/// The key, then the signature, then the clock.
fn authenticate(s: &Shared, req: &Request<'_>) -> Option<&'static str> {
    if req.query.get("key").map(String::as_str) != Some(s.key.as_str()) {
        return Some("101");
    }
    let header = |name: &str| {
        req.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let (timespan, token) = (header("Timespan"), header("Token"));
    if token.len() != 32 || !s.creds.verify_token(timespan, token) {
        return Some("107");
    }
    let now = vendor_now(s).timestamp();
    match timespan.trim().parse::<i64>() {
        Ok(ts) if (now - ts).abs() <= CLOCK_TOLERANCE_SECS => None,
        _ => Some("115"),
    }
}

fn traffic(faults: &Faults, req: &Request<'_>) -> Option<&'static str> {
    if faults
        .concurrency_ceiling
        .is_some_and(|c| req.in_flight > c)
    {
        return Some("122");
    }
    (req.over_qps || req.roll_120).then_some("120")
}

/// 116 once today's billed answers reached the quota; `used` is (day, billed that day).
fn quota(used: &mut (i64, u64), faults: &Faults) -> Option<&'static str> {
    if used.0 != today() {
        *used = (today(), 0);
    }
    faults
        .daily_quota
        .is_some_and(|limit| used.1 >= limit)
        .then_some("116")
}

/// `searchKey` (202 missing, 213 one character), `pageSize` 1..=20, `pageIndex` >= 1.
fn parameters(req: &Request<'_>) -> Result<(u64, u64), &'static str> {
    let key = req.search_key.trim();
    if key.is_empty() {
        return Err("202");
    }
    if key.chars().count() < 2 {
        return Err("213");
    }
    let number = |name: &str, default: u64, ok: &dyn Fn(u64) -> bool| match req
        .query
        .get(name)
        .map(|v| v.trim().parse::<u64>())
    {
        None => Ok(default),
        Some(Ok(n)) if ok(n) => Ok(n),
        Some(_) => Err("202"),
    };
    let page_size = number("pageSize", 10, &|n| (1..=20).contains(&n))?;
    let page_index = number("pageIndex", 1, &|n| n >= 1)?;
    Ok((page_index, page_size))
}

/// 110 when the same (searchKey, page) was asked more than the limit today.
fn repeated_too_often(s: &Shared, faults: &Faults, key: &str, page_index: u64) -> bool {
    let Some(limit) = faults.repeat_limit else {
        return false;
    };
    let mut r = lock(&s.repeats);
    if r.0 != today() {
        *r = (today(), HashMap::new());
    }
    let n = r.1.entry((key.to_string(), page_index as u32)).or_default();
    *n += 1;
    *n > limit
}

fn data_page(s: &Shared, search_key: &str, page_index: u64, page_size: u64) -> (String, Value) {
    let data = s.data.read().unwrap_or_else(|e| e.into_inner());
    let Some(company) = data.lookup(search_key.trim()) else {
        return ("201".into(), status_body(s, "201"));
    };
    let total = company.records.len() as u64;
    let start = (page_index - 1) * page_size;
    if start >= total {
        return ("201".into(), status_body(s, "201"));
    }
    let body = page_body(company, order_number(s), page_index, page_size);
    ("200".into(), body)
}

/// The 200 answer for one page of a company's registrations.
pub(super) fn page_body(
    company: &Company,
    order: String,
    page_index: u64,
    page_size: u64,
) -> Value {
    let start = page_index.saturating_sub(1).saturating_mul(page_size);
    let page: Vec<Value> = company
        .records
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(page_size as usize)
        .cloned()
        .collect();
    json!({
        "Status": "200",
        "Message": vendor_message("200"),
        "OrderNumber": order,
        "Paging": {"PageSize": page_size, "PageIndex": page_index, "TotalRecords": company.records.len()},
        "Result": {"VerifyResult": 1, "Data": page},
    })
}

/// A status answer without data (201, 101, 120 …).
pub(super) fn status_answer(code: &str, order: String) -> Value {
    json!({"Status": code, "Message": vendor_message(code), "OrderNumber": order})
}
