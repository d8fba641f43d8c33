//! Sending one message to one channel, in its native payload: WeCom and DingTalk markdown,
//! Feishu's post, the generic JSON webhook, and SMTP mail. Timeouts, connection errors, 5xx,
//! 429 and the robots' own rate-limit codes are tried again with backoff; a robot's `errcode`
//! in a 200 answer is checked (they answer 200 on failure). Every error text is scrubbed of the
//! channel's secrets and never carries its URL.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use sha2::Sha256;

use super::config::{Channel, NotifyConfig, Target, Tls};
use super::message::{DINGTALK_MAX_BYTES, Digest, FEISHU_MAX_BYTES, LONG_LIST, WECOM_MAX_BYTES};

/// How one message went.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub channel: String,
    pub kind: &'static str,
    pub ok: bool,
    pub attempts: u32,
    /// Why it failed (scrubbed of secrets).
    pub error: Option<String>,
}

/// A failure, and whether trying again may help.
enum Failure {
    Retry(String),
    Final(String),
}

/// Send `digest` on `ch`, trying again on failures that may pass.
pub async fn deliver(
    ch: &Channel,
    digest: &Digest,
    cfg: &NotifyConfig,
    http: &reqwest::Client,
) -> Delivery {
    let mut attempts = 0;
    let mut last = String::new();
    while attempts < cfg.retries {
        attempts += 1;
        let result = match &ch.target {
            Target::Email { .. } => email(ch, digest, cfg).await,
            _ => robot(ch, digest, cfg, http).await,
        };
        match result {
            Ok(()) => {
                return Delivery {
                    channel: ch.name.clone(),
                    kind: ch.kind(),
                    ok: true,
                    attempts,
                    error: None,
                };
            }
            Err(Failure::Final(e)) => {
                last = e;
                break;
            }
            Err(Failure::Retry(e)) => {
                last = e;
                if attempts < cfg.retries {
                    let wait = cfg.retry_base * 2u32.saturating_pow(attempts - 1);
                    let jitter = wait.mul_f64(unit_jitter() * 0.25);
                    tokio::time::sleep(wait + jitter).await;
                }
            }
        }
    }
    let error = ch.scrub(last);
    tracing::warn!(channel = %ch.name, kind = ch.kind(), attempts, %error, "notification not delivered");
    Delivery {
        channel: ch.name.clone(),
        kind: ch.kind(),
        ok: false,
        attempts,
        error: Some(error),
    }
}

/// A number in `[0, 1)` for jitter, from the clock.
fn unit_jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    crate::rng::SplitMix::new(u64::from(nanos)).unit()
}

