// Aerodynamics: Cd constant or Cd(Mach) table (held beyond its ends) times the dispersed scale.

// Linear interpolation in an ascending [x, y] table in consts, held beyond its ends.
fn consts_held(base: u32, n: u32, x: real) -> real {
    if (x <= consts[base]) {
        return consts[base + 1u];
    }
    for (var i = 1u; i < n; i = i + 1u) {
        let xi = consts[base + 2u * i];
        if (x < xi) {
            let xp = consts[base + 2u * i - 2u];
            let yp = consts[base + 2u * i - 1u];
            let f = (x - xp) / (xi - xp);
            return yp + f * (consts[base + 2u * i + 1u] - yp);
        }
    }
    return consts[base + 2u * n - 1u];
}

fn drag_coefficient(ib: u32, mach: real) -> real {
    var cd: real = inputs[ib + I_CD];
    if (dims.cd_mode == 1u) {
        cd = consts_held(dims.off_cd, dims.n_cd, mach);
    }
    return cd * inputs[ib + I_CD_SCALE];
}
