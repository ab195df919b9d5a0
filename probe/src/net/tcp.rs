//! TCP connects: one address at a time, classified as open, refused,
//! filtered or unreachable, with the stream kept for families that speak
//! over it (TLS, CONNECT tunnels).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

pub use report::tcp::{AddressProbe, PortState, SourceFrom};

/// The source address the kernel's routing table picks for `destination`:
/// a UDP socket `connect()`ed to it and its local address. Connecting a UDP
/// socket only sets its default peer; no packet is sent. `None` when there
/// is no route (or no address of that family on this machine).
///
/// The answer for a destination address is kept for [`ROUTE_TTL`]: a data
/// center's port list asks for the same few hosts thousands of times, and
/// each fresh answer costs five system calls (socket, bind, connect,
/// getsockname, close) — as many as the probe itself.
pub fn route_source(destination: SocketAddr) -> Option<IpAddr> {
    ROUTES.lookup(destination.ip(), Instant::now(), || {
        route_source_uncached(destination)
    })
}

/// How long a route's source address is reused. Short: a VPN that comes up
/// during a run changes the route, and a run's answers should say so soon.
pub const ROUTE_TTL: Duration = Duration::from_secs(5);

/// Destination addresses remembered at most; past it the oldest half goes
/// (a bound, so a run over a /16 does not keep every address).
const ROUTES_KEPT: usize = 4096;

static ROUTES: RouteCache = RouteCache::new();

/// The route answers of this process, per destination address.
struct RouteCache {
    entries: Mutex<Option<Routes>>,
}

/// A destination's source address (`None`: no route) and when it was asked.
type Routes = HashMap<IpAddr, (Option<IpAddr>, Instant)>;

impl RouteCache {
    const fn new() -> Self {
        RouteCache {
            entries: Mutex::new(None),
        }
    }

    fn lookup(
        &self,
        destination: IpAddr,
        now: Instant,
        ask: impl FnOnce() -> Option<IpAddr>,
    ) -> Option<IpAddr> {
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((source, at)) = entries.as_ref().and_then(|m| m.get(&destination))
                && now.saturating_duration_since(*at) < ROUTE_TTL
            {
                return *source;
            }
        }
        // Asked outside the lock: a slow answer does not hold up the others.
        let source = ask();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let map = entries.get_or_insert_with(HashMap::new);
        if map.len() >= ROUTES_KEPT {
            let mut ages: Vec<Instant> = map.values().map(|(_, at)| *at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            map.retain(|_, (_, at)| *at > cut);
        }
        map.insert(destination, (source, now));
        source
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.as_ref().map_or(0, HashMap::len)
    }
}

fn route_source_uncached(destination: SocketAddr) -> Option<IpAddr> {
    let any: IpAddr = match destination {
        SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
        SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let socket = UdpSocket::bind(SocketAddr::new(any, 0)).ok()?;
    // Port 0 is not a valid peer for connect(); the route does not depend on the port.
    let peer = SocketAddr::new(destination.ip(), destination.port().max(1));
    socket.connect(peer).ok()?;
    let local = socket.local_addr().ok()?.ip();
    (!local.is_unspecified()).then_some(local)
}

/// Connects once and classifies the answer.
pub async fn connect(address: SocketAddr, timeout: Duration) -> AddressProbe {
    connect_stream(address, timeout).await.0
}

/// Connects once, classifies the answer, and keeps the stream when open (for
/// families that speak over it: TLS, proxies).
pub async fn connect_stream(
    address: SocketAddr,
    timeout: Duration,
) -> (AddressProbe, Option<TcpStream>) {
    let start = Instant::now();
    let result = tokio::time::timeout(timeout, TcpStream::connect(address)).await;
    let connect_ms = start.elapsed().as_millis() as u64;
    let (state, error, stream) = match result {
        Ok(Ok(stream)) => (PortState::Open, None, Some(stream)),
        Ok(Err(e)) => {
            let (state, error) = classify_error(&e);
            (state, error, None)
        }
        Err(_) => (PortState::Filtered, None, None),
    };
    let opened = stream
        .as_ref()
        .and_then(|s| s.local_addr().ok())
        .map(|a| (a.ip(), SourceFrom::Connection));
    let (source, source_from) =
        match opened.or_else(|| route_source(address).map(|ip| (ip, SourceFrom::Route))) {
            Some((ip, from)) => (Some(ip), Some(from)),
            None => (None, None),
        };
    let probe = AddressProbe {
        address,
        state,
        connect_ms,
        error,
        source,
        source_from,
    };
    (probe, stream)
}

/// Connects to every address at once and keeps the first that opens (the
/// others are dropped), all within one `timeout`. With no open address, the
/// last failure is returned.
pub async fn connect_first(
    addresses: &[std::net::IpAddr],
    port: u16,
    timeout: Duration,
) -> Result<(AddressProbe, TcpStream), AddressProbe> {
    let attempts = addresses.iter().map(|ip| {
        Box::pin(async move {
            match connect_stream(SocketAddr::new(*ip, port), timeout).await {
                (probe, Some(stream)) => Ok((probe, stream)),
                (probe, None) => Err(probe),
            }
        })
    });
    if addresses.is_empty() {
        return Err(AddressProbe {
            error: Some("no address to connect to".into()),
            ..AddressProbe::new(
                SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port),
                PortState::Error,
            )
        });
    }
    futures_util::future::select_ok(attempts)
        .await
        .map(|(found, _rest)| found)
}

