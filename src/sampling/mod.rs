//! Per-sample inputs: which parameters are dispersed and how, and the random stream of each sample.
//!
//! Determinism: sample `i` of seed `s` draws from its own PCG64 generator (state hashed from
//! (s, i) by SplitMix64), in a fixed order: the `[dispersions]` entries in key order,
//! then the `[[correlated]]` groups in file order, then the scenario's extra standard normals
//! (the density perturbation profile). Nothing else touches the stream, so a sample's inputs
//! are the same whatever the chunk size, thread count, shard or backend.

pub mod dist;
pub mod events;

use crate::config::{ConfigError, CorrelatedConfig, DispersionConfig, Dispersions};
use dist::{standard_normal, Dist, MultiNormal};
use rand_pcg::Pcg64;

/// SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream of one sample: a PCG64 whose whole 128-bit state is a hash of
/// (seed, index), on PCG's default stream. (Giving every sample the same state on its own
/// stream `index` would make the first draws of consecutive samples visibly correlated: the
/// initial states then form a Weyl sequence in the index.)
pub fn sample_rng(seed: u64, index: u64) -> Pcg64 {
    let hi = splitmix64(seed ^ splitmix64(index));
    let lo = splitmix64(hi ^ splitmix64(index.rotate_left(32) ^ 0x6A09_E667_F3BC_C909));
    let state = ((hi as u128) << 64) | lo as u128;
    Pcg64::new(state, PCG_DEFAULT_INCREMENT)
}

/// PCG64's default stream increment (O'Neill's reference implementation).
const PCG_DEFAULT_INCREMENT: u128 = 0x5851_f42d_4c95_7f2d_1405_7b7e_f767_814f;

/// How one run's samples are drawn.
#[derive(Debug, Clone)]
pub struct Sampler {
    seed: u64,
    singles: Vec<(usize, Dist)>,
    groups: Vec<(Vec<usize>, MultiNormal)>,
    n_normals: usize,
    /// Dotted paths of the dispersed parameters, in output-column order.
    pub columns: Vec<String>,
    /// Parameter index of each column.
    pub column_params: Vec<usize>,
}

