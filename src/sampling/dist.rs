//! Univariate and correlated (multivariate normal) input distributions.
//!
//! Every draw here consumes RNG output deterministically: the same RNG state
//! always yields the same value (and leaves the RNG in the same state), so a
//! run is reproducible from its seed. [`standard_normal`] is the single place
//! where RNG output becomes an N(0, 1) variate.
//!
//! Normal probabilities are computed here from the standard normal
//! distribution function `Phi(z)` and its upper tail `Q(z) = 1 - Phi(z)`,
//! each evaluated directly (a power series near the centre, Laplace's
//! continued fraction in the tails) so that both keep full relative precision
//! far into the tails. statrs' `erfc` was not used for them: in statrs 0.19 it
//! is only accurate to about 1e-10 relative, which the closed-form truncated
//! normal variance amplifies by `mean^2 / variance` (~1e4 at 8 sigma).
//! The sampler itself uses statrs (`erfc` for the bounds' masses and the
//! normal `inverse_cdf`), whose ~1e-10 accuracy is harmless there.

use std::f64::consts::{PI, SQRT_2};

use rand::distr::Open01;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::erf::erfc;
use statrs::function::gamma::gamma;

/// A univariate input distribution. Parameters are validated by the caller
/// (`sigma > 0`, `low < high`, ...); the methods only `debug_assert!` them.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Normal (Gaussian) with the given mean and standard deviation.
    Normal { mean: f64, sigma: f64 },
    /// Continuous uniform on `[low, high]`.
    Uniform { low: f64, high: f64 },
    /// normal(mean, sigma) restricted to [low, high]
    ///
    /// Either bound may be infinite (a one-sided truncation).
    TruncatedNormal {
        mean: f64,
        sigma: f64,
        low: f64,
        high: f64,
    },
    /// value = median * exp(sigma_ln * z), z standard normal
    LogNormal { median: f64, sigma_ln: f64 },
    /// Weibull: P(X <= x) = 1 - exp(-(x / scale)^shape), x >= 0 (the form Imken et al. fit to
    /// spacecraft safe-mode inter-arrival times and outage durations).
    Weibull { shape: f64, scale: f64 },
}

