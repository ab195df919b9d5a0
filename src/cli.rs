//! Command-line interface (clap derive). Every command returns an exit code:
//! 0 GO, 1 NO-GO, 2 input or tool error, 130 interrupted.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use probe::duration::PlanDuration;

const AFTER_HELP: &str = "\
Exit codes:
  0  GO: every blocker passed (warnings allowed unless --fail-on warning)
  1  NO-GO: a blocker failed, errored or was not run, no check gathered
     evidence (none ran, or every one errored)
  2  the input or the tool failed (bad plan, unreadable file, unusable --out, internal error)
  130  interrupted (Ctrl-C): the report is still written, marked INTERRUPTED, NO-GO

Example:
  preflight demo                       # a whole run against a loopback lab
  preflight plan init > plan.toml      # then fill in your own plan
  preflight run --plan plan.toml --dc east --out reports/east";

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
    #[command(after_help = "\
Exit codes: 0 GO, 1 NO-GO, 2 bad input, 130 interrupted (Ctrl-C).

Example:
  preflight run --plan plan.toml --dc east --out reports/east
  preflight run --plan plan.toml --dc west --discover --format md > west.md")]
    Run(RunArgs),
    /// Write or validate a plan.
    #[command(
        subcommand,
        after_help = "Example:\n  preflight plan init > plan.toml\n  preflight plan check plan.toml"
    )]
    Plan(PlanCommand),
    /// Run one ad-hoc check from the command line, without a plan.
    #[command(
        subcommand,
        after_help = "Example:\n  preflight check tcp octopus.example.com:443 polling.example.com:10943\n  preflight check tls polling.example.com:10943 --thumbprint 1DF20D5C45A34E93060152F0F59E01FE67C8D694"
    )]
    Check(CheckCommand),
    /// Start a loopback lab and run a whole plan against it: a GO and a NO-GO data center.
    #[command(
        after_help = "Example:\n  preflight demo --out demo-reports\n  COLUMNS=200 preflight demo --sort plan"
    )]
    Demo(DemoArgs),
    /// Find this machine's Tentacle instances and print a plan fragment for them.
    #[command(
        after_help = "Example:\n  preflight discover >> plan.toml\n  preflight discover --config /etc/octopus/Tentacle/Tentacle.config"
    )]
    Discover(DiscoverArgs),
    /// Hold a port with a TLS stand-in (before a listening Tentacle exists), so
    /// the inbound rule can be tested with `preflight check tls` from the server's side.
    #[command(
        after_help = "Example:\n  preflight listen --port 10933 --for 30m\n  (then, from the server: preflight check tls web01.example.com:10933 --expect tls)"
    )]
    Listen(ListenArgs),
    /// Work with saved reports: verify, re-render, merge data centers, compare two runs.
    #[command(
        subcommand,
        after_help = "Example:\n  preflight report merge east/report.json west/report.json --out merged\n  preflight report diff before/report.json after/report.json --format md"
    )]
    Report(ReportCommand),
    /// Read the old server's REST API and say what blocks the move to Octopus
    /// Cloud or a new instance (steps on the server, AD/LDAP sign-in, storage,
    /// targets to recreate) and, at cutover, whether the old server is quiet.
    #[command(after_help = READINESS_HELP)]
    Readiness(ReadinessArgs),
    /// Compare the old and the new Octopus instance while they run side by
    /// side: what the old one gained since the copy, targets on both, and
    /// the polling Tentacles still to clone (scripts written with --out).
    Drift(DriftArgs),
}

const READINESS_HELP: &str = "\
Example:
  preflight readiness --server https://octopus.example.com \\
      --api-key-env OCTOPUS_OLD_API_KEY --out reports/server
  preflight readiness --plan plan.toml --phase cutover --since 7d

Exit codes: 0 GO, 1 NO-GO (a blocker failed, errored or was not run), 2 input or tool error.
See docs/readiness.md for what each rule reads and what to do about it.";

/// Where the projects go (`--target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    /// Octopus Cloud: no AD/LDAP, nothing runs on the server, storage limits.
    Cloud,
    /// A new self-hosted instance: the Cloud-only rules are info.
    Instance,
}

/// Where in the migration the run is (`--phase`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum PhaseArg {
    /// Preparing: the cutover rules are info.
    #[default]
    Prep,
    /// Cutting over: maintenance mode, task cap 0 and no running task are blockers.
    Cutover,
}

