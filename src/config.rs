//! Scenario configuration: TOML text -> typed structs, with `--set` overrides applied first.
//!
//! Every error names the dotted key it is about; the CLI turns a [`ConfigError`] into exit code 2.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Bad input: a config or command-line value the run cannot start with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
    #[error("config {path} is not valid TOML: {message}")]
    Syntax { path: String, message: String },
    #[error("config key `{key}`: {message}")]
    Key { key: String, message: String },
    #[error("{0}")]
    Cli(String),
    /// `dispersa run --resume` of a run that this job finished already: nothing to do, and no
    /// failure (exit 0).
    #[error("{0}")]
    Finished(String),
}

impl ConfigError {
    pub fn key(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Key {
            key: key.into(),
            message: long_numbers_shortened(&message.into()),
        }
    }
}

/// Digits a number in a message may run to before it is written in scientific form: a u64
/// (a seed, a count) has at most 20.
const MAX_MESSAGE_DIGITS: usize = 20;

/// `message` with each number of more than [`MAX_MESSAGE_DIGITS`] digits written in
/// scientific form, as the shortest text that reads back the same f64: Rust prints an f64
/// such as 1e300 with all 301 digits, and a message quoting a mistyped value (`mass_kg =
/// 1e300`) ran to 300 digits (a fuzzing trial). A run of digits touching a letter or an
/// underscore (a name, a hash) is left as it is.
pub fn long_numbers_shortened(message: &str) -> String {
    let b = message.as_bytes();
    let word = |c: u8| c.is_ascii_alphabetic() || c == b'_';
    let mut out = String::with_capacity(message.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && (word(b[i - 1]) || b[i - 1].is_ascii_digit())) {
            i += 1;
            continue;
        }
        // A number: digits, then a point and more digits.
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
        let text = &message[start..i];
        let digits = text.bytes().filter(u8::is_ascii_digit).count();
        let touches_word = i < b.len() && word(b[i]);
        if digits > MAX_MESSAGE_DIGITS && !touches_word {
            if let Ok(x) = text.parse::<f64>() {
                out.push_str(&message[copied..start]);
                out.push_str(&format!("{x:e}"));
                copied = i;
            }
        }
    }
    out.push_str(&message[copied..]);
    out
}

/// Whether two configs, each a file's text and its `--set` overrides, set the same values:
/// the overrides applied in order, whatever their order, spelling or repetition where the
/// result is the same, and a whole number equal to the same number written with a point (the
/// typed config reads both alike; a whole-number key refuses a point). Comments and layout do
/// not count. Configs that do not parse are the same only as identical text.
///
/// [`RUN_KEYS_APART`] are left out: a run's identity compares its effective sample count and
/// seed itself (`--seed` sets `run.seed` last, where a run started before 2026-12-07 kept it
/// apart: such a run resumes), and the chunk size changes no result (each sample draws from
/// its own stream), so that a run killed for memory resumes with a smaller one, as the README
/// advises (a batch user's trial).
pub fn same_settings(a: (&str, &[String]), b: (&str, &[String])) -> bool {
    settings_difference(a, b).is_none()
}

/// How two configs differ, as [`same_settings`] compares them: `None` when they set the same
/// values, else the first key (in key order) whose value differs, as "first at `key` (a's value
/// against b's)", or "one of the two does not parse". A cluster user whose shards were
/// refused as another run's was told only that the config files' values differ (a batch trial).
pub fn settings_difference(a: (&str, &[String]), b: (&str, &[String])) -> Option<String> {
    // The same text and overrides are the same run, a `nan` value included (NaN is unequal to
    // itself: a review).
    if a == b {
        return None;
    }
    let without_apart = |mut t: toml::Table| {
        if let Some(toml::Value::Table(run)) = t.get_mut("run") {
            for k in RUN_KEYS_APART {
                run.remove(k);
            }
            // A `[run]` of those keys alone is no `[run]`.
            if run.is_empty() {
                t.remove("run");
            }
        }
        t
    };
    match (
        RawConfig::parse(a.0, "", a.1),
        RawConfig::parse(b.0, "", b.1),
    ) {
        (Ok(x), Ok(y)) => table_difference(
            &without_apart(x.table),
            &without_apart(y.table),
            &mut Vec::new(),
        ),
        // Not identical (above), and one does not parse: another run.
        _ => Some("one of the two does not parse".into()),
    }
}

/// The `[run]` keys that [`same_settings`] leaves out.
pub const RUN_KEYS_APART: [&str; 3] = ["samples", "seed", "chunk_size"];

/// The first key under `path` whose value differs between `x` and `y`, as
/// [`settings_difference`] shows it.
fn table_difference(x: &toml::Table, y: &toml::Table, path: &mut Vec<String>) -> Option<String> {
    let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
    for k in keys {
        path.push(k.clone());
        let found = match (x.get(k), y.get(k)) {
            (Some(toml::Value::Table(p)), Some(toml::Value::Table(q))) => {
                table_difference(p, q, path)
            }
            (Some(v), Some(w)) if same_value(v, w) => None,
            (v, w) => {
                let shown = |v: Option<&toml::Value>| {
                    v.map_or("not set".to_string(), |v| {
                        let text = v.to_string();
                        match text.char_indices().nth(60) {
                            Some((cut, _)) => format!("{}...", &text[..cut]),
                            None => text,
                        }
                    })
                };
                Some(format!(
                    "first at `{}` ({} against {})",
                    path.join("."),
                    shown(v),
                    shown(w)
                ))
            }
        };
        path.pop();
        if found.is_some() {
            return found;
        }
    }
    None
}

