// Buffers of the reentry kernel; layout constants (I_*, S_*, C_*) come from the host prelude.
struct Dims {
    n: u32,            // samples in this chunk
    in_stride: u32,    // input row length
    max_steps: u32,    // steps per dispatch
    pad0: u32,
    n_atm: u32,        // atmosphere table nodes
    n_cd: u32,         // Cd table rows
    n_pert: u32,       // perturbation nodes
    atm_model: u32,    // 0 table, 1 exponential
    cd_mode: u32,      // 0 constant, 1 table
    off_ts: u32,       // Tauber-Sutton table offset in consts
    n_ts: u32,
    off_cd: u32,
    off_atm: u32,
    pad1: u32,
    pad2: u32,
    pad3: u32,
};

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> consts: array<real>;
@group(0) @binding(2) var<storage, read> inputs: array<real>;
@group(0) @binding(3) var<storage, read_write> states: array<real>;
@group(0) @binding(4) var<storage, read_write> n_running: atomic<u32>;
