// Precision prelude, f64. SPIR-V's transcendental instructions are 32-bit only (on lavapipe an
// f64 exp() compiles and returns wrong values), so exp and log are written here with f64
// arithmetic only; the engine checks them against Rust's libm on the adapter at start-up.
alias real = f64;

// RTOL_FLOOR, the tightest relative tolerance at this precision, follows from Rust
// (Precision::rtol_floor).

const LN2_HI: f64 = 6.93147180369123816490e-01; // ln 2, high part: k * LN2_HI is exact
const LN2_LO: f64 = 1.90821492927058770002e-10; // ln 2 - LN2_HI
const INV_LN2: f64 = 1.44269504088896338700e+00;

// e^x: x = k ln2 + r with |r| <= ln2/2, Taylor series of e^r to degree 13 (truncation below
// 1e-17 relative), then scaled by 2^k.
fn rexp(x: f64) -> f64 {
    if (x < -708.0) {
        return 0.0;
    }
    let xc = min(x, 709.0);
    let k = floor(xc * INV_LN2 + 0.5);
    // Two explicit fmas, not (xc - k * LN2_HI) - k * LN2_LO: NVIDIA's Vulkan compiler (driver
    // 580, H200) folded that expression into xc - k * (LN2_HI + LN2_LO), which loses the split
    // and puts k ulp(ln 2) into r (exp(88.5) was 13 ulp off and failed the start-up check).
    // On lavapipe, whose fma is unfused, both forms give the same bits (k * LN2_HI is exact);
    // with a fused fma the outer one may round k * LN2_LO's product differently, a last bit.
    let r = fma(-k, LN2_LO, fma(-k, LN2_HI, xc));
    // The Taylor polynomial to r^13 as 1 + r + r^2 T(r), T by Estrin's scheme (pairs, then
    // quadruples and the octet): six dependent steps where Horner's form takes thirteen, and
    // within 0.96 ulp of exp against Horner's 1.05 (50,000 arguments in -700..700, unfused
    // fma as lavapipe's, against 200-bit references; a scratch script).
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let t0 = fma(r, 1.0 / 6.0, 0.5);
    let t1 = fma(r, 1.0 / 120.0, 1.0 / 24.0);
    let t2 = fma(r, 1.0 / 5040.0, 1.0 / 720.0);
    let t3 = fma(r, 1.0 / 362880.0, 1.0 / 40320.0);
    let t4 = fma(r, 1.0 / 39916800.0, 1.0 / 3628800.0);
    let t5 = fma(r, 1.0 / 6227020800.0, 1.0 / 479001600.0);
    let v0 = fma(t1, r2, t0);
    let v1 = fma(t3, r2, t2);
    let v2 = fma(t5, r2, t4);
    let tail = fma(v2, r8, fma(v1, r4, v0));
    let p = 1.0 + fma(r2, tail, r);
    // 2^k scaling by ldexp, exact on lavapipe's f64 (checked bit for bit against Rust over
    // exponents -1100..1100; the start-up self-test checks rexp on the adapter in hand).
    return ldexp(p, i32(k));
}

// ln x for x in the f32 normal range: an f32 log seeds one Halley step on e^y = x,
// y1 = y0 + 2 (x - e^y0) / (x + e^y0), which cubes the seed's error (1e-7 -> 1e-21).
fn rlog(x: f64) -> f64 {
    let y0 = f64(log(f32(x)));
    let e = rexp(y0);
    return y0 + 2.0 * (x - e) / (x + e);
}

// physics::vec3::atan2_arith: atan2 from arithmetic and sqrt (lavapipe's f64 atan2 is only
// f32-accurate): two half-angle reductions, then the series to u^25.
fn ratan_unit(u: f64) -> f64 {
    let u1 = u / (1.0 + sqrt(1.0 + u * u));
    let u2 = u1 / (1.0 + sqrt(1.0 + u1 * u1));
    return 4.0 * u2 * ratan_series(u2 * u2, 13);
}

// physics::vec3::atan_series: sum_{k < terms} (-1)^k z^k / (2k + 1) by Horner, so that
// atan(u) = u ratan_series(u * u, terms). Every call passes a literal count, which the driver
// unrolls after inlining.
fn ratan_series(z: f64, terms: i32) -> f64 {
    var s: f64 = 0.0;
    for (var k = terms - 1; k >= 0; k = k - 1) {
        var sign: f64 = 1.0;
        if (k % 2 == 1) {
            sign = -1.0;
        }
        s = sign / f64(2 * k + 1) + z * s;
    }
    return s;
}

// physics::vec3::atan2_small: for x > 0 and |tan(theta/2)| <= 1/16, the series to u^13
// without the further reductions; ratan2 otherwise.
fn ratan2_small(y: f64, x: f64) -> f64 {
    if (x > 0.0) {
        let u = y / (sqrt(x * x + y * y) + x);
        if (abs(u) <= 0.0625) {
            return 2.0 * u * ratan_series(u * u, 7);
        }
    }
    return ratan2(y, x);
}

fn ratan2(y: f64, x: f64) -> f64 {
    let r = sqrt(x * x + y * y);
    if (r == 0.0) {
        return 0.0;
    }
    if (x >= 0.0) {
        return 2.0 * ratan_unit(y / (r + x));
    }
    let pi: f64 = 3.14159265358979311600e+00;
    if (y == 0.0) {
        return pi;
    }
    return select(-pi, pi, y > 0.0) - 2.0 * ratan_unit(y / (r - x));
}
