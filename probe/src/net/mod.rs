//! The network layer every check family stands on, and nothing above it:
//! TCP connects (`tcp`), the run's resolvers (`resolve`), HTTP clients
//! (`http`) and their certificate verifier for what webpki refuses
//! (`pinned`), the one proxy model and its choice (`proxy`) and HTTP CONNECT
//! tunnels (`tunnel`). It imports no check family; families import it.

pub(crate) mod http;
pub mod pinned;
pub mod proxy;
pub mod resolve;
pub mod tcp;
pub mod tunnel;