#[derive(Debug, Args)]
pub struct ReadinessArgs {
    /// The old server's portal URL (https only: the key never crosses the network in clear).
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "plan",
        conflicts_with = "plan"
    )]
    pub server: Option<String>,
    /// The environment variable holding an API key of the old server (its name; the key is never printed).
    #[arg(
        long,
        value_name = "VAR",
        required_unless_present = "plan",
        conflicts_with = "plan"
    )]
    pub api_key_env: Option<String>,
    /// Read the old server from a plan: [old_server] url, api_key_env, ca_file;
    /// [new_server] url, api_key_env for --target instance; [migration] target.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Where the projects go; default cloud, or the plan's [migration] target.
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// prep: the cutover rules are info; cutover: they are blockers.
    #[arg(long, value_enum, default_value_t = PhaseArg::Prep)]
    pub phase: PhaseArg,
    /// Start of the side-by-side window: an RFC 3339 time or a duration back
    /// from now (7d, 36h); releases and deployments since then are CI still
    /// pointed at the old server.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// The target's total file storage (1TB, 500GB, 1.5TiB); default Octopus Cloud's 1 TB.
    #[arg(long, value_name = "SIZE")]
    pub storage_limit: Option<String>,
    /// The new instance's portal URL (--target instance): its version must not be older than the old server's.
    #[arg(long, value_name = "URL", requires = "new_api_key_env")]
    pub new_server: Option<String>,
    /// The environment variable holding an API key of the new instance.
    #[arg(long, value_name = "VAR", requires = "new_server")]
    pub new_api_key_env: Option<String>,
    /// Also trust the CA certificates in this PEM file for the servers' HTTPS.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Bounds each API request (connect, TLS, the whole answer), with a unit.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: PlanDuration,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Check that each file (report.json or merge.json) still matches the SHA-256
    /// digest it carries, and with --allowed-signers its signature (FILE.sig):
    /// exit 0 when all do, 1 when one does not.
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Sign a report.json or merge.json: write FILE.sig, an SSH signature
    /// (namespace `preflight`) that `ssh-keygen -Y verify` and `report verify`
    /// check.
    #[command(after_help = SIGN_HELP)]
    Sign(SignArgs),
    /// Re-render a saved report.json (or merge.json) in another format.
    #[command(
        after_help = "Example:\n  preflight report render reports/west/report.json --format html > west.html"
    )]
    Render(RenderArgs),
    /// Merge data centers' report.json files into one matrix: exit 1 when any
    /// data center is NO-GO. Reports edited after they were written are
    /// refused (--allow-modified); with --allowed-signers, so are unsigned ones.
    #[command(after_help = MERGE_HELP)]
    Merge(MergeArgs),
    /// Compare two runs by check id (before and after the cutover): exit 1 when
    /// anything regressed.
    #[command(
        after_help = "Example:\n  preflight report diff before/west/report.json after/west/report.json --format html > west-diff.html"
    )]
    Diff(DiffArgs),
}

const VERIFY_HELP: &str = "\
Example:
  preflight report verify out/east/report.json
  preflight report verify out/*/report.json --allowed-signers allowed_signers

allowed_signers is ssh-keygen's format, one key per line:
  alice@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA...";

const MERGE_HELP: &str = "\
Example:
  preflight report merge east/report.json west/report.json --out merged
  preflight report merge */report.json --allowed-signers allowed_signers --format md";

const SIGN_HELP: &str = "\
Example:
  preflight report sign out/east/report.json --key ~/.ssh/id_ed25519
  ssh-keygen -Y verify -f allowed_signers -I alice@example.com -n preflight \\
    -s out/east/report.json.sig < out/east/report.json

