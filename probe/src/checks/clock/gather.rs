//! The I/O of the clock check: one bounded `GET {url}/api` and its `Date`.

use std::time::{Duration, Instant, SystemTime};

use super::{ClockEvidence, ClockSpec, MAX_BODY, skew};
use crate::contract::Context;
use crate::net::http::{HttpOptions, describe_error};

/// `GET {url}/api`, bounded by twice the context's timeout, and the skew it shows.
pub async fn gather(ctx: &Context, spec: &ClockSpec) -> ClockEvidence {
    let url = format!("{}/api", spec.url.trim_end_matches('/'));
    let sent = SystemTime::now();
    let start = Instant::now();
    let answer = request(ctx, spec, &url).await;
    let elapsed = start.elapsed();
    let local = sent + elapsed / 2;
    let mut ev = ClockEvidence {
        url,
        local_time: humantime::format_rfc3339_seconds(local).to_string(),
        elapsed_ms: elapsed.as_millis() as u64,
        ..ClockEvidence::default()
    };
    match answer {
        Err(e) => ev.error = Some(e),
        Ok((status, date)) => {
            ev.status = Some(status);
            ev.server_date = date;
            ev.skew_s = ev.server_date.as_deref().and_then(|d| skew(d, local));
        }
    }
    ev
}

/// The status and `Date` header of one bounded request.
async fn request(
    ctx: &Context,
    spec: &ClockSpec,
    url: &str,
) -> Result<(u16, Option<String>), String> {
    let client = crate::net::http::client(&HttpOptions {
        connect_timeout: ctx.timeout,
        ca_file: spec.ca_file.clone().or_else(|| ctx.ca_file.clone()),
        proxy: None,
        resolvers: Some(ctx.resolvers.clone()),
    })?;
    let limit = ctx.budget().steps(2);
    let exchange = async {
        let mut response = client.get(url).timeout(limit).send().await?;
        let status = response.status().as_u16();
        let date = response
            .headers()
            .get(reqwest::header::DATE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        // Read (a bounded part of) the body so the connection ends cleanly.
        let _ = crate::net::http::read_capped(&mut response, MAX_BODY).await;
        Ok::<_, reqwest::Error>((status, date))
    };
    match tokio::time::timeout(limit.saturating_add(Duration::from_millis(200)), exchange).await {
        Err(_) => Err(format!("no answer within {:.1}s", limit.as_secs_f64())),
        Ok(Err(e)) => Err(describe_error(&e)),
        Ok(Ok(answer)) => Ok(answer),
    }
}
