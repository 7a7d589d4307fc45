// Buffers of the cruise kernel; layout constants (I_*, S_*, C_*) come from the host prelude.
override WG: u32 = 64u;        // workgroup size
override METHOD: u32 = 0u;     // integrator: a Method::code (integrator.rs)

struct Dims {
    n: u32,            // samples in this chunk
    in_stride: u32,    // input row length
    max_steps: u32,    // steps per dispatch
    reserved: u32,     // unused
    n_bodies: u32,     // perturbing bodies
    n_eph: u32,        // ephemeris nodes per body
    off_eph: u32,      // ephemeris table offset in consts: [x y z vx vy vz] per node
    off_bmu: u32,      // body GMs offset in consts
    guidance: u32,     // GUIDE_QLAW, GUIDE_TANGENTIAL, GUIDE_INERTIAL
    power_constant: u32, // 1: array power independent of distance and time
    max_events: u32,   // outage slots in the input row
    off_gm: u32,       // thrust-noise nodes offset in the input row
    n_gm: u32,
    off_qlaw: u32,     // Q-law constants offset in consts
    off_ol: u32,       // open-loop profile offset in consts: OL_ROW reals per segment
    n_ol: u32,         // segments in the open-loop profile
};

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> consts: array<real>;
@group(0) @binding(2) var<storage, read> inputs: array<real>;
@group(0) @binding(3) var<storage, read_write> states: array<real>;