fn same_value(a: &toml::Value, b: &toml::Value) -> bool {
    use toml::Value::{Array, Float, Integer, Table};
    match (a, b) {
        (Integer(i), Float(f)) | (Float(f), Integer(i)) => *i as f64 == *f,
        (Array(x), Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Table(x), Table(y)) => table_difference(x, y, &mut Vec::new()).is_none(),
        _ => a == b,
    }
}

/// The largest config file read [bytes]; the shipped ones are under 10 KiB.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// What a command flies, for the notes on `--set` overrides it does not use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flights {
    /// Dispersed samples (`run`).
    Samples,
    /// Dispersed samples at each swept entry angle (`corridor`).
    SweptAngle,
    /// The undispersed nominal alone (`run --nominal`).
    Nominal,
    /// The undispersed nominal, aimed for a dispersed run of the config (`target`).
    Aim,
}

/// The config as read: the original text (for provenance) and the parsed table after overrides.
#[derive(Debug, Clone)]
pub struct RawConfig {
    pub text: String,
    pub overrides: Vec<String>,
    pub table: toml::Table,
}

impl RawConfig {
    pub fn load(path: &Path, overrides: &[String]) -> Result<Self, ConfigError> {
        use std::io::Read;
        let unreadable = |source| ConfigError::Unreadable {
            path: path.display().to_string(),
            source,
        };
        // Read at most MAX_CONFIG_BYTES (+1 to notice more): `/dev/zero` or a data file given
        // by mistake must not fill the memory.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes))
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(unreadable(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "larger than {} MiB: not a dispersa config",
                    MAX_CONFIG_BYTES >> 20
                ),
            )));
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            unreadable(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not UTF-8 text",
            ))
        })?;
        Self::parse(&text, &path.display().to_string(), overrides)
    }

    pub fn parse(text: &str, origin: &str, overrides: &[String]) -> Result<Self, ConfigError> {
        let mut table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: origin.to_string(),
                    message: e.to_string().trim().to_string(),
                })?;
        for spec in overrides {
            apply_override(&mut table, spec)?;
        }
        Ok(RawConfig {
            text: text.to_string(),
            overrides: overrides.to_vec(),
            table,
        })
    }

    /// Notes for `--set` overrides that a command flying `flights` will not use (or not
    /// wholly):
    /// - an integrator key of the method the config does not integrate with (`step_s` under
    ///   dopri5, `rtol` under rk4). The config file may carry both methods' keys (the shipped
    ///   ones do); an override names one on purpose, so it is worth a word when it has no effect.
    /// - for dispersed samples, a nominal value whose dispersion draws without it (uniform and
    ///   Weibull, a normal with its own `mean`, a lognormal with its own `median`, a correlated
    ///   group with its own `mean`); for the corridor, the entry angle it sweeps.
    ///
    /// And, first, a key set twice to different values: the last one is used (a trial's two
    /// masses, the first dropped with nothing said).
    pub fn unused_override_notes(&self, flights: Flights) -> Vec<String> {
        let mut notes = Vec::new();
        // Each key's distinct values, as apply_override parses them (40 and 40.0 are one, as
        // same_settings reads them: a review), and the last one given.
        let mut given: BTreeMap<Vec<String>, (Vec<toml::Value>, &str)> = BTreeMap::new();
        for spec in &self.overrides {
            let (key, value) = spec.split_once('=').unwrap_or((spec, ""));
            if let Some(parts) = split_dotted_key(key.trim()) {
                let (values, last) = given.entry(parts).or_default();
                let v = override_value(value.trim());
                if !values.iter().any(|w| same_value(w, &v)) {
                    values.push(v);
                }
                *last = value.trim();
            }
        }
        for (parts, (values, last)) in &given {
            if values.len() > 1 {
                notes.push(format!(
                    "--set {} is given {} values; the last one, {last}, is used",
                    parts.join("."),
                    values.len()
                ));
            }
        }
        for spec in &self.overrides {
            // The key as `apply_override` reads it (quoted segments, spaces about the dots).
            let key = spec
                .split_once('=')
                .map_or(spec.as_str(), |(k, _)| k)
                .trim();
            // Applied already, so its quotes are balanced.
            let Some(parts) = split_dotted_key(key) else {
                continue;
            };
            let note = self
                .other_method_note(key, &parts)
                .or_else(|| self.other_mode_note(key, &parts))
                .or_else(|| match flights {
                    Flights::Nominal => Self::nominal_note(key, &parts),
                    Flights::Aim => Self::nominal_note(key, &parts)
                        .or_else(|| self.dispersed_nominal_note(key, &parts, flights)),
                    Flights::Samples => self.dispersed_nominal_note(key, &parts, flights),
                    Flights::SweptAngle if parts.join(".") == "entry.flight_path_angle_deg" => {
                        Some(format!(
                            "--set {key}: the corridor sweeps the entry angle (--fpa-deg), so it \
                         is not used"
                        ))
                    }
                    // Its dispersion too: the angle is held at each swept value (a corridor
                    // trial's sigma was ignored with nothing said).
                    Flights::SweptAngle
                        if parts.first().is_some_and(|p| p == "dispersions")
                            && parts
                                .get(1)
                                .is_some_and(|p| p == "entry.flight_path_angle_deg") =>
                    {
                        Some(format!(
                            "--set {key}: the corridor holds the entry angle at each value of \
                             --fpa-deg, so the angle's dispersion is not used"
                        ))
                    }
                    Flights::SweptAngle => self.dispersed_nominal_note(key, &parts, flights),
                });
            notes.extend(note);
        }
        notes
    }

    fn other_method_note(&self, key: &str, parts: &[String]) -> Option<String> {
        use crate::integrator::Method;
        // The keys only a fixed-step method reads, and those only an adaptive one reads.
        const FIXED_ONLY: [&str; 3] = ["step_s", "descent_step_s", "step_days"];
        const ADAPTIVE_ONLY: [&str; 6] = [
            "rtol",
            "atol",
            "descent_rtol",
            "max_step_s",
            "max_step_days",
            "max_trials",
        ];
        let [table, field] = parts else { return None };
        if table != "integrator" {
            return None;
        }
        let wants_adaptive = if FIXED_ONLY.contains(&field.as_str()) {
            false
        } else if ADAPTIVE_ONLY.contains(&field.as_str()) {
            true
        } else {
            return None;
        };
        let name = self
            .table
            .get("integrator")
            .and_then(|i| i.get("method"))
            .and_then(|m| m.as_str())
            .unwrap_or(Method::DEFAULT.name());
        // An unknown method is refused by the config's own check.
        let method = Method::from_name(name)?;
        (method.is_adaptive() != wants_adaptive).then(|| {
            let wants: Vec<String> = Method::ALL
                .iter()
                .filter(|m| m.is_adaptive() == wants_adaptive)
                .map(|m| format!("\"{}\"", m.name()))
                .collect();
            format!(
                "--set {key}: applies to integrator.method = {}; this run integrates with \
                 \"{name}\", so it is not used",
                wants.join(" or ")
            )
        })
    }

    /// The cruise's keys that one mode reads and the others ignore: the departure's state or
    /// flyby keys, the inertial guidance's direction, the Q-law's settings (open loop replays
    /// the Q-law's flight, so it reads them too). Given in the file they are allowed (a
    /// config may switch modes with `--set`); an override of one the run does not read is
    /// noted, where it went unremarked until 2026-12-05.
    fn other_mode_note(&self, key: &str, parts: &[String]) -> Option<String> {
        const MODE_KEYS: [(&str, &str, &[&str]); 13] = [
            ("departure", "position_au", &["state"]),
            ("departure", "velocity_km_s", &["state"]),
            ("departure", "vinf_in_km_s", &["flyby"]),
            ("departure", "periapsis_altitude_km", &["flyby"]),
            ("departure", "bplane_angle_deg", &["flyby"]),
            ("guidance", "direction", &["inertial"]),
            ("guidance", "eta_cut", &["qlaw", "open_loop"]),
            ("guidance", "eta_hysteresis", &["qlaw", "open_loop"]),
            ("guidance", "phasing_days", &["qlaw", "open_loop"]),
            ("guidance", "phasing_max_da", &["qlaw", "open_loop"]),
            ("guidance", "phasing_laps", &["qlaw", "open_loop"]),
            ("guidance", "approach_km", &["qlaw", "open_loop"]),
            ("guidance", "approach_tau_days", &["qlaw", "open_loop"]),
        ];
        let [table, field] = parts else { return None };
        let (_, _, modes) = MODE_KEYS
            .iter()
            .find(|(t, f, _)| t == table && f == field)?;
        let mode = self
            .table
            .get(table.as_str())
            .and_then(|t| t.get("mode"))
            .and_then(|m| m.as_str())?;
        let wants = modes
            .iter()
            .map(|m| format!("\"{m}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        (!modes.contains(&mode)).then(|| {
            format!(
                "--set {key}: applies to {table}.mode = {wants}; this config's is \"{mode}\", \
                 so it is not used"
            )
        })
    }

    /// What a nominal flight (`run --nominal`, `target`) draws none of: the dispersions, the
    /// density and wind perturbations, the thrust noise and the safe-mode outages. An override
    /// of one of their keys is validated and then not used (an audit's `--nominal --set
    /// propulsion.thrust_noise.sigma=...` went unremarked).
    fn nominal_note(key: &str, parts: &[String]) -> Option<String> {
        const DRAWN: [(&[&str], &str); 6] = [
            (&["dispersions"], "the dispersions"),
            (&["correlated"], "the correlated dispersions"),
            (&["atmosphere", "perturbation"], "the density perturbation"),
            (&["winds", "perturbation"], "the wind perturbation"),
            (&["propulsion", "thrust_noise"], "the thrust noise"),
            (&["missed_thrust"], "the safe-mode outages"),
        ];
        let (_, what) = DRAWN.iter().find(|(prefix, _)| {
            parts.len() > prefix.len() && prefix.iter().zip(parts).all(|(a, b)| a == b)
        })?;
        // The value is checked all the same, as for a dispersed run (a nominal run must be one
        // that `report` reads): a nominal refused a slot count and then called it unused (a
        // cruise analyst's trial).
        Some(format!(
            "--set {key}: this nominal flight draws none of {what}, so it does not use it; \
             it is checked as for a dispersed run of the config, which does"
        ))
    }

    fn dispersed_nominal_note(
        &self,
        key: &str,
        parts: &[String],
        flights: Flights,
    ) -> Option<String> {
        if parts.len() < 2 || parts[0] == "dispersions" || parts[0] == "correlated" {
            return None;
        }
        let path = parts.join(".");
        // The aim's own keys: `target` says how their dispersions' centres move with the aim.
        const AIM_KEYS: [&str; 4] = [
            "entry.latitude_deg",
            "entry.longitude_deg",
            "entry.b_t_km",
            "entry.b_r_km",
        ];
        if flights == Flights::Aim && AIM_KEYS.contains(&path.as_str()) {
            return None;
        }
        let unused = if flights == Flights::SweptAngle {
            "so the corridor's dispersed samples do not use this value"
        } else if flights == Flights::Aim {
            // The aim is flown with the value; a dispersed run with the same --set lands about
            // its own centre (21 km short on a trial's 60 kg aim of a 39-41 kg uniform).
            "so the aim printed is for this value, but a dispersed run of the config does not \
             use it and lands about the aim of the dispersion's own centre: aim with that \
             centre, or move the dispersion to this value"
        } else {
            "so the dispersed samples do not use this value (a --nominal run does)"
        };
        self.own_centre(&path)
            .map(|(draws, _)| format!("--set {key}: {draws}, {unused}"))
    }

    /// The `dist` of the dispersion of the value at `path` (e.g. `entry.longitude_deg`), if any.
    pub fn dispersion_dist(&self, path: &str) -> Option<String> {
        let d = self.table.get("dispersions")?.get(path)?;
        Some(d.get("dist")?.as_str()?.to_string())
    }

    /// Whether the dispersed samples draw the value at `path` (e.g. `entry.longitude_deg`) about
    /// a centre of their own rather than the config's value: what draws it and how, e.g.
    /// `dispersions."entry.longitude_deg" (uniform) draws from its own low and high`, and that
    /// centre where it is one number (a uniform's midpoint, a normal's mean, a lognormal's
    /// median, a correlated group's mean; not a Weibull's).
    pub fn own_centre(&self, path: &str) -> Option<(String, Option<f64>)> {
        let num = |v: Option<&toml::Value>| {
            v.and_then(|x| x.as_float().or_else(|| x.as_integer().map(|i| i as f64)))
        };
        // A value's dispersion under its old spelling too (a --set of the drogue's Mach number
        // beside `dispersions."events.drogue_mach"` was noted by nothing: a review).
        let other = RENAMED_PATHS.iter().find_map(|&(new, old)| {
            (new == path)
                .then_some(old)
                .or((old == path).then_some(new))
        });
        let dispersions = self.table.get("dispersions");
        let written = dispersions
            .and_then(|t| t.get(path))
            .map(|d| (path, d))
            .or_else(|| other.and_then(|o| dispersions?.get(o).map(|d| (o, d))));
        if let Some((path, d)) = written.and_then(|(p, d)| d.as_table().map(|d| (p, d))) {
            let dist = d.get("dist").and_then(|v| v.as_str()).unwrap_or("");
            let (own, centre) = match dist {
                "uniform" => (
                    "its own low and high",
                    num(d.get("low"))
                        .zip(num(d.get("high")))
                        .map(|(l, h)| 0.5 * (l + h)),
                ),
                "weibull" => ("its own shape and scale", None),
                "normal" | "truncated_normal" if d.contains_key("mean") => {
                    ("its own mean", num(d.get("mean")))
                }
                "lognormal" if d.contains_key("median") => ("its own median", num(d.get("median"))),
                _ => return None,
            };
            return Some((
                format!("dispersions.\"{path}\" ({dist}) draws from {own}"),
                centre,
            ));
        }
        let groups = self.table.get("correlated").and_then(|c| c.as_array())?;
        groups.iter().enumerate().find_map(|(g, group)| {
            let k = group
                .get("paths")
                .and_then(|p| p.as_array())?
                .iter()
                .position(|x| {
                    x.as_str() == Some(path) || (other.is_some() && x.as_str() == other)
                })?;
            let mean = group.get("mean")?;
            Some((
                format!("correlated[{g}] draws it about its own mean"),
                num(mean.as_array().and_then(|m| m.get(k))),
            ))
        })
    }

    /// [`Self::unused_override_notes`] on stderr, as `run`, `corridor` and `target` give them.
    pub fn print_unused_override_notes(&self, flights: Flights) {
        for note in self.unused_override_notes(flights) {
            eprintln!("dispersa: note: {note}");
        }
    }

    /// Whether a `--set` override sets the value at `path` (`run.seed`), however its key is
    /// spelt (spaces about the dots, quoted segments).
    pub fn overrides_path(&self, path: &str) -> bool {
        self.overrides.iter().any(|spec| override_sets(spec, path))
    }

    /// Which scenario the file describes: `run.scenario`, else inferred from its tables.
    pub fn scenario_kind(&self) -> Result<String, ConfigError> {
        if let Some(kind) = self
            .table
            .get("run")
            .and_then(|r| r.get("scenario"))
            .and_then(|s| s.as_str())
        {
            // A scenario that the file's own tables contradict is named here, not by the
            // first table the other scenario does not know.
            for (given, table, other) in [
                ("cruise", "entry", "reentry"),
                ("reentry", "departure", "cruise"),
            ] {
                if kind == given && self.table.contains_key(table) {
                    return Err(ConfigError::key(
                        "run.scenario",
                        format!(
                            "\"{given}\", but the config has the table [{table}], which \
                             describes the {other} scenario"
                        ),
                    ));
                }
            }
            return Ok(kind.to_string());
        }
        if self.table.contains_key("entry") {
            Ok("reentry".to_string())
        } else if self.table.contains_key("departure") {
            Ok("cruise".to_string())
        } else {
            // A misspelt [entry] or [departure] is the likely cause: name it.
            let near = self.table.keys().find_map(|k| {
                nearest(k, ["entry", "departure"]).map(|t| format!(" (is [{k}] a misspelt [{t}]?)"))
            });
            Err(ConfigError::key(
                "run.scenario",
                format!(
                    "missing, and the config has neither an [entry] table (a reentry) nor a \
                     [departure] table (a cruise){}: give one of them, or run.scenario = \
                     \"reentry\" or \"cruise\"",
                    near.unwrap_or_default()
                ),
            ))
        }
    }

    /// Where a missing key belongs to a dispersion that only a `--set` names (the file has no
    /// such table), the likely cause: a misspelt path, whose table the override created (a
    /// cruise analyst's `dispersions."propulsion.thrust_mN".sigma=1` was told only that `dist`
    /// was missing).
    fn created_by_set(&self, missing: &str) -> String {
        let Some(rest) = missing.strip_prefix("dispersions.\"") else {
            return String::new();
        };
        let Some((path, _)) = rest.split_once('"') else {
            return String::new();
        };
        // The file's own tables, parsed (a path in a comment is none), and the overrides' keys
        // split as `--set` reads them (quotes of either kind, spaces about the dots).
        let in_file = self
            .text
            .parse::<toml::Table>()
            .ok()
            .and_then(|t| t.get("dispersions")?.as_table()?.get(path).cloned())
            .is_some();
        let by_set = self.overrides.iter().any(|o| {
            let key = o.split_once('=').map_or(o.as_str(), |(k, _)| k);
            split_dotted_key(key).is_some_and(|parts| {
                parts.len() >= 2 && parts[0] == "dispersions" && parts[1] == path
            })
        });
        if in_file || !by_set {
            return String::new();
        }
        format!(
            " (the config disperses no `{path}`: a --set of one of a dispersion's fields makes a \
             new table, which needs its `dist`; is the path spelt as the config's keys are?)"
        )
    }

    /// Deserialize into a typed config; errors name the dotted key. A missing key is reported
    /// with every other key the tables require that the config lacks, found by filling each in
    /// turn with a stand-in value and deserializing again, so that a config written from
    /// scratch learns them in one run. (Keys that a choice requires, checked after this, follow
    /// once the choice is given.)
    pub fn typed<T: for<'de> Deserialize<'de>>(&self) -> Result<T, ConfigError> {
        match deserialize_or_error::<T>(&self.table) {
            Ok(cfg) => Ok(cfg),
            Err(TypedError::Other(e)) => Err(e),
            Err(TypedError::Missing(first)) => {
                let others = other_missing_keys::<T>(&self.table, &first);
                Err(ConfigError::key(
                    &first,
                    format!(
                        "required but missing{}{}",
                        so_are_missing(&others),
                        self.created_by_set(&first)
                    ),
                ))
            }
        }
    }
}

