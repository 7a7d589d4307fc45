//! Landing (footprint) dispersion ellipse of geodetic landing points.

use crate::physics::constants::{WGS84_A_M, WGS84_E2};
use crate::physics::geodesy;
use crate::physics::vec3::dot;

/// A confidence ellipse of landing points on the local tangent plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ellipse {
    /// Geodetic latitude of the centre, degrees.
    pub center_lat_deg: f64,
    /// Longitude of the centre, degrees in (-180, 180].
    pub center_lon_deg: f64,
    pub semi_major_km: f64,
    pub semi_minor_km: f64,
    /// Azimuth of the major axis, measured from north towards east, in [0, 180).
    pub orientation_deg: f64,
    /// Probability content the ellipse was sized for (under a bivariate normal model).
    pub probability: f64,
}

/// Fits the landing ellipse containing `probability` of a bivariate normal
/// model of the landing points (geodetic WGS84 latitude / longitude in
/// degrees, at zero height). Returns `None` for fewer than 3 points, and also
/// when the centre is undefined (non-finite input, or points spread so evenly
/// over the globe that their mean position vector is the Earth's centre).
///
/// Method:
/// 1. Each point is converted to Earth-centred Earth-fixed (ECEF) coordinates
///    with the standard geodetic-to-Cartesian formulas (prime-vertical radius
///    `N = a / sqrt(1 - e^2 sin^2 lat)`, see e.g. the NIMA TR8350.2 WGS84
///    definition). The centre is the mean ECEF vector converted back to
///    geodetic latitude and longitude (Bowring's iteration), which is
///    unaffected by the +-180 degree meridian.
/// 2. Each point is projected onto the local east/north tangent plane at the
///    centre: its ECEF offset from the centre's surface point is dotted with
///    the local east and north unit vectors (the usual ECEF-to-ENU rotation).
/// 3. The 2x2 sample covariance (n - 1 denominator) of the east/north
///    coordinates is diagonalised in closed form; the semi-axes are
///    `sqrt(lambda * k2)` with `k2 = -2 ln(1 - probability)`, the quantile of
///    the chi-square distribution with 2 degrees of freedom (whose CDF is
///    `1 - exp(-x / 2)`), so the ellipse holds `probability` of a bivariate
///    normal. For 0.9973 that is k2 = 11.83 (3.44 sigma per axis), not 3 sigma.
///
/// # Panics
/// If the slices differ in length or `probability` is not in (0, 1).
pub fn landing_ellipse(lat_deg: &[f64], lon_deg: &[f64], probability: f64) -> Option<Ellipse> {
    assert_eq!(
        lat_deg.len(),
        lon_deg.len(),
        "latitude and longitude slices differ in length"
    );
    let mut pass = slices_pass(lat_deg, lon_deg);
    footprint(&mut pass, probability, None, None)
        .unwrap_or_else(|never: std::convert::Infallible| match never {})
        .ellipse
}

/// The passes over two slices of points.
fn slices_pass<'a>(
    lat_deg: &'a [f64],
    lon_deg: &'a [f64],
) -> impl FnMut(&mut dyn FnMut(f64, f64)) -> Result<(), std::convert::Infallible> + 'a {
    move |visit: &mut dyn FnMut(f64, f64)| {
        for (&la, &lo) in lat_deg.iter().zip(lon_deg) {
            visit(la, lo);
        }
        Ok(())
    }
}

/// One pass over the landing points: calls its argument with every (latitude, longitude), in
/// the same order each time. A run passes over the two columns of its files, so that no
/// statistic of the footprint holds the points in memory.
pub type Pass<'a, E> = dyn FnMut(&mut dyn FnMut(f64, f64)) -> Result<(), E> + 'a;

/// Everything summary.parquet says of the landing points.
#[derive(Debug, Clone, Default)]
pub struct Footprint {
    pub count: u64,
    /// The mean landing point (geodetic latitude, longitude [deg]): the geodetic point of the
    /// mean ECEF position, the ellipse's centre. Defined from one point on, where the ellipse
    /// needs three.
    pub centre: Option<(f64, f64)>,
    /// [`landing_ellipse`].
    pub ellipse: Option<Ellipse>,
    /// Points inside `ellipse`.
    pub inside: u64,
    /// [`landing_ellipse_about`] the target.
    pub about_target: Option<Ellipse>,
    /// [`bootstrap_axes`]: 95 % intervals of the semi-major and semi-minor axes.
    pub axes_ci: Option<((f64, f64), (f64, f64))>,
}