impl Sampler {
    /// The bounded single dispersions (uniform, truncated normal): parameter index, low, high.
    pub fn bounded(&self) -> impl Iterator<Item = (usize, f64, f64)> + '_ {
        self.singles.iter().filter_map(|(i, d)| match *d {
            Dist::Uniform { low, high } | Dist::TruncatedNormal { low, high, .. } => {
                Some((*i, low, high))
            }
            _ => None,
        })
    }

    /// The unbounded single normals: parameter index, mean and sigma (the tails a note on
    /// unphysical 3-sigma ends probes).
    pub fn normals(&self) -> impl Iterator<Item = (usize, f64, f64)> + '_ {
        self.singles.iter().filter_map(|(i, d)| match *d {
            Dist::Normal { mean, sigma } => Some((*i, mean, sigma)),
            _ => None,
        })
    }

    /// Build from the config's dispersions. `index_of` maps a dotted path to the scenario's
    /// parameter index, `names` lists them all (for the error message), `nominal` holds their
    /// nominal values (NaN: not used by this config), `fixed` those used at a value that no
    /// dispersion may set (the message does not list them). `n_normals` extra standard normals
    /// are drawn after the dispersions.
    pub fn new(
        seed: u64,
        dispersions: &Dispersions,
        correlated: &[CorrelatedConfig],
        names: &[&str],
        nominal: &[f64],
        fixed: &[usize],
        n_normals: usize,
    ) -> Result<Self, ConfigError> {
        let index_of = |key: &str, path: &str| -> Result<usize, ConfigError> {
            let i = names.iter().position(|n| *n == path).ok_or_else(|| {
                // Those this config's models use (a state departure listed the flyby's keys,
                // then refused them: a trial).
                let usable: Vec<&str> = names
                    .iter()
                    .zip(nominal)
                    .enumerate()
                    .filter(|(i, (_, v))| !v.is_nan() && !fixed.contains(i))
                    .map(|(_, (n, _))| *n)
                    .collect();
                // The nearest usable path within two edits, or the old spelling of one
                // (`events.drog_mach` was told the nineteen paths and no more: a review).
                let renamed: Vec<(&str, &str)> = crate::config::RENAMED_PATHS
                    .iter()
                    .map(|&(new, old)| (old, new))
                    .filter(|(_, new)| usable.contains(new))
                    .collect();
                let spellings = usable.iter().copied().chain(renamed.iter().map(|r| r.0));
                let near = crate::config::nearest(path, spellings)
                    .map(|spelt| match renamed.iter().find(|r| r.0 == spelt) {
                        Some((old, new)) => {
                            format!(" (did you mean `{old}`, the old spelling of `{new}`?)")
                        }
                        None => format!(" (did you mean `{spelt}`?)"),
                    })
                    .unwrap_or_default();
                ConfigError::key(
                    key,
                    format!(
                        "no parameter `{path}` to disperse{near}; this config's dispersable \
                         parameters: {}",
                        usable.join(", ")
                    ),
                )
            })?;
            if nominal[i].is_nan() {
                return Err(ConfigError::key(
                    key,
                    format!(
                        "`{path}` is not used by this config's models, so it cannot be dispersed"
                    ),
                ));
            }
            Ok(i)
        };
        let mut used = vec![false; names.len()];
        let mut claim = |key: &str, i: usize| -> Result<(), ConfigError> {
            if std::mem::replace(&mut used[i], true) {
                return Err(ConfigError::key(
                    key,
                    format!("`{}` is dispersed twice", names[i]),
                ));
            }
            Ok(())
        };
        let mut singles = Vec::new();
        let mut columns = Vec::new();
        let mut column_params = Vec::new();
        for (path, d) in dispersions {
            let key = format!("dispersions.\"{path}\"");
            let i = index_of(&key, path)?;
            claim(&key, i)?;
            singles.push((i, parse_dist(&key, d, nominal[i])?));
            columns.push(path.clone());
            column_params.push(i);
        }
        let mut groups = Vec::new();
        for (g, c) in correlated.iter().enumerate() {
            let key = format!("correlated[{g}]");
            if c.paths.is_empty() {
                return Err(ConfigError::key(
                    format!("{key}.paths"),
                    "must list at least one parameter",
                ));
            }
            let mut idx = Vec::new();
            for p in &c.paths {
                let i = index_of(&format!("{key}.paths"), p)?;
                claim(&format!("{key}.paths"), i)?;
                idx.push(i);
            }
            let mean = match &c.mean {
                Some(m) if m.len() != idx.len() => {
                    return Err(ConfigError::key(
                        format!("{key}.mean"),
                        format!("has {} values for {} paths", m.len(), idx.len()),
                    ))
                }
                Some(m) => m.clone(),
                None => idx.iter().map(|&i| nominal[i]).collect(),
            };
            let cov_key = format!("{key}.covariance");
            if c.covariance.len() != idx.len() || c.covariance.iter().any(|r| r.len() != idx.len())
            {
                return Err(ConfigError::key(
                    cov_key,
                    format!(
                        "must be a {n} x {n} matrix (one row and column per path)",
                        n = idx.len()
                    ),
                ));
            }
            if c.covariance
                .iter()
                .flatten()
                .chain(mean.iter())
                .any(|v| !v.is_finite())
            {
                return Err(ConfigError::key(cov_key, "values must be finite"));
            }
            let mvn = MultiNormal::new(mean, c.covariance.clone())
                .map_err(|m| ConfigError::key(cov_key, m))?;
            for (p, &i) in c.paths.iter().zip(&idx) {
                columns.push(p.clone());
                column_params.push(i);
            }
            groups.push((idx, mvn));
        }
        Ok(Sampler {
            seed,
            singles,
            groups,
            n_normals,
            columns,
            column_params,
        })
    }

    /// Draw sample `index`: overwrite the dispersed entries of `params` (which start nominal)
    /// and fill `normals` with the extra standard normals.
    pub fn draw(&self, index: u64, params: &mut [f64], normals: &mut [f64]) {
        debug_assert_eq!(normals.len(), self.n_normals);
        let mut rng = sample_rng(self.seed, index);
        for (i, d) in &self.singles {
            params[*i] = d.draw(&mut rng);
        }
        for (idx, mvn) in &self.groups {
            for (&i, v) in idx.iter().zip(mvn.draw(&mut rng)) {
                params[i] = v;
            }
        }
        for z in normals.iter_mut() {
            *z = standard_normal(&mut rng);
        }
    }
}

