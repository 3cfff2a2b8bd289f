//! The one-stop service hall (一站式服务大厅): residents' business at the community's window,
//! finished there or referred with a deadline, and convenience services through contracted
//! providers. So far its pure rules (issue 5 is open): working days, the case life cycle,
//! case numbers.

pub mod rules;
