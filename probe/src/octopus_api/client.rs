//! The API client: sends the API key in `X-Octopus-ApiKey` to the server it
//! was given and nowhere else, over https only, bounds every request in time
//! and size, follows `Links["Page.Next"]` for at most `max_pages` pages, and
//! turns every failure into an error that names the URL, what was expected
//! and what came back (with the HTTP status), the key scrubbed out. It holds
//! at most [`MAX_IN_FLIGHT`] requests in flight however many reads share it.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderValue};
use serde::de::DeserializeOwned;

use super::{ApiError, Page};

/// Largest response body read (a page of a few hundred machines is well under 1 MiB).
pub const BODY_CAP: usize = 32 * 1024 * 1024;

/// Items asked for per page; servers may answer with fewer.
pub const PAGE_SIZE: usize = 100;

/// Most requests one [`ApiClient`] has in flight at once, whoever asks: a
/// few, so reading a server with many spaces is faster than one request at
/// a time without flooding a production server that is busy deploying.
/// A request holds its turn for one page only, so concurrent paged reads
/// always progress.
pub const MAX_IN_FLIGHT: usize = 4;

/// How to reach the API. Its `Debug` leaves the key out.
#[derive(Clone)]
pub struct ClientOptions {
    /// The portal's URL (`https://octopus.example.com`, with its virtual directory if any).
    pub server: String,
    /// The API key (sent only to `server`'s origin, never printed).
    pub api_key: String,
    /// Where the key came from, for messages (`the environment variable OCTOPUS_API_KEY`).
    pub key_source: String,
    /// Extra trusted CA certificates (PEM) besides the platform's roots.
    pub ca_file: Option<PathBuf>,
    /// Bounds each request: connect, TLS, the whole response.
    pub timeout: Duration,
    /// Pages read per collection at most, so a server that pages forever cannot loop.
    pub max_pages: usize,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("server", &self.server)
            .field("api_key", &"<redacted>")
            .field("key_source", &self.key_source)
            .field("ca_file", &self.ca_file)
            .field("timeout", &self.timeout)
            .field("max_pages", &self.max_pages)
            .finish()
    }
}

/// An API client bound to one server.
pub struct ApiClient {
    base: url::Url,
    key: String,
    key_source: String,
    client: reqwest::Client,
    timeout: Duration,
    max_pages: usize,
    /// One permit per request in flight ([`MAX_IN_FLIGHT`]); closed by [`ApiClient::stop`].
    turns: tokio::sync::Semaphore,
}

/// A whole collection and, when its pages disagreed with `TotalResults`, a note saying so.
pub struct Collection<T> {
    pub items: Vec<T>,
    pub note: Option<String>,
}

impl ApiClient {
    /// Checks the URL and builds the HTTP client (rustls, platform roots plus `ca_file`).
    pub fn new(options: &ClientOptions) -> Result<ApiClient, ApiError> {
        let setup = |m: String| ApiError::setup(m);
        let base = url::Url::parse(options.server.trim()).map_err(|e| {
            setup(format!(
                "expected the Octopus portal's URL like https://octopus.example.com, found `{}` ({e})",
                crate::net::proxy::redact_url(options.server.trim())
            ))
        })?;
        if base.scheme() == "http" {
            return Err(setup(format!(
                "refusing `{}`: the API key would cross the network in clear text over http://; use the server's https:// URL (add --ca-file if its certificate is from a private CA)",
                crate::net::proxy::redact_url(options.server.trim())
            )));
        }
        if base.scheme() != "https" || base.host_str().is_none() {
            return Err(setup(format!(
                "expected an https:// URL with a host like https://octopus.example.com, found `{}`",
                crate::net::proxy::redact_url(options.server.trim())
            )));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(setup(
                "expected the server URL without credentials: the API key comes from --api-key-env"
                    .into(),
            ));
        }
        if options.api_key.trim().is_empty() {
            return Err(setup(format!("{} is empty", options.key_source)));
        }
        let client = crate::net::http::client(&crate::net::http::HttpOptions {
            // The connect gets three quarters of the request's bound, so a
            // server that never accepts is always reported as such ("no
            // answer") before the whole-request bound ("no complete answer")
            // fires; with equal bounds the two timers raced under load.
            connect_timeout: options.timeout - options.timeout / 4,
            ca_file: options.ca_file.clone(),
            proxy: None,
            resolvers: None,
        })
        .map_err(setup)?;
        Ok(ApiClient {
            base,
            key: options.api_key.clone(),
            key_source: options.key_source.clone(),
            client,
            timeout: options.timeout,
            max_pages: options.max_pages.max(1),
            turns: tokio::sync::Semaphore::new(MAX_IN_FLIGHT),
        })
    }

