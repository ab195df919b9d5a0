//! Command-line interface (clap derive). Every command returns an exit code:
//! 0 GO, 1 NO-GO, 2 input or tool error.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use probe::duration::PlanDuration;

const AFTER_HELP: &str = "\
Exit codes:
  0  GO: every blocker passed (warnings allowed unless --fail-on warning)
  1  NO-GO: a blocker failed, errored or was not run
  2  the input or the tool failed (bad plan, unreadable file, internal error)

Start with `preflight demo` to see a whole run against a loopback lab, then
`preflight plan init > plan.toml` to write your own plan.";

/// Prove, from this data center, that an Octopus Deploy migration's
/// connections work: ports, names, identities. Ends in GO or NO-GO.
#[derive(Debug, Parser)]
#[command(name = "preflight", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a plan's checks for one data center and write the go/no-go report.
    Run(RunArgs),
    /// Write or validate a plan.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Run one ad-hoc check from the command line, without a plan.
    #[command(subcommand)]
    Check(CheckCommand),
    /// Start a loopback lab and run a whole plan against it: a GO and a NO-GO data center.
    Demo(DemoArgs),
    /// Find this machine's Tentacle instances and print a plan fragment for them.
    Discover(DiscoverArgs),
    /// Hold a port with a TLS stand-in (before a listening Tentacle exists), so
    /// the inbound rule can be tested with `preflight check tls` from the server's side.
    Listen(ListenArgs),
    /// Work with saved reports: verify, re-render, merge data centers, compare two runs.
    #[command(subcommand)]
    Report(ReportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Check that each file (report.json or merge.json) still matches the SHA-256
    /// digest it carries: exit 0 when all do, 1 when one does not.
    Verify {
        /// The documents to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Re-render a saved report.json (or merge.json) in another format.
    Render(RenderArgs),
    /// Merge data centers' report.json files into one matrix: exit 1 when any
    /// data center is NO-GO.
    Merge(MergeArgs),
    /// Compare two runs by check id (before and after the cutover): exit 1 when
    /// anything regressed.
    Diff(DiffArgs),
}

/// How a merged document is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum MergeFormat {
    /// The matrix and a verdict per data center.
    #[default]
    Table,
    /// The merge.json document.
    Json,
    /// Markdown, for a change ticket.
    Md,
    /// One self-contained HTML page.
    Html,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The report.json files, one or more per data center.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Also write merge.json, merge.md, merge.html and merge.junit.xml into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Merge reports written from different plans (different plan digests).
    #[arg(long)]
    pub allow_mixed_plans: bool,
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = MergeFormat::Table)]
    pub format: MergeFormat,
}

/// How a diff is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Plain text.
    #[default]
    Table,
    /// JSON.
    Json,
    /// Markdown, for the change ticket.
    Md,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report.json (before the change).
    #[arg(value_name = "BEFORE")]
    pub before: PathBuf,
    /// The later report.json (after the change).
    #[arg(value_name = "AFTER")]
    pub after: PathBuf,
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
}

/// Formats a saved document can be rendered in (its JSON is the file itself).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// Markdown, for a change ticket.
    #[default]
    Md,
    /// One self-contained HTML page.
    Html,
    /// JUnit XML, for CI pipelines.
    Junit,
    /// The terminal table.
    Table,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The report.json to render.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Output format, written to standard output.
    #[arg(long, value_enum, default_value_t = RenderFormat::Md)]
    pub format: RenderFormat,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Print an annotated plan covering every key, to fill in.
    Init,
    /// Validate a plan without touching the network, and list its check ids.
    Check {
        /// The plan file (TOML).
        file: PathBuf,
    },
    /// Write a plan from the inventory of the Octopus Server being migrated
    /// (its REST API): Tentacles grouped into data centers, feeds, the old
    /// server's identity; the new server is left to fill in.
    FromOctopus(FromOctopusArgs),
}