/// The keys a config's choices require and it lacks, `(key, the choice)`, named in one message
/// where there are two or more (one alone is left to its own check, which says more): a config
/// written from scratch learned them a round at a time (seven rounds for a spherical planet, an
/// exponential atmosphere and a state entry: a from-scratch trial).
pub fn choices_missing(missing: &[(String, String)]) -> Result<(), ConfigError> {
    if let [(first, with), rest @ ..] = missing {
        if !rest.is_empty() {
            let rest: Vec<String> = rest
                .iter()
                .map(|(k, w)| format!("`{k}` (with {w})"))
                .collect();
            let verb = if rest.len() == 1 { "is" } else { "are" };
            return Err(ConfigError::key(
                first,
                format!("required with {with}; so {verb} {}", rest.join(", ")),
            ));
        }
    }
    Ok(())
}

/// "; so is `a`" or "; so are `a`, `b`" after a missing key's message, naming the other keys
/// missing beside it; empty when there are none.
pub fn so_are_missing(others: &[String]) -> String {
    if others.is_empty() {
        return String::new();
    }
    let names: Vec<String> = others.iter().map(|k| format!("`{k}`")).collect();
    format!(
        "; so {} {}",
        if others.len() == 1 { "is" } else { "are" },
        names.join(", ")
    )
}

