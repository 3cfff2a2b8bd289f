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
    /// printed in QR codes; empty: the address of the request.
    #[serde(default)]
    pub public_url: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("db", &crate::platform::db::redact_url(&self.db))
            .field("listen", &self.listen)
            .field("district_code", &self.district_code)
            .field("secure_cookies", &self.secure_cookies)
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
        Ok(c)
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
