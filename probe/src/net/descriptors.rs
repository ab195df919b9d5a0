//! How many checks may be in flight at once given the open-file limit
//! (`RLIMIT_NOFILE`): every socket is a descriptor, and a connect that
//! finds none left fails with "too many open files", which would turn
//! healthy targets into `error` results and a false NO-GO. The soft limit is
//! raised to the hard one where the system allows it, and concurrency is
//! held below what remains.

use std::io;

/// Descriptors a check may hold at once: a socket per resolved address
/// (IPv4 and IPv6) and the DNS queries that found them.
pub const PER_CHECK: u64 = 4;

/// Descriptors left for everything else: the runtime, the resolvers'
/// configuration files, the report files written at the end.
pub const RESERVE: u64 = 32;

/// The open-file limit a run works within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Descriptors {
    /// The soft limit in force (after raising it).
    pub limit: u64,
    /// The soft limit before it was raised, when it was.
    pub raised_from: Option<u64>,
    /// Descriptors open when the run starts.
    pub in_use: u64,
}

impl Descriptors {
    /// Raises the soft limit to the hard limit (where the system allows it)
    /// and counts the descriptors already open. Where there is no such
    /// limit, or it cannot be read, nothing bounds the run but the request.
    pub fn raise() -> Descriptors {
        #[cfg(unix)]
        let (before, limit) = {
            let before = rlimit::Resource::NOFILE.get().map(|(soft, _)| soft).ok();
            let limit = rlimit::increase_nofile_limit(u64::MAX).ok().or(before);
            (before, limit.unwrap_or(u64::MAX))
        };
        // Windows has no such limit on sockets.
        #[cfg(not(unix))]
        let (before, limit) = (None, u64::MAX);
        Descriptors {
            limit,
            raised_from: before.filter(|b| *b < limit),
            in_use: open_descriptors().unwrap_or(RESERVE),
        }
    }

    /// Checks the limit leaves room for at once (at least one).
    pub fn budget(&self) -> usize {
        let free = self
            .limit
            .saturating_sub(self.in_use)
            .saturating_sub(RESERVE);
        usize::try_from(free / PER_CHECK)
            .unwrap_or(usize::MAX)
            .max(1)
    }

    /// The concurrency for `checks` checks when `requested` were asked for
    /// (`usize::MAX`: as many as the limit allows), and a note for the user
    /// when the limit holds the run below that.
    pub fn concurrency(&self, requested: usize, checks: usize) -> (usize, Option<String>) {
        let budget = self.budget();
        let wanted = requested.min(checks).max(1);
        if wanted <= budget {
            return (wanted, None);
        }
        let asked = if requested == usize::MAX {
            String::new()
        } else {
            format!(" (asked for {requested})")
        };
        let raised = match self.raised_from {
            Some(from) => format!(", raised from {from}"),
            None => String::new(),
        };
        let note = format!(
            "running at most {budget} of {checks} checks at once{asked}: the open-file limit is {}{raised} with {} in use, and a check may hold {PER_CHECK}; raise the hard limit (`ulimit -Hn`, LimitNOFILE=) to run more at once",
            self.limit, self.in_use
        );
        (budget, Some(note))
    }
}

/// The number of descriptors this process has open (Linux and the BSDs
/// list them under a directory).
fn open_descriptors() -> io::Result<u64> {
    let dir = if cfg!(target_os = "linux") {
        "/proc/self/fd"
    } else {
        "/dev/fd"
    };
    Ok(std::fs::read_dir(dir)?.count() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(limit: u64, in_use: u64) -> Descriptors {
        Descriptors {
            limit,
            raised_from: None,
            in_use,
        }
    }

    #[test]
    fn the_budget_leaves_the_reserve_and_counts_four_per_check() {
        assert_eq!(at(1024, 10).budget(), (1024 - 10 - 32) / 4);
        assert_eq!(at(64, 12).budget(), 5);
        // Nothing left still runs one check at a time.
        assert_eq!(at(40, 12).budget(), 1);
        assert!(at(u64::MAX, 12).budget() > 1 << 40);
    }

    #[test]
    fn concurrency_is_the_request_below_the_budget_and_says_when_capped() {
        let d = at(1024, 10);
        assert_eq!(d.concurrency(usize::MAX, 100), (100, None));
        assert_eq!(d.concurrency(8, 100), (8, None));
        assert_eq!(d.concurrency(usize::MAX, 245), (245, None));
        let (n, note) = d.concurrency(usize::MAX, 50_000);
        assert_eq!(n, 245);
        let note = note.unwrap();
        assert!(
            note.starts_with("running at most 245 of 50000 checks at once: the open-file limit is 1024 with 10 in use"),
            "{note}"
        );
        let (n, note) = Descriptors {
            raised_from: Some(256),
            ..d
        }
        .concurrency(1000, 50_000);
        assert_eq!(n, 245);
        assert!(
            note.unwrap()
                .contains("(asked for 1000): the open-file limit is 1024, raised from 256"),
        );
    }

    #[cfg(unix)]
    #[test]
    fn raising_never_lowers_the_limit() {
        let before = rlimit::Resource::NOFILE.get().unwrap().0;
        let d = Descriptors::raise();
        assert!(d.limit >= before, "{d:?} < {before}");
        assert!(d.in_use >= 3, "stdin, stdout and stderr at least: {d:?}");
    }
}