/// Why a table did not deserialize: a required key it lacks (its dotted path), or any other
/// error, already in the config's terms.
enum TypedError {
    Missing(String),
    Other(ConfigError),
}

fn deserialize_or_error<T: for<'de> Deserialize<'de>>(
    table: &toml::Table,
) -> Result<T, TypedError> {
    serde_path_to_error::deserialize(table.clone()).map_err(|e| {
        let path = quoted_path(&e.path().to_string(), table);
        let inner = e.into_inner().to_string();
        let inner = inner.trim().to_string();
        // serde reports a missing field at the parent ("missing field `x`", which toml
        // follows with a second line "in `table`"); append the field name to the path.
        if let Some(field) = inner
            .strip_prefix("missing field `")
            .and_then(|s| s.split('`').next())
        {
            return TypedError::Missing(if path == "." || path.is_empty() {
                field.to_string()
            } else {
                format!("{path}.{field}")
            });
        }
        TypedError::Other(ConfigError::key(
            if path.is_empty() {
                ".".into()
            } else {
                path.clone()
            },
            readable_type_error(&path, &inner, table),
        ))
    })
}

/// The required keys a config lacks besides `first`, in the order serde meets them: each
/// missing key is filled with the first stand-in (a number, a whole number, a string, a
/// table, an array, or the first name a choice lists) that its type takes, and the table
/// deserialized again. A missing table is named by the keys it lacks. The search stops at
/// any other error, at a key no stand-in satisfies, or after 64 keys.
fn other_missing_keys<T: for<'de> Deserialize<'de>>(
    table: &toml::Table,
    first: &str,
) -> Vec<String> {
    let mut filled = table.clone();
    let mut missing = first.to_string();
    let mut found = Vec::new();
    while found.len() < 64 {
        let Some((trial, key, was_table)) = fill_one::<T>(&filled, &missing) else {
            found.push(missing);
            break;
        };
        if !(was_table && key.starts_with(&format!("{missing}."))) {
            found.push(missing);
        }
        filled = trial;
        missing = key;
    }
    found.retain(|k| k != first);
    found
}

