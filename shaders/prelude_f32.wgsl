// Precision prelude, f32: every quantity in single precision, builtin transcendentals.
alias real = f32;

fn rexp(x: f32) -> f32 {
    return exp(x);
}

fn rlog(x: f32) -> f32 {
    return log(x);
}
