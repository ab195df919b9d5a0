//! The network layer every check family stands on, and nothing above it:
//! TCP connects (`tcp`), the run's resolvers (`resolve`), HTTP clients
//! (`http`) and their certificate verifier for what webpki refuses
//! (`pinned`), the one proxy model and its choice (`proxy`) and HTTP CONNECT
//! tunnels (`tunnel`); `descriptors`, how many checks the open-file limit
//! lets run at once. It imports no check family; families import it.

pub mod descriptors;
pub(crate) mod http;
pub mod pinned;
pub mod proxy;
pub mod resolve;
pub mod tcp;
pub mod tunnel;