/// The footprint statistics in four passes over the points, holding none of them: (1) their
/// count and mean ECEF position, (2) the mean of their projection on the tangent plane at its
/// geodetic point, (3) the deviations' second moments, with in the same pass the moments
/// about the target and the bootstrap's, (4) the count inside the ellipse. The sums run in the
/// points' order, as [`landing_ellipse`] over slices does. `bootstrap`: none, one fed no point
/// yet (pass 3 feeds it), or one fed these very points in this order already (a run's, as its
/// chunks were written): the same intervals either way. Pass 3 draws it again in smaller
/// groups where its groups leave fewer than [`BOOT_UNITS`] units ([`bootstrap_group`]).
pub fn footprint<E>(
    pass: &mut Pass<'_, E>,
    probability: f64,
    target: Option<(f64, f64)>,
    bootstrap: Option<FootprintBootstrap>,
) -> Result<Footprint, E> {
    assert!(
        probability > 0.0 && probability < 1.0,
        "ellipse probability {probability} not in (0, 1)"
    );
    // (1) Mean ECEF position.
    let mut acc = MeanEcef::default();
    pass(&mut |lat, lon| acc.add(geodetic_to_ecef(lat, lon)))?;
    let n = acc.n;
    let mut out = Footprint {
        count: n,
        ..Default::default()
    };
    if n == 0 {
        return Ok(out);
    }
    let nf = n as f64;
    let mean = acc.mean();
    let norm = (mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]).sqrt();
    if !(norm.is_finite() && norm > 1.0) {
        return Ok(out);
    }
    let (lat0, lon0) = ecef_to_geodetic(mean);
    out.centre = Some((lat0, lon0));
    if n < 3 {
        return Ok(out);
    }
    let plane = TangentPlane::new(lat0, lon0);
    // (2) The projection's mean.
    let (mut se, mut sn) = (0.0, 0.0);
    pass(&mut |lat, lon| {
        let (e, nn) = plane.project_km(lat, lon);
        se += e;
        sn += nn;
    })?;
    let (me, mn) = (se / nf, sn / nf);
    // (3) Second moments of the deviations and about the target (both over n - 1), and the bootstrap's
    // sums unless they were drawn already, as the points streamed past (the same points in the
    // same order: the same sums).
    let about_plane = target.map(|(la, lo)| TangentPlane::new(la, lo));
    let (mut see, mut snn, mut sen) = (0.0, 0.0, 0.0);
    let (mut tee, mut tnn, mut ten) = (0.0, 0.0, 0.0);
    let mut drawn = None;
    let mut boot = None;
    // The groups were sized from the run's sample count, before its landings were known; where
    // few landed, they hold too few units for the interval (22 landings of 200,000 samples
    // were one group of 48: an interval of zero width at its upper end, a review), and the
    // landings are drawn again in groups sized by their own count.
    let group = bootstrap_group(n);
    match bootstrap {
        Some(b) if b.count == n && b.group <= group => drawn = Some(b),
        Some(b) => {
            assert!(
                b.count == 0 || b.count == n || !b.strict,
                "the footprint's bootstrap was fed {} points; the pass holds {n}",
                b.count
            );
            boot = Some(b.restarted(b.group.min(group)));
        }
        None => {}
    }
    pass(&mut |lat, lon| {
        let p = geodetic_to_ecef(lat, lon);
        let (e, nn) = plane.project_ecef_km(p);
        let (de, dn) = (e - me, nn - mn);
        see += de * de;
        snn += dn * dn;
        sen += de * dn;
        if let Some(tp) = &about_plane {
            let (e, nn) = tp.project_ecef_km(p);
            tee += e * e;
            tnn += nn * nn;
            ten += e * nn;
        }
        if let Some(b) = boot.as_mut() {
            b.add_ecef(p);
        }
    })?;
    let ellipse = from_moments(
        see / (nf - 1.0),
        snn / (nf - 1.0),
        sen / (nf - 1.0),
        lat0,
        lon0,
        probability,
    );
    out.ellipse = Some(ellipse);
    // About the target with the same n - 1 as about the mean, so that the sums' identity
    // (about the target = about the mean + n x the mean miss squared) makes the target's
    // ellipse never the smaller one; over n it came out 1e-4 smaller than the mean's when the
    // mean miss was small (an audit of 3,000 samples).
    out.about_target = target.map(|(la, lo)| {
        let m = nf - 1.0;
        from_moments(tee / m, tnn / m, ten / m, la, lo, probability)
    });
    if let Some(boot) = drawn.or(boot).filter(|_| nf >= BOOT_MIN_POINTS as f64) {
        out.axes_ci = boot.axes_ci(&plane, probability);
    }
    // (4) The share inside.
    let mut inside = 0u64;
    pass(&mut |lat, lon| inside += (ellipse.radius2(lat, lon) <= 1.0) as u64)?;
    out.inside = inside;
    Ok(out)
}

/// Landings below which the axes get no bootstrap interval (null): a Poisson resample of n
/// points weighs under 3 points, and draws a degenerate ellipse, with probability 0.3 % at
/// n = 10 (inside the interval's 2.5 % tails: 3 landings gave [0.0, 31.5] km about 23.5, a
/// review, 2026-12-05) and 5e-7 at 20.
pub const BOOT_MIN_POINTS: usize = 20;

/// The footprint bootstrap's resamples.
pub const BOOT_RESAMPLES: usize = 1000;

/// Resampled units the footprint bootstrap keeps at least, for runs of at least this many
/// samples ([`bootstrap_group`]).
pub const BOOT_UNITS: u64 = 4096;

/// Landing points per resampled unit of the footprint bootstrap for `samples` points: one up
/// to 2 x [`BOOT_UNITS`], then `samples / BOOT_UNITS`, so that there are between 4,096 and
/// 8,191 units. A run sizes them from its sample count, known before its first chunk, and
/// [`footprint`] draws the landings again in groups sized by their own count where fewer
/// landed than that gives units for. The points of a run are independent draws, so groups of
/// consecutive points are too, and the axes are a smooth function of the moments' means: the
/// bootstrap of the groups' moment sums has the points' variance (each group's sum has m times
/// a point's) with thousands of units, and costs 1 / m of the points' (the
/// `grouped_bootstrap_spread_matches_the_asymptotic_standard_error` test).
pub fn bootstrap_group(samples: u64) -> usize {
    if samples < 2 * BOOT_UNITS {
        1
    } else {
        (samples / BOOT_UNITS) as usize
    }
}

/// A Poisson bootstrap of the footprint's axes (each unit, a landing point or a group of
/// consecutive ones ([`bootstrap_group`]), weighted by a Poisson(1) count per resample, Hanley
/// & MacGibbon 2006), fed one point at a time: a single pass draws it, where the classic
/// resample needs the points at hand. It sums each resample's weighted
/// first and second moments of the points' ECEF offsets [km] from an origin (the mean of the
/// first [`BOOT_BLOCK`] points, which wait until it is known, so that a stray first point
/// costs the sums no digits), so it needs no centre: the tangent plane at the points' mean,
/// known only after the last point, is applied at the end (the projection is linear in ECEF,
/// so the plane's covariance is the ECEF covariance seen through its east and north vectors).
/// A run feeds it as its chunks are written; [`footprint`] feeds it in its pass over the files
/// when it was not.
pub struct FootprintBootstrap {
    resamples: usize,
    seed: u64,
    group: usize,
    /// ECEF [m] of the sums' origin, once known.
    origin: Option<[f64; 3]>,
    /// ECEF [m] of the points fed before the origin was known, in order.
    waiting: Vec<[f64; 3]>,
    count: u64,
    /// Whether a bootstrap fed other points than the footprint's pass holds is an error (the
    /// tests that compare a run's gathering with the files') rather than drawn again.
    strict: bool,
    draws: PoissonBootstrap,
}

