//! Signed requests to `GetList`, one page per call, each classified and kept for the audit trail.
//!
//! Every call is assumed billed, so this module never retries on its own: the screening decides
//! (with the rate limiter and backoff controller) whether and when to call again.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use reqwest::Url;

use super::envelope::Envelope;
use super::status::{Class, classify_status};
use super::{Endpoint, PAGE_SIZE};
use crate::secrets::{Credentials, redact_url};

/// Facts about one call (the audit row) and what it means.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub at: DateTime<Utc>,
    pub search_key: String,
    pub page: u32,
    pub http_status: Option<u16>,
    pub vendor_status: Option<String>,
    pub message: String,
    pub order_number: Option<String>,
    pub latency: Duration,
    /// The raw body as received (lossy UTF-8), when one was received.
    pub body: Option<String>,
    /// False when the request never reached the vendor (connection refused, DNS, TLS, proxy):
    /// such an attempt is not billed.
    pub reached: bool,
    pub outcome: PageOutcome,
}

/// One page's classified result.
#[derive(Debug, Clone)]
pub struct PageOutcome {
    pub class: Class,
    /// Records of this page (only for `Found`; moved to the key's [`super::Pager`], which gives
    /// an aligned page's back to its call).
    pub records: Vec<super::RawRecord>,
    /// `Paging.TotalRecords`, when sent.
    pub total: Option<u64>,
    /// `Paging.PageSize`, when sent.
    pub page_size: Option<u64>,
    /// `Paging.PageIndex`, when sent.
    pub page_index: Option<u64>,
    /// A `Retry-After` the server asked for (HTTP 429/503).
    pub retry_after: Option<Duration>,
    /// A 115 that came from this machine's clock, now corrected: ask again once, at once.
    pub clock_corrected: bool,
    /// The vendor answered (HTTP 2xx) with a body that is not the documented envelope: likely
    /// billed, and asked again only once (`docs/design.md`, "parked").
    pub unreadable: bool,
}

impl PageOutcome {
    fn of(class: Class) -> Self {
        PageOutcome {
            class,
            records: Vec::new(),
            total: None,
            page_size: None,
            page_index: None,
            retry_after: None,
            clock_corrected: false,
            unreadable: false,
        }
    }
}

/// The HTTP client for the vendor, with its endpoint and credentials.
#[derive(Clone)]
pub struct VendorClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    creds: Credentials,
    /// Seconds to add to this machine's clock for `Timespan`, learned from the vendor's `Date`
    /// when it answers 115 (shared by every clone: one correction serves the whole run).
    clock_offset: Arc<AtomicI64>,
}

impl std::fmt::Debug for VendorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VendorClient({})", self.endpoint.url())
    }
}

