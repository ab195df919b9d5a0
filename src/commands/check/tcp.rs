//! `preflight check tcp HOST:PORT...`.

use anyhow::Result;
use probe::checks::tcp::TcpSpec;
use probe::plan::spec::Expect;
use probe::{CheckSpec, PlannedCheck};
use report::{CheckId, Severity};

use crate::cli::{CheckTcpArgs, ExpectArg};
use crate::output::{self, RunSettings};

pub fn tcp(args: CheckTcpArgs) -> Result<i32> {
    let expect = match args.expect {
        ExpectArg::Open => Expect::Open,
        ExpectArg::Blocked => Expect::Blocked,
    };
    let checks: Vec<PlannedCheck> = args
        .targets
        .into_iter()
        .map(|endpoint| PlannedCheck {
            id: CheckId::from_parts(["adhoc", "tcp", &endpoint.to_string()]),
            title: match expect {
                Expect::Open => format!("TCP reach {endpoint}"),
                Expect::Blocked => format!("TCP must not reach {endpoint}"),
            },
            target: endpoint.to_string(),
            severity: Severity::Blocker,
            spec: CheckSpec::Tcp(TcpSpec { endpoint, expect }),
        })
        .collect();
    let settings = RunSettings::adhoc(args.timeout.get());
    if let Some(dir) = &args.output.out {
        output::prepare_out_dir(dir)?;
    }
    let finished = output::run_checks(&checks, &settings)?;
    output::emit(finished, &args.output)
}