#[derive(Debug, Args)]
pub struct FromOctopusArgs {
    /// The old server's portal URL (`https://octopus.example.com`, with its virtual directory if any).
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The environment variable holding an API key of the old server (its
    /// name: the key is never written or printed). The plan names it too.
    #[arg(long, value_name = "VAR")]
    pub api_key_env: String,
    /// Only this space (name, slug or id); repeat for more. Default: every space.
    #[arg(long = "space", value_name = "NAME")]
    pub spaces: Vec<String>,
    /// How deployment targets are grouped into data centers: `environment`,
    /// or `role:PREFIX` (role `dc-east` with `role:dc-` is data center
    /// `east`). Workers always go by worker pool (the prefix is removed from
    /// pool names too).
    #[arg(long, value_name = "RULE", default_value = "environment")]
    pub group_by: probe::octopus_inventory::GroupBy,
    /// Also trust the CA certificates in this PEM file for the portal's HTTPS
    /// (written into the plan's [old_server] ca_file as an absolute path).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Bounds each API request (connect, TLS, the whole answer), with a unit.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: PlanDuration,
    /// Where polling Tentacles connect to the old server (HOST:PORT);
    /// default: the portal's host on port 10943.
    #[arg(long, value_name = "HOST:PORT")]
    pub polling: Option<probe::Endpoint>,
}

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// Connect to each HOST:PORT (every resolved address, IPv4 and IPv6) and classify it.
    Tcp(CheckTcpArgs),
    /// Ask every resolver for each NAME's A and AAAA records and judge the answers.
    Dns(CheckDnsArgs),
    /// TLS handshake and Halibut identity of HOST:PORT: thumbprint, chain, server or Tentacle.
    Tls(CheckTlsArgs),
    /// Prove a package feed answers its own protocol, directly or through a proxy.
    Feed(CheckFeedArgs),
    /// An Octopus Server's API: version (2021.1 or later for Export/Import), and with an API key its certificate.
    Octopus(CheckOctopusArgs),
}

/// How results are printed on standard output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table and a summary line.
    #[default]
    Table,
    /// The report.json document.
    Json,
    /// Markdown, for a change ticket.
    Md,
    /// One self-contained HTML page.
    Html,
    /// JUnit XML, for CI pipelines.
    Junit,
}

/// Which results make the exit code non-zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Only a NO-GO exits 1.
    #[default]
    Blocker,
    /// Any warning exits 1 too.
    Warning,
}

impl From<FailOnArg> for report::FailOn {
    fn from(f: FailOnArg) -> Self {
        match f {
            FailOnArg::Blocker => report::FailOn::Blocker,
            FailOnArg::Warning => report::FailOn::Warning,
        }
    }
}

