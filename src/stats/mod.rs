//! Summary statistics of Monte Carlo outputs: moments, exact percentiles,
//! binomial proportions with confidence intervals, landing ellipses and the
//! Kolmogorov-Smirnov goodness-of-fit test.

pub mod accumulator;
pub mod ellipse;
pub mod ks;
pub mod sensitivity;

pub use ellipse::{landing_ellipse, Ellipse};
pub use ks::{ks_p_value, ks_statistic};

/// Summary of one scalar output metric over the included samples.
///
/// The percentile levels are the normal-distribution 3-sigma and 2-sigma
/// one-sided tail levels (0.135 %, 2.275 %, 97.725 %, 99.865 %) and the median.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricSummary {
    pub count: u64,
    pub mean: f64,
    /// Sample standard deviation (n - 1 denominator; 0 for a single value here,
    /// written as null to summary.parquet: `accumulator`).
    pub std: f64,
    pub min: f64,
    pub p00135: f64,
    pub p02275: f64,
    pub p50: f64,
    pub p97725: f64,
    pub p99865: f64,
    pub max: f64,
    /// Nonparametric one-sided tolerance bounds ([`tolerance_rank`]): at 95 % confidence at
    /// most 0.135 % of the population lies below `tol_lower` (a lower bound on the 0.135th
    /// percentile), and at most 0.135 % above `tol_upper`. `None` below
    /// [`TOLERANCE_MIN_SAMPLES`].
    pub tol_lower: Option<f64>,
    pub tol_upper: Option<f64>,
}

/// The tail and confidence of the tolerance bounds: the 99.865 % one-sided content (the
/// normal's 3 sigma) at 95 % confidence, what review boards ask of Monte Carlo results.
pub const TOLERANCE_TAIL: f64 = 0.00135;
pub const TOLERANCE_CONFIDENCE: f64 = 0.95;
/// The fewest samples for which the bounds exist: the extreme value is a bound at 95 % only if
/// 1 - (1 - 0.00135)^n >= 0.95, n >= 2,218.
pub const TOLERANCE_MIN_SAMPLES: usize = 2218;

/// Whether a metric of `count` values (summary.parquet's `count`) is too short for the bounds.
pub fn short_of_tolerance(count: f64) -> bool {
    count < TOLERANCE_MIN_SAMPLES as f64
}

/// The order statistic of a nonparametric one-sided tolerance bound (Wilks): the largest k
/// such that the k-th largest of n values exceeds the (1 - tail) quantile with probability at
/// least `confidence`, i.e. P(Binomial(n, tail) >= k) >= confidence. `None` when even the
/// largest value does not (n too small). For n = 10,000, tail 0.00135, confidence 0.95: k = 8.
pub fn tolerance_rank(n: usize, tail: f64, confidence: f64) -> Option<usize> {
    if n == 0 || !(tail > 0.0 && tail < 1.0) {
        return None;
    }
    // P(X >= k) = 1 - sum_{j < k} pmf(j), the pmf built up from (1 - tail)^n in logs.
    let ln_ratio = (tail / (1.0 - tail)).ln();
    let mut ln_pmf = n as f64 * (-tail).ln_1p();
    let mut below = 0.0; // P(X < k)
    let mut best = None;
    for k in 1..=n {
        below += ln_pmf.exp();
        if 1.0 - below < confidence {
            break;
        }
        best = Some(k);
        let j = (k - 1) as f64;
        ln_pmf += ((n as f64 - j) / (j + 1.0)).ln() + ln_ratio;
    }
    best
}

/// Summarises `values` (the caller passes only the values to include).
/// Returns `None` when `values` is empty.
///
/// The mean and the sample standard deviation (`stddev_samp`, n - 1
/// denominator) use the corrected two-pass algorithm (Chan, Golub & LeVeque,
/// "Algorithms for computing the sample variance", 1983): a compensated first
/// pass gives a provisional mean `m`, and the second pass accumulates the
/// deviations `d = x - m`, returning `m + sum(d) / n` and
/// `(sum(d^2) - sum(d)^2 / n) / (n - 1)`. All sums use Neumaier's compensated
/// summation, so 1e7 values with a large common offset lose no precision.
///
/// Percentiles are exact (a sorted copy) with the interpolation of
/// [`percentile_sorted`]. Values are expected to be finite; a NaN makes the
/// mean and std NaN and is sorted by `f64::total_cmp`.
pub fn summarize(values: &[f64]) -> Option<MetricSummary> {
    summarize_owned(values.to_vec())
}

