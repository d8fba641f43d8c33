//! Credentials: the vendor key and secret. They come only from the environment (`QCC_KEY`,
//! `QCC_SECRET_KEY`), never from the command line (they would show in `ps`), and no `Debug`,
//! `Display`, log line, error or database row may carry them.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// The vendor key and secret key. `Debug` prints `***`.
#[derive(Clone)]
pub struct Credentials {
    key: SecretString,
    secret: SecretString,
    /// What [`Credentials::redact`] looks for: the key and the secret as typed and
    /// percent-encoded, each once, none shorter than [`MIN_REDACTED`] (worked out once, not
    /// for every body).
    needles: std::sync::Arc<[SecretString]>,
}

/// A very short value would blank out ordinary text; real keys are 32 characters.
const MIN_REDACTED: usize = 6;

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials { key: ***, secret: *** }")
    }
}

impl Credentials {
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Self {
        let (key, secret) = (key.into(), secret.into());
        let mut needles: Vec<String> = Vec::new();
        for s in [&key, &secret] {
            for needle in [s.clone(), percent_encode(s)] {
                if needle.len() >= MIN_REDACTED && !needles.contains(&needle) {
                    needles.push(needle);
                }
            }
        }
        Credentials {
            key: SecretString::from(key),
            secret: SecretString::from(secret),
            needles: needles.into_iter().map(SecretString::from).collect(),
        }
    }

    /// Read `QCC_KEY` and `QCC_SECRET_KEY`; the error says which is missing and what to do.
    pub fn from_env() -> Result<Self, String> {
        let get = |name: &str| match std::env::var(name) {
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            _ => Err(format!(
                "{name} is not set: export QCC_KEY and QCC_SECRET_KEY (from the vendor's 设置中心 -> \
                 我的公司 page) before running; they are read only from the environment"
            )),
        };
        Ok(Credentials::new(get("QCC_KEY")?, get("QCC_SECRET_KEY")?))
    }

    /// The key, for the `key` query parameter and the token. Callers must not log it.
    pub fn key(&self) -> &str {
        self.key.expose_secret()
    }

    /// `UPPERCASE(hex(md5(key + timespan + secret)))`.
    pub fn token(&self, timespan: &str) -> String {
        token(
            self.key.expose_secret(),
            timespan,
            self.secret.expose_secret(),
        )
    }

    /// `text` with the key and the secret (as typed and percent-encoded) replaced by `***`: for
    /// bodies and messages from servers that echo the request.
    pub fn redact(&self, mut text: String) -> String {
        // Every body passes through here: it is copied only where a secret is in it (rare).
        for needle in self.needles.iter() {
            let needle = needle.expose_secret();
            if text.contains(needle) {
                text = text.replace(needle, "***");
            }
        }
        text
    }

    /// True when `token` was made from these credentials and `timespan` (the simulator's check).
    pub fn verify_token(&self, timespan: &str, token: &str) -> bool {
        self.token(timespan).eq_ignore_ascii_case(token)
    }
}

/// The vendor's token: upper-case hex of md5 over the ASCII concatenation of key, Timespan, secret.
pub fn token(key: &str, timespan: &str, secret: &str) -> String {
    use md5::{Digest, Md5};
    let mut h = Md5::new();
    h.update(key.as_bytes());
    h.update(timespan.as_bytes());
    h.update(secret.as_bytes());
    hex(&h.finalize(), HEX)
}

/// Upper-case hex digits, for the token and for percent-encoding.
const HEX: &[u8; 16] = b"0123456789ABCDEF";
/// Lower-case hex digits (how the records hash is stored).
pub(crate) const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// `bytes` in hex, two of `digits` per byte.
pub(crate) fn hex(bytes: &[u8], digits: &[u8; 16]) -> String {
    let mut out = String::with_capacity(2 * bytes.len());
    for b in bytes {
        out.push(digits[usize::from(b >> 4)] as char);
        out.push(digits[usize::from(b & 15)] as char);
    }
    out
}

/// Percent-encoding as a URL query carries a value (unreserved characters kept).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    percent_encode_into(&mut out, s);
    out
}

/// A host that is this machine (`localhost`, `127.0.0.1`, `[::1]`): where a secret may travel
/// over plain `http://` or SMTP without TLS.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// [`percent_encode`], appended to `out`: how request URLs carry values, so that a server that
/// echoes one is redacted by the same spelling.
pub(crate) fn percent_encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// Replace the value of every `key=` query parameter with `***`, so URLs can be logged.
pub fn redact_url(url: &str) -> String {
    let url = redact_userinfo(url);
    let Some((base, query)) = url.split_once('?') else {
        return url;
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("key") => format!("{k}=***"),
            _ => p.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// `user:password@` in every URL of a text (`http://u:p@host/`) becomes `***@`.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_url_are_redacted() {
        assert_eq!(
            redact_url("--base-url=https://bob:s3cret@proxy.example:8443/api?key=abc&x=1"),
            "--base-url=https://***@proxy.example:8443/api?key=***&x=1"
        );
        assert_eq!(
            redact_userinfo("see http://u:p@h/ and https://h2/a@b"),
            "see http://***@h/ and https://h2/a@b"
        );
    }

    #[test]
    fn token_known_answer() {
        // md5("demo-key1700000000demo-secret"), computed independently with coreutils md5sum.
        assert_eq!(token("demo-key", "1700000000", "demo-secret"), KNOWN_TOKEN);
        assert_eq!(token("a", "b", "c").len(), 32);
    }

    const KNOWN_TOKEN: &str = include_str!("../tests/fixtures/token_demo.txt").trim_ascii();

    #[test]
    fn secrets_do_not_leak_through_debug_or_urls() {
        let c = Credentials::new("my-app-key", "my-secret");
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("my-app-key") && !dbg.contains("my-secret"));
        let u = redact_url("http://h/api?key=my-app-key&searchKey=%E4%B8%8A&pageSize=20");
        assert_eq!(u, "http://h/api?key=***&searchKey=%E4%B8%8A&pageSize=20");
        let c = Credentials::new("my-app-key", "s3cr/et+value");
        assert_eq!(
            c.redact("GET /x?key=my-app-key echo s3cr%2Fet%2Bvalue and s3cr/et+value".into()),
            "GET /x?key=*** echo *** and ***"
        );
        // Too short to be a real key: ordinary text would be blanked out.
        let c = Credentials::new("abc", "my-secret");
        assert_eq!(c.redact("abc my-secret".into()), "abc ***");
    }
}
