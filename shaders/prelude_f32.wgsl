// Precision prelude, f32: every quantity in single precision, builtin transcendentals.
alias real = f32;

// RTOL_FLOOR, the tightest relative tolerance at this precision, follows from Rust
// (Precision::rtol_floor).

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