impl FootprintBootstrap {
    /// `resamples` resamples of units of `group` consecutive points ([`bootstrap_group`])
    /// drawn from a PCG64 seeded with `seed`: deterministic for points in a given order,
    /// whatever the core count.
    pub fn new(resamples: usize, seed: u64, group: usize) -> Self {
        FootprintBootstrap {
            resamples,
            seed,
            group,
            origin: None,
            waiting: Vec::new(),
            count: 0,
            strict: false,
            draws: PoissonBootstrap::new(resamples, seed, group),
        }
    }

    /// The same, with a mismatch against the footprint's points a panic ([`footprint`]).
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// The same resamples and seed in units of `group` points, fed no point yet.
    fn restarted(&self, group: usize) -> Self {
        Self::new(self.resamples, self.seed, group)
    }

    /// Points fed so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// One landing point (geodetic, degrees). A non-finite one is counted and left out of the
    /// sums: the footprint has no centre then, and no intervals ([`footprint`]).
    pub fn add(&mut self, lat_deg: f64, lon_deg: f64) {
        if lat_deg.is_finite() && lon_deg.is_finite() {
            self.add_ecef(geodetic_to_ecef(lat_deg, lon_deg));
        } else {
            self.count += 1;
        }
    }

    /// One landing point as ECEF [m] (from finite latitude and longitude: [`footprint`] stops
    /// before its bootstrap pass where a point is not).
    fn add_ecef(&mut self, p: [f64; 3]) {
        self.count += 1;
        match self.origin {
            Some(o) => self.draws.add(offset_km(p, o)),
            None => {
                self.waiting.push(p);
                if self.waiting.len() == BOOT_BLOCK {
                    self.settle();
                }
            }
        }
    }

    /// The origin from the points waiting (their mean, as offsets from the first so that the
    /// sum carries no large common term), and those points into the sums.
    fn settle(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        let mut acc = MeanEcef::default();
        self.waiting.iter().for_each(|&p| acc.add(p));
        let o = acc.mean();
        self.origin = Some(o);
        for p in std::mem::take(&mut self.waiting) {
            self.draws.add(offset_km(p, o));
        }
    }

    /// Each resample's (semi-major, semi-minor) axes [km] of the ellipse holding `probability`
    /// on `plane`, in resample order; a resample of total weight under 2 has none.
    fn axes(mut self, plane: &TangentPlane, probability: f64) -> Vec<(f64, f64)> {
        self.settle();
        let (e, nv) = (plane.east, plane.north);
        self.draws
            .sums()
            .filter(|s| s[0] >= 2.0)
            .map(|[w, x, y, z, xx, yy, zz, xy, xz, yz]| {
                let s = [x, y, z];
                let m = [[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]];
                // The resample's ECEF covariance (W - 1 denominator) seen through u and v.
                let c = |u: [f64; 3], v: [f64; 3]| {
                    let mut acc = 0.0;
                    for i in 0..3 {
                        for j in 0..3 {
                            acc += u[i] * v[j] * (m[i][j] - s[i] * s[j] / w);
                        }
                    }
                    acc / (w - 1.0)
                };
                let b = from_moments(c(e, e), c(nv, nv), c(e, nv), 0.0, 0.0, probability);
                (b.semi_major_km, b.semi_minor_km)
            })
            .collect()
    }

    /// 95 % percentile intervals of the semi-major and semi-minor axes on `plane`.
    fn axes_ci(self, plane: &TangentPlane, probability: f64) -> Option<((f64, f64), (f64, f64))> {
        let (major, minor): (Vec<f64>, Vec<f64>) =
            self.axes(plane, probability).into_iter().unzip();
        let ci = |mut v: Vec<f64>| {
            v.sort_unstable_by(f64::total_cmp);
            (
                super::percentile_sorted(&v, 0.025),
                super::percentile_sorted(&v, 0.975),
            )
        };
        (!major.is_empty()).then(|| (ci(major), ci(minor)))
    }
}

/// The mean of ECEF positions, summed as offsets from the first so that the sum carries no
/// large common term.
#[derive(Default)]
struct MeanEcef {
    n: u64,
    first: [f64; 3],
    sum: [f64; 3],
}

impl MeanEcef {
    fn add(&mut self, p: [f64; 3]) {
        if self.n == 0 {
            self.first = p;
        }
        for ((s, &x), &f) in self.sum.iter_mut().zip(&p).zip(&self.first) {
            *s += x - f;
        }
        self.n += 1;
    }

    fn mean(&self) -> [f64; 3] {
        let nf = self.n as f64;
        std::array::from_fn(|k| self.first[k] + self.sum[k] / nf)
    }
}

/// `p - o` [m] in km.
fn offset_km(p: [f64; 3], o: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|k| (p[k] - o[k]) / 1000.0)
}

/// The Poisson bootstrap's weighted sums of 3-vectors, W, x, y, z, xx, yy, zz, xy, xz and yz
/// for each resample. The points are summed in units of `group` consecutive points (the last
/// unit may hold fewer): a unit's sums are n, x, y, z, xx, ..., yz over its points. Each unit
/// draws one Poisson(1) count per resample, by inversion of one uniform (53 bits of one PCG64
/// stream, unit after unit, resample after resample within a unit) against the cumulative
/// probabilities e^-1 sum_{j<=k} 1/j!: the count is the number of those at or below it (at
/// most 12, but with probability below 1e-9), and it multiplies each of the unit's sums.
///
/// The resamples are split into contiguous ranges, one per thread. Each range has its own copy
/// of the generator, advanced past the other ranges' draws, so that every count is the one a
/// single thread drawing in order would draw: the results do not depend on the thread count.
/// Units are buffered in blocks (bounded memory) and each block is shared out once.
struct PoissonBootstrap {
    parts: Vec<BootPart>,
    block: Vec<[f64; 10]>,
    group: usize,
    /// The sums of the unit being summed (the first is its point count).
    unit: [f64; 10],
}

