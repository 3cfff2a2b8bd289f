//! Self-government and mutual aid (自治互助): assemblies and forums with topics announced in
//! advance, proposals, the two notice boards, civil organisations, volunteers, rooms and
//! activities. So far its pure rules (issue 6 is open): notice periods, quorum and majority,
//! bookings that never overlap, weekly series, volunteer points.

pub mod rules;