impl Dist {
    /// Draws one value.
    ///
    /// RNG consumption per variant: `Normal` and `LogNormal` take one
    /// [`standard_normal`] draw; `Uniform` and `TruncatedNormal` take one `u64`
    /// (one uniform variate on the open interval (0, 1)).
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.debug_check();
        match *self {
            Dist::Normal { mean, sigma } => mean + sigma * standard_normal(rng),
            Dist::Uniform { low, high } => {
                let u: f64 = Open01.sample(rng);
                // Rounding could carry `low + width * u` a hair past `high`.
                (low + (high - low) * u).min(high)
            }
            Dist::TruncatedNormal {
                mean,
                sigma,
                low,
                high,
            } => {
                let u: f64 = Open01.sample(rng);
                let (a, b) = standardize(mean, sigma, low, high);
                let z = truncated_std_quantile(a, b, u);
                // Rounding of `mean + sigma * z` must not leave the interval.
                (mean + sigma * z).max(low).min(high)
            }
            Dist::LogNormal { median, sigma_ln } => {
                median * (sigma_ln * standard_normal(rng)).exp()
            }
            // Inverse CDF on u in (0, 1): scale (-ln u)^(1/shape) (u and 1 - u are alike).
            Dist::Weibull { shape, scale } => {
                let u: f64 = Open01.sample(rng);
                scale * (-u.ln()).powf(1.0 / shape)
            }
        }
    }

    /// Cumulative distribution function `P(X <= x)`.
    pub fn cdf(&self, x: f64) -> f64 {
        self.debug_check();
        match *self {
            Dist::Normal { mean, sigma } => phi((x - mean) / sigma),
            Dist::Uniform { low, high } => ((x - low) / (high - low)).clamp(0.0, 1.0),
            Dist::TruncatedNormal {
                mean,
                sigma,
                low,
                high,
            } => {
                if x <= low {
                    return 0.0;
                }
                if x >= high {
                    return 1.0;
                }
                let (a, b) = standardize(mean, sigma, low, high);
                truncated_std_cdf(a, b, (x - mean) / sigma).clamp(0.0, 1.0)
            }
            Dist::LogNormal { median, sigma_ln } => {
                if x <= 0.0 {
                    0.0
                } else {
                    phi((x / median).ln() / sigma_ln)
                }
            }
            Dist::Weibull { shape, scale } => {
                if x <= 0.0 {
                    0.0
                } else {
                    -(-(x / scale).powf(shape)).exp_m1()
                }
            }
        }
    }

    /// Analytic mean.
    pub fn mean(&self) -> f64 {
        self.debug_check();
        match *self {
            Dist::Normal { mean, .. } => mean,
            Dist::Uniform { low, high } => 0.5 * (low + high),
            Dist::TruncatedNormal {
                mean,
                sigma,
                low,
                high,
            } => {
                let (a, b) = standardize(mean, sigma, low, high);
                mean + sigma * truncated_std_moments(a, b).0
            }
            // Lognormal mean median * exp(s^2 / 2) (standard lognormal moments,
            // E[X^k] = median^k exp(k^2 s^2 / 2)).
            Dist::LogNormal { median, sigma_ln } => median * (0.5 * sigma_ln * sigma_ln).exp(),
            // Weibull mean scale Gamma(1 + 1/shape).
            Dist::Weibull { shape, scale } => scale * gamma(1.0 + 1.0 / shape),
        }
    }

    /// Analytic standard deviation.
    pub fn std(&self) -> f64 {
        self.debug_check();
        match *self {
            Dist::Normal { sigma, .. } => sigma,
            // Uniform variance (high - low)^2 / 12.
            Dist::Uniform { low, high } => (high - low) / 12f64.sqrt(),
            Dist::TruncatedNormal {
                mean,
                sigma,
                low,
                high,
            } => {
                let (a, b) = standardize(mean, sigma, low, high);
                sigma * truncated_std_moments(a, b).1.max(0.0).sqrt()
            }
            // Lognormal variance median^2 exp(s^2) (exp(s^2) - 1), written with
            // expm1 so that small s keeps its precision.
            Dist::LogNormal { median, sigma_ln } => {
                let s2 = sigma_ln * sigma_ln;
                median * (0.5 * s2).exp() * s2.exp_m1().sqrt()
            }
            // Weibull variance scale^2 (Gamma(1 + 2/shape) - Gamma(1 + 1/shape)^2).
            Dist::Weibull { shape, scale } => {
                let g1 = gamma(1.0 + 1.0 / shape);
                scale * (gamma(1.0 + 2.0 / shape) - g1 * g1).max(0.0).sqrt()
            }
        }
    }

    fn debug_check(&self) {
        match *self {
            Dist::Normal { mean, sigma } => {
                debug_assert!(mean.is_finite(), "normal mean must be finite");
                debug_assert!(sigma > 0.0 && sigma.is_finite(), "normal sigma must be > 0");
            }
            Dist::Uniform { low, high } => {
                debug_assert!(low.is_finite() && high.is_finite(), "uniform bounds finite");
                debug_assert!(low < high, "uniform needs low < high");
            }
            Dist::TruncatedNormal {
                mean,
                sigma,
                low,
                high,
            } => {
                debug_assert!(mean.is_finite(), "truncated normal mean must be finite");
                debug_assert!(sigma > 0.0 && sigma.is_finite(), "truncated sigma > 0");
                debug_assert!(low < high, "truncated normal needs low < high");
            }
            Dist::LogNormal { median, sigma_ln } => {
                debug_assert!(median > 0.0 && median.is_finite(), "lognormal median > 0");
                debug_assert!(sigma_ln > 0.0 && sigma_ln.is_finite(), "sigma_ln > 0");
            }
            Dist::Weibull { shape, scale } => {
                debug_assert!(shape > 0.0 && shape.is_finite(), "weibull shape > 0");
                debug_assert!(scale > 0.0 && scale.is_finite(), "weibull scale > 0");
            }
        }
    }
}

/// One standard normal draw; the single place the crate turns RNG output into
/// N(0,1). Uses the ziggurat sampler of `rand_distr::StandardNormal`, which
/// consumes a variable but deterministic amount of RNG output.
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

/// Multivariate normal distribution, stored as its mean and the lower
/// triangular Cholesky factor `L` of its covariance (`cov = L L^T`).
#[derive(Debug, Clone, PartialEq)]
pub struct MultiNormal {
    mean: Vec<f64>,
    /// Row-major `dim x dim`, zero above the diagonal.
    chol: Vec<f64>,
}