/// A contiguous range of resamples: its generator, its sums (one array per sum), and a buffer
/// for one point's uniforms, then counts.
struct BootPart {
    rng: rand_pcg::Pcg64,
    /// Draws of the other ranges between two points of this one.
    skip: u128,
    w: Vec<f64>,
    sums: [Vec<f64>; 10],
}

/// Points the footprint's origin waits for, and units buffered before the parts run over
/// them (80 bytes each).
const BOOT_BLOCK: usize = 8192;

impl PoissonBootstrap {
    fn new(resamples: usize, seed: u64, group: usize) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        // A range of fewer than 100 resamples is not worth a thread.
        Self::with_parts(resamples, seed, group, threads.min(resamples / 100).max(1))
    }

    fn with_parts(resamples: usize, seed: u64, group: usize, count: usize) -> Self {
        use rand_pcg::rand_core::SeedableRng;
        let parts = (0..count)
            .map(|k| {
                let (start, end) = (resamples * k / count, resamples * (k + 1) / count);
                let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
                rng.advance(start as u128);
                BootPart {
                    rng,
                    skip: (resamples - (end - start)) as u128,
                    w: vec![0.0; end - start],
                    sums: std::array::from_fn(|_| vec![0.0; end - start]),
                }
            })
            .collect();
        Self {
            parts,
            block: Vec::with_capacity(BOOT_BLOCK),
            group: group.max(1),
            unit: [0.0; 10],
        }
    }

    /// One point (finite), into the unit being summed; a full unit is weighted by a fresh
    /// count in every resample.
    fn add(&mut self, [x, y, z]: [f64; 3]) {
        debug_assert!([x, y, z].iter().all(|v| v.is_finite()), "{x} {y} {z}");
        let point = [1.0, x, y, z, x * x, y * y, z * z, x * y, x * z, y * z];
        for (u, p) in self.unit.iter_mut().zip(point) {
            *u += p;
        }
        if self.unit[0] as usize == self.group {
            self.end_unit();
        }
    }

    /// The unit being summed (if it holds a point) into the block.
    fn end_unit(&mut self) {
        if self.unit[0] > 0.0 {
            self.block
                .push(std::mem::replace(&mut self.unit, [0.0; 10]));
            if self.block.len() == BOOT_BLOCK {
                self.flush();
            }
        }
    }

    /// The buffered points through every range: the first range on this thread, the others
    /// on threads of their own.
    fn flush(&mut self) {
        let block = &self.block;
        let run = |part: &mut BootPart| block.iter().for_each(|d| part.add(d));
        if let Some((first, others)) = self.parts.split_first_mut() {
            std::thread::scope(|scope| {
                for part in others {
                    scope.spawn(move || run(part));
                }
                run(first);
            });
        }
        self.block.clear();
    }

    /// Each resample's sums, in resample order: W, x, y, z, xx, yy, zz, xy, xz, yz.
    fn sums(mut self) -> impl Iterator<Item = [f64; 10]> {
        self.end_unit();
        self.flush();
        self.parts
            .into_iter()
            .flat_map(|p| (0..p.sums[0].len()).map(move |k| std::array::from_fn(|j| p.sums[j][k])))
    }
}

impl BootPart {
    const CDF: [f64; 12] = [
        0.367_879_441_171_442_33,
        0.735_758_882_342_884_6,
        0.919_698_602_928_605_7,
        0.981_011_843_123_846_1,
        0.996_340_153_172_656_2,
        0.999_405_815_182_418_2,
        0.999_916_758_850_711_9,
        0.999_989_750_803_325_3,
        0.999_998_874_797_402_3,
        0.999_999_888_574_521_4,
        0.999_999_989_952_233_3,
        0.999_999_999_168_389_4,
    ];