/// Refuse a truncated normal centred outside its bounds: every sample would be drawn from the
/// tail at one bound. A nose radius set to 0.42 m under bounds of 0.195-0.225 flew
/// 0.2244-0.2250 in runs and corridors, with nothing said (a new user's trial). Checked before a
/// dispersed run or a corridor flies, not in `Sampler::new`: `dispersa target` moves the value
/// it aims past such bounds and says by how much to move them, a `--nominal` run draws
/// nothing, a `--resume` goes on as its run began, and results already written are read
/// whatever their config.
pub fn check_centres(
    dispersions: &Dispersions,
    names: &[&str],
    nominal: &[f64],
) -> Result<(), ConfigError> {
    for (path, d) in dispersions {
        let (Some(i), "truncated_normal", Some(low), Some(high)) = (
            names.iter().position(|n| n == path),
            d.dist.as_str(),
            d.low,
            d.high,
        ) else {
            continue;
        };
        let mean = d.mean.unwrap_or(nominal[i]);
        if !(low..=high).contains(&mean) {
            let whose = if d.mean.is_some() {
                format!("its mean {mean}")
            } else {
                format!("the value it disperses, {mean},")
            };
            return Err(ConfigError::key(
                format!("dispersions.\"{path}\""),
                format!(
                    "{whose} lies outside its bounds [{low}, {high}]: every sample would be \
                     drawn at the bound; move low and high with the value"
                ),
            ));
        }
    }
    Ok(())
}

/// Notes on dispersions whose draws are not about the value the config gives: a `mean`
/// (`median`) of their own, or a uniform's range that leaves the value out. The samples are
/// then flown about another value than the nominal (what a `--nominal` run, `dispersa target`
/// and a report's nominal trajectory fly). A mass of 40 kg under a uniform of 45-55 kg ran with
/// nothing said, and `target` aimed the 40 kg capsule: the dispersed run's downrange miss was
/// then 10.9 km on average (an entry analyst's trial). Not refused: a centre of its own is how
/// a config states a bias. The paths that `skip` names are left out: the aim's keys, whose
/// centres `target` says how to move, and values a `--set` gives, which its own note covers
/// (`RawConfig::unused_override_notes`). Weibull draws are not about the value (a pointing
/// error's magnitude) and are not noted.
pub fn off_centre_notes(
    dispersions: &Dispersions,
    correlated: &[CorrelatedConfig],
    names: &[&str],
    nominal: &[f64],
    skip: impl Fn(&str) -> bool,
) -> Vec<String> {
    use crate::config::full;
    let value_of = |path: &str| {
        names
            .iter()
            .position(|n| *n == path)
            .map(|i| nominal[i])
            .filter(|v| v.is_finite() && !skip(path))
    };
    // Equal to the value within what `dispersa target` prints (6 decimals), relative above 1.
    let same = |a: f64, b: f64| (a - b).abs() <= 5e-7 * a.abs().max(b.abs()).max(1.0);
    let mut notes = Vec::new();
    for (path, d) in dispersions {
        let Some(v) = value_of(path) else { continue };
        // A truncated normal's mean outside its bounds is refused ([`check_centres`]).
        let inside = |m: f64| d.low.zip(d.high).is_none_or(|(l, h)| (l..=h).contains(&m));
        let own = match (d.dist.as_str(), d.mean, d.median) {
            ("normal", Some(m), _) => Some(("mean", m)),
            ("truncated_normal", Some(m), _) if inside(m) => Some(("mean", m)),
            ("lognormal", _, Some(m)) => Some(("median", m)),
            _ => None,
        };
        if let Some((what, c)) = own {
            if !same(c, v) {
                notes.push(format!(
                    "dispersions.\"{path}\" ({}) draws about its own {what}, {}, not about the \
                     nominal {path} = {}: the samples are flown about another value than a \
                     --nominal run flies (leave out {what} to draw about the nominal)",
                    d.dist,
                    full(c),
                    full(v)
                ));
            }
        }
        if let ("uniform", Some(low), Some(high)) = (d.dist.as_str(), d.low, d.high) {
            if !(low..=high).contains(&v) {
                notes.push(format!(
                    "dispersions.\"{path}\" (uniform) draws from {} to {}, which leaves out the \
                     nominal {path} = {}: every sample is flown to one side of what a --nominal \
                     run flies",
                    full(low),
                    full(high),
                    full(v)
                ));
            }
        }
    }
    for (g, c) in correlated.iter().enumerate() {
        let Some(mean) = &c.mean else { continue };
        for (path, &m) in c.paths.iter().zip(mean) {
            match value_of(path) {
                Some(v) if !same(m, v) => notes.push(format!(
                    "correlated[{g}] draws {path} about its own mean, {}, not about the nominal \
                     {path} = {}: the samples are flown about another value than a --nominal \
                     run flies (leave out the group's mean to draw about the nominal values)",
                    full(m),
                    full(v)
                )),
                _ => {}
            }
        }
    }
    notes
}