impl MultiNormal {
    /// Builds the distribution; `Err(message)` if `cov` is empty, not square,
    /// not matching `mean` in size, non-finite, not symmetric (relative 1e-12)
    /// or not positive definite, the message saying which.
    ///
    /// Symmetry is checked as `|c_ij - c_ji| <= 1e-12 * s` with
    /// `s = max(|c_ij|, |c_ji|, sqrt(|c_ii c_jj|))`, so that rounding noise on a
    /// near-zero covariance is not mistaken for asymmetry. Only the lower
    /// triangle is used afterwards. Positive definiteness is decided by the
    /// Cholesky-Banachiewicz factorisation (Golub & Van Loan, "Matrix
    /// Computations", sec. 4.2): every pivot must be strictly positive, so a
    /// singular (semi-definite) matrix, e.g. a correlation of exactly 1, is
    /// rejected. Rows, entries and pivots are counted from 1 in the messages, as a config's
    /// tables are.
    pub fn new(mean: Vec<f64>, cov: Vec<Vec<f64>>) -> Result<Self, String> {
        let n = cov.len();
        if n == 0 {
            return Err("covariance matrix is empty".to_string());
        }
        for (i, row) in cov.iter().enumerate() {
            if row.len() != n {
                return Err(format!(
                    "covariance matrix is not square: it has {n} rows but row {} has {} entries",
                    i + 1,
                    row.len()
                ));
            }
        }
        if mean.len() != n {
            return Err(format!(
                "mean has {} entries but the covariance matrix is {n}x{n}",
                mean.len()
            ));
        }
        if let Some(i) = mean.iter().position(|m| !m.is_finite()) {
            return Err(format!("mean entry {} is not finite", i + 1));
        }
        for (i, row) in cov.iter().enumerate() {
            if let Some(j) = row.iter().position(|c| !c.is_finite()) {
                return Err(format!(
                    "covariance entry ({}, {}) is not finite",
                    i + 1,
                    j + 1
                ));
            }
        }
        for i in 0..n {
            for j in 0..i {
                let (cij, cji) = (cov[i][j], cov[j][i]);
                let scale = cij
                    .abs()
                    .max(cji.abs())
                    .max((cov[i][i] * cov[j][j]).abs().sqrt());
                if (cij - cji).abs() > 1e-12 * scale {
                    return Err(format!(
                        "covariance matrix is not symmetric: entry ({a}, {b}) = {cij:e} \
                         but entry ({b}, {a}) = {cji:e}",
                        a = i + 1,
                        b = j + 1
                    ));
                }
            }
        }
        let mut chol = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let dot: f64 = (0..j).map(|k| chol[i * n + k] * chol[j * n + k]).sum();
                let s = cov[i][j] - dot;
                if i == j {
                    // NaN (from overflow in the dot product) also fails.
                    if s.is_nan() || s <= 0.0 {
                        return Err(format!(
                            "covariance matrix is not positive definite: Cholesky pivot {k} \
                             is {} (the leading {k}x{k} block is not positive definite)",
                            crate::config::sig(s),
                            k = i + 1
                        ));
                    }
                    chol[i * n + i] = s.sqrt();
                } else {
                    chol[i * n + j] = s / chol[j * n + j];
                }
            }
        }
        Ok(MultiNormal { mean, chol })
    }

    /// Number of components.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// Mean vector.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// draws dim() standard normals from rng in order, returns mean + L z
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        let n = self.dim();
        let z: Vec<f64> = (0..n).map(|_| standard_normal(rng)).collect();
        (0..n)
            .map(|i| {
                let row = &self.chol[i * n..i * n + i + 1];
                self.mean[i] + row.iter().zip(&z).map(|(l, zk)| l * zk).sum::<f64>()
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Standard normal helpers and the truncated normal.
// ---------------------------------------------------------------------------

/// Standard normal distribution function `Phi(z)`.
fn phi(z: f64) -> f64 {
    if z.is_nan() {
        f64::NAN
    } else if z <= -TAIL_SWITCH {
        upper(-z)
    } else if z < TAIL_SWITCH {
        0.5 + phi_minus_half(z)
    } else {
        1.0 - upper(z)
    }
}

/// Standard normal upper tail `Q(z) = 1 - Phi(z)`, accurate to a few ulps
/// relative far into the tail (down to the underflow near z = 38.5).
fn upper(z: f64) -> f64 {
    if z.is_nan() {
        f64::NAN
    } else if z >= TAIL_SWITCH {
        pdf(z) * mills_ratio(z)
    } else if z > -TAIL_SWITCH {
        0.5 - phi_minus_half(z)
    } else {
        1.0 - upper(-z)
    }
}

/// Where `phi`/`upper` switch from the power series to the continued fraction.
/// At |z| = 3 the series needs ~33 terms and its complement
/// `0.5 - (Phi - 0.5)` loses 2.5 digits (about 1e-13 relative), while the
/// continued fraction needs ~50 levels for full precision; both are cheap.
const TAIL_SWITCH: f64 = 3.0;

/// `Phi(z) - 1/2 = pdf(z) sum_{n>=0} z^(2n+1) / (1 3 5 ... (2n+1))`
/// (Abramowitz & Stegun 26.2.11). All terms share the sign of z, so there is
/// no cancellation; for |z| < 3 it converges in under 35 terms.
fn phi_minus_half(z: f64) -> f64 {
    let z2 = z * z;
    let mut term = z;
    let mut sum = z;
    let mut k = 1.0;
    while term.abs() > 1e-17 * sum.abs() {
        k += 2.0;
        term *= z2 / k;
        sum += term;
    }
    pdf(z) * sum
}

/// Mills ratio `R(x) = Q(x) / pdf(x)` for `x >= 3` by Laplace's continued
/// fraction `R(x) = 1 / (x + 1 / (x + 2 / (x + 3 / (x + ...))))`
/// (Abramowitz & Stegun 26.2.14), evaluated bottom-up with a depth that
/// reaches double precision (50 levels at x = 3, 20 at x = 6; the
/// truncation error at these depths was checked to stay below 1e-15).
fn mills_ratio(x: f64) -> f64 {
    if x.is_infinite() {
        return 0.0;
    }
    let depth = (10.0 + 360.0 / (x * x)) as u32;
    let mut t = x;
    for k in (1..=depth).rev() {
        t = x + f64::from(k) / t;
    }
    1.0 / t
}
/// Standard normal quantile `Phi^-1(p)` for `p` in [0, 1] (statrs, built on
/// the inverse complementary error function).
fn phi_inv(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Standard normal density. `exp(-z^2 / 2)` is evaluated with `z` split into
/// a head with few significant bits (so that its square is exact) and a small
/// remainder; this keeps the density accurate to a few ulps even where
/// `z^2 / 2` is in the hundreds and a single rounding of `z^2` would already
/// cost ~1e-13 relative.
fn pdf(z: f64) -> f64 {
    let z = z.abs();
    if z > 40.0 {
        return (-0.5 * z * z).exp() / (2.0 * PI).sqrt();
    }
    let head = (z * 64.0).trunc() / 64.0;
    let rest = (z - head) * (z + head);
    (-0.5 * head * head).exp() * (-0.5 * rest).exp() / (2.0 * PI).sqrt()
}

/// `z * pdf(z)`, taken as 0 at infinite `z` (its limit) instead of NaN.
fn z_pdf(z: f64) -> f64 {
    if z.is_finite() {
        z * pdf(z)
    } else {
        0.0
    }
}

fn standardize(mean: f64, sigma: f64, low: f64, high: f64) -> (f64, f64) {
    ((low - mean) / sigma, (high - mean) / sigma)
}

/// Below this tail mass an interval `[a, b]` in the upper tail (`a >= 0`) is
/// treated as degenerate: this happens beyond a = 35.7834 sigma, where
/// `Q(a) = 1e-280` (or for a vanishingly narrow interval slightly closer in).
/// There the normal density `exp(-a y - y^2 / 2)` (with `y = z - a`) is
/// replaced by the exponential `exp(-a y)`, the leading term of the
/// Mills-ratio expansion `Q(a) ~ pdf(a) / a`. The neglected factor
/// `exp(-y^2 / 2)` is 1 - 1/(2 a^2) at the typical `y = 1 / a`, and its effect
/// on the moments is larger: for a half-infinite interval the exponential's
/// mean offset `1 / a` is `2 / a^2` relative too large and its std `1 / a` is
/// `3 / a^2` relative too large (1.6e-3 and 2.3e-3 at a = 35.78). The sampler
/// and the CDF keep that exponential (their error is below the resolution of
/// any Monte Carlo run of fewer than ~1e6 samples); [`upper_tail_moments`]
/// uses the asymptotic series of the normal's moments where the interval is
/// effectively half-infinite. The floor keeps every probability handed to the
/// quantile function a normal float, so that it cannot underflow to 0 (an
/// infinite quantile).
const TAIL_MASS_FLOOR: f64 = 1e-280;

fn tail_underflows(a: f64, b: f64) -> bool {
    upper(a) - upper(b) < TAIL_MASS_FLOOR
}

/// `Phi` and `Q` as used by the sampler: statrs' `erfc`, the counterpart of
/// the statrs quantile the sampler inverts with. Its ~1e-10 relative error
/// shifts the sampled CDF by at most ~1e-10, far below any Monte Carlo
/// resolution, and it is several times faster than [`phi`] / [`upper`],
/// which matters because the bounds' masses are recomputed on every draw.
fn phi_fast(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

fn upper_fast(z: f64) -> f64 {
    0.5 * erfc(z / SQRT_2)
}

/// Quantile of the standard normal truncated to `[a, b]` at probability
/// `u` in (0, 1) (inverse-CDF sampling; Devroye, "Non-Uniform Random Variate
/// Generation", sec. II.2).
///
/// The interval is handled in one of three orientations so that the argument
/// of `Phi^-1` is always a small tail probability, never `1 - small`:
/// entirely above the mean (work with `Q`), entirely below (mirror it), or
/// straddling the mean (split the mass at 0 and anchor each half at its own
/// tail end).
fn truncated_std_quantile(a: f64, b: f64, u: f64) -> f64 {
    let z = if a >= 0.0 {
        upper_tail_quantile(a, b, u)
    } else if b <= 0.0 {
        -upper_tail_quantile(-b, -a, u)
    } else {
        let pa = phi_fast(a);
        let qb = upper_fast(b);
        let mass_low = 0.5 - pa;
        let mass_high = 0.5 - qb;
        let t = u * (mass_low + mass_high);
        if t < mass_low {
            phi_inv(pa + t)
        } else {
            -phi_inv(qb + (mass_low + mass_high - t))
        }
    };
    // Quantile rounding must not leave the interval (max/min do not panic
    // on a degenerate interval, unlike clamp).
    z.max(a).min(b)
}

/// Quantile on `[a, b]` with `0 <= a < b`: solves `Q(z) = Q(a) - u (Q(a) - Q(b))`.
fn upper_tail_quantile(a: f64, b: f64, u: f64) -> f64 {
    let qa = upper_fast(a);
    let qb = upper_fast(b);
    if qa - qb < TAIL_MASS_FLOOR {
        // Exponential tail of rate a truncated to width w = b - a:
        // z = a - ln(1 - u (1 - exp(-a w))) / a.
        let w = b - a;
        let span = -(-a * w).exp_m1();
        return a - (-u * span).ln_1p() / a;
    }
    -phi_inv(qa - u * (qa - qb))
}

/// CDF of the standard normal truncated to `[a, b]`, for `a < z < b`.
fn truncated_std_cdf(a: f64, b: f64, z: f64) -> f64 {
    if a >= 0.0 {
        if tail_underflows(a, b) {
            let span = -(-a * (b - a)).exp_m1();
            if span == 0.0 {
                // Rate a = 0 with a vanishing width: flat density.
                return (z - a) / (b - a);
            }
            return -(-a * (z - a)).exp_m1() / span;
        }
        let qa = upper(a);
        (qa - upper(z)) / (qa - upper(b))
    } else if b <= 0.0 {
        if tail_underflows(-b, -a) {
            // Mirror image of the exponential tail above.
            let r = -b;
            let span = -(-r * (b - a)).exp_m1();
            if span == 0.0 {
                return (z - a) / (b - a);
            }
            return (-r * (b - z)).exp() * (-(-r * (z - a)).exp_m1()) / span;
        }
        let pa = phi(a);
        (phi(z) - pa) / (phi(b) - pa)
    } else {
        let pa = phi(a);
        let total = (0.5 - pa) + (0.5 - upper(b));
        let below = if z <= 0.0 {
            phi(z) - pa
        } else {
            (0.5 - pa) + (0.5 - upper(z))
        };
        below / total
    }
}

/// Mean and variance of the standard normal truncated to `[a, b]`:
/// with `Z = Phi(b) - Phi(a)`,
/// mean `= (pdf(a) - pdf(b)) / Z` and
/// variance `= 1 + (a pdf(a) - b pdf(b)) / Z - mean^2`
/// (Johnson, Kotz & Balakrishnan, "Continuous Univariate Distributions",
/// vol. 1, ch. 13 on the truncated normal).
fn truncated_std_moments(a: f64, b: f64) -> (f64, f64) {
    if a >= 0.0 {
        upper_tail_moments(a, b)
    } else if b <= 0.0 {
        let (m, v) = upper_tail_moments(-b, -a);
        (-m, v)
    } else {
        let z = (0.5 - phi(a)) + (0.5 - upper(b));
        let m = (pdf(a) - pdf(b)) / z;
        (m, 1.0 + (z_pdf(a) - z_pdf(b)) / z - m * m)
    }
}

fn upper_tail_moments(a: f64, b: f64) -> (f64, f64) {
    if tail_underflows(a, b) {
        // Exponential of rate r = a truncated to width w: mean offset
        // 1/r - w / (exp(r w) - 1), variance 1/r^2 - w^2 exp(r w) / (exp(r w) - 1)^2.
        // That approximation errs by O(1/a^2) relative (see TAIL_MASS_FLOOR).
        let r = a;
        let w = b - a;
        let rw = r * w;
        if rw > 40.0 {
            // The width beyond a is effectively infinite (the far end's
            // share of the mean, about r w exp(-r w), is below 2e-16 of it,
            // and of the variance, (r w)^2 exp(-r w), below 7e-15: under the
            // series' own 3.3e-13), and a >= 35.78: the moments of the
            // normal truncated below at a, from the asymptotic series of the
            // inverse Mills ratio. With x = 1/a^2 (Abramowitz & Stegun
            // 26.2.12 inverted term by term):
            //   lambda = pdf(a) / Q(a) = a + (1/a) (1 - 2x + 10x^2 - 74x^3 + 706x^4 - 8162x^5 + ...),
            //   variance = 1 + a lambda - lambda^2
            //            = x (1 - 6x + 50x^2 - 518x^3 + 6354x^4 - 89782x^5 + ...).
            // The first omitted terms, 110410 x^6 and 1435330 x^6 relative,
            // are 2.5e-14 and 3.3e-13 at a = 35.78.
            let x = 1.0 / (a * a);
            let offset =
                (1.0 + x * (-2.0 + x * (10.0 + x * (-74.0 + x * (706.0 + x * -8162.0))))) / a;
            let var =
                x * (1.0 + x * (-6.0 + x * (50.0 + x * (-518.0 + x * (6354.0 + x * -89782.0)))));
            return (a + offset, var);
        }
        if rw < 1e-3 {
            // Nearly flat over a very narrow interval: uniform moments.
            return (a + 0.5 * w, w * w / 12.0);
        }
        let em1 = rw.exp_m1();
        let m = a + 1.0 / r - w / em1;
        let v = 1.0 / (r * r) - w * w * (em1 + 1.0) / (em1 * em1);
        return (m, v);
    }
    let z = upper(a) - upper(b);
    let m = (pdf(a) - pdf(b)) / z;
    (m, 1.0 + (z_pdf(a) - z_pdf(b)) / z - m * m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail_matches_reference_values() {
        // Reference Q(x) = erfc(x / sqrt 2) / 2 from glibc's erfc. Rounding of
        // the argument x / sqrt 2 alone perturbs the reference by about
        // x^2 * 1.1e-16 relative, hence the tolerance 1e-14 * max(1, x^2).
        let cases = [
            (-1.5, 0.9331927987311419),
            (0.0, 0.5),
            (0.5, 0.3085375387259869),
            (1.0, 0.15865525393145707),
            (1.9999, 0.022755531584767192),
            (2.0, 0.02275013194817922),
            (3.0, 0.0013498980316300957),
            (5.0, 2.866515718791946e-07),
            (10.0, 7.619853024160593e-24),
            (20.0, 2.7536241186063314e-89),
            (37.0, 5.725571222525139e-300),
        ];
        for (x, q) in cases {
            let tol = 1e-14 * f64::max(1.0, x * x);
            assert!(
                (upper(x) / q - 1.0).abs() < tol,
                "Q({x}) = {} vs {q}",
                upper(x)
            );
            assert!((phi(-x) / q - 1.0).abs() < tol, "Phi({}) vs {q}", -x);
        }
        assert_eq!(phi(f64::NEG_INFINITY), 0.0);
        assert_eq!(phi(f64::INFINITY), 1.0);
        assert_eq!(upper(f64::INFINITY), 0.0);
        // exp(-450) / sqrt(2 pi), glibc; 1e-15: the split keeps a few ulps.
        assert!((pdf(30.0) / 1.4736461348785476e-196 - 1.0).abs() < 1e-15);
    }
}