    /// One unit's sums in this range's resamples, in three loops so that only the first (the
    /// generator's) runs one draw at a time:
    /// - the uniforms;
    /// - the counts, compared without branches against the first three thresholds; the 2 % of
    ///   uniforms at or above the fourth are marked and counted against all twelve after;
    /// - the sums. A zero count adds a signed zero, which leaves a sum as it was: no branch
    ///   that the draws decide.
    fn add(&mut self, unit: &[f64; 10]) {
        use rand::Rng;
        for u in self.w.iter_mut() {
            *u = (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        }
        self.rng.advance(self.skip);
        let c = &Self::CDF;
        let mut tail = false;
        for u in self.w.iter_mut() {
            let x = *u;
            tail |= x >= c[3];
            let low = ((x >= c[0]) as u32 + (x >= c[1]) as u32 + (x >= c[2]) as u32) as f64;
            *u = if x >= c[3] { -x } else { low };
        }
        if tail {
            for u in self.w.iter_mut().filter(|u| **u < 0.0) {
                let x = -*u;
                *u = c.iter().map(|&t| (x >= t) as u32).sum::<u32>() as f64;
            }
        }
        for (sum, &v) in self.sums.iter_mut().zip(unit) {
            for (acc, &w) in sum.iter_mut().zip(&self.w) {
                *acc += w * v;
            }
        }
    }
}

/// The ellipse that holds `probability` of a bivariate normal about a given centre (the aim
/// point): as [`landing_ellipse`], with the second moments of the points about the centre
/// (over n - 1, as about the mean), so a mean miss widens it. `None` for fewer than 3 points.
pub fn landing_ellipse_about(
    lat_deg: &[f64],
    lon_deg: &[f64],
    center_lat_deg: f64,
    center_lon_deg: f64,
    probability: f64,
) -> Option<Ellipse> {
    assert_eq!(lat_deg.len(), lon_deg.len());
    let n = lat_deg.len();
    if n < 3 {
        return None;
    }
    let plane = TangentPlane::new(center_lat_deg, center_lon_deg);
    let (mut see, mut snn, mut sen) = (0.0, 0.0, 0.0);
    for (&lat, &lon) in lat_deg.iter().zip(lon_deg) {
        let (e, nn) = plane.project_km(lat, lon);
        see += e * e;
        snn += nn * nn;
        sen += e * nn;
    }
    // n - 1, as about the mean (see `footprint`).
    let m = n as f64 - 1.0;
    Some(from_moments(
        see / m,
        snn / m,
        sen / m,
        center_lat_deg,
        center_lon_deg,
        probability,
    ))
}

/// Bootstrap 95 % percentile intervals of the semi-major and semi-minor axes of
/// [`landing_ellipse`], on the plane at the points' mean (the covariance does not depend on the
/// centre to ~1e-6 at footprint scales): `resamples` Poisson bootstrap resamples
/// ([`FootprintBootstrap`]) drawn in one pass from a PCG64 seeded with `seed` (deterministic
/// for points in a given order). Returns ((major low, major high), (minor low,
/// minor high)); `None` for fewer than 3 points.
pub fn bootstrap_axes(
    lat_deg: &[f64],
    lon_deg: &[f64],
    probability: f64,
    resamples: usize,
    seed: u64,
) -> Option<((f64, f64), (f64, f64))> {
    assert_eq!(lat_deg.len(), lon_deg.len());
    let mut pass = slices_pass(lat_deg, lon_deg);
    let boot = FootprintBootstrap::new(resamples, seed, 1);
    footprint(&mut pass, probability, None, Some(boot))
        .unwrap_or_else(|never: std::convert::Infallible| match never {})
        .axes_ci
}

/// The ellipse of second moments (east, north, cross) [km^2] at a centre.
fn from_moments(see: f64, snn: f64, sen: f64, lat0: f64, lon0: f64, probability: f64) -> Ellipse {
    // Eigenvalues of the symmetric 2x2 [[see, sen], [sen, snn]]:
    // (trace / 2) +- sqrt(((see - snn) / 2)^2 + sen^2).
    let half_trace = 0.5 * (see + snn);
    let radius = (0.5 * (see - snn)).hypot(sen);
    let lambda_major = half_trace + radius;
    let lambda_minor = (half_trace - radius).max(0.0);
    // The major-axis eigenvector makes the angle
    // theta = atan2(2 sen, see - snn) / 2 with the east axis; the azimuth
    // from north towards east is 90 deg - theta.
    let theta_deg = (0.5 * (2.0 * sen).atan2(see - snn)).to_degrees();
    let mut orientation = (90.0 - theta_deg).rem_euclid(180.0);
    if orientation >= 180.0 {
        orientation = 0.0;
    }

    let k2 = -2.0 * (-probability).ln_1p();
    Ellipse {
        center_lat_deg: lat0,
        center_lon_deg: lon0,
        semi_major_km: (lambda_major * k2).sqrt(),
        semi_minor_km: (lambda_minor * k2).sqrt(),
        orientation_deg: orientation,
        probability,
    }
}

impl Ellipse {
    /// Whether the ellipse encloses an area that a landing's position resolves: both axes at
    /// least 1 m (the GPU and CPU engines agree on a landing within 1 m). Landings that spread
    /// less (a run with nothing dispersed) have no share inside: 0/0 and rounding over a zero
    /// axis put them inside or outside by accident (a trial's 100 identical landings read a
    /// containment of 0 beside a caption of none outside).
    pub fn has_area(&self) -> bool {
        self.semi_minor_km >= 1e-3
    }

    /// Whether its axes have a direction: a major axis of at least 1 m, as [`Self::has_area`]
    /// asks of the minor (landings along one line have a direction and no area; identical
    /// ones neither, and their orientation of 90 deg meant nothing: a statistics review).
    pub fn has_direction(&self) -> bool {
        self.semi_major_km >= 1e-3
    }

    /// (x/a)^2 + (y/b)^2 of a point in the ellipse's axes on the tangent plane at the centre:
    /// at most 1 inside the ellipse.
    pub fn radius2(&self, lat_deg: f64, lon_deg: f64) -> f64 {
        let (x, y) = TangentPlane::new(self.center_lat_deg, self.center_lon_deg)
            .project_km(lat_deg, lon_deg);
        let (sa, ca) = self.orientation_deg.to_radians().sin_cos();
        let along = x * sa + y * ca;
        let across = x * ca - y * sa;
        (along / self.semi_major_km).powi(2) + (across / self.semi_minor_km).powi(2)
    }

    /// `n` points of the ellipse's outline as (latitude, longitude) in degrees: each point is
    /// placed on the east/north tangent plane at the centre and carried back to the ellipsoid
    /// along the local vertical (ECEF, then geodetic latitude and longitude).
    pub fn outline(&self, n: usize) -> Vec<(f64, f64)> {
        let plane = TangentPlane::new(self.center_lat_deg, self.center_lon_deg);
        // Major axis along the azimuth (from north towards east), minor axis 90 deg clockwise.
        let (sa, ca) = self.orientation_deg.to_radians().sin_cos();
        let (major, minor) = ((sa, ca), (ca, -sa));
        (0..n)
            .map(|k| {
                let t = std::f64::consts::TAU * k as f64 / n as f64;
                let (a, b) = (
                    1000.0 * self.semi_major_km * t.cos(),
                    1000.0 * self.semi_minor_km * t.sin(),
                );
                let e = a * major.0 + b * minor.0;
                let nn = a * major.1 + b * minor.1;
                plane.to_geodetic_m(e, nn)
            })
            .collect()
    }
}

/// The east/north plane tangent to the ellipsoid at a point (zero height).
struct TangentPlane {
    centre: [f64; 3],
    east: [f64; 3],
    north: [f64; 3],
}

impl TangentPlane {
    fn new(lat_deg: f64, lon_deg: f64) -> Self {
        let (sin_lat, cos_lat) = lat_deg.to_radians().sin_cos();
        let (sin_lon, cos_lon) = lon_deg.to_radians().sin_cos();
        TangentPlane {
            centre: geodetic_to_ecef(lat_deg, lon_deg),
            east: [-sin_lon, cos_lon, 0.0],
            north: [-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat],
        }
    }

