//! The assessment without a network (`assess`), then gather + assess
//! against the loopback lab (`lab`).

mod assess;
mod lab;
