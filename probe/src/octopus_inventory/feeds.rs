//! Octopus feeds as the plan's `[[feed]]` kinds: NuGet (v3 when the URL is a
//! service index, else v2), Docker and OCI registries, Helm, Maven, and
//! GitHub (an `http` check of its API URL). Feeds the server holds itself
//! (built-in, project feeds) and kinds no feed check speaks (S3, ECR, ...)
//! are left out with the reason.

use report::model::slug;

use crate::checks::feed::FeedKind;
use crate::net::proxy::redact_url;
use crate::octopus_api::resources::Feed;

/// A feed the plan checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub kind: FeedKind,
    pub url: String,
    /// Environment variable names for the credentials Octopus holds (never the values).
    pub credentials: FeedCredentials,
    /// The server downloads from it (package acquisition on the server).
    pub server_side: bool,
    /// Notes for the comment above it.
    pub notes: Vec<String>,
}

/// Which credential keys the plan entry gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedCredentials {
    None,
    /// `username_env` / `password_env`.
    Basic {
        username_env: String,
        password_env: String,
    },
    /// `token_env` (a password without a user name: a GitHub token).
    Token {
        token_env: String,
    },
}

/// The plan entry for a feed, or why it has none.
pub fn map_feed(feed: &Feed, name: &str) -> Result<FeedEntry, String> {
    let kind = match feed.feed_type.as_str() {
        "BuiltIn" => {
            return Err(
                "the server's built-in package repository: it moves with the server, nothing to reach"
                    .into(),
            );
        }
        "OctopusProject" => {
            return Err("Octopus project feed: served by the server itself".into());
        }
        "NuGet" => None,
        "Docker" | "OciRegistry" => Some(FeedKind::Docker),
        "Helm" => Some(FeedKind::Helm),
        "Maven" => Some(FeedKind::Maven),
        "GitHub" => Some(FeedKind::Http),
        other => {
            return Err(format!(
                "feed type {other}: no feed check speaks it; check its endpoint with a `kind = \"http\"` entry if it has one"
            ));
        }
    };
    let raw = feed
        .feed_uri
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| format!("feed type {} without a FeedUri", feed.feed_type))?;
    let mut notes = Vec::new();
    let mut url = parse_url(raw)?;
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
        notes.push("credentials written in its FeedUri were left out".into());
    }
    let kind = kind.unwrap_or_else(|| {
        if url.path().to_ascii_lowercase().ends_with("index.json") {
            FeedKind::NugetV3
        } else {
            FeedKind::NugetV2
        }
    });
    if feed.feed_type == "GitHub" {
        notes.push("GitHub: its API must answer 200".into());
    }
    let var = slug(name).replace('-', "_").to_ascii_uppercase();
    let credentials = match (
        feed.username.as_deref().filter(|u| !u.is_empty()),
        feed.has_password(),
    ) {
        (Some(user), _) => {
            notes.push(format!(
                "Octopus uses the user name `{user}` and a password it does not show: set both variables"
            ));
            FeedCredentials::Basic {
                username_env: format!("FEED_{var}_USERNAME"),
                password_env: format!("FEED_{var}_PASSWORD"),
            }
        }
        (None, true) => {
            notes.push(
                "Octopus holds a token for it that it does not show: set the variable".into(),
            );
            FeedCredentials::Token {
                token_env: format!("FEED_{var}_TOKEN"),
            }
        }
        (None, false) => FeedCredentials::None,
    };
    // Credentials are never sent over plain http (the plan refuses them there).
    let credentials = if url.scheme() == "https" || credentials == FeedCredentials::None {
        credentials
    } else {
        notes.push(
            "its FeedUri is plain http: checked without credentials, which are only ever sent over https (a 401 then says it wants them)"
                .into(),
        );
        FeedCredentials::None
    };
    let options = &feed.package_acquisition_location_options;
    let server_side = if options.is_empty() {
        kind != FeedKind::Docker
    } else {
        options.iter().any(|o| o == "Server")
    };
    Ok(FeedEntry {
        kind,
        url: url.to_string(),
        credentials,
        server_side,
        notes,
    })
}

/// An http(s) URL; `oci://` registries are reached over https.
fn parse_url(raw: &str) -> Result<url::Url, String> {
    let text = match raw.strip_prefix("oci://") {
        Some(rest) => format!("https://{rest}"),
        None => raw.to_string(),
    };
    match url::Url::parse(&text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(u),
        Ok(_) => Err(format!(
            "expected an http(s) FeedUri, found `{}`",
            redact_url(raw)
        )),
        Err(e) => Err(format!(
            "expected a URL in FeedUri, found `{}` ({e})",
            redact_url(raw)
        )),
    }
}