/// `table` with a stand-in at `missing`, the next key it lacks, and whether the stand-in was
/// a table; None when no stand-in is taken, or when the table with one deserializes or fails
/// for another reason.
fn fill_one<T: for<'de> Deserialize<'de>>(
    table: &toml::Table,
    missing: &str,
) -> Option<(toml::Table, String, bool)> {
    let mut candidates = vec![
        toml::Value::Float(1.0),
        toml::Value::Integer(1),
        toml::Value::String(String::new()),
        toml::Value::Table(toml::Table::new()),
        toml::Value::Array(Vec::new()),
    ];
    let mut i = 0;
    while i < candidates.len() {
        let stand_in = candidates[i].clone();
        i += 1;
        let mut trial = table.clone();
        insert_at(&mut trial, missing, stand_in.clone())?;
        match deserialize_or_error::<T>(&trial) {
            Ok(_) => return None,
            Err(TypedError::Missing(key)) if key != missing => {
                return Some((trial, key, stand_in.is_table()));
            }
            Err(TypedError::Missing(_)) => {}
            Err(TypedError::Other(ConfigError::Key { key, message })) if key == missing => {
                // A named choice takes the first of the names it lists.
                if let Some(name) = first_expected_variant(&message) {
                    if !candidates.iter().any(|c| c.as_str() == Some(name.as_str())) {
                        candidates.push(toml::Value::String(name));
                    }
                }
            }
            // The stand-in was taken and something else is wrong: that is for the next run
            // to report, once the missing keys are given.
            Err(TypedError::Other(_)) => return None,
        }
    }
    None
}