    /// East and north coordinates [km] of a surface point's ECEF offset from the centre.
    fn project_km(&self, lat_deg: f64, lon_deg: f64) -> (f64, f64) {
        self.project_ecef_km(geodetic_to_ecef(lat_deg, lon_deg))
    }

    /// The same of a surface point given as ECEF [m].
    fn project_ecef_km(&self, p: [f64; 3]) -> (f64, f64) {
        let c = self.centre;
        let d = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
        (dot(self.east, d) / 1000.0, dot(self.north, d) / 1000.0)
    }

    /// Geodetic latitude and longitude [deg] under the plane's point (east, north) [m].
    fn to_geodetic_m(&self, east_m: f64, north_m: f64) -> (f64, f64) {
        ecef_to_geodetic(std::array::from_fn(|i| {
            self.centre[i] + east_m * self.east[i] + north_m * self.north[i]
        }))
    }
}

/// Geodetic latitude / longitude (degrees, zero height) to ECEF metres.
fn geodetic_to_ecef(lat_deg: f64, lon_deg: f64) -> [f64; 3] {
    geodesy::geodetic_to_cartesian_m(
        lat_deg.to_radians(),
        lon_deg.to_radians(),
        0.0,
        WGS84_A_M,
        WGS84_E2,
    )
}

/// ECEF metres to geodetic latitude / longitude in degrees.
fn ecef_to_geodetic(r: [f64; 3]) -> (f64, f64) {
    let (lat, lon, _) = geodesy::wgs84_geodetic_deg(r);
    (lat, lon)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary's ellipse about the target (the streaming `footprint`) is the report's
    /// (`landing_ellipse_about`, over slices): both over n - 1, as the ellipse about the mean.
    /// With the points centred on the target it matches the mean's; shifted, it is larger.
    #[test]
    fn the_footprint_about_the_target_is_over_n_minus_1_as_about_the_mean() {
        let (lat0, lon0) = (42.0, 111.4);
        let pts: Vec<(f64, f64)> = (0..40)
            .map(|i| {
                let a = i as f64 * 0.7;
                (lat0 + 0.05 * a.sin(), lon0 + 0.12 * (1.3 * a).cos())
            })
            .collect();
        let (lat, lon): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
        let mean_lat = lat.iter().sum::<f64>() / lat.len() as f64;
        let mean_lon = lon.iter().sum::<f64>() / lon.len() as f64;
        for (t, shifted) in [((mean_lat, mean_lon), false), ((lat0 - 0.1, lon0), true)] {
            let mut pass = slices_pass(&lat, &lon);
            let f = footprint(&mut pass, 0.9973, Some(t), None)
                .unwrap_or_else(|never: std::convert::Infallible| match never {});
            let (about, mean) = (f.about_target.unwrap(), f.ellipse.unwrap());
            let slices = landing_ellipse_about(&lat, &lon, t.0, t.1, 0.9973).unwrap();
            // The two paths project through the same plane in another order: 1e-12.
            assert!((about.semi_major_km / slices.semi_major_km - 1.0).abs() < 1e-12);
            assert!((about.semi_minor_km / slices.semi_minor_km - 1.0).abs() < 1e-12);
            let ratio = about.semi_major_km / mean.semi_major_km;
            if shifted {
                assert!(ratio > 1.1, "a mean miss widens it: {ratio}");
            } else {
                // Tangent planes at the mean and at the geodetic mean point: 1e-4.
                assert!((ratio - 1.0).abs() < 1e-4, "centred, the same: {ratio}");
            }
        }
    }

    /// The mean landing point is there from one landing on, where the ellipse needs three (an
    /// audit found summary.parquet's centre null with one or two landings): one point is its
    /// own centre, two on a meridian centre half way between them (geodetic, not geocentric,
    /// latitude: within 1e-4 deg on a 0.2 deg arc).
    #[test]
    fn the_centre_is_there_from_one_landing() {
        for (lat, lon) in [
            (vec![42.0], vec![111.4]),
            (vec![41.9, 42.1], vec![111.4, 111.4]),
        ] {
            let mut pass = slices_pass(&lat, &lon);
            let f = footprint(&mut pass, 0.9973, None, None)
                .unwrap_or_else(|never: std::convert::Infallible| match never {});
            assert!(f.ellipse.is_none());
            let (c_lat, c_lon) = f.centre.expect("a centre");
            assert!(
                (c_lat - 42.0).abs() < 1e-4 && (c_lon - 111.4).abs() < 1e-9,
                "{c_lat} {c_lon}"
            );
        }
        let mut pass = slices_pass(&[], &[]);
        let f = footprint(&mut pass, 0.9973, None, None)
            .unwrap_or_else(|never: std::convert::Infallible| match never {});
        assert!(f.centre.is_none());
    }

    /// The bootstrap's sums, split over 1 to 7 threads across block boundaries, against one
    /// generator drawing every count in order by the plain inversion (the first threshold
    /// above the uniform), for units of one point and of three (the last unit short): bit for
    /// bit.
    #[test]
    fn poisson_bootstrap_parts_draw_the_single_stream() {
        use rand::Rng;
        use rand_pcg::rand_core::SeedableRng;
        let (resamples, seed) = (350, 11);
        let points: Vec<[f64; 3]> = (0..3 * BOOT_BLOCK + 1_234)
            .map(|i| {
                let x = i as f64;
                [
                    (0.37 * x).sin() * 3.0,
                    (0.11 * x).cos() * 2.0 - 0.5,
                    (0.23 * x).sin() * 0.7 + 0.2,
                ]
            })
            .collect();
        for group in [1, 3] {
            let units: Vec<[f64; 10]> = points
                .chunks(group)
                .map(|c| {
                    let mut u = [0.0; 10];
                    for &[x, y, z] in c {
                        let p = [1.0, x, y, z, x * x, y * y, z * z, x * y, x * z, y * z];
                        u.iter_mut().zip(p).for_each(|(a, b)| *a += b);
                    }
                    u
                })
                .collect();
            let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
            let mut want = vec![[0.0f64; 10]; resamples];
            let mut tail = 0;
            for u in &units {
                for b in want.iter_mut() {
                    let r = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                    let w = BootPart::CDF.iter().take_while(|&&c| r >= c).count() as f64;
                    tail += (w >= 4.0) as usize;
                    if w > 0.0 {
                        for (s, a) in b.iter_mut().zip(u) {
                            *s += w * a;
                        }
                    }
                }
            }
            // Counts of 4 and more (the tail, ~1.9 % of the draws) must occur, or the test
            // would not see that path.
            assert!(tail > 10_000, "{tail} tail draws");
            for parts in [1, 2, 3, 7] {
                let mut boot = PoissonBootstrap::with_parts(resamples, seed, group, parts);
                for &d in &points {
                    boot.add(d);
                }
                let got: Vec<[f64; 10]> = boot.sums().collect();
                assert_eq!(got.len(), resamples);
                for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                    for j in 0..10 {
                        assert_eq!(
                            g[j].to_bits(),
                            w[j].to_bits(),
                            "group {group}, {parts} parts, resample {k}, sum {j}"
                        );
                    }
                }
            }
        }
    }

