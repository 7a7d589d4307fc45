//! Reentry of a capsule from the entry interface to the ground: 3-DOF point mass, Earth-centred
//! inertial frame that coincides with the Earth-fixed frame at the entry epoch.

mod config;
mod layout;
mod model;
mod outputs;

pub use config::*;
pub use layout::*;
pub use model::*;
pub use outputs::*;
