// Buffers of the reentry kernel. The Dims struct, the layout constants (I_*, S_*, C_*) and the
// codes come from the generated prelude (scenario::reentry::layout); the model switches and
// table sizes are override constants set by the host when the pipeline is built.
override WG: u32 = 64u;          // workgroup size
override METHOD: u32 = 0u;       // integrator: a Method::code (integrator.rs)
override SPHERICAL: u32 = 0u;    // 1: altitude above a sphere
override ATM_MODEL: u32 = 0u;    // 0 US76 table, 1 exponential
override N_PERT: u32 = 0u;       // density perturbation nodes per sample (0: none)
override N_WIND: u32 = 0u;       // wind nodes per component and sample (0: no wind)
override CD_MODE: u32 = 0u;      // 0 constant, 1 table rows (bisection), 2 uniform table
override N_CD: u32 = 2u;         // Cd table rows or uniform points
override CD_STEPS: u32 = 1u;     // bisection steps for Cd table rows
override N_TS: u32 = 2u;         // uniform Tauber-Sutton table points
override HAS_LIFT: u32 = 0u;     // 1: some sample may have lift
override QD_WATCH: u32 = 0u;     // 1: the dynamic pressure is a watched maximum (else derived from g's)
override STATE_STRIDE: u32 = 0u; // a sample's state row: STATE_LEN with QD_WATCH, S_PK_QD without
override CHUTES: u32 = 0u;       // 1: the parachute sequence is flown
override GSWITCH: u32 = 0u;      // 1: the drogue is triggered by a g-switch
override CONV_POW: u32 = 0u;     // convective heating: 0 Sutton-Graves (V^3), 1 a general power
override PERT_OFF: u32 = 0u;     // where the perturbation's segments start in the input row (a multiple of 4)
override WIND_OFF: u32 = 0u;     // where the wind's nodes start in the input row (a multiple of 4)

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> consts: array<real>;
@group(0) @binding(2) var<storage, read> inputs: array<real>;
@group(0) @binding(3) var<storage, read_write> states: array<real>;
// The input rows again, four values at a time (the rows' length is a multiple of 4): a wind
// node or a perturbation segment in one load.
@group(0) @binding(5) var<storage, read> inputs4: array<vec4<real>>;
// The model constants again, four at a time: a table segment in one load.
@group(0) @binding(6) var<storage, read> consts4: array<vec4<real>>;