/// The first name in "unknown variant ``, expected one of `a`, `b`" (or "expected `a`").
fn first_expected_variant(message: &str) -> Option<String> {
    let after = &message[message.find("expected")?..];
    let start = after.find('`')? + 1;
    let len = after[start..].find('`')?;
    Some(after[start..start + len].to_string())
}

/// Sets the value at a dotted key as [`ConfigError`] names it (`a.b.c`, `a."x.y".c`,
/// `a.b[2].c`), making none of the tables on the way; None when the path does not lead to a
/// table.
fn insert_at(table: &mut toml::Table, path: &str, value: toml::Value) -> Option<()> {
    let mut here = table;
    let mut rest = path;
    loop {
        let (key, tail) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        if tail.is_empty() {
            here.insert(key.to_string(), value);
            return Some(());
        }
        (here, rest) = descend(here.get_mut(key)?, tail)?;
    }
}

/// From a value and the path after its key (`.c`, `[2].c`), the table it leads to and the
/// path left.
fn descend<'a, 'p>(
    value: &'a mut toml::Value,
    tail: &'p str,
) -> Option<(&'a mut toml::Table, &'p str)> {
    let mut value = value;
    let mut tail = tail;
    while let Some(index) = tail.strip_prefix('[') {
        let close = index.find(']')?;
        let i: usize = index[..close].parse().ok()?;
        value = value.as_array_mut()?.get_mut(i)?;
        tail = &index[close + 1..];
    }
    let rest = tail.strip_prefix('.')?;
    Some((value.as_table_mut()?, rest))
}

/// serde's path with a dispersion's parameter path quoted as the config writes it:
/// `dispersions."atmosphere.density_scale".foo`, where serde prints the key's dots bare.
fn quoted_path(path: &str, table: &toml::Table) -> String {
    let Some(rest) = path.strip_prefix("dispersions.") else {
        return path.to_string();
    };
    let Some(d) = table.get("dispersions").and_then(|d| d.as_table()) else {
        return path.to_string();
    };
    d.keys()
        .filter(|k| k.contains('.'))
        .find_map(|k| {
            let tail = rest.strip_prefix(k.as_str())?;
            (tail.is_empty() || tail.starts_with('.')).then(|| format!("dispersions.\"{k}\"{tail}"))
        })
        .unwrap_or_else(|| path.to_string())
}

