//! Logging to stderr: text for people, JSON for log shippers. `RUST_LOG` overrides the level.
//!
//! Values in log lines come from outside (keys, headers, file names, vendor messages), so the
//! text format escapes every control character in them: a newline cannot forge a log line and an
//! escape sequence cannot retitle the terminal. Colour only on a terminal, never with `NO_COLOR`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Control characters (newlines, tabs, ESC, BEL ...) shown as escapes (`\n`, `\u{1b}`): for any
/// value from outside that goes into a log line or onto the terminal.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Colour on stderr: only on a terminal, and not when `NO_COLOR` is set (no-color.org).
pub fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour())
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder
            .fmt_fields(
                tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
                    let text = escape(&format!("{value:?}"));
                    if field.name() == "message" {
                        write!(w, "{text}")
                    } else {
                        write!(w, "{field}={text}")
                    }
                })
                .delimited(" "),
            )
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_emitted() {
        assert_eq!(
            escape("a\nINFO forged\u{1b}]0;x\u{7}"),
            "a\\nINFO forged\\u{1b}]0;x\\u{7}"
        );
        assert_eq!(escape("上海某某"), "上海某某");
    }
}
