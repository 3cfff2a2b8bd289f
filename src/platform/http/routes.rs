//! The route table. Each domain builds its routes with [`Routes`] instead of axum's `Router`:
//! the builder takes a handler only if its first argument is a guard
//! ([`crate::platform::auth::guard`]), and records each route's method, path and access. The
//! application is the merge of every domain's table; the router it serves and the table the
//! tests walk (the generated denial matrix) come from the same calls, so they cannot drift.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

use crate::platform::auth::guard::{Access, Guard};

/// A handler's argument list whose first member is a guard. axum describes a handler
/// `fn(A, B, C)` as `Handler<(M, A, B, C), S>`; this trait exists for exactly the lists
/// that begin with a [`Guard`], so a handler without one does not fit [`Routes`].
pub trait Guarded {
    fn access() -> Access;
}

macro_rules! guarded {
    ($($t:ident),*) => {
        impl<M, G: Guard, $($t,)*> Guarded for (M, G, $($t,)*) {
            fn access() -> Access {
                G::access()
            }
        }
    };
}

guarded!();
guarded!(T2);
guarded!(T2, T3);
guarded!(T2, T3, T4);
guarded!(T2, T3, T4, T5);
guarded!(T2, T3, T4, T5, T6);
guarded!(T2, T3, T4, T5, T6, T7);
guarded!(T2, T3, T4, T5, T6, T7, T8);
guarded!(T2, T3, T4, T5, T6, T7, T8, T9);
guarded!(T2, T3, T4, T5, T6, T7, T8, T9, T10);
guarded!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11);
guarded!(T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12);

/// One route as the table has it.
#[derive(Clone, Debug)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// Routes with their access, built like an axum `Router`.
pub struct Routes<S> {
    router: Router<S>,
    table: Vec<RouteSpec>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            table: vec![],
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self::default()
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        mr: MethodRouter<S>,
    ) -> Self {
        self.router = self.router.route(path, mr);
        self.table.push(RouteSpec {
            method,
            path,
            access,
        });
        self
    }

    pub fn get<H, T>(self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, S>,
        T: Guarded + 'static,
    {
        self.add(Method::GET, path, T::access(), get(h))
    }

    pub fn post<H, T>(self, path: &'static str, h: H) -> Self
    where
        H: Handler<T, S>,
        T: Guarded + 'static,
    {
        self.add(Method::POST, path, T::access(), post(h))
    }

    /// A POST whose body may be larger than axum's default (uploads), up to `max_bytes`.
    pub fn post_upload<H, T>(self, path: &'static str, h: H, max_bytes: usize) -> Self
    where
        H: Handler<T, S>,
        T: Guarded + 'static,
    {
        let mr = post(h).layer(axum::extract::DefaultBodyLimit::max(max_bytes));
        self.add(Method::POST, path, T::access(), mr)
    }

    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub fn into_parts(self) -> (Router<S>, Vec<RouteSpec>) {
        (self.router, self.table)
    }
}
