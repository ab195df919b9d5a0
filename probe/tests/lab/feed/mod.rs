//! The feed family: the protocol rules (`protocol`) and the path logic
//! (`assess`) over the lab's feed documents, then `gather` against the
//! loopback feed lab (`gather`) and through its HTTP proxy (`proxy`).

mod assess;
mod credentials;
mod gather;
mod protocol;
mod proxy;
