//! Server configuration: defaults, then `shequ.toml` (or `--config FILE`), then `SHEQU_*`
//! environment variables; the command line's `--db` and `--listen` win over all.

use std::net::SocketAddr;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::platform::db::DbTarget;
use crate::platform::types::{DivisionCode, Level};

#[derive(Clone, Serialize, Deserialize)]
pub struct Config {
    /// `data/shequ.db`, `sqlite://…` or `postgres://…`.
    pub db: String,
    pub listen: String,
    /// The county-level division this installation serves (6 or 12 digits).
    pub district_code: String,
    /// Send cookies with `Secure` (set when served over HTTPS behind a proxy).
    pub secure_cookies: bool,
    /// The address residents reach this installation at (`https://shequ.example.gov.cn`),
    /// printed in QR codes and written into feeds. Never taken from a request's `Host`
    /// header (anyone can send any); empty: `http://` and the listen address, and the contact
    /// cards refuse to print a QR code until it is set.
    #[serde(default)]
    pub public_url: String,
    /// Reverse proxies in front of this server (IP addresses): only from them is
    /// `X-Forwarded-For` believed when telling clients apart for limits and throttles.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Limits on what one client may send (sliding windows).
    #[serde(default)]
    pub limits: Limits,
    /// `/readyz` reports "cannot write" when the SQLite database's file system has less free
    /// space than this (MiB): small writes may still fit in the write-ahead log's reused
    /// pages, but the next larger one, or the next checkpoint, would fail.
    #[serde(default = "default_min_free_mb")]
    pub min_free_mb: u64,
    /// Show the district as of this date (`2026-11-20`, 09:00) or time (`2026-11-20 14:30`),
    /// district time, instead of today: for demonstrations and for looking back at the demo.
    /// The clock runs on from there; the audit log and expiry keep the real time. Empty: the
    /// system clock. `SHEQU_NOW` in the environment.
    #[serde(default)]
    pub now: String,
}

fn default_min_free_mb() -> u64 {
    64
}

/// How much one client may send; a client past a limit is answered 429 with `Retry-After`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Public form submissions (online requests, status lookups, ratings) per address in ten
    /// minutes. (Sign-ins have their own throttle per account name and address.)
    pub public_posts_per_10min: u32,
    /// Open311 POSTs per `api_key` in an hour.
    pub open311_posts_per_hour: u32,
    /// Open311 POSTs per address in ten minutes (whatever the key).
    pub open311_posts_per_ip_10min: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            public_posts_per_10min: 20,
            open311_posts_per_hour: 100,
            open311_posts_per_ip_10min: 60,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("db", &crate::platform::db::redact_url(&self.db))
            .field("listen", &self.listen)
            .field("district_code", &self.district_code)
            .field("secure_cookies", &self.secure_cookies)
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("limits", &self.limits)
            .field("min_free_mb", &self.min_free_mb)
            .field("now", &self.now)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            db: "data/shequ.db".into(),
            listen: "127.0.0.1:8080".into(),
            district_code: "320205".into(),
            secure_cookies: false,
            public_url: String::new(),
            trusted_proxies: vec![],
            limits: Limits::default(),
            min_free_mb: default_min_free_mb(),
            now: String::new(),
        }
    }
}

impl Config {
    pub fn load(file: Option<&str>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => fig = fig.merge(Toml::file_exact(f)),
            None => fig = fig.merge(Toml::file("shequ.toml")),
        }
        fig = fig.merge(Env::prefixed("SHEQU_"));
        let c: Config = fig.extract()?;
        c.district()?;
        c.db_target()?;
        c.checked_public_url()?;
        c.clock()?;
        Ok(c)
    }

    /// The business clock `now` asks for (the system clock when it is empty).
    pub fn clock(&self) -> anyhow::Result<crate::platform::time::Clock> {
        crate::platform::time::Clock::parse(&self.now).map_err(|e| anyhow::anyhow!("now: {e}"))
    }

    /// `public_url` when it is an http(s) address, else an error naming it.
    fn checked_public_url(&self) -> anyhow::Result<()> {
        let u = self.public_url.trim();
        if u.is_empty() {
            return Ok(());
        }
        match url::Url::parse(u) {
            Ok(p) if matches!(p.scheme(), "http" | "https") && p.host().is_some() => Ok(()),
            _ => anyhow::bail!("public_url {u} is not an http(s) address"),
        }
    }

    /// The base of links that leave the browser (feeds, QR codes): `public_url`, or the
    /// listen address. Whether it was configured is the second value.
    pub fn public_base(&self) -> (String, bool) {
        let u = self.public_url.trim().trim_end_matches('/');
        if u.is_empty() {
            (format!("http://{}", self.listen.trim()), false)
        } else {
            (u.to_string(), true)
        }
    }

    pub fn district(&self) -> anyhow::Result<DivisionCode> {
        DivisionCode::parse_level(&self.district_code, Level::Area)
            .map_err(|e| anyhow::anyhow!("district_code {}: {e}", self.district_code))
    }

    pub fn db_target(&self) -> anyhow::Result<DbTarget> {
        DbTarget::parse(&self.db).map_err(|e| anyhow::anyhow!("db: {e}"))
    }

    pub fn listen_addr(&self) -> anyhow::Result<SocketAddr> {
        self.listen
            .parse()
            .map_err(|e| anyhow::anyhow!("listen address {}: {e}", self.listen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(toml: &str) -> anyhow::Result<Config> {
        let dir = tempfile::tempdir()?;
        let f = dir.path().join("shequ.toml");
        std::fs::write(&f, toml)?;
        Config::load(f.to_str())
    }

    #[test]
    fn addresses_are_read_once_and_checked() {
        let c = load("trusted_proxies = [\"127.0.0.1\", \"::1\"]\npublic_url = \"https://shequ.example.gov.cn/\"").unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        assert_eq!(
            c.public_base(),
            ("https://shequ.example.gov.cn".into(), true)
        );
        assert!(load("trusted_proxies = [\"proxy\"]").is_err());
        assert!(load("public_url = \"ftp://x\"").is_err());
        let c = load("listen = \"127.0.0.1:9\"").unwrap();
        assert_eq!(c.public_base(), ("http://127.0.0.1:9".into(), false));
    }
}