/// Options shared by everything that runs checks and prints a report.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write report.json, report.md, report.html and report.junit.xml into
    /// this directory, each atomically.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exit 1 on warnings too, not only on a NO-GO.
    #[arg(long, value_enum, default_value_t = FailOnArg::Blocker)]
    pub fail_on: FailOnArg,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The plan file (TOML); see `preflight plan init`. Optional with --discover.
    #[arg(long, value_name = "FILE", required_unless_present = "discover")]
    pub plan: Option<PathBuf>,
    /// Also check this machine's Tentacle instances: each polling server they
    /// trust is reachable, and they trust the plan's new server.
    #[arg(long)]
    pub discover: bool,
    /// The data center this machine is in (a `[[datacenter]]` name); optional when the plan has one.
    #[arg(long, value_name = "NAME")]
    pub dc: Option<String>,
    /// Per-connection timeout, with a unit ("500ms", "3s"); overrides the plan's default.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<PlanDuration>,
    /// Checks in flight at once; overrides the plan's default (as many as the
    /// open-file limit allows, which preflight raises to the hard limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub concurrency: Option<u32>,
    /// Also trust the CA certificates in this PEM file for HTTPS checks (feeds
    /// without their own `ca_file`), besides the platform's roots.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CheckTcpArgs {
    /// Targets as HOST:PORT (IPv6 as [ADDR]:PORT).
    #[arg(required = true, value_name = "HOST:PORT")]
    pub targets: Vec<probe::Endpoint>,
    /// Per-connection timeout, with a unit.
    #[arg(long, default_value = "3s", value_name = "DURATION")]
    pub timeout: PlanDuration,
    /// Whether the targets must be reachable or must be blocked.
    #[arg(long, value_enum, default_value_t = ExpectArg::Open)]
    pub expect: ExpectArg,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CheckDnsArgs {
    /// Names to resolve (each resolver is asked for A and AAAA; CNAMEs are followed).
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
    /// A resolver to ask: "system", IP or IP:PORT; repeat for several (default: system).
    #[arg(long = "resolver", value_name = "IP[:PORT]")]
    pub resolvers: Vec<probe::net::resolve::ResolverSpec>,
    /// An address every answer must have; repeat for several (the exact set, unless --match contains).
    #[arg(long = "expect-address", value_name = "IP")]
    pub expect_addresses: Vec<std::net::IpAddr>,
    /// How --expect-address compares with the answer.
    #[arg(
        long = "match",
        value_enum,
        value_name = "HOW",
        requires = "expect_addresses"
    )]
    pub address_match: Option<MatchArg>,
    /// The CNAME chain must pass through this name.
    #[arg(long, value_name = "NAME")]
    pub cname: Option<String>,
    /// Every address must be publicly routable (Octopus Cloud reaches it from the internet).
    #[arg(long)]
    pub public: bool,
    /// The name must not resolve (NXDOMAIN or NODATA on every resolver).
    #[arg(long, conflicts_with_all = ["expect_addresses", "cname", "public"])]
    pub must_not_resolve: bool,
    /// Resolvers that disagree fail the check instead of warning.
    #[arg(long)]
    pub same_everywhere: bool,
    /// Per-query timeout, with a unit.
    #[arg(long, default_value = "3s", value_name = "DURATION")]
    pub timeout: PlanDuration,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CheckFeedArgs {
    /// The feed URL: a NuGet v3 index.json, a NuGet v2 feed root, a registry
    /// (https://registry.example.com), a Helm repository, a maven-metadata.xml, or any URL.
    #[arg(value_name = "URL")]
    pub url: String,
    /// The protocol the feed speaks.
    #[arg(long, value_enum)]
    pub kind: FeedKindArg,
    /// Reach the feed through this HTTP proxy (http://proxy.example.com:3128); implies --via proxy.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Environment variable holding the proxy user name (with --proxy-password-env).
    #[arg(long, value_name = "VAR", requires_all = ["proxy", "proxy_password_env"])]
    pub proxy_user_env: Option<String>,
    /// Environment variable holding the proxy password (with --proxy-user-env).
    #[arg(long, value_name = "VAR", requires_all = ["proxy", "proxy_user_env"])]
    pub proxy_password_env: Option<String>,
    /// Which paths to probe; default: proxy with --proxy, else direct. `proxy` without
    /// --proxy uses HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
    #[arg(long, value_enum)]
    pub via: Option<ViaArg>,
    /// Environment variable holding the feed user name (with --password-env).
    #[arg(long, value_name = "VAR", requires = "password_env")]
    pub user_env: Option<String>,
    /// Environment variable holding the feed password or API key (with --user-env).
    #[arg(long, value_name = "VAR", requires = "user_env")]
    pub password_env: Option<String>,
    /// Environment variable holding a bearer token (instead of --user-env/--password-env).
    #[arg(long, value_name = "VAR", conflicts_with_all = ["user_env", "password_env"])]
    pub token_env: Option<String>,
    /// For --kind http: the status the URL must answer.
    #[arg(long, value_name = "STATUS", default_value_t = 200,
          value_parser = clap::value_parser!(u16).range(100..=599))]
    pub expect_status: u16,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// How expected addresses compare with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatchArg {
    /// The answer is exactly these addresses.
    Exact,
    /// The answer contains at least these addresses.
    Contains,
}