    /// The resamples' axes from the ECEF sums, seen through the tangent plane at the end,
    /// against each resample's weighted covariance of the points projected on that plane
    /// first (the formulation before the bootstrap could stream), with the same counts.
    /// Landing points spread ~10 km about (42.3 N, 111.5 E), with an outlier 300 km off as the
    /// first point. Both are f64 sums of ~9,000 terms; the ECEF form subtracts s s^T / W from
    /// second moments about its origin (the first 8,192 points' mean, within a few km of the
    /// resamples' means): measured within 3.8e-15; with the outlier as the origin, as a first
    /// version had it, 7e-12 ((300 km / 5 km)^2 = 3,600 times the rounding; 9e-13 already in
    /// the first resample when that origin was put back to check this test). Tolerance 4e-14
    /// relative: ~10x the rounding measured, below the regression.
    #[test]
    fn bootstrap_in_ecef_equals_the_projected_bootstrap() {
        use rand::Rng;
        use rand_pcg::rand_core::SeedableRng;
        let (resamples, seed, p) = (40, 5, 0.9973);
        let mut pts: Vec<(f64, f64)> = vec![(44.9, 113.1)];
        // More points than a block, so that the origin is settled before the last of them.
        pts.extend((0..BOOT_BLOCK + 808).map(|i| {
            let t = i as f64;
            (
                42.3 + 0.05 * (0.71 * t).sin() + 0.02 * (1.3 * t).cos(),
                111.5 + 0.12 * (0.37 * t).cos() - 0.04 * (2.1 * t).sin(),
            )
        }));
        let (la, lo): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
        let centre = landing_ellipse(&la, &lo, p).expect("ellipse");
        let plane = TangentPlane::new(centre.center_lat_deg, centre.center_lon_deg);
        let mut boot = FootprintBootstrap::new(resamples, seed, 1);
        for &(a, b) in &pts {
            boot.add(a, b);
        }
        assert_eq!(boot.count(), pts.len() as u64);
        let got = boot.axes(&plane, p);
        assert_eq!(got.len(), resamples);
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let mut sums = vec![[0.0f64; 6]; resamples];
        for &(a, b) in &pts {
            let (e, n) = plane.project_km(a, b);
            for s in sums.iter_mut() {
                let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
                let w = BootPart::CDF.iter().take_while(|&&c| u >= c).count() as f64;
                for (acc, v) in s
                    .iter_mut()
                    .zip([w, w * e, w * n, w * e * e, w * n * n, w * e * n])
                {
                    *acc += v;
                }
            }
        }
        let mut worst = 0.0f64;
        for (k, ([w, e, n, ee, nn, en], (major, minor))) in sums.iter().zip(&got).enumerate() {
            let c = |s2: f64, a: f64, b: f64| (s2 - a * b / w) / (w - 1.0);
            let want = from_moments(c(*ee, *e, *e), c(*nn, *n, *n), c(*en, *e, *n), 0.0, 0.0, p);
            for (g, w) in [(*major, want.semi_major_km), (*minor, want.semi_minor_km)] {
                worst = worst.max((g - w).abs() / w);
                assert!((g - w).abs() <= 4e-14 * w, "resample {k}: {g} against {w}");
            }
        }
        eprintln!("ECEF against projected bootstrap axes: worst {worst:.1e} relative");
    }

    /// The bootstrap's spread of the axes against their asymptotic standard error, for the
    /// grouped units a run of 100,000 samples uses (24 points a unit) and for single points.
    /// 100,000 landing points, normal with 6 km east and 2 km north standard deviations: the
    /// semi-major axis is sqrt(chi2 lambda_major), and lambda_major, a sample variance
    /// of normal data, has the relative standard error sqrt(2 / n) (the eigenvalues are 9
    /// times apart, so the other direction's share is second order); the axis has half that,
    /// sqrt(1 / (2 n)) = 0.224 %, and so has the semi-minor axis. The spread of 2,000
    /// resamples has its own relative standard error 1 / sqrt(2 x 1,999) = 1.6 %: the bound, 7 %,
    /// is 4.4 of those.
    #[test]
    fn grouped_bootstrap_spread_matches_the_asymptotic_standard_error() {
        use rand_distr::{Distribution, StandardNormal};
        use rand_pcg::rand_core::SeedableRng;
        let n = 100_000u64;
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let pts: Vec<(f64, f64)> = (0..n)
            .map(|_| {
                let e: f64 = StandardNormal.sample(&mut rng);
                let nn: f64 = StandardNormal.sample(&mut rng);
                (
                    42.0 + 2.0 * nn / 111.0,
                    111.4 + 6.0 * e / (111.3 * 42f64.to_radians().cos()),
                )
            })
            .collect();
        let (la, lo): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
        let centre = landing_ellipse(&la, &lo, 0.9973).expect("ellipse");
        let plane = TangentPlane::new(centre.center_lat_deg, centre.center_lon_deg);
        let want = (1.0 / (2.0 * n as f64)).sqrt();
        assert_eq!(bootstrap_group(n), 24);
        for group in [bootstrap_group(n), 1] {
            let mut boot = FootprintBootstrap::new(2000, 3, group);
            for &(a, b) in &pts {
                boot.add(a, b);
            }
            let axes = boot.axes(&plane, 0.9973);
            assert_eq!(axes.len(), 2000);
            let spread = |v: Vec<f64>, axis: f64| {
                crate::stats::summarize_owned(v).expect("resamples").std / axis
            };
            let (major, minor): (Vec<f64>, Vec<f64>) = axes.into_iter().unzip();
            for (name, got) in [
                ("semi-major", spread(major, centre.semi_major_km)),
                ("semi-minor", spread(minor, centre.semi_minor_km)),
            ] {
                eprintln!(
                    "group {group}, {name}: relative spread {got:.3e}, asymptotic {want:.3e}"
                );
                assert!(
                    (got / want - 1.0).abs() < 0.07,
                    "group {group}, {name}: {got} against {want}"
                );
            }
        }
    }

