// Precision prelude, f32: every quantity in single precision, builtin transcendentals.
alias real = f32;

// Tightest relative tolerance the adaptive integrator is given at this precision: f32 rounds
// positions near 6,400 km to 0.5 m, so tighter error norms would be rounding noise.
const RTOL_FLOOR: f32 = 1.0e-5;

fn rexp(x: f32) -> f32 {
    return exp(x);
}

fn rlog(x: f32) -> f32 {
    return log(x);
}

// prelude_f64's ratan2_small (its short series is for f64's last bits; f32 needs none).
fn ratan2_small(y: f32, x: f32) -> f32 {
    return ratan2(y, x);
}

fn ratan2(y: f32, x: f32) -> f32 {
    return atan2(y, x);
}