#[derive(Debug, Args)]
pub struct CheckTlsArgs {
    /// Endpoints as HOST:PORT: polling endpoints (10943, or Cloud's polling host on 443) or listening Tentacles (10933); several are checked at once.
    #[arg(required = true, value_name = "HOST:PORT")]
    pub targets: Vec<probe::Endpoint>,
    /// The SHA-1 thumbprint expected (40 hex digits; case, spaces and colons ignored). A mismatch exits 1.
    #[arg(long, value_name = "THUMBPRINT")]
    pub thumbprint: Option<probe::thumbprint::Thumbprint>,
    /// The name sent as SNI (default: the host, when it is a name).
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
    /// What must answer: an Octopus Server polling endpoint, a listening Tentacle, either, or any TLS service.
    #[arg(long, value_enum, default_value_t = TlsExpectArg::Halibut)]
    pub expect: TlsExpectArg,
    /// Judge as an Octopus Cloud endpoint (TLS 1.2 minimum); on by default for *.octopus.app.
    #[arg(long)]
    pub cloud: bool,
    /// Tunnel through this HTTP proxy with CONNECT, as a polling Tentacle with a proxy does (http://host:port).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Environment variable holding the proxy user name (with --proxy-password-env).
    #[arg(long, value_name = "VAR", requires_all = ["proxy", "proxy_password_env"])]
    pub proxy_user_env: Option<String>,
    /// Environment variable holding the proxy password (with --proxy-user-env).
    #[arg(long, value_name = "VAR", requires_all = ["proxy", "proxy_user_env"])]
    pub proxy_password_env: Option<String>,
    /// Timeout of each step (connect, handshake, answer), with a unit.
    #[arg(long, default_value = "3s", value_name = "DURATION")]
    pub timeout: PlanDuration,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CheckOctopusArgs {
    /// The server's web portal, https://HOST[:PORT].
    #[arg(value_name = "URL")]
    pub url: String,
    /// The oldest version that passes (Export/Import Projects needs 2021.1 on the old server).
    #[arg(long, default_value = probe::checks::octopus::EXPORT_IMPORT_MINIMUM, value_name = "VERSION")]
    pub min_version: probe::checks::octopus::OctopusVersion,
    /// Environment variable holding an API key: then the server certificate is read from the API.
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// The polling endpoint whose certificate must match the API's (with --api-key-env).
    #[arg(long, value_name = "HOST:PORT", requires = "api_key_env")]
    pub polling: Option<probe::Endpoint>,
    /// The thumbprint Tentacles will be told (with --api-key-env).
    #[arg(long, value_name = "THUMBPRINT", requires = "api_key_env")]
    pub thumbprint: Option<probe::thumbprint::Thumbprint>,
    /// Extra trusted CA certificates (PEM), besides the system's (SSL_CERT_FILE replaces those).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Timeout of each step, with a unit.
    #[arg(long, default_value = "3s", value_name = "DURATION")]
    pub timeout: PlanDuration,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What `check tls` expects to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TlsExpectArg {
    /// The Octopus Server's polling endpoint ("Octopus Server configured successfully").
    Server,
    /// A listening Tentacle ("Octopus Tentacle configured successfully").
    Tentacle,
    /// Either, as long as Halibut answers.
    Halibut,
    /// Any TLS service (the web portal): Halibut is reported, not required.
    Tls,
}

/// Options of every check that speaks TLS or HTTP.
#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// Also trust the CA certificates in this PEM file (besides the platform's roots,
    /// or SSL_CERT_FILE / SSL_CERT_DIR when set).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Per-operation timeout (connect, each request), with a unit.
    #[arg(long, default_value = "3s", value_name = "DURATION")]
    pub timeout: PlanDuration,
}

/// The feed protocols `check feed` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FeedKindArg {
    #[value(name = "nuget-v3")]
    NugetV3,
    #[value(name = "nuget-v2")]
    NugetV2,
    Docker,
    Helm,
    Maven,
    Http,
}

impl From<FeedKindArg> for probe::checks::feed::FeedKind {
    fn from(k: FeedKindArg) -> Self {
        use probe::checks::feed::FeedKind;
        match k {
            FeedKindArg::NugetV3 => FeedKind::NugetV3,
            FeedKindArg::NugetV2 => FeedKind::NugetV2,
            FeedKindArg::Docker => FeedKind::Docker,
            FeedKindArg::Helm => FeedKind::Helm,
            FeedKindArg::Maven => FeedKind::Maven,
            FeedKindArg::Http => FeedKind::Http,
        }
    }
}

/// Which paths a feed is probed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViaArg {
    Direct,
    Proxy,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExpectArg {
    Open,
    Blocked,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Read these Tentacle.config files instead of the machine's instance index
    /// (/etc/octopus/Tentacle/Instances, or %ProgramData%\Octopus\Tentacle\Instances).
    #[arg(long, value_name = "PATH")]
    pub config: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The port to listen on (a listening Tentacle's is 10933; 0 picks a free one).
    #[arg(long, default_value_t = 10933)]
    pub port: u16,
    /// The address to listen on (default: every IPv4 interface, as Tentacle does).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0")]
    pub bind: std::net::IpAddr,
    /// How long to listen, with a unit; at most 24h. Ctrl-C stops it earlier.
    #[arg(long = "for", value_name = "DURATION", default_value = "15m")]
    pub duration: PlanDuration,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Write the lab's plan and each data center's reports under this directory
    /// (default: a new temporary directory, printed at the end).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
