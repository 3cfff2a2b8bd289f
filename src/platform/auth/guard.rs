//! Who may call a handler, in the handler's type. A handler's **first argument** is its guard
//! — [`Public`], [`Signed`] or [`Require<R>`] for a [`RoleSet`] `R` — and the route builder
//! ([`crate::platform::http::routes::Routes`]) accepts no handler whose first argument is not
//! one, so a route without a declared audience does not compile. The same type gives the
//! route table its access (what the generated denial matrix reads), so the check that runs and
//! the check that is tested are one.
//!
//! Roles are the coarse gate (403 for a role that never uses the route). What a caller may see
//! of the data is the scope, which every store loader takes ([`crate::platform::auth::Scope`]):
//! outside it a record answers 404.

use std::marker::PhantomData;
use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::platform::auth::{CurrentUser, Role};
use crate::platform::error::AppError;
use crate::platform::http::ctx::Ctx;

/// Who a route is for, as the route table records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (public pages, feeds, Open311, assets).
    Public,
    /// Any signed-in user; what each sees is limited by scope.
    Signed,
    /// Signed-in users with one of these roles; others get 403.
    Roles(&'static [Role]),
}

impl Access {
    /// Whether a signed-in user of `role` passes the gate (scope still applies).
    pub fn admits(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Signed => true,
            Access::Roles(r) => r.contains(&role),
        }
    }
    pub fn is_public(self) -> bool {
        self == Access::Public
    }
}

/// An extractor that states who may call the handler it is the first argument of.
pub trait Guard {
    fn access() -> Access;
}

/// A set of roles, declared with [`role_set!`](crate::role_set).
pub trait RoleSet: Send + Sync + 'static {
    const ROLES: &'static [Role];
}

/// Declare a role set: `role_set!(pub Territorial = [DistrictAdmin, TownOfficer, CommunityStaff]);`
#[macro_export]
macro_rules! role_set {
    ($(#[$m:meta])* $vis:vis $name:ident = [$($r:ident),+ $(,)?]) => {
        $(#[$m])*
        $vis struct $name;
        impl $crate::platform::auth::guard::RoleSet for $name {
            const ROLES: &'static [$crate::platform::auth::Role] =
                &[$($crate::platform::auth::Role::$r),+];
        }
    };
}

role_set!(
    /// The district admin alone.
    pub Admin = [DistrictAdmin]
);
role_set!(
    /// Every role but providers: the district's own people.
    pub Officials = [DistrictAdmin, DepartmentOfficer, TownOfficer, CommunityStaff, Assessor]
);
role_set!(
    /// Community staff alone.
    pub Staff = [CommunityStaff]
);
role_set!(
    /// The district admin and community staff (who keep a community's own records).
    pub AdminAndStaff = [DistrictAdmin, CommunityStaff]
);
role_set!(
    /// The district admin and town officers.
    pub AdminAndTowns = [DistrictAdmin, TownOfficer]
);
role_set!(
    /// The district admin and department officers.
    pub AdminAndDepartments = [DistrictAdmin, DepartmentOfficer]
);
role_set!(
    /// The district and its territories: the admin, towns and communities' staff.
    pub Territorial = [DistrictAdmin, TownOfficer, CommunityStaff]
);

// Domains name the sets their routes use (`type Window = AdminAndStaff;`): the name says why,
// the set above says who, once.

/// Anyone: the handler serves the public (and may still read `Ctx::user`).
pub struct Public;

impl<S: Send + Sync> FromRequestParts<S> for Public {
    type Rejection = AppError;
    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(Public)
    }
}

impl Guard for Public {
    fn access() -> Access {
        Access::Public
    }
}

fn signed_user(parts: &Parts) -> Result<CurrentUser, AppError> {
    parts
        .extensions
        .get::<Ctx>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("context layer missing")))?
        .user
        .clone()
        .ok_or(AppError::Unauthorized)
}

/// Any signed-in user (401 otherwise: pages redirect to the login form).
pub struct Signed(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        signed_user(parts).map(Signed)
    }
}

impl Guard for Signed {
    fn access() -> Access {
        Access::Signed
    }
}

impl Deref for Signed {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.0
    }
}

/// A signed-in user with one of `R`'s roles: 401 when signed out, 403 for another role.
pub struct Require<R: RoleSet> {
    user: CurrentUser,
    _roles: PhantomData<fn() -> R>,
}

impl<R: RoleSet, S: Send + Sync> FromRequestParts<S> for Require<R> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let user = signed_user(parts)?;
        if !R::ROLES.contains(&user.role) {
            return Err(AppError::Forbidden);
        }
        Ok(Require {
            user,
            _roles: PhantomData,
        })
    }
}

impl<R: RoleSet> Guard for Require<R> {
    fn access() -> Access {
        Access::Roles(R::ROLES)
    }
}

impl<R: RoleSet> Deref for Require<R> {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}
