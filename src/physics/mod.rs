//! Host-side physical models in f64: constants, geodesy, atmosphere. The per-step models live
//! twice: in `shaders/` (WGSL) and in `engine/cpu` (the f64 reference).

pub mod atmosphere;
pub mod bplane;
pub mod comet;
pub mod constants;
pub mod earth_orientation;
pub mod ephemeris;
pub mod epoch;
pub mod flyby;
pub mod geodesy;
pub mod kepler;
pub mod moon;
pub mod qlaw;
pub mod table;
pub mod us76;
pub mod vec3;