impl VendorClient {
    pub fn new(endpoint: Endpoint, creds: Credentials, timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            // A redirect would carry the key (query) and a valid token to another host.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("qcc-credit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(VendorClient {
            http,
            endpoint,
            creds,
            clock_offset: Arc::new(AtomicI64::new(0)),
        })
    }

    /// Seconds `Timespan` was corrected by, after a 115 from a skewed clock (0: none).
    pub fn clock_offset(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The request URL (contains the key: log only through [`redact_url`]).
    pub fn request_url(&self, search_key: &str, page: u32) -> Url {
        let mut query = String::with_capacity(64 + 3 * search_key.len());
        for (name, value) in [
            ("key", self.creds.key()),
            ("searchKey", search_key),
            ("pageIndex", &page.to_string()),
            ("pageSize", &PAGE_SIZE.to_string()),
        ] {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(name);
            query.push('=');
            // Percent-encoded as the vendor document asks (a space is `%20`, never `+`).
            crate::secrets::percent_encode_into(&mut query, value);
        }
        let mut u = self.endpoint.url().clone();
        u.set_query(Some(&query));
        u
    }

    /// One call for one page. Never fails: every failure is a classified [`CallRecord`].
    pub async fn fetch_page(&self, search_key: &str, page: u32) -> CallRecord {
        let url = self.request_url(search_key, page);
        // One Timespan per request, used for both the header and the token.
        let offset = self.clock_offset.load(Ordering::Relaxed);
        let timespan = (unix_now() + offset).to_string();
        let token = self.creds.token(&timespan);
        let at = crate::clock::now();
        let started = Instant::now();
        let mut rec = CallRecord {
            at,
            search_key: search_key.to_string(),
            page,
            http_status: None,
            vendor_status: None,
            message: String::new(),
            order_number: None,
            latency: Duration::ZERO,
            body: None,
            reached: true,
            outcome: PageOutcome::of(Class::Transient),
        };
        tracing::debug!(url = %redact_url(url.as_str()), "calling vendor");
        let resp = self
            .http
            .get(url)
            .header(TOKEN, token)
            .header(TIMESPAN, timespan.as_str())
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                rec.latency = started.elapsed();
                unsent(&mut rec, e);
                return rec;
            }
        };
        let http_status = resp.status();
        rec.http_status = Some(http_status.as_u16());
        let vendor_clock = date_of(resp.headers());
        let retry_after = retry_after(resp.headers());
        if http_status.is_redirection() {
            rec.latency = started.elapsed();
            refuse_redirect(&mut rec, resp.headers());
            return rec;
        }
        let bytes = read_capped(resp).await;
        rec.latency = started.elapsed();
        let bytes = match bytes {
            Ok(b) => b,
            Err((message, oversize)) => {
                rec.message = message;
                // A body too large to read was still sent (and billed) whole.
                rec.outcome.unreadable = oversize && http_status.is_success();
                return rec;
            }
        };
        let body = self.redact(body_text(bytes));
        if http_status.as_u16() == 429 || http_status.is_server_error() {
            rec.body = Some(body);
            rec.message = format!("HTTP {}", http_status.as_u16());
            rec.outcome.retry_after = retry_after;
            return rec;
        }
        classify_body(&mut rec, http_status.as_u16(), &body);
        rec.body = Some(body);
        rec.message = self.redact(clip(&rec.message, MAX_MESSAGE_CHARS));
        if rec.vendor_status.as_deref() == Some("115")
            && let Some(vendor) = vendor_clock
        {
            rec.outcome.clock_corrected = self.learn_clock(vendor, offset);
        }
        rec
    }

    /// The vendor answered 115 (Timespan out of its window) with its `Date`: when this machine's
    /// clock is more than a minute off, correct every later `Timespan` by the offset, say so
    /// loudly once, and tell the caller to ask again. The AWS SDKs correct clock skew the same way.
    fn learn_clock(&self, vendor_secs: i64, offset_used: i64) -> bool {
        let skew = vendor_secs - unix_now();
        if (skew - offset_used).abs() <= MAX_CLOCK_SKEW_SECS {
            return false;
        }
        let previous = self.clock_offset.swap(skew, Ordering::SeqCst);
        if (previous - skew).abs() > MAX_CLOCK_SKEW_SECS {
            let (m, s) = (skew.abs() / 60, skew.abs() % 60);
            let side = if skew > 0 { "behind" } else { "ahead of" };
            tracing::warn!(
                offset_secs = skew,
                "this machine's clock is {m}m{s:02}s {side} the vendor's; fix its time sync \
                 (NTP). Correcting Timespan by {skew} s for this run"
            );
        }
        true
    }

    /// The key and the secret replaced by `***` wherever a server echoed them (an error page that
    /// repeats the request URL), so no stored body or message carries them.
    fn redact(&self, text: String) -> String {
        self.creds.redact(text)
    }
}

/// The vendor's request headers, named once (HTTP/1 sends every name in lower case anyway).
const TOKEN: reqwest::header::HeaderName = reqwest::header::HeaderName::from_static("token");
const TIMESPAN: reqwest::header::HeaderName = reqwest::header::HeaderName::from_static("timespan");

/// A `Timespan` this far from the vendor's `Date` is this machine's clock, not the network.
const MAX_CLOCK_SKEW_SECS: i64 = 60;

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The most of a body read: the largest real answer (20 records a page) is a few tens of KiB.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// The most of a vendor `Message` kept.
const MAX_MESSAGE_CHARS: usize = 1000;

/// Read the body up to [`MAX_BODY_BYTES`]: past it the call is a transient failure and the rest is
/// never read, so memory stays flat whatever the server sends. The error says whether the body
/// was too large (true) or the connection dropped.
async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, (String, bool)> {
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err((
                        format!(
                            "the answer is larger than {} MiB, far more than any real answer; \
                             not read",
                            MAX_BODY_BYTES / (1024 * 1024)
                        ),
                        true,
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => {
                return Err((
                    format!(
                        "connection dropped while reading the body: {}",
                        transport_error(e)
                    ),
                    false,
                ));
            }
        }
    }
}