/// [`summarize`], sorting `values` in place rather than a copy (half the memory for a long
/// column read back from a run's samples).
pub fn summarize_owned(mut values: Vec<f64>) -> Option<MetricSummary> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let provisional = neumaier_sum(values.iter().copied()) / n;
    let dev_sum = neumaier_sum(values.iter().map(|x| x - provisional));
    let dev_sq_sum = neumaier_sum(values.iter().map(|x| (x - provisional).powi(2)));
    let mean = provisional + dev_sum / n;
    let std = if values.len() > 1 {
        ((dev_sq_sum - dev_sum * dev_sum / n) / (n - 1.0))
            .max(0.0)
            .sqrt()
    } else {
        0.0
    };

    values.sort_unstable_by(f64::total_cmp);
    let sorted = values;
    Some(MetricSummary {
        count: sorted.len() as u64,
        mean,
        std,
        min: sorted[0],
        p00135: percentile_sorted(&sorted, 0.00135),
        p02275: percentile_sorted(&sorted, 0.02275),
        p50: percentile_sorted(&sorted, 0.5),
        p97725: percentile_sorted(&sorted, 0.97725),
        p99865: percentile_sorted(&sorted, 0.99865),
        max: sorted[sorted.len() - 1],
        tol_lower: tolerance_rank(sorted.len(), TOLERANCE_TAIL, TOLERANCE_CONFIDENCE)
            .map(|k| sorted[k - 1]),
        tol_upper: tolerance_rank(sorted.len(), TOLERANCE_TAIL, TOLERANCE_CONFIDENCE)
            .map(|k| sorted[sorted.len() - k]),
    })
}

/// Percentile `p` (in [0, 1]) of ascending `sorted` data by linear
/// interpolation between order statistics, "type 7" of Hyndman & Fan,
/// "Sample quantiles in statistical packages" (1996); this is numpy's default
/// and DuckDB's `quantile_cont`: with `h = (n - 1) p`,
/// `value = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])`.
///
/// Returns NaN for empty data; `p` outside [0, 1] is clamped.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    percentile_by(sorted.len(), p, |k| sorted[k])
}

/// [`percentile_sorted`] of n sorted values of which `at(k)` gives the k-th (0-based): the
/// ranks it reads are [`percentile_ranks`].
pub fn percentile_by(n: usize, p: f64, at: impl Fn(usize) -> f64) -> f64 {
    debug_assert!(
        (0.0..=1.0).contains(&p),
        "percentile level {p} not in [0, 1]"
    );
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor();
    let i = lo as usize;
    let frac = h - lo;
    if i + 1 >= n || frac == 0.0 {
        return at(i.min(n - 1));
    }
    let (x0, x1) = (at(i), at(i + 1));
    if x0 == x1 {
        // Avoids inf - inf when both neighbours are the same infinity.
        return x0;
    }
    x0 + frac * (x1 - x0)
}

/// The ranks (0-based, in sorted order) [`percentile_by`] reads for level `p` of n values.
fn percentile_ranks(n: usize, p: f64) -> [usize; 2] {
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let i = h.floor() as usize;
    [i.min(n - 1), (i + 1).min(n - 1)]
}

/// A binomial proportion with its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportion {
    pub successes: u64,
    pub trials: u64,
    /// Point estimate `successes / trials` (NaN for zero trials).
    pub p: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Two-sided 95 % standard normal quantile, `Phi^-1(0.975)`.
const Z95: f64 = 1.959963984540054;

/// Wilson score 95 % interval (Wilson, "Probable inference, the law of
/// succession, and statistical inference", JASA 1927): with `p = s / n` and
/// `z = 1.959963984540054`,
/// centre `= (p + z^2 / (2n)) / (1 + z^2 / n)` and
/// half-width `= z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))`.
///
/// `trials = 0` gives `p` and both bounds NaN. The bounds are exactly 0 for
/// zero successes and exactly 1 when every trial succeeds (their analytic
/// values, which rounding would otherwise miss by an ulp).
pub fn wilson(successes: u64, trials: u64) -> Proportion {
    debug_assert!(successes <= trials, "more successes than trials");
    if trials == 0 {
        return Proportion {
            successes,
            trials,
            p: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
        };
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let ci_low = if successes == 0 {
        0.0
    } else {
        (centre - half).clamp(0.0, 1.0)
    };
    let ci_high = if successes >= trials {
        1.0
    } else {
        (centre + half).clamp(0.0, 1.0)
    };
    Proportion {
        successes,
        trials,
        p,
        ci_low,
        ci_high,
    }
}

/// Neumaier's improved Kahan summation (Neumaier, "Rundungsfehleranalyse
/// einiger Verfahren zur Summation endlicher Summen", 1974).
fn neumaier_sum(values: impl Iterator<Item = f64>) -> f64 {
    let mut acc = Neumaier::default();
    for x in values {
        acc.add(x);
    }
    acc.total()
}

/// Neumaier's compensated running sum.
#[derive(Default, Clone, Copy)]
struct Neumaier {
    sum: f64,
    comp: f64,
}

impl Neumaier {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.comp += (self.sum - t) + x;
        } else {
            self.comp += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn total(&self) -> f64 {
        self.sum + self.comp
    }
}

/// `f(state, job)` for each job of `0..jobs`, on `workers` threads (the calling one among them)
/// that each make their own `state` with `init()` and take the next job as they come free; the
/// results in job order. How the statistics after the last chunk spread over the cores.
pub fn par_jobs<S, T: Send>(
    jobs: usize,
    workers: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize) -> T + Sync,
) -> Vec<T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut state = init();
        let mut done = Vec::new();
        loop {
            let job = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if job >= jobs {
                return done;
            }
            done.push((job, f(&mut state, job)));
        }
    };
    let mut all: Vec<(usize, T)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..workers.clamp(1, jobs.max(1)))
            .map(|_| scope.spawn(work))
            .collect();
        let mut all = work();
        for h in others {
            all.extend(h.join().expect("a statistics worker does not panic"));
        }
        all
    });
    all.sort_unstable_by_key(|(job, _)| *job);
    all.into_iter().map(|(_, t)| t).collect()
}

