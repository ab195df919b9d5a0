//! The assessment without a network (`assess`); gather + assess against
//! the loopback lab live in `probe/tests/lab/dns.rs`.

mod assess;