    /// Fails every request still waiting for its turn, and every later one:
    /// for a read that has to stop (the key was refused, the server is gone)
    /// so the requests queued behind it do not each wait for their timeout.
    pub fn stop(&self) {
        self.turns.close();
    }

    /// Whether [`ApiClient::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.turns.is_closed()
    }

    /// The server's URL as given, without a trailing `/`.
    pub fn server(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    /// `<server>/api/<rest>` (the server's virtual directory kept).
    pub fn url(&self, rest: &str) -> url::Url {
        let mut url = self.base.clone();
        let path = format!("{}/api/{rest}", self.base.path().trim_end_matches('/'));
        url.set_path(path.trim_end_matches('/'));
        url.set_query(None);
        url.set_fragment(None);
        url
    }

    /// GETs one JSON document; `what` says what was expected there.
    pub async fn get<T: DeserializeOwned>(
        &self,
        url: &url::Url,
        what: &str,
    ) -> Result<T, ApiError> {
        let body = self.get_body(url).await?;
        parse_json(&body, what).map_err(|m| self.at(url, m))
    }

    /// Every item of a paged collection, following `Page.Next` from `<server>/api/<rest>`.
    pub async fn get_all<T: DeserializeOwned>(
        &self,
        rest: &str,
        what: &str,
    ) -> Result<Collection<T>, ApiError> {
        self.get_all_with(rest, &[], what).await
    }

    /// Like `get_all`, with a filter in the first page's query
    /// (`[("states", "Queued,Executing")]`, `[("from", "2026-11-30T09:00:00Z")]`);
    /// the server carries it into `Page.Next`.
    pub async fn get_all_with<T: DeserializeOwned>(
        &self,
        rest: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Collection<T>, ApiError> {
        let mut url = self.url(rest);
        url.set_query(Some(&format!("skip=0&take={PAGE_SIZE}")));
        url.query_pairs_mut().extend_pairs(query);
        let first = url.clone();
        let expected = format!("a page of {what} (Items, TotalResults, Links)");
        let mut seen = HashSet::new();
        let mut items = Vec::new();
        let mut total = None;
        for page_number in 1.. {
            if page_number > self.max_pages {
                return Err(self.at(
                    &url,
                    format!(
                        "stopped after {} pages of {what} without reaching the last one (Links[\"Page.Next\"] kept going)",
                        self.max_pages
                    ),
                ));
            }
            if !seen.insert(url.to_string()) {
                return Err(self.at(
                    &url,
                    format!("Links[\"Page.Next\"] of {what} leads back to a page already read: the paging loops"),
                ));
            }
            let page: Page<T> = self.get(&url, &expected).await?;
            if total.is_none() {
                total = page.total_results;
            }
            let count = page.items.len();
            let next = page.next().map(str::to_string);
            items.extend(page.items);
            let Some(next) = next else {
                break;
            };
            if count == 0 {
                return Err(self.at(
                    &url,
                    format!(
                        "expected items on a page of {what} that names a next page, found none"
                    ),
                ));
            }
            url = self.follow(&url, &next)?;
        }
        let note = match total {
            Some(t) if t != items.len() as u64 => Some(format!(
                "{first}: TotalResults said {t} {what}, the pages held {} (did they change while being read?)",
                items.len()
            )),
            _ => None,
        };
        Ok(Collection { items, note })
    }

    /// Resolves a `Page.Next` link; it must stay on the server the key belongs to.
    fn follow(&self, from: &url::Url, link: &str) -> Result<url::Url, ApiError> {
        let next = from.join(link).map_err(|e| {
            self.at(
                from,
                format!("expected a URL in Links[\"Page.Next\"], found `{link}` ({e})"),
            )
        })?;
        if next.origin() != self.base.origin() {
            return Err(self.at(
                from,
                format!(
                    "Links[\"Page.Next\"] points to another server (`{}`); the API key is only sent to {}",
                    next.origin().ascii_serialization(),
                    self.base.origin().ascii_serialization()
                ),
            ));
        }
        Ok(next)
    }

    async fn get_body(&self, url: &url::Url) -> Result<Vec<u8>, ApiError> {
        let mut key = HeaderValue::from_str(&self.key).map_err(|_| {
            ApiError::setup(format!(
                "{} holds characters an HTTP header cannot carry",
                self.key_source
            ))
        })?;
        key.set_sensitive(true);
        // The turn is waited for outside the request's time bound (a queued
        // request has not started) and held until its body is read.
        let Ok(_turn) = self.turns.acquire().await else {
            return Err(self.at(
                url,
                "not asked: the read was stopped by an earlier failure".into(),
            ));
        };
        let request = self
            .client
            .get(url.clone())
            .header("X-Octopus-ApiKey", key)
            .header(ACCEPT, "application/json");
        let exchange = async {
            let mut response = request.send().await?;
            let status = response.status();
            let body = crate::net::http::read_capped(&mut response, BODY_CAP).await?;
            Ok::<_, reqwest::Error>((status, body))
        };
        let (status, (body, truncated)) = match tokio::time::timeout(self.timeout, exchange).await {
            Err(_) => {
                return Err(self.at(
                    url,
                    format!(
                        "no complete answer within {}",
                        humantime::format_duration(self.timeout)
                    ),
                ));
            }
            Ok(Err(e)) if e.is_timeout() => {
                return Err(self.at(
                    url,
                    format!(
                        "no answer within {} ({})",
                        humantime::format_duration(self.timeout),
                        crate::net::http::describe_error(&e)
                    ),
                ));
            }
            Ok(Err(e)) => return Err(self.at(url, crate::net::http::describe_error(&e))),
            Ok(Ok(answer)) => answer,
        };
        if !status.is_success() {
            let mut e = self.at(url, self.status_message(status, &body));
            e.status = Some(status.as_u16());
            return Err(e);
        }
        if truncated {
            return Err(self.at(
                url,
                format!(
                    "expected a JSON document, found a body larger than {} MiB",
                    BODY_CAP / 1024 / 1024
                ),
            ));
        }
        Ok(body)
    }

    fn status_message(&self, status: reqwest::StatusCode, body: &[u8]) -> String {
        let said = server_message(body)
            .map(|m| format!("; the server said: {m}"))
            .unwrap_or_default();
        let code = status.as_u16();
        let why = match code {
            401 => format!(
                "the API key from {} was not accepted (wrong, expired or revoked, or for another server)",
                self.key_source
            ),
            403 => "the API key's user may not read this: give it a role that can view the infrastructure, feeds and server configuration of each space".to_string(),
            404 => "expected an Octopus Server API here: is --server the portal's root URL (with its virtual directory, if any)?".to_string(),
            500..=599 => "the server failed to answer".to_string(),
            _ => "expected 200 OK".to_string(),
        };
        format!("HTTP {status}: {why}{said}")
    }

    /// An error at `url`, with the API key scrubbed out of the message.
    fn at(&self, url: &url::Url, message: String) -> ApiError {
        ApiError::at(url.as_str(), message.replace(&self.key, "<redacted>"))
    }
}

/// `ErrorMessage` of an Octopus error body, or the body's first line; one line, bounded.
fn server_message(body: &[u8]) -> Option<String> {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => v.get("ErrorMessage")?.as_str()?.to_string(),
        Err(_) => String::from_utf8_lossy(body)
            .lines()
            .find(|l| !l.trim().is_empty())?
            .to_string(),
    };
    Some(crate::text::one_line(&text, 200))
}

/// Parses a JSON body; a syntax error and a wrong shape get different words.
pub fn parse_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => format!("expected {what}, found JSON of another shape: {e}"),
            _ => format!(
                "expected {what} as JSON, found malformed JSON ({e}); it starts `{}`",
                crate::text::one_line(&String::from_utf8_lossy(body), 80)
            ),
        }
    })
}