/// One pass over a metric's values: calls its argument with each, in the same order each time.
pub type ValuePass<'a, E> = dyn FnMut(&mut dyn FnMut(f64)) -> Result<(), E> + 'a;

/// Buckets of the histogram that [`summarize_streamed`] selects ranks with.
const SELECT_BUCKETS: usize = 1 << 16;

/// [`summarize_owned`] of the values one pass over them gives (`pass(visit)` calls `visit`
/// with each value, in the same order every time), holding none of them but the few near the
/// ranks the statistics read. Equal to [`summarize_owned`] to the last bit: the sums run in the
/// same order through the same compensated arithmetic, and every percentile and tolerance
/// bound is the same order statistic, found by selection rather than a sort:
/// 1. count, compensated sum (the provisional mean), min and max;
/// 2. the deviations' sums, and a histogram of 65,536 equal buckets between min and max (with
///    each bucket's least and greatest value);
/// 3. the values of only the buckets that hold a wanted rank (none where a bucket's least and
///    greatest are equal: its value is known), sorted.
///
/// Memory: 2 MB of histogram (and 64 kB naming the held buckets) plus the values of those
/// buckets (for smooth data a few per million samples; a metric with few distinct values, e.g.
/// step counts, needs none).
pub fn summarize_streamed<E>(pass: &mut ValuePass<'_, E>) -> Result<Option<MetricSummary>, E> {
    let (mut count, mut sum) = (0usize, Neumaier::default());
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut nan = false;
    pass(&mut |x| {
        count += 1;
        sum.add(x);
        min = min.min(x);
        max = max.max(x);
        nan |= x.is_nan();
    })?;
    if count == 0 {
        return Ok(None);
    }
    if nan || !(min.is_finite() && max.is_finite()) {
        // Infinite or NaN values (min and max skip a NaN): the sorted path, which orders them
        // as summarize_owned does.
        let mut all = Vec::with_capacity(count);
        pass(&mut |x| all.push(x))?;
        return Ok(summarize_owned(all));
    }
    let n = count as f64;
    let provisional = sum.total() / n;
    let scale = if max > min {
        SELECT_BUCKETS as f64 / (max - min)
    } else {
        0.0
    };
    // Monotone in x: a correctly rounded difference, a positive factor, a floor.
    let bucket = |x: f64| (((x - min) * scale) as usize).min(SELECT_BUCKETS - 1);
    let (mut dev, mut dev_sq) = (Neumaier::default(), Neumaier::default());
    let mut counts = vec![0usize; SELECT_BUCKETS];
    let mut lows = vec![f64::INFINITY; SELECT_BUCKETS];
    let mut highs = vec![f64::NEG_INFINITY; SELECT_BUCKETS];
    pass(&mut |x| {
        dev.add(x - provisional);
        dev_sq.add((x - provisional).powi(2));
        let b = bucket(x);
        counts[b] += 1;
        // In the sort's order (total_cmp: -0.0 before 0.0).
        if x.total_cmp(&lows[b]).is_lt() {
            lows[b] = x;
        }
        if x.total_cmp(&highs[b]).is_gt() {
            highs[b] = x;
        }
    })?;
    let (dev_sum, dev_sq_sum) = (dev.total(), dev_sq.total());
    let mean = provisional + dev_sum / n;
    let std = if count > 1 {
        ((dev_sq_sum - dev_sum * dev_sum / n) / (n - 1.0))
            .max(0.0)
            .sqrt()
    } else {
        0.0
    };
    // The ranks the statistics read, and the bucket of each.
    let levels = [0.00135, 0.02275, 0.5, 0.97725, 0.99865];
    let tol = tolerance_rank(count, TOLERANCE_TAIL, TOLERANCE_CONFIDENCE);
    let mut ranks: Vec<usize> = levels
        .iter()
        .flat_map(|&p| percentile_ranks(count, p))
        .collect();
    if let Some(k) = tol {
        ranks.extend([k - 1, count - k]);
    }
    // The extremes as order statistics too, so that they match the sort's in every case
    // (f64::min is free to return either zero of -0.0 and 0.0).
    ranks.extend([0, count - 1]);
    let mut first_rank = vec![0usize; SELECT_BUCKETS]; // rank of each bucket's first value
    let mut below = 0;
    for (b, c) in counts.iter().enumerate() {
        first_rank[b] = below;
        below += c;
    }
    let bucket_of_rank = |r: usize| first_rank.partition_point(|&f| f <= r) - 1;
    let mut wanted: Vec<usize> = ranks
        .iter()
        .map(|&r| bucket_of_rank(r))
        .filter(|&b| lows[b].total_cmp(&highs[b]).is_lt())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    // Each bucket's place in `held` (NONE: not held), looked up for every value of the pass.
    const NONE: u8 = u8::MAX;
    let mut slot = vec![NONE; SELECT_BUCKETS];
    let mut held: Vec<Vec<f64>> = Vec::with_capacity(wanted.len());
    for &b in &wanted {
        slot[b] = held.len() as u8;
        held.push(Vec::with_capacity(counts[b]));
    }
    if !held.is_empty() {
        pass(&mut |x| {
            let s = slot[bucket(x)];
            if s != NONE {
                held[s as usize].push(x);
            }
        })?;
        for v in &mut held {
            v.sort_unstable_by(f64::total_cmp);
        }
    }
    let at = |r: usize| {
        let b = bucket_of_rank(r);
        match slot[b] {
            NONE => lows[b], // a bucket of one value
            s => held[s as usize][r - first_rank[b]],
        }
    };
    Ok(Some(MetricSummary {
        count: count as u64,
        mean,
        std,
        min: at(0),
        p00135: percentile_by(count, 0.00135, at),
        p02275: percentile_by(count, 0.02275, at),
        p50: percentile_by(count, 0.5, at),
        p97725: percentile_by(count, 0.97725, at),
        p99865: percentile_by(count, 0.99865, at),
        max: at(count - 1),
        tol_lower: tol.map(|k| at(k - 1)),
        tol_upper: tol.map(|k| at(count - k)),
    }))
}