/// The name serde's "unknown field `x`, expected one of `a`, `b`" (or "unknown variant")
/// lists that is nearest `x` ([`nearest`]): a misspelt `[vehicel]` was told the thirteen table
/// names and no more (a config author's trial), where `--set` paths and flags get a hint.
fn near_miss(msg: &str) -> Option<String> {
    let rest = msg
        .strip_prefix("unknown field `")
        .or_else(|| msg.strip_prefix("unknown variant `"))?;
    let (given, listed) = rest.split_once('`')?;
    nearest(given, listed.split('`').skip(1).step_by(2)).map(str::to_string)
}

/// The one of `names` nearest `given` within two edits (and fewer edits than the name has
/// letters), the first of the nearest; none where `given` is one of them. The "did you mean"
/// of a misspelt table, key, choice or dispersion path.
pub fn nearest<'a>(given: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    names
        .into_iter()
        .map(|name| (strsim::damerau_levenshtein(given, name), name))
        .filter(|&(d, name)| d > 0 && d <= 2 && d < name.len())
        .min_by_key(|&(d, _)| d)
        .map(|(_, name)| name)
}

/// A deserializer's message in the config's terms: toml's second line ("in `table`", which
/// repeats the key) dropped, "expected struct EventsConfig" said as "expected a table" and
/// "expected f64" as "expected a number", and
/// a dispersion whose parameter path was not quoted (`dispersions.entry.x.sigma`, read as
/// nested tables) shown how to quote it; an unknown name is given the nearest ([`near_miss`]).
fn readable_type_error(path: &str, inner: &str, table: &toml::Table) -> String {
    let mut msg = inner
        .lines()
        .filter(|l| !l.trim_start().starts_with("in `"))
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(i) = msg.find("expected struct ") {
        let name_end = msg[i + 16..]
            .find(|c: char| !c.is_alphanumeric() && c != '_')
            .map_or(msg.len(), |j| i + 16 + j);
        msg.replace_range(i..name_end, "expected a table");
    }
    for (rust, said) in [
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("expected u64", "expected a whole number of 0 or more"),
        ("expected u32", "expected a whole number of 0 or more"),
        ("expected usize", "expected a whole number of 0 or more"),
        ("expected i64", "expected a whole number"),
    ] {
        if msg.ends_with(rust) || msg.contains(&format!("{rust};")) {
            msg = msg.replacen(rust, said, 1);
        }
    }
    if let Some(near) = near_miss(&msg) {
        msg.push_str(&format!("; did you mean `{near}`?"));
    }
    // serde's path prints a quoted key unquoted, so the nested form is told by the table: a
    // dispersion's key holds a dot, a nested table's first segment does not.
    let parts: Vec<&str> = path.split('.').collect();
    let nested = parts.len() >= 3
        && parts[0] == "dispersions"
        && table
            .get("dispersions")
            .and_then(|d| d.get(parts[1]))
            .is_some();
    if nested {
        let param = format!("{}.{}", parts[1], parts[2]);
        msg.push_str(&format!(
            "; a dispersion's parameter path is one quoted key: dispersions.\"{param}\" (on the \
             command line: --set 'dispersions.\"{param}\".sigma=...')"
        ));
    }
    msg
}

/// Split a TOML dotted key, honouring quoted segments: `dispersions."vehicle.mass_kg".sigma`,
/// TOML's single quotes (literal keys) as well as double. None where a quote is left open.
pub(crate) fn split_dotted_key(key: &str) -> Option<Vec<String>> {
    let mut parts = vec![String::new()];
    let mut quote: Option<char> = None;
    for ch in key.chars() {
        match (ch, quote) {
            ('"' | '\'', None) => quote = Some(ch),
            (c, Some(q)) if c == q => quote = None,
            ('.', None) => parts.push(String::new()),
            (c, _) => parts.last_mut().expect("non-empty").push(c),
        }
    }
    quote
        .is_none()
        .then(|| parts.into_iter().map(|p| p.trim().to_string()).collect())
}

/// A `--set` value as TOML reads it, else as a string (an unquoted word).
pub(crate) fn override_value(text: &str) -> toml::Value {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

/// Whether the `--set` override `spec` sets the value at `path`, however its key is spelt.
pub fn override_sets(spec: &str, path: &str) -> bool {
    let key = spec.split_once('=').map_or(spec, |(k, _)| k);
    split_dotted_key(key.trim()).is_some_and(|parts| parts.join(".") == path)
}

/// `dotted.key=value`: the value is read as a TOML value (number, bool, array, quoted string);
/// anything that is not valid TOML is taken as a bare string.
pub(crate) fn apply_override(table: &mut toml::Table, spec: &str) -> Result<(), ConfigError> {
    let (key, value) = spec.split_once('=').ok_or_else(|| {
        ConfigError::Cli(format!(
            "--set {spec}: expected dotted.key=value, e.g. --set run.seed=7"
        ))
    })?;
    let key = key.trim();
    let value_text = value.trim();
    let parsed = override_value(value_text);
    let parts = split_dotted_key(key).ok_or_else(|| {
        ConfigError::Cli(format!(
            "--set {spec}: unbalanced `\"` in the key (quote a dispersion's parameter path \
             whole: --set 'dispersions.\"vehicle.mass_kg\".sigma=0.5')"
        ))
    })?;
    if parts.iter().any(|p| p.is_empty()) {
        return Err(ConfigError::Cli(format!("--set {spec}: empty key segment")));
    }
    // `dispersions.entry.x.sigma`: the parameter path unquoted, read as nested tables, which
    // the config's check would blame on a valid key.
    if parts.len() >= 4 && parts[0] == "dispersions" && !parts[1].contains('.') {
        let param = format!("{}.{}", parts[1], parts[2]);
        let rest = parts[3..].join(".");
        return Err(ConfigError::Cli(format!(
            "--set {spec}: a dispersion's parameter path is one quoted key: \
             --set 'dispersions.\"{param}\".{rest}={value_text}'"
        )));
    }
    let mut node = table;
    for part in &parts[..parts.len() - 1] {
        let entry = node
            .entry(part.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let is_array = entry.is_array();
        node = entry.as_table_mut().ok_or_else(|| {
            let what = if is_array {
                format!(
                    "`{part}` is an array; --set cannot reach inside one: set the whole array \
                     (--set '{part}=[...]') or edit the config"
                )
            } else {
                format!("`{part}` is not a table, cannot set a key inside it")
            };
            ConfigError::key(key, what)
        })?;
    }
    node.insert(parts[parts.len() - 1].clone(), parsed);
    Ok(())
}

/// `[run]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    pub name: String,
    #[serde(default)]
    pub scenario: Option<String>,
    pub samples: i64,
    pub seed: u64,
    #[serde(default)]
    pub chunk_size: Option<i64>,
}

impl RunConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.samples <= 0 {
            return Err(ConfigError::key(
                "run.samples",
                format!("must be positive, got {}", self.samples),
            ));
        }
        if let Some(c) = self.chunk_size {
            if c <= 0 {
                return Err(ConfigError::key(
                    "run.chunk_size",
                    format!("must be positive, got {c}"),
                ));
            }
        }
        Ok(())
    }
}