/// The robots' documented rate limit: 20 messages a minute per robot (WeCom, DingTalk); Feishu
/// allows 100 a minute. A message that would exceed it waits.
async fn rate_limit(key: &str, per_minute: usize) {
    static SENT: Mutex<Option<HashMap<String, VecDeque<Instant>>>> = Mutex::new(None);
    loop {
        let wait = {
            let mut guard = SENT.lock().unwrap_or_else(|p| p.into_inner());
            let sent = guard
                .get_or_insert_with(HashMap::new)
                .entry(key.to_string())
                .or_default();
            let now = Instant::now();
            while sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
            {
                sent.pop_front();
            }
            if sent.len() < per_minute {
                sent.push_back(now);
                None
            } else {
                sent.front()
                    .map(|t| Duration::from_secs(60).saturating_sub(now.duration_since(*t)))
            }
        };
        match wait {
            None => return,
            Some(w) => tokio::time::sleep(w).await,
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

fn b64_hmac(key: &[u8], msg: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| {
        // HMAC takes a key of any length; this cannot fail.
        HmacSha256::new_from_slice(b"").unwrap_or_else(|_| unreachable!())
    });
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// DingTalk's 加签: `timestamp` in ms and `sign = base64(HmacSHA256(secret, ts + "\n" + secret))`,
/// both added to the webhook URL.
pub fn dingtalk_url(webhook: &str, secret: &str, ts_ms: i64) -> String {
    let sign = b64_hmac(secret.as_bytes(), format!("{ts_ms}\n{secret}").as_bytes());
    let sign = crate::secrets::percent_encode(&sign);
    let sep = if webhook.contains('?') { '&' } else { '?' };
    format!("{webhook}{sep}timestamp={ts_ms}&sign={sign}")
}

/// Feishu's signature check: `sign = base64(HmacSHA256(key = ts + "\n" + secret, ""))`, with
/// `timestamp` in seconds, both in the body.
pub fn feishu_sign(secret: &str, ts: i64) -> String {
    b64_hmac(format!("{ts}\n{secret}").as_bytes(), b"")
}

/// The URL and JSON body of a robot or webhook message.
fn payload(ch: &Channel, d: &Digest, cfg: &NotifyConfig) -> (String, Value, Option<String>, usize) {
    let now = crate::clock::now();
    match &ch.target {
        Target::Wecom { webhook } => (
            webhook.expose_secret().to_string(),
            json!({"msgtype": "markdown", "markdown": {"content": d.markdown(WECOM_MAX_BYTES, cfg.max_alerts)}}),
            None,
            20,
        ),
        Target::Dingtalk { webhook, secret } => {
            let url = match secret {
                Some(s) => dingtalk_url(
                    webhook.expose_secret(),
                    s.expose_secret(),
                    now.timestamp_millis(),
                ),
                None => webhook.expose_secret().to_string(),
            };
            let text = d.markdown(DINGTALK_MAX_BYTES, cfg.max_alerts);
            (
                url,
                json!({"msgtype": "markdown", "markdown": {"title": d.title(), "text": text}}),
                None,
                20,
            )
        }
        Target::Feishu { webhook, secret } => {
            let text = d.plain(FEISHU_MAX_BYTES, cfg.max_alerts);
            let lines: Vec<Value> = text
                .lines()
                .skip(1)
                .map(|l| json!([{"tag": "text", "text": l}]))
                .collect();
            let mut body = json!({
                "msg_type": "post",
                "content": {"post": {d.lang.tr("zh_cn", "en_us"): {"title": d.title(), "content": lines}}},
            });
            if let Some(s) = secret {
                let ts = now.timestamp();
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(feishu_sign(s.expose_secret(), ts));
            }
            (webhook.expose_secret().to_string(), body, None, 100)
        }
        Target::Webhook { url, token } => (
            url.expose_secret().to_string(),
            d.json(),
            token
                .as_ref()
                .map(|t| format!("Bearer {}", t.expose_secret())),
            600,
        ),
        Target::Email { .. } => (String::new(), Value::Null, None, 0),
    }
}

/// POST a robot or webhook message and read its answer.
async fn robot(
    ch: &Channel,
    d: &Digest,
    cfg: &NotifyConfig,
    http: &reqwest::Client,
) -> Result<(), Failure> {
    let (url, body, auth, per_minute) = payload(ch, d, cfg);
    // Keyed by the robot's webhook: two channels on one robot share its limit.
    let robot_key = match &ch.target {
        Target::Wecom { webhook }
        | Target::Dingtalk { webhook, .. }
        | Target::Feishu { webhook, .. } => webhook.expose_secret(),
        Target::Webhook { url, .. } => url.expose_secret(),
        Target::Email { .. } => ch.name.as_str(),
    };
    rate_limit(robot_key, per_minute).await;
    let mut req = http
        .post(&url)
        .timeout(cfg.timeout)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(body.to_string());
    if let Some(a) = auth {
        req = req.header(reqwest::header::AUTHORIZATION, a);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| Failure::Retry(format!("no answer: {}", e.without_url())))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let short: String = text.chars().take(300).collect();
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(Failure::Retry(format!("HTTP {status}: {short}")));
    }
    if !status.is_success() {
        return Err(Failure::Final(format!("HTTP {status}: {short}")));
    }
    if matches!(ch.target, Target::Webhook { .. }) {
        return Ok(());
    }
    answer_code(ch.kind(), &text)
}

/// The robots answer 200 with a code: 0 is delivered; a rate limit is tried again; anything
/// else is a failure with the robot's message.
fn answer_code(kind: &str, text: &str) -> Result<(), Failure> {
    let v: Value = serde_json::from_str(text).map_err(|_| {
        Failure::Retry(format!(
            "the {kind} robot's answer is not JSON: {}",
            text.chars().take(200).collect::<String>()
        ))
    })?;
    let code = v
        .get("errcode")
        .or_else(|| v.get("code"))
        .or_else(|| v.get("StatusCode"))
        .and_then(Value::as_i64);
    let msg = v
        .get("errmsg")
        .or_else(|| v.get("msg"))
        .or_else(|| v.get("StatusMessage"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    match code {
        Some(0) => Ok(()),
        // WeCom 45009 and DingTalk 130101: sent too often; -1: system busy; Feishu 9499 / 11232:
        // too many requests.
        Some(c @ (45009 | 130101 | -1 | 9499 | 11232)) => {
            Err(Failure::Retry(format!("{kind} errcode {c}: {msg}")))
        }
        Some(c) => Err(Failure::Final(format!("{kind} errcode {c}: {msg}"))),
        None => Err(Failure::Final(format!(
            "the {kind} robot's answer has no errcode: {}",
            text.chars().take(200).collect::<String>()
        ))),
    }
}

/// Mail over SMTP: implicit TLS, STARTTLS, or (to this machine only) plain.
async fn email(ch: &Channel, d: &Digest, cfg: &NotifyConfig) -> Result<(), Failure> {
    use lettre::message::header::ContentType;
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let Target::Email {
        host,
        port,
        tls,
        username,
        password,
        from,
        to,
    } = &ch.target
    else {
        return Err(Failure::Final("not an email channel".into()));
    };
    let fatal = |what: &str, e: &dyn std::fmt::Display| Failure::Final(format!("{what}: {e}"));
    let mut msg = Message::builder()
        .from(from.parse().map_err(|e| fatal("from", &e))?)
        .subject(d.title());
    for t in to {
        msg = msg.to(t.parse().map_err(|e| fatal("to", &e))?);
    }
    let body = d.plain(usize::MAX, LONG_LIST);
    let msg = msg
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| fatal("the message", &e))?;
    let builder = match tls {
        Tls::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        Tls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        Tls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    }
    .map_err(|e| fatal("SMTP", &e))?;
    let mut builder = builder.port(*port).timeout(Some(cfg.timeout));
    if let (Some(u), Some(p)) = (username, password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.expose_secret().to_string()));
    }
    match builder.build().send(msg).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(Failure::Final(format!("SMTP refused: {e}"))),
        Err(e) => Err(Failure::Retry(format!("SMTP: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_documented_algorithms() {
        // HMAC-SHA256 of RFC 4231 test case 2, as both robots' formulas use it.
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let url = dingtalk_url(
            "https://oapi.dingtalk.com/robot/send?access_token=T",
            "SEC1",
            1_700_000_000_000,
        );
        assert!(url.starts_with(
            "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000&sign="
        ));
        assert!(!url.contains('+') && !url.contains('='.to_string().repeat(2).as_str()));
        assert_eq!(feishu_sign("SEC1", 1_700_000_000).len(), 44);
    }

    #[test]
    fn robot_answers_are_read() {
        assert!(answer_code("wecom", r#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(answer_code("feishu", r#"{"code":0,"msg":"success","data":{}}"#).is_ok());
        assert!(answer_code("feishu", r#"{"StatusCode":0,"StatusMessage":"success"}"#).is_ok());
        assert!(matches!(
            answer_code(
                "wecom",
                r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#
            ),
            Err(Failure::Retry(_))
        ));
        assert!(matches!(
            answer_code(
                "wecom",
                r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#
            ),
            Err(Failure::Final(_))
        ));
        assert!(matches!(
            answer_code(
                "dingtalk",
                r#"{"errcode":310000,"errmsg":"sign not match"}"#
            ),
            Err(Failure::Final(_))
        ));
    }
}
