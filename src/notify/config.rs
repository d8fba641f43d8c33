//! The notification channels, from a TOML file (`--notify-config FILE`). Secrets (webhook keys,
//! signing secrets, the SMTP password) are never in the file: it names the environment
//! variables that hold them (the credentials file sets them), and a field that would hold a
//! secret itself is refused. Every error names the file, and a TOML error its line and column.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::view::Lang;

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    /// TLS from the first byte (port 465).
    Implicit,
    /// STARTTLS after the greeting (port 587).
    Starttls,
    /// No encryption: only to this machine (a local relay).
    None,
}

/// One channel as the file writes it.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum ChannelFile {
    Wecom {
        name: Option<String>,
        webhook_env: String,
    },
    Dingtalk {
        name: Option<String>,
        webhook_env: String,
        secret_env: Option<String>,
    },
    Feishu {
        name: Option<String>,
        webhook_env: String,
        secret_env: Option<String>,
    },
    Webhook {
        name: Option<String>,
        url: Option<String>,
        url_env: Option<String>,
        token_env: Option<String>,
    },
    Email {
        name: Option<String>,
        host: String,
        port: Option<u16>,
        tls: Option<Tls>,
        username: Option<String>,
        password_env: Option<String>,
        from: String,
        to: Vec<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    lang: Option<String>,
    #[serde(default)]
    daily_summary: bool,
    max_alerts: Option<usize>,
    report: Option<String>,
    timeout_secs: Option<u64>,
    retries: Option<u32>,
    retry_base_ms: Option<u64>,
    #[serde(default)]
    channel: Vec<ChannelFile>,
}

/// Where a channel sends, with its secrets read from the environment.
pub enum Target {
    Wecom {
        webhook: SecretString,
    },
    Dingtalk {
        webhook: SecretString,
        secret: Option<SecretString>,
    },
    Feishu {
        webhook: SecretString,
        secret: Option<SecretString>,
    },
    Webhook {
        url: SecretString,
        token: Option<SecretString>,
    },
    Email {
        host: String,
        port: u16,
        tls: Tls,
        username: Option<String>,
        password: Option<SecretString>,
        from: String,
        to: Vec<String>,
    },
}

/// A channel: its name (for the records and `status`) and where it sends.
pub struct Channel {
    pub name: String,
    pub target: Target,
}

impl Channel {
    /// `wecom`, `dingtalk`, `feishu`, `webhook` or `email`.
    pub fn kind(&self) -> &'static str {
        match self.target {
            Target::Wecom { .. } => "wecom",
            Target::Dingtalk { .. } => "dingtalk",
            Target::Feishu { .. } => "feishu",
            Target::Webhook { .. } => "webhook",
            Target::Email { .. } => "email",
        }
    }

    /// Every secret of the channel, to scrub from any error text.
    pub fn secrets(&self) -> Vec<&str> {
        let mut out: Vec<&SecretString> = Vec::new();
        match &self.target {
            Target::Wecom { webhook } => out.push(webhook),
            Target::Dingtalk { webhook, secret } | Target::Feishu { webhook, secret } => {
                out.push(webhook);
                out.extend(secret);
            }
            Target::Webhook { url, token } => {
                out.push(url);
                out.extend(token);
            }
            Target::Email { password, .. } => out.extend(password),
        }
        out.into_iter()
            .map(|s| s.expose_secret())
            .filter(|s| s.len() >= 6)
            .collect()
    }

    /// `text` with every secret of the channel (and the secret parts of its URL) as `***`.
    pub fn scrub(&self, mut text: String) -> String {
        for s in self.secrets() {
            text = text.replace(s, "***");
            // The secret parts of a URL: its query values and its last path segment.
            if let Ok(u) = reqwest::Url::parse(s) {
                for (_, v) in u.query_pairs() {
                    if v.len() >= 6 {
                        text = text.replace(v.as_ref(), "***");
                    }
                }
                if let Some(last) = u.path_segments().and_then(|mut p| p.next_back())
                    && last.len() >= 16
                {
                    text = text.replace(last, "***");
                }
            }
        }
        text
    }
}

/// The notification settings of `--notify-config`.
pub struct NotifyConfig {
    pub path: String,
    pub lang: Lang,
    /// Send a summary after a quiet night too.
    pub daily_summary: bool,
    /// Alerts listed by name in a message; the rest are counted ("and K more").
    pub max_alerts: usize,
    /// Where the report is (a path or URL), said in every message.
    pub report: Option<String>,
    pub timeout: std::time::Duration,
    /// Attempts per message on timeouts, 5xx and rate limits.
    pub retries: u32,
    pub retry_base: std::time::Duration,
    pub channels: Vec<Channel>,
}

