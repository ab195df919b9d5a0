//! The documents, tested on the fixed report in `fixtures/reports/`: snapshots
//! of each renderer, the HTML's self-containment, JUnit counts, integrity and
//! redaction. One test binary with modules (like the workspace's `tests/integration`).

mod integrity;
mod merge_diff;
mod redaction;
mod renderers;
mod support;