    /// A run sizes the bootstrap's groups from its sample count; where few of its samples
    /// landed, the footprint draws the landings again in groups sized by their own count. 40
    /// landings fed in flight in groups of 48 (a 200,000-sample run's) were one unit, so every
    /// resample was the same ellipse rescaled and the interval ended at the estimate (a
    /// review); drawn again one landing a unit, the interval is the one a bootstrap fed no
    /// point yet draws, and holds the estimate well inside: the axes' relative spread is about
    /// 1 / sqrt(2 n) = 0.11 here, so the upper end lies near 1.2 times the estimate; the bound
    /// of 1.05 is 3 of that spread's standard deviations below.
    #[test]
    fn few_landings_of_a_large_run_are_bootstrapped_one_a_unit() {
        use rand_distr::{Distribution, StandardNormal};
        use rand_pcg::rand_core::SeedableRng;
        let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
        let (lat, lon): (Vec<f64>, Vec<f64>) = (0..40)
            .map(|_| {
                let e: f64 = StandardNormal.sample(&mut rng);
                let nn: f64 = StandardNormal.sample(&mut rng);
                (42.0 + 2.0 * nn / 111.0, 111.4 + 6.0 * e / 82.7)
            })
            .unzip();
        let ci = |boot: FootprintBootstrap| {
            let mut pass = slices_pass(&lat, &lon);
            let f = footprint(&mut pass, 0.9973, None, Some(boot))
                .unwrap_or_else(|never: std::convert::Infallible| match never {});
            (
                f.ellipse.expect("an ellipse"),
                f.axes_ci.expect("intervals"),
            )
        };
        let group = bootstrap_group(200_000);
        assert_eq!(group, 48);
        let mut in_flight = FootprintBootstrap::new(BOOT_RESAMPLES, 9, group).strict();
        for (&a, &b) in lat.iter().zip(&lon) {
            in_flight.add(a, b);
        }
        let (e, got) = ci(in_flight);
        let (_, fresh) = ci(FootprintBootstrap::new(BOOT_RESAMPLES, 9, 1));
        assert_eq!(got, fresh);
        let ((lo_major, hi_major), (lo_minor, hi_minor)) = got;
        for (name, lo, hi, axis) in [
            ("semi-major", lo_major, hi_major, e.semi_major_km),
            ("semi-minor", lo_minor, hi_minor, e.semi_minor_km),
        ] {
            assert!(
                lo < axis && hi > 1.05 * axis,
                "{name}: [{lo}, {hi}] about {axis}"
            );
        }
    }

    #[test]
    fn ecef_round_trip() {
        // Round trip through ECEF must reproduce the input to ~1e-9 deg
        // (about 0.1 mm), far below any landing-dispersion scale.
        for &(lat, lon) in &[
            (0.0, 0.0),
            (42.0, 111.4),
            (-33.9, -70.7),
            (89.999, 179.9),
            (-90.0, 0.0),
        ] {
            let (lat2, lon2) = ecef_to_geodetic(geodetic_to_ecef(lat, lon));
            assert!((lat2 - lat).abs() < 1e-9, "lat {lat} -> {lat2}");
            if lat.abs() < 90.0 {
                assert!((lon2 - lon).abs() < 1e-9, "lon {lon} -> {lon2}");
            }
        }
    }

    #[test]
    fn outline_lies_on_the_ellipse() {
        // Points drawn around (42 N, 111 E), stretched north-east: the outline, projected back
        // onto the tangent plane, must satisfy (x.u/a)^2 + (x.v/b)^2 = 1. Tolerance 2e-3: the
        // outline is carried to the surface along the local vertical, which moves a point
        // ~100 km out by d*h/R ~ 1e-4 of d horizontally (h = d^2/2R); the rest is rounding.
        let mut lat = Vec::new();
        let mut lon = Vec::new();
        for k in 0..400 {
            let s = (k as f64 * 0.731).sin();
            let c = (k as f64 * 1.377).cos();
            lat.push(42.0 + 0.5 * s + 0.2 * c);
            lon.push(111.0 + 0.6 * s - 0.1 * c);
        }
        let e = landing_ellipse(&lat, &lon, 0.9973).expect("ellipse");
        for (la, lo) in e.outline(72) {
            let r = e.radius2(la, lo);
            assert!((r - 1.0).abs() < 2e-3, "outline point off the ellipse: {r}");
        }
        // The centre is inside; a point 1.1 semi-major axes out along the major axis is not.
        assert!(e.radius2(e.center_lat_deg, e.center_lon_deg) < 1e-12);
        let far = e.outline(4)[0];
        let out = (
            e.center_lat_deg + 1.1 * (far.0 - e.center_lat_deg),
            e.center_lon_deg + 1.1 * (far.1 - e.center_lon_deg),
        );
        assert!((e.radius2(out.0, out.1) - 1.21).abs() < 5e-3);
    }
}