/// An email channel: TLS, port and login checked.
fn email_channel(
    c: ChannelFile,
    i: usize,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(String, Target), String> {
    let ChannelFile::Email {
        name,
        host,
        port,
        tls,
        username,
        password_env,
        from,
        to,
    } = c
    else {
        return Err("not an email channel".into());
    };
    let tls = tls.unwrap_or(Tls::Implicit);
    if tls == Tls::None && !crate::secrets::is_loopback_host(&host) {
        return Err(format!(
            "email: tls = \"none\" sends the password unencrypted; it is allowed only to \
             this machine, not to {host}: use \"implicit\" (port 465) or \"starttls\" (587)"
        ));
    }
    if to.is_empty() {
        return Err("email: `to` lists no address".into());
    }
    let password = optional(env, "password_env", password_env)?;
    if password.is_some() != username.is_some() {
        return Err("email: give both username and password_env, or neither".into());
    }
    let port = port.unwrap_or(match tls {
        Tls::Implicit => 465,
        Tls::Starttls => 587,
        Tls::None => 25,
    });
    let target = Target::Email {
        host,
        port,
        tls,
        username,
        password,
        from,
        to,
    };
    Ok((name.unwrap_or_else(|| format!("email-{}", i + 1)), target))
}

/// A configuration error: the file and what is wrong, never a secret.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {what}")]
pub struct ConfigError {
    pub path: String,
    pub what: String,
}

impl NotifyConfig {
    /// Read and check the file, and the environment variables it names.
    pub fn load(path: &Path) -> Result<NotifyConfig, ConfigError> {
        let p = path.display().to_string();
        let err = |what: String| ConfigError {
            path: p.clone(),
            what,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        NotifyConfig::parse(&p, &text, |name| std::env::var(name).ok())
    }

    /// Parse `text` (from `path`), reading secrets with `env`.
    pub fn parse(
        path: &str,
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<NotifyConfig, ConfigError> {
        let err = |what: String| ConfigError {
            path: path.to_string(),
            what,
        };
        let file: FileConfig = toml::from_str(text).map_err(|e| err(toml_error(text, &e)))?;
        let lang = match file.lang.as_deref().map(str::trim) {
            None | Some("zh") | Some("zh-CN") => Lang::Zh,
            Some("en") => Lang::En,
            Some(other) => return Err(err(format!("lang = {other:?}: use \"zh\" or \"en\""))),
        };
        let mut channels = Vec::new();
        for (i, c) in file.channel.into_iter().enumerate() {
            let ch = channel(c, i, &env)
                .map_err(|what| err(format!("[[channel]] {}: {what}", i + 1)))?;
            if channels.iter().any(|x: &Channel| x.name == ch.name) {
                return Err(err(format!(
                    "two channels are named {:?}: give each its own `name`",
                    ch.name
                )));
            }
            channels.push(ch);
        }
        Ok(NotifyConfig {
            path: path.to_string(),
            lang,
            daily_summary: file.daily_summary,
            max_alerts: file.max_alerts.unwrap_or(20).max(1),
            report: file.report,
            timeout: std::time::Duration::from_secs(file.timeout_secs.unwrap_or(10).max(1)),
            retries: file.retries.unwrap_or(3).max(1),
            retry_base: std::time::Duration::from_millis(file.retry_base_ms.unwrap_or(1000)),
            channels,
        })
    }
}

/// A TOML error with its line and column, without echoing the file's text.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message();
    let hint = if msg.contains("unknown field")
        && ["secret`", "password`", "webhook`", "token`", "key`"]
            .iter()
            .any(|f| msg.contains(&format!("`{f}")))
    {
        " (secrets never go in this file: name the environment variable that holds them with \
         webhook_env, secret_env, url_env, token_env or password_env)"
    } else {
        ""
    };
    // An unknown field inside a [[channel]] is reported at the table: find its own line.
    let field_at = msg
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
        .and_then(|field| {
            let from = e.span().map_or(0, |s| s.start.min(text.len()));
            text[from..]
                .find(&format!("\n{field}"))
                .or_else(|| text[from..].find(&format!("\n {field}")))
                .map(|i| from + i + 1)
        });
    match field_at.or(e.span().map(|s| s.start)) {
        Some(start) => {
            let before = &text[..start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {col}: {msg}{hint}")
        }
        None => format!("{msg}{hint}"),
    }
}

/// A secret from the environment variable `var` names.
fn secret(
    env: &impl Fn(&str) -> Option<String>,
    field: &str,
    var: &str,
) -> Result<SecretString, String> {
    match env(var) {
        Some(v) if !v.trim().is_empty() => Ok(SecretString::from(v.trim().to_string())),
        _ => Err(format!(
            "{field} = {var:?}, but the environment variable {var} is not set (set it in the \
             credentials file the service reads)"
        )),
    }
}

fn optional(
    env: &impl Fn(&str) -> Option<String>,
    field: &str,
    var: Option<String>,
) -> Result<Option<SecretString>, String> {
    var.map(|v| secret(env, field, &v)).transpose()
}

/// Plain `http://` only to this machine: a webhook URL carries its key.
fn check_url(url: &SecretString, field: &str) -> Result<(), String> {
    let u = reqwest::Url::parse(url.expose_secret())
        .map_err(|e| format!("{field}: not a URL ({e})"))?;
    let loopback = u.host_str().is_some_and(crate::secrets::is_loopback_host);
    match u.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        s => Err(format!(
            "{field}: the URL must be https:// ({s}:// is allowed only to this machine)"
        )),
    }
}

fn channel(
    c: ChannelFile,
    i: usize,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Channel, String> {
    let named =
        |name: Option<String>, kind: &str| name.unwrap_or_else(|| format!("{kind}-{}", i + 1));
    let (name, target) = match c {
        ChannelFile::Wecom { name, webhook_env } => {
            let webhook = secret(env, "webhook_env", &webhook_env)?;
            check_url(&webhook, "webhook_env")?;
            (named(name, "wecom"), Target::Wecom { webhook })
        }
        ChannelFile::Dingtalk {
            name,
            webhook_env,
            secret_env,
        } => {
            let webhook = secret(env, "webhook_env", &webhook_env)?;
            check_url(&webhook, "webhook_env")?;
            let secret = optional(env, "secret_env", secret_env)?;
            (
                named(name, "dingtalk"),
                Target::Dingtalk { webhook, secret },
            )
        }
        ChannelFile::Feishu {
            name,
            webhook_env,
            secret_env,
        } => {
            let webhook = secret(env, "webhook_env", &webhook_env)?;
            check_url(&webhook, "webhook_env")?;
            let secret = optional(env, "secret_env", secret_env)?;
            (named(name, "feishu"), Target::Feishu { webhook, secret })
        }
        ChannelFile::Webhook {
            name,
            url,
            url_env,
            token_env,
        } => {
            let url = match (url, url_env) {
                (Some(u), None) => SecretString::from(u),
                (None, Some(var)) => secret(env, "url_env", &var)?,
                _ => return Err("webhook: give url or url_env (one of them)".into()),
            };
            check_url(&url, "url")?;
            let token = optional(env, "token_env", token_env)?;
            (named(name, "webhook"), Target::Webhook { url, token })
        }
        email @ ChannelFile::Email { .. } => email_channel(email, i, env)?,
    };
    Ok(Channel { name, target })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOOK" => {
                Some("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef123456".into())
            }
            "SECRET" => Some("SECabcdef".into()),
            "PW" => Some("smtp-password".into()),
            _ => None,
        }
    }

    #[test]
    fn a_file_with_every_channel_reads() {
        let text = r#"
lang = "en"
daily_summary = true
report = "/var/lib/qcc-credit/report.html"

[[channel]]
type = "wecom"
name = "合规群"
webhook_env = "HOOK"

[[channel]]
type = "dingtalk"
webhook_env = "HOOK"
secret_env = "SECRET"

[[channel]]
type = "webhook"
url = "http://127.0.0.1:9/hook"

[[channel]]
type = "email"
host = "smtp.example.com"
tls = "starttls"
username = "qcc@example.com"
password_env = "PW"
from = "qcc@example.com"
to = ["a@example.com"]
"#;
        let c = NotifyConfig::parse("n.toml", text, env).unwrap();
        assert_eq!(c.lang, Lang::En);
        assert!(c.daily_summary);
        let names: Vec<&str> = c.channels.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["合规群", "dingtalk-2", "webhook-3", "email-4"]);
        assert!(matches!(
            c.channels[3].target,
            Target::Email { port: 587, .. }
        ));
        let scrubbed = c.channels[0].scrub("POST ...send?key=abcdef123456 failed".into());
        assert!(!scrubbed.contains("abcdef123456"), "{scrubbed}");
    }

    #[test]
    fn errors_name_the_line_and_never_take_a_secret_in_the_file() {
        let e = NotifyConfig::parse(
            "n.toml",
            "[[channel]]\ntype = \"wecom\"\nwebhook = \"https://x?key=1\"\n",
            env,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.starts_with("n.toml: line "), "{e}");
        assert!(e.contains("secrets never go in this file"), "{e}");
        assert!(!e.contains("key=1"), "{e}");
        let e = NotifyConfig::parse(
            "n.toml",
            "[[channel]]\ntype = \"wecom\"\nwebhook_env = \"NOPE\"\n",
            env,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("environment variable NOPE is not set"), "{e}");
        let e = NotifyConfig::parse(
            "n.toml",
            "[[channel]]\ntype = \"email\"\nhost = \"smtp.example.com\"\ntls = \"none\"\nfrom = \"a@b\"\nto = [\"c@d\"]\n",
            env,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("allowed only to this machine"), "{e}");
        let e = NotifyConfig::parse(
            "n.toml",
            "[[channel]]\ntype = \"webhook\"\nurl = \"http://example.com/x\"\n",
            env,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("must be https://"), "{e}");
    }
}
