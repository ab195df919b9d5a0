//! The TLS family: certificate details and Halibut pages of the lab's
//! endpoints (`chain`, `halibut`), then `gather` against each kind of
//! endpoint (`gather`).

mod chain;
mod gather;
mod halibut;