The key is an OpenSSH private key without a passphrase, Ed25519 or ECDSA
P-256. For a key with a passphrase, sign with ssh-keygen itself; preflight
verifies the result:
  ssh-keygen -Y sign -n preflight -f ~/.ssh/id_ed25519 out/east/report.json";

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The documents to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Also check each FILE.sig against the keys in this allowed_signers file
    /// (ssh-keygen's format) and name the signer; a file without a good
    /// signature by one of them exits 1.
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The document to sign (written as FILE.sig beside it).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The OpenSSH private key to sign with (Ed25519 or ECDSA P-256, without a passphrase).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
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
    /// Also write merge.json, merge.md, merge.html, merge.junit.xml and rules.csv into this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Merge reports written from different plans (different plan digests).
    #[arg(long)]
    pub allow_mixed_plans: bool,
    /// Require each report to be signed (FILE.sig) by a key of this
    /// allowed_signers file (ssh-keygen's format); the signers are recorded.
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    /// Merge reports that do not match their digest or their signature (edited after they were written).
    #[arg(long)]
    pub allow_modified: bool,
    /// With --allowed-signers: merge reports that are not signed, or not by an allowed signer.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Output on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the --out files readable by the owner only (0600) instead of the usual mode.
    #[arg(long, requires = "out")]
    pub private: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report.json (before the change).
    #[arg(value_name = "BEFORE")]
    pub before: PathBuf,
    /// The later report.json (after the change).
    #[arg(value_name = "AFTER")]
    pub after: PathBuf,
    /// Output on standard output (JUnit: one test case per change, a regression fails).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The report.json to render.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Output format, written to standard output (json: the document re-written, with its digest).
    #[arg(long, value_enum, default_value_t = Format::Md)]
    pub format: Format,
    /// Row order of the table format.
    #[arg(long, value_enum, default_value_t = SortArg::Failures)]
    pub sort: SortArg,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Print an annotated plan covering every key, to fill in.
    #[command(after_help = "Example:\n  preflight plan init > plan.toml")]
    Init,
    /// Validate a plan without touching the network, and list its check ids.
    #[command(after_help = "Example:\n  preflight plan check plan.toml")]
    Check {
        /// The plan file (TOML).
        file: PathBuf,
    },
    /// Write a plan from the inventory of the Octopus Server being migrated
    /// (its REST API): Tentacles grouped into data centers, feeds, the old
    /// server's identity; the new server is left to fill in.
    #[command(
        after_help = "Example:\n  preflight plan from-octopus --server https://octopus.example.com --api-key-env OCTOPUS_API_KEY > plan.toml\n  (the key is read from the variable OCTOPUS_API_KEY, never from the command line)"
    )]
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
    #[command(
        after_help = "Example:\n  preflight check tcp octopus.example.com:443 polling.example.com:10943\n  preflight check tcp 192.0.2.10:10943 --expect blocked"
    )]
    Tcp(CheckTcpArgs),
    /// Ask every resolver for each NAME's A and AAAA records and judge the answers.
    #[command(
        after_help = "Example:\n  preflight check dns polling.example.com --resolver system --resolver 192.0.2.53 --expect-address 203.0.113.10"
    )]
    Dns(CheckDnsArgs),
    /// TLS handshake and Halibut identity of HOST:PORT: thumbprint, chain, server or Tentacle.
    #[command(
        after_help = "Example:\n  preflight check tls polling.example.com:10943 --thumbprint 1DF20D5C45A34E93060152F0F59E01FE67C8D694 --expect server"
    )]
    Tls(CheckTlsArgs),
    /// Prove a package feed answers its own protocol, directly or through a proxy.
    #[command(
        after_help = "Example:\n  preflight check feed https://nuget.example.com/v3/index.json --kind nuget-v3 --proxy http://proxy.example.com:3128"
    )]
    Feed(CheckFeedArgs),
    /// An Octopus Server's API: version (2021.1 or later for Export/Import), and with an API key its certificate.
    #[command(
        after_help = "Example:\n  preflight check octopus https://octopus-old.example.com --min-version 2021.1"
    )]
    Octopus(CheckOctopusArgs),
}

/// How a document is printed on standard output: the one set every command
/// that prints a report, a merge or a diff takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table and a summary line, fitted to the terminal (COLUMNS; 120 when piped).
    #[default]
    Table,
    /// The JSON document (report.json, merge.json, or the diff).
    Json,
    /// Markdown, for a change ticket.
    Md,
    /// Ticket-sized Markdown: header, verdict, blockers, firewall rules.
    MdSummary,
    /// Jira wiki markup (Jira Server/Data Center), the same content as md-summary.
    Jira,
    /// One self-contained HTML page.
    Html,
    /// JUnit XML, for CI pipelines.
    Junit,
}

/// The order of the table's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Blockers that did not pass first, then warnings, waived, passed.
    #[default]
    Failures,
    /// The plan's order.
    Plan,
}

