//! DNS stand-ins on loopback: a hickory-server authority serving a fixed
//! zone (with names that answer SERVFAIL on request), and a resolver that
//! never answers. Each binds UDP and TCP on the same ephemeral port, as a
//! resolver configured with `ip:port` expects.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, MessageType, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::{A, AAAA, CNAME, SOA, TXT};
use hickory_server::proto::rr::{LowerName, Name, RData, Record};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, MessageResponseBuilder, ZoneType};
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// A public, globally routable address for lab answers that must be public.
/// The lab only ever *answers* with it: nothing connects to it.
pub const PUBLIC_STAND_IN: Ipv4Addr = Ipv4Addr::new(1, 1, 1, 1);

/// A zone for the lab authority: records by full name, plus names that answer SERVFAIL.
#[derive(Debug, Clone)]
pub struct LabZone {
    origin: String,
    ttl: u32,
    records: Vec<(String, u32, RData)>,
    servfail: Vec<String>,
}

impl LabZone {
    /// An empty zone (`example.com`); records default to a TTL of 300 s.
    pub fn new(origin: &str) -> Self {
        LabZone {
            origin: origin.to_string(),
            ttl: 300,
            records: Vec::new(),
            servfail: Vec::new(),
        }
    }

    /// The TTL of the records added after this call.
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = ttl;
        self
    }

    /// An A record for the full name `host`.
    pub fn a(self, host: &str, ip: Ipv4Addr) -> Self {
        self.record(host, RData::A(A(ip)))
    }

    /// An AAAA record for the full name `host`.
    pub fn aaaa(self, host: &str, ip: Ipv6Addr) -> Self {
        self.record(host, RData::AAAA(AAAA(ip)))
    }

    /// A CNAME from `host` to `target` (full names).
    pub fn cname(self, host: &str, target: &str) -> Self {
        let target = fqdn(target);
        self.record(host, RData::CNAME(CNAME(target)))
    }

    /// A TXT record: the name then exists without an address (NODATA for A/AAAA).
    pub fn txt(self, host: &str, text: &str) -> Self {
        self.record(host, RData::TXT(TXT::new(vec![text.to_string()])))
    }

    /// Queries for `host` are answered with SERVFAIL (a broken upstream).
    pub fn servfail(mut self, host: &str) -> Self {
        self.servfail.push(host.to_string());
        self
    }

    fn record(mut self, host: &str, data: RData) -> Self {
        self.records.push((host.to_string(), self.ttl, data));
        self
    }

    fn build(&self) -> Result<(Catalog, Vec<LowerName>), String> {
        let origin = fqdn(&self.origin);
        let mut zone =
            InMemoryZoneHandler::<hickory_server::net::runtime::TokioRuntimeProvider>::empty(
                origin.clone(),
                ZoneType::Primary,
                AxfrPolicy::Deny,
            );
        let soa = SOA::new(
            fqdn(&format!("ns.{}", self.origin)),
            fqdn(&format!("hostmaster.{}", self.origin)),
            1,
            3600,
            600,
            86400,
            60,
        );
        zone.upsert_mut(Record::from_rdata(origin.clone(), 3600, RData::SOA(soa)), 1);
        for (host, ttl, data) in &self.records {
            if !zone.upsert_mut(Record::from_rdata(fqdn(host), *ttl, data.clone()), 1) {
                return Err(format!("cannot add {host} to the lab zone {}", self.origin));
            }
        }
        let mut catalog = Catalog::new();
        catalog.upsert(LowerName::new(&origin), vec![std::sync::Arc::new(zone)]);
        let servfail = self
            .servfail
            .iter()
            .map(|h| LowerName::new(&fqdn(h)))
            .collect();
        Ok((catalog, servfail))
    }
}

fn fqdn(name: &str) -> Name {
    let mut n = Name::from_ascii(name).unwrap_or_else(|_| Name::root());
    n.set_fqdn(true);
    n
}

struct LabHandler {
    catalog: Catalog,
    servfail: Vec<LowerName>,
}

#[async_trait::async_trait]
impl RequestHandler for LabHandler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let broken = request
            .request_info()
            .is_ok_and(|info| self.servfail.contains(info.query.name()));
        if !broken {
            return self
                .catalog
                .handle_request::<R, T>(request, response_handle)
                .await;
        }
        let response = MessageResponseBuilder::new(&request.queries, None)
            .error_msg(&request.metadata, ResponseCode::ServFail);
        match response_handle.send_response(response).await {
            Ok(info) => info,
            Err(_) => {
                let mut metadata = Metadata::new(
                    request.metadata.id,
                    MessageType::Response,
                    request.metadata.op_code,
                );
                metadata.response_code = ResponseCode::ServFail;
                ResponseInfo::from(Header {
                    metadata,
                    counts: HeaderCounts::default(),
                })
            }
        }
    }
}

/// Binds UDP on an ephemeral loopback port and TCP on the same port (a few tries).
async fn bind_pair() -> io::Result<(UdpSocket, TcpListener)> {
    let mut last = None;
    for _ in 0..16 {
        let udp = UdpSocket::bind("127.0.0.1:0").await?;
        match TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free port pair")))
}

/// A loopback DNS authority (UDP and TCP) serving one zone. Stops when dropped.
pub struct DnsServer {
    /// Where to send queries: a resolver `127.0.0.1:<port>`.
    pub addr: SocketAddr,
    _server: Server<LabHandler>,
}

impl std::fmt::Debug for DnsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl DnsServer {
    /// Starts serving `zone` on 127.0.0.1 (names outside it are REFUSED).
    pub async fn start(zone: &LabZone) -> io::Result<Self> {
        let (catalog, servfail) = zone.build().map_err(io::Error::other)?;
        let (udp, tcp) = bind_pair().await?;
        let addr = udp.local_addr()?;
        let mut server = Server::new(LabHandler { catalog, servfail });
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 64 * 1024);
        Ok(DnsServer {
            addr,
            _server: server,
        })
    }
}

/// A "resolver" that never answers: UDP queries are read and dropped, TCP
/// connections are accepted and left silent. Stops when dropped.
#[derive(Debug)]
pub struct SilentDns {
    pub addr: SocketAddr,
    tasks: [JoinHandle<()>; 2],
}

impl SilentDns {
    pub async fn start() -> io::Result<Self> {
        let (udp, tcp) = bind_pair().await?;
        let addr = udp.local_addr()?;
        let udp_task = tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            while udp.recv_from(&mut buf).await.is_ok() {}
        });
        let tcp_task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = tcp.accept().await {
                // Hold a bounded number of connections open without answering.
                if held.len() < 64 {
                    held.push(stream);
                }
            }
        });
        Ok(SilentDns {
            addr,
            tasks: [udp_task, tcp_task],
        })
    }
}

impl Drop for SilentDns {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
