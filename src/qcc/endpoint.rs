//! Where the vendor lives: the method URL, from a base URL or given whole.

use reqwest::Url;

/// The vendor's host, as in its document.
pub const DEFAULT_BASE_URL: &str = "https://pro.qcc.com";
/// The method path appended to a base URL.
pub const METHOD_PATH: &str = "/api/yj/OperationCheck/GetList";
/// The full method URL (no query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(Url);

impl Endpoint {
    /// From a base (`scheme://host[:port]`): the method path is appended.
    pub fn from_base(base: &str) -> Result<Self, String> {
        let trimmed = base.trim().trim_end_matches('/');
        Self::from_url(&format!("{trimmed}{METHOD_PATH}"))
            .map_err(|e| format!("invalid base URL {base:?}: {e}"))
    }

    /// From the whole method URL, for deployments where the path differs.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let u = Url::parse(url.trim()).map_err(|e| format!("invalid endpoint URL {url:?}: {e}"))?;
        if u.scheme() != "http" && u.scheme() != "https" {
            return Err(format!("endpoint URL {url:?} must be http or https"));
        }
        Ok(Endpoint(u))
    }

    /// `--endpoint`/`QCC_ENDPOINT` wins over `--base-url`/`QCC_BASE_URL`; default is the vendor's.
    pub fn resolve(base: Option<&str>, endpoint: Option<&str>) -> Result<Self, String> {
        match (endpoint, base) {
            (Some(e), _) if !e.trim().is_empty() => Self::from_url(e),
            (_, Some(b)) if !b.trim().is_empty() => Self::from_base(b),
            _ => Self::from_base(DEFAULT_BASE_URL),
        }
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}
