// Aerodynamics: Cd constant or Cd(Mach) table (held beyond its ends) times the dispersed scale.
// CD_MODE: 0 constant, 1 (Mach, Cd) rows searched by bisection, 2 a uniform table.

// Linear interpolation in an ascending [x, y] table of n rows in consts, held beyond its ends.
// The segment is found by bisection with a fixed trip count `steps` >= log2(n - 1) (an
// override constant, so the loop unrolls; data-dependent loops are avoided in these kernels).
fn consts_held(base: u32, n: u32, steps: u32, x: real) -> real {
    let xc = clamp(x, consts[base], consts[base + 2u * (n - 1u)]);
    var lo = 0u;
    var hi = n - 1u;
    for (var k = 0u; k < steps; k = k + 1u) {
        let mid = (lo + hi) / 2u;
        let below = xc < consts[base + 2u * mid];
        hi = select(hi, mid, below);
        lo = select(mid, lo, below);
    }
    let xp = consts[base + 2u * lo];
    let yp = consts[base + 2u * lo + 1u];
    let xn = consts[base + 2u * lo + 2u];
    let yn = consts[base + 2u * lo + 3u];
    return yp + (xc - xp) / (xn - xp) * (yn - yp);
}

fn drag_coefficient(mach: real, cd_const: real, cd_scale: real) -> real {
    var cd: real = cd_const;
    if (CD_MODE == 1u) {
        cd = consts_held(dims.off_cd, N_CD, CD_STEPS, mach);
    } else if (CD_MODE == 2u) {
        cd = consts4_uniform_held(dims.off_cd, N_CD, consts[C_CD_X0], consts[C_CD_DX],
                                  consts[C_CD_INV_DX], mach);
    }
    return cd * cd_scale;
}