impl From<SortArg> for report::table::Sort {
    fn from(s: SortArg) -> Self {
        match s {
            SortArg::Failures => report::table::Sort::Failures,
            SortArg::Plan => report::table::Sort::Plan,
        }
    }
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
    /// Also write report.json, report.md, report.html, report.junit.xml and
    /// rules.csv into this directory (created if missing; checked before any
    /// check runs), each atomically.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the --out files readable by the owner only (0600) instead of the
    /// usual mode (0666 minus the umask).
    #[arg(long, requires = "out")]
    pub private: bool,
    /// Exit 1 on warnings too, not only on a NO-GO.
    #[arg(long, value_enum, default_value_t = FailOnArg::Blocker)]
    pub fail_on: FailOnArg,
    /// Row order of the table.
    #[arg(long, value_enum, default_value_t = SortArg::Failures)]
    pub sort: SortArg,
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
    /// The name sent as SNI and in the Halibut `Host:` line (default: the host, when it is a name); no spaces or control characters.
    #[arg(long, value_name = "NAME")]
    pub sni: Option<probe::endpoint::HostName>,
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

const DRIFT_EXAMPLE: &str = "\
Example:
  preflight drift \\
    --old https://octopus.example.com --old-api-key-env OLD_KEY \\
    --new https://acme.octopus.app --new-api-key-env NEW_KEY \\
    --since 2026-11-30T09:00:00Z --out reports/drift
  preflight drift --plan plan.toml --since 3d --format md

Run it daily until the cutover. With --out, clone-tentacles.sh and
clone-tentacles.ps1 are written beside the report (never run by preflight).

Exit codes: 0 GO, 1 NO-GO (drift found, or an instance could not be read), 2 error.";

#[derive(Debug, Args)]
#[command(after_help = DRIFT_EXAMPLE)]
pub struct DriftArgs {
    /// The old instance's portal URL (https://, with its virtual directory if any).
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "plan",
        conflicts_with = "plan",
        requires = "old_api_key_env"
    )]
    pub old: Option<String>,
    /// The environment variable holding an API key of the old instance (its name only).
    #[arg(long, value_name = "VAR", requires = "old")]
    pub old_api_key_env: Option<String>,
    /// The new instance's portal URL (https://).
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "plan",
        conflicts_with = "plan",
        requires = "new_api_key_env"
    )]
    pub new: Option<String>,
    /// The environment variable holding an API key of the new instance (its name only).
    #[arg(long, value_name = "VAR", requires = "new")]
    pub new_api_key_env: Option<String>,
    /// Read both instances from a plan's [old_server] and [new_server] (url, api_key_env, ca_file).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// When the copy was taken: an RFC 3339 time (2026-11-30T09:00:00Z) or a duration back from now (3d, 36h).
    #[arg(long, value_name = "TIME")]
    pub since: probe::since::Since,
    /// Also trust the CA certificates in this PEM file for both portals (a plan's own ca_file wins).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Bounds each API request (connect, TLS, the whole answer), with a unit.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: PlanDuration,
    /// Also say, in drift.shared-targets, which of this machine's Tentacle
    /// instances trusts which server and where each is registered.
    #[arg(long)]
    pub discover: bool,
    /// With --discover: read these Tentacle.config files instead of this machine's instance index.
    #[arg(long, value_name = "PATH", requires = "discover")]
    pub config: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Write the lab's plan and each data center's reports under this directory
    /// (default: a new temporary directory, printed at the end).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the files readable by the owner only (0600) instead of the usual mode.
    #[arg(long)]
    pub private: bool,
    /// Row order of the tables.
    #[arg(long, value_enum, default_value_t = SortArg::Failures)]
    pub sort: SortArg,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every command and subcommand, with its path (`preflight report merge`).
    fn walk(cmd: &mut clap::Command, path: &str, out: &mut Vec<(String, String)>) {
        let path = format!("{path} {}", cmd.get_name()).trim().to_string();
        out.push((path.clone(), cmd.render_long_help().to_string()));
        for sub in cmd.get_subcommands_mut() {
            if sub.get_name() != "help" {
                walk(sub, &path, out);
            }
        }
    }

    #[test]
    fn every_help_has_an_example() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut helps = Vec::new();
        walk(&mut cmd, "", &mut helps);
        // preflight, 9 commands, plan's 3, check's 5, report's 5.
        assert_eq!(
            helps.len(),
            1 + 9 + 3 + 5 + 5,
            "{:?}",
            helps.iter().map(|h| &h.0).collect::<Vec<_>>()
        );
        for (path, help) in &helps {
            let example = help
                .find("Example:")
                .unwrap_or_else(|| panic!("`{path} --help` has no example:\n{help}"));
            assert!(
                help[example..].contains("preflight "),
                "`{path} --help`: the example runs nothing:\n{help}"
            );
        }
    }
}
