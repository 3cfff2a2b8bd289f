//! The web floor every domain stands on: the application state, the request context, the
//! shared middleware ([`stack::layers`]), forms, errors, layout and assets. It names no domain: the
//! application is assembled from the domains' routers in [`crate::app`].

pub mod assets;
pub mod ctx;
pub mod errors;
pub mod form;
pub mod health;
pub mod inbound;
pub mod json;
pub mod layout;
pub mod listener;
pub mod pagination;
pub mod response;
pub mod routes;
pub mod stack;
pub mod state;

// What the domains use most, by its short name; inside `platform::http` files import from
// the file that holds it, so that no two of them name each other.
pub use inbound::MAX_BODY_BYTES;
pub use response::{redirect, render, safe_next};
pub use stack::{CONTENT_SECURITY_POLICY, layers};
pub use state::{AppState, Parts, limit, public_form_limit, public_url};