/// A `Retry-After` in seconds, when the server sent one.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// A 3xx is never followed: the call stops the run (like a fatal code), naming where it pointed.
fn refuse_redirect(rec: &mut CallRecord, headers: &reqwest::header::HeaderMap) {
    let location = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let host = Url::parse(location)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| {
                format!(
                    "{h}{}",
                    u.port().map(|p| format!(":{p}")).unwrap_or_default()
                )
            })
        })
        .unwrap_or_else(|| "the same host".to_string());
    rec.message = format!(
        "HTTP {}: the vendor redirected to {}; not followed (the key and token are never sent \
         anywhere but the configured endpoint)",
        rec.http_status.unwrap_or(0),
        crate::telemetry::escape(&host)
    );
    rec.outcome = PageOutcome::of(Class::Fatal);
}

/// At most `max` characters.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}… (cut at {max} characters)", &s[..i]),
        None => s.to_string(),
    }
}

/// Read the documented JSON envelope into `rec`: vendor status, message, order number, class,
/// and for 200 the page's records and paging.
fn classify_body(rec: &mut CallRecord, http_status: u16, body: &str) {
    // Read as text: the body is known to be UTF-8, so its strings and records are not checked
    // again one by one.
    let envelope = match serde_json::from_str::<Envelope>(body) {
        Ok(env) if env.status.is_some() => env,
        Ok(_) => {
            rec.message = format!("HTTP {}: body has no Status field", http_status);
            rec.outcome.unreadable = (200..300).contains(&http_status);
            return;
        }
        Err(e) => {
            rec.message = format!(
                "HTTP {}: body is not the documented JSON ({e})",
                http_status
            );
            rec.outcome.unreadable = (200..300).contains(&http_status);
            return;
        }
    };
    let code = envelope.status.unwrap_or_default();
    let class = classify_status(&code);
    rec.message = envelope.message.unwrap_or_default();
    rec.order_number = envelope.order_number;
    rec.outcome = PageOutcome::of(class);
    if class == Class::Found {
        let paging = envelope.paging.unwrap_or_default();
        let result = envelope.result.unwrap_or_default();
        rec.outcome.total = paging.total_records;
        rec.outcome.page_size = paging.page_size;
        rec.outcome.page_index = paging.page_index;
        if result.verify_result == Some(0) && result.data.is_empty() {
            rec.outcome.class = Class::NotFound;
        } else {
            rec.outcome.records = result.data;
        }
    } else if !super::status::is_documented(&code) {
        tracing::warn!(status = %code, message = %rec.message, "vendor answered an undocumented status code; treating it as transient");
    }
    rec.vendor_status = Some(code);
}

/// A transport error's message with its cause chain, and never the URL (it holds the key).
fn transport_error(e: reqwest::Error) -> String {
    let timeout = e.is_timeout();
    let connect = e.is_connect();
    let body = e.is_body();
    let e = e.without_url();
    let mut chain = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        src = s.source();
    }
    let lower = chain.to_lowercase();
    let kind = if connect {
        connect_failure(&lower, timeout)
    } else if timeout {
        "timed out"
    } else if body || chain.contains("closed") || chain.contains("reset") {
        "connection dropped"
    } else {
        "transport error"
    };
    let msg = format!("{kind}: {chain}");
    redact_url(&msg)
}

/// Why a connection was never made, in the words an on-call engineer searches for.
fn connect_failure(chain: &str, timeout: bool) -> &'static str {
    if chain.contains("proxy") {
        "could not connect (proxy error)"
    } else if chain.contains("dns") || chain.contains("lookup") || chain.contains("resolve") {
        "could not connect (DNS lookup failed)"
    } else if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake")
    {
        "could not connect (TLS handshake failed)"
    } else if chain.contains("refused") {
        "could not connect (connection refused)"
    } else if timeout {
        "could not connect (timed out)"
    } else {
        "could not connect"
    }
}

/// A call that got no answer: why, and whether it reached the vendor. A TLS failure
/// (certificate, handshake) never reached the vendor's API: no answer, nothing billed, and a
/// run of them is an outage (exit 7).
fn unsent(rec: &mut CallRecord, e: reqwest::Error) {
    let connect = e.is_connect();
    rec.message = transport_error(e);
    let lower = rec.message.to_lowercase();
    let tls = rec.message.contains("TLS handshake failed")
        || ["certificate", "tls", "handshake"]
            .iter()
            .any(|w| lower.contains(w));
    rec.reached = !connect && !tls;
}

/// The vendor's clock from its `Date` header (seconds since the epoch).
fn date_of(headers: &reqwest::header::HeaderMap) -> Option<i64> {
    headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
        .map(|d| d.timestamp())
}

/// A body as text: kept as received when it is UTF-8 (every real answer), without a copy; a
/// UTF-8 byte order mark before the JSON (common from .NET servers) is not content.
fn body_text(mut bytes: Vec<u8>) -> String {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}