fn classify_error(e: &io::Error) -> (PortState, Option<String>) {
    match e.kind() {
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => {
            (PortState::Refused, None)
        }
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            (PortState::Unreachable, Some(e.to_string()))
        }
        io::ErrorKind::TimedOut => (PortState::Filtered, Some(e.to_string())),
        _ => (PortState::Error, Some(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_states() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(classify_error(&refused).0, PortState::Refused);
        let unreachable = io::Error::from(io::ErrorKind::HostUnreachable);
        assert_eq!(classify_error(&unreachable).0, PortState::Unreachable);
        let net = io::Error::from(io::ErrorKind::NetworkUnreachable);
        assert_eq!(classify_error(&net).0, PortState::Unreachable);
        let other = io::Error::from(io::ErrorKind::AddrNotAvailable);
        assert_eq!(classify_error(&other).0, PortState::Error);
    }

    #[test]
    fn the_route_to_loopback_leaves_from_loopback() {
        let to = |a: &str| route_source(a.parse().unwrap());
        assert_eq!(to("127.0.0.1:10943"), Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(to("127.0.0.9:0"), Some(IpAddr::from([127, 0, 0, 1])));
    }

    #[test]
    fn a_route_is_asked_once_per_address_until_it_is_old() {
        let cache = RouteCache::new();
        let asked = std::cell::Cell::new(0);
        let ask = |answer: [u8; 4]| {
            asked.set(asked.get() + 1);
            Some(IpAddr::from(answer))
        };
        let t0 = Instant::now();
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [198, 51, 100, 1].into();
        assert_eq!(
            cache.lookup(a, t0, || ask([10, 0, 0, 1])),
            Some([10, 0, 0, 1].into())
        );
        // The same address within the TTL: the remembered answer, not asked.
        let just_before = t0 + ROUTE_TTL - Duration::from_millis(1);
        assert_eq!(
            cache.lookup(a, just_before, || ask([10, 9, 9, 9])),
            Some([10, 0, 0, 1].into())
        );
        assert_eq!(asked.get(), 1);
        // Another address is asked for itself.
        assert_eq!(
            cache.lookup(b, t0, || ask([10, 0, 0, 2])),
            Some([10, 0, 0, 2].into())
        );
        assert_eq!(asked.get(), 2);
        // At the TTL the route is asked again and the new answer kept.
        assert_eq!(
            cache.lookup(a, t0 + ROUTE_TTL, || ask([10, 0, 0, 3])),
            Some([10, 0, 0, 3].into())
        );
        assert_eq!(asked.get(), 3);
        // "No route" is remembered too.
        let c: IpAddr = [203, 0, 113, 7].into();
        assert_eq!(cache.lookup(c, t0, || None), None);
        assert_eq!(cache.lookup(c, t0, || ask([10, 0, 0, 4])), None);
        assert_eq!(asked.get(), 3);
    }

    #[test]
    fn the_route_cache_keeps_at_most_its_bound() {
        let cache = RouteCache::new();
        let t0 = Instant::now();
        for i in 0..(ROUTES_KEPT as u32 * 3) {
            let at = t0 + Duration::from_micros(u64::from(i));
            cache.lookup(IpAddr::from(i.to_be_bytes()), at, || None);
            assert!(cache.len() <= ROUTES_KEPT, "{} kept after {i}", cache.len());
        }
        // The newest address is still there: not asked again.
        let last = IpAddr::from((ROUTES_KEPT as u32 * 3 - 1).to_be_bytes());
        let later = t0 + Duration::from_micros(ROUTES_KEPT as u64 * 3);
        assert_eq!(
            cache.lookup(last, later, || Some([10, 0, 0, 1].into())),
            None
        );
    }

    #[tokio::test]
    async fn every_probe_names_its_source_address() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        let probe = connect(open, Duration::from_secs(2)).await;
        assert_eq!(probe.state, PortState::Open);
        assert_eq!(probe.source, Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(probe.source_from, Some(SourceFrom::Connection));
        drop(listener);
        // Nothing listens there now: refused, and the source comes from the route.
        let probe = connect(open, Duration::from_secs(2)).await;
        assert_eq!(probe.state, PortState::Refused);
        assert_eq!(probe.source, Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(probe.source_from, Some(SourceFrom::Route));
    }
}