/// [`summarize_streamed`] of a longitude [deg, -180..180], continuous across the antimeridian:
/// when the values read in 0..360 span less than in -180..180 (a footprint across 180 deg),
/// they are summarised there and every statistic but the spread is wrapped back into
/// -180..180. Then `min` is the westernmost value and `max` the easternmost, and `min` can be
/// the greater number. Otherwise the values are summarised as they are, to the last bit.
pub fn summarize_longitude_streamed<E>(
    pass: &mut ValuePass<'_, E>,
) -> Result<Option<MetricSummary>, E> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut lo360, mut hi360) = (f64::INFINITY, f64::NEG_INFINITY);
    let east = |x: f64| if x < 0.0 { x + 360.0 } else { x };
    pass(&mut |x| {
        lo = lo.min(x);
        hi = hi.max(x);
        lo360 = lo360.min(east(x));
        hi360 = hi360.max(east(x));
    })?;
    // As they are unless they span more than half the circle and less in 0..360: a span
    // under 180 deg cannot be the short way across 180 deg, and the shifted spans of
    // longitudes all west of Greenwich can round below their own (a review: Stardust's
    // minimum moved by 1e-14).
    if !(hi - lo > 180.0 && hi360 - lo360 < hi - lo) {
        return summarize_streamed(pass);
    }
    let wrap = |x: f64| if x > 180.0 { x - 360.0 } else { x };
    let s = summarize_streamed(&mut |visit: &mut dyn FnMut(f64)| pass(&mut |x| visit(east(x))))?;
    Ok(s.map(|s| MetricSummary {
        mean: wrap(s.mean),
        min: wrap(s.min),
        p00135: wrap(s.p00135),
        p02275: wrap(s.p02275),
        p50: wrap(s.p50),
        p97725: wrap(s.p97725),
        p99865: wrap(s.p99865),
        max: wrap(s.max),
        tol_lower: s.tol_lower.map(wrap),
        tol_upper: s.tol_upper.map(wrap),
        ..s
    }))
}