/// The smallest Weibull shape accepted ([`parse_dist`]).
pub const MIN_WEIBULL_SHAPE: f64 = 0.1;

fn parse_dist(key: &str, d: &DispersionConfig, nominal: f64) -> Result<Dist, ConfigError> {
    let field = |name: &str, v: Option<f64>| -> Result<f64, ConfigError> {
        let v = v.ok_or_else(|| {
            ConfigError::key(
                format!("{key}.{name}"),
                format!("required for dist = \"{}\"", d.dist),
            )
        })?;
        crate::config::finite(&format!("{key}.{name}"), v)
    };
    let positive = |name: &str, v: Option<f64>| -> Result<f64, ConfigError> {
        let x = field(name, v)?;
        if x > 0.0 {
            Ok(x)
        } else {
            // How to fly the parameter undispersed, which a zero spread was meant to do (a
            // trial); a zero shape is no zero spread.
            let spread = ["sigma", "scale", "scale_days"].contains(&name);
            let hint = if x == 0.0 && spread {
                let param = key.trim_start_matches("dispersions.").trim_matches('"');
                format!(
                    " (to fly {param} undispersed, leave out the table [{key}]; `--nominal` \
                     flies every parameter so)"
                )
            } else {
                String::new()
            };
            Err(ConfigError::key(
                format!("{key}.{name}"),
                format!("must be positive, got {x}{hint}"),
            ))
        }
    };
    let unused = |allowed: &[&str]| -> Result<(), ConfigError> {
        let present = [
            ("mean", d.mean),
            ("sigma", d.sigma),
            ("low", d.low),
            ("high", d.high),
            ("median", d.median),
            ("sigma_ln", d.sigma_ln),
            ("shape", d.shape),
            ("scale", d.scale),
        ];
        for (name, v) in present {
            if v.is_some() && !allowed.contains(&name) {
                return Err(ConfigError::key(
                    format!("{key}.{name}"),
                    format!(
                        "not a parameter of dist = \"{}\" (it takes {})",
                        d.dist,
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    };
    let ordered = |low: f64, high: f64| -> Result<(), ConfigError> {
        if low < high {
            Ok(())
        } else {
            Err(ConfigError::key(
                format!("{key}.low"),
                format!("must be below high ({low} >= {high})"),
            ))
        }
    };
    let mean = d.mean.map_or(Ok(nominal), |m| {
        crate::config::finite(&format!("{key}.mean"), m)
    })?;
    match d.dist.as_str() {
        "normal" => {
            unused(&["mean", "sigma"])?;
            Ok(Dist::Normal { mean, sigma: positive("sigma", d.sigma)? })
        }
        "uniform" => {
            unused(&["low", "high"])?;
            let (low, high) = (field("low", d.low)?, field("high", d.high)?);
            ordered(low, high)?;
            Ok(Dist::Uniform { low, high })
        }
        "truncated_normal" => {
            unused(&["mean", "sigma", "low", "high"])?;
            let sigma = positive("sigma", d.sigma)?;
            let (low, high) = (field("low", d.low)?, field("high", d.high)?);
            ordered(low, high)?;
            Ok(Dist::TruncatedNormal { mean, sigma, low, high })
        }
        "lognormal" => {
            unused(&["median", "sigma_ln"])?;
            let median = d.median.unwrap_or(nominal);
            if !(median > 0.0 && median.is_finite()) {
                return Err(ConfigError::key(
                    format!("{key}.median"),
                    format!("lognormal needs a positive median (defaults to the nominal value), got {median}"),
                ));
            }
            Ok(Dist::LogNormal { median, sigma_ln: positive("sigma_ln", d.sigma_ln)? })
        }
        "weibull" => {
            unused(&["shape", "scale"])?;
            let shape = positive("shape", d.shape)?;
            // Below it the tail runs beyond any range: the one-in-a-million draw is already
            // 2.5e11 times the scale at 0.1, and a shape of 1e-9 drew infinities (a trial).
            if shape < MIN_WEIBULL_SHAPE {
                return Err(ConfigError::key(
                    format!("{key}.shape"),
                    format!(
                        "{} is below {MIN_WEIBULL_SHAPE}: the draws would span more than ten \
                         orders of magnitude (a pointing error's Weibull has a shape near 2)",
                        crate::config::full(shape)
                    ),
                ));
            }
            Ok(Dist::Weibull { shape, scale: positive("scale", d.scale)? })
        }
        other => Err(ConfigError::key(
            format!("{key}.dist"),
            format!("unknown distribution {other:?}; one of normal, uniform, truncated_normal, lognormal, weibull"),
        )),
    }
}
