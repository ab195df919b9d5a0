//! A fake Octopus web portal for the API check: `GET /api` answers the
//! version a real server reports, and
//! `GET /api/configuration/certificates/certificate-global` answers the
//! server certificate's thumbprint, with the right `X-Octopus-ApiKey` only.
//! It serves HTTPS with a certificate for 127.0.0.1 issued by a lab root CA,
//! which clients trust through a `ca_file`.

use std::io;
use std::sync::Arc;

use probe::thumbprint::Thumbprint;

use crate::certs::{LAB_ROOT_CA_CN, LabCa};
use crate::http::{Head, response};
use crate::tls::{Close, ServerOptions, TlsServer};

/// What the fake server reports.
#[derive(Debug, Clone)]
pub struct OctopusApiOptions {
    /// `Version` in `/api` (`2020.6.4671`, `2024.3.12741`).
    pub version: String,
    /// The thumbprint `certificate-global` reports.
    pub thumbprint: Thumbprint,
    /// The API key `certificate-global` requires.
    pub api_key: String,
    /// The names its certificate is valid for (default: 127.0.0.1 and localhost).
    pub names: Vec<String>,
    /// How far its clock is from this machine's, in seconds: every answer
    /// carries a `Date` header that far off (0: a correct clock).
    pub clock_offset_s: i64,
}

/// A running fake Octopus portal; it stops when dropped.
#[derive(Debug)]
pub struct OctopusApi {
    pub server: TlsServer,
    /// The lab root CA that issued its certificate.
    pub ca: LabCa,
}

impl OctopusApi {
    /// Starts the portal on 127.0.0.1.
    pub async fn start(options: OctopusApiOptions) -> io::Result<Self> {
        let ca = LabCa::new(LAB_ROOT_CA_CN).map_err(io::Error::other)?;
        let names: Vec<&str> = if options.names.is_empty() {
            vec!["127.0.0.1", "localhost"]
        } else {
            options.names.iter().map(String::as_str).collect()
        };
        let identity = ca.issue(names[0], &names).map_err(io::Error::other)?;
        let options = Arc::new(options);
        let server = TlsServer::start(
            identity,
            ServerOptions {
                close: Close::Notify,
                ..ServerOptions::default()
            },
            Arc::new(move |head: &Head| answer(head, &options)),
        )
        .await?;
        Ok(OctopusApi { server, ca })
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://{}", self.server.addr)
    }
}

fn answer(head: &Head, options: &OctopusApiOptions) -> Vec<u8> {
    let json = "application/json; charset=utf-8";
    let now = std::time::SystemTime::now();
    let offset = std::time::Duration::from_secs(options.clock_offset_s.unsigned_abs());
    let date = if options.clock_offset_s >= 0 {
        now + offset
    } else {
        now - offset
    };
    let date = format!("Date: {}", httpdate::fmt_http_date(date));
    let response = |status, reason, _: &[&str], content_type, body: &str| {
        response(status, reason, &[date.as_str()], content_type, body)
    };
    let path = head.target.split('?').next().unwrap_or_default();
    match (head.method.as_str(), path.trim_end_matches('/')) {
        ("GET", "/api") => {
            let body = serde_json::json!({
                "Application": "Octopus Deploy",
                "Version": options.version,
                "ApiVersion": "3.0.0",
                "InstallationId": "00000000-0000-0000-0000-00000000lab1",
                "Links": {
                    "Self": "/api",
                    "CertificateConfiguration": "/api/configuration/certificates{/id}{?skip,take}"
                }
            });
            response(200, "OK", &[], json, &body.to_string())
        }
        ("GET", "/api/configuration/certificates/certificate-global") => {
            if head.header("x-octopus-apikey") != Some(options.api_key.as_str()) {
                let body = serde_json::json!({
                    "ErrorMessage": "You must be logged in to perform this action. Please provide a valid API key or log in again."
                });
                return response(401, "Unauthorized", &[], json, &body.to_string());
            }
            let body = serde_json::json!({
                "Id": "certificate-global",
                "Name": "Octopus Portal",
                "Thumbprint": options.thumbprint.as_str(),
            });
            response(200, "OK", &[], json, &body.to_string())
        }
        _ => response(
            404,
            "Not Found",
            &[],
            json,
            r#"{"ErrorMessage":"The resource you requested was not found."}"#,
        ),
    }
}