/// One entry of `[dispersions]`, keyed by the dotted path of the parameter it disperses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispersionConfig {
    pub dist: String,
    #[serde(default)]
    pub mean: Option<f64>,
    #[serde(default)]
    pub sigma: Option<f64>,
    #[serde(default)]
    pub low: Option<f64>,
    #[serde(default)]
    pub high: Option<f64>,
    #[serde(default)]
    pub median: Option<f64>,
    #[serde(default)]
    pub sigma_ln: Option<f64>,
    #[serde(default)]
    pub shape: Option<f64>,
    #[serde(default)]
    pub scale: Option<f64>,
}

/// One `[[correlated]]` group: a multivariate normal over several parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrelatedConfig {
    pub paths: Vec<String>,
    pub covariance: Vec<Vec<f64>>,
    #[serde(default)]
    pub mean: Option<Vec<f64>>,
}

pub type Dispersions = BTreeMap<String, DispersionConfig>;

/// Parameter paths renamed, with the old spelling that configs may still use: (new, old).
pub const RENAMED_PATHS: [(&str, &str); 1] =
    [("parachutes.drogue_deploy_mach", "events.drogue_mach")];

/// Every dispersed parameter path of a config, with the config key that disperses it: a single
/// dispersion (`dispersions."path"`), or a correlated group (`correlated[g].paths`).
pub fn dispersed_paths<'a>(
    dispersions: &'a Dispersions,
    correlated: &'a [CorrelatedConfig],
) -> impl Iterator<Item = (String, &'a String)> + 'a {
    let single = dispersions
        .keys()
        .map(|k| (format!("dispersions.\"{k}\""), k));
    let grouped = correlated.iter().enumerate().flat_map(|(g, c)| {
        c.paths
            .iter()
            .map(move |k| (format!("correlated[{g}].paths"), k))
    });
    single.chain(grouped)
}

/// Reject NaN and infinities, naming the key.
pub fn finite(key: &str, value: f64) -> Result<f64, ConfigError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ConfigError::key(
            key,
            format!("must be a finite number, got {value}"),
        ))
    }
}

/// Require a strictly positive finite number.
pub fn positive(key: &str, value: f64) -> Result<f64, ConfigError> {
    finite(key, value)?;
    if value > 0.0 {
        Ok(value)
    } else {
        Err(ConfigError::key(
            key,
            format!("must be positive, got {value}"),
        ))
    }
}

/// The adaptive integrator's tolerances: each relative tolerance within [1e-13, `rtol_max`]
/// (below ~1e-13 the error estimate is rounding noise) and `atol` within (0, 1].
pub fn tolerances(
    rtols: &[(&str, f64)],
    rtol_max: f64,
    atol: (&str, f64),
) -> Result<(), ConfigError> {
    for &(key, v) in rtols {
        if !(1e-13..=rtol_max).contains(&v) {
            return Err(ConfigError::key(
                key,
                format!("{} must be within [1e-13, {rtol_max:e}]", full(v)),
            ));
        }
    }
    let (key, v) = atol;
    if !(v > 0.0 && v <= 1.0) {
        return Err(ConfigError::key(key, format!("{v} must be within (0, 1]")));
    }
    Ok(())
}

/// Require a finite number >= 0.
pub fn non_negative(key: &str, value: f64) -> Result<f64, ConfigError> {
    finite(key, value)?;
    if value >= 0.0 {
        Ok(value)
    } else {
        Err(ConfigError::key(key, format!("must be >= 0, got {value}")))
    }
}

/// A number to 4 significant digits, without trailing noise.
pub fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&mag) {
        return format!("{x:.3e}");
    }
    let decimals = (3 - mag).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A number in full, as `{}` prints it, but in exponent form where that would run to more
/// than 16 digits (a unit slip of 1e300 prints as 1e300).
pub fn full(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-6..1e16).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}
