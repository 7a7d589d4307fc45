//! The cruise run's figures: the arrival epochs and margins, and the heliocentric trajectories
//! re-propagated on the f64 CPU reference and checked against the run's samples.

use super::figures::{Heliocentric, Histogram, Marker};
use super::tracks::TrackTable;
use super::{AnyPlot, Figure, ReportError, RunContext};
use crate::config::RawConfig;
use crate::physics::comet::comet_311p_state;
use crate::physics::ephemeris::{body_state, Body};
use crate::physics::epoch::mjd_from_jd;
use crate::physics::kepler::AU_M;
use crate::scenario::Scenario;

/// Calendar year (decimal, TDB) of an MJD: years of 365.25 days from J2000.
pub(super) fn year_of_mjd(mjd: f64) -> f64 {
    2000.0 + (mjd - 51_544.5) / 365.25
}

pub(super) fn cruise_figures(
    ctx: &RunContext,
    raw: &RawConfig,
    flights: &super::Flights,
    figs: &mut Vec<Figure>,
    notes: &mut Vec<String>,
) -> Result<Option<TrackTable>, ReportError> {
    let arrival: Vec<f64> = ctx.values("rendezvous_mjd_tdb")?;
    if arrival.is_empty() {
        // Said, not left out silently (a trial found both figures gone without a word).
        notes.push(
            "no sample reached the rendezvous: the rendezvous-date histogram is not drawn".into(),
        );
    } else {
        let mut markers = Vec::new();
        let mut caption = format!(
            "Rendezvous with 311P (within target.rendezvous_km and target.rendezvous_m_s of the \
             comet) of the {} samples that reached it, in years (TDB).",
            arrival.len()
        );
        if let Some((limit, prob)) = ctx.limit("rendezvous_mjd_tdb") {
            markers.push(Marker::limit(
                year_of_mjd(limit),
                format!("deadline {}", crate::physics::epoch::iso_from_mjd(limit)),
            ));
            if let Some(txt) = ctx.probability_text(prob) {
                caption.push_str(&format!(" P(rendezvous by the red deadline) = {txt}."));
            }
        }
        figs.push(Figure {
            name: "hist_rendezvous".into(),
            title: "Rendezvous date with 311P/PANSTARRS".into(),
            caption,
            plot: AnyPlot::Histogram(Histogram {
                values: arrival.iter().map(|&m| year_of_mjd(m)).collect(),
                x_desc: "rendezvous epoch [calendar year, TDB]".into(),
                markers,
            }),
        });
    }
    let used = ctx.values("propellant_used_kg")?;
    if !used.is_empty() {
        // Loaded propellant = used + margin, per sample: one line when every sample loaded the
        // same, else the least and the most loaded (a trial dispersed the load, and the line
        // of the first sample's load, with a caption calling the distance to it the margin,
        // hid the samples that ran dry).
        let margins = ctx.t.f64s("propellant_margin_kg")?;
        let loads: Vec<f64> = ctx
            .t
            .f64s("propellant_used_kg")?
            .iter()
            .zip(&margins)
            .filter_map(|(u, m)| Some((*u)? + (*m)?))
            .collect();
        let (least, most) = loads
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &l| {
                (a.min(l), b.max(l))
            });
        let mut markers = Vec::new();
        let margin_text = if loads.is_empty() {
            String::new()
        } else if most - least <= 1e-9 * most.abs() {
            markers.push(Marker::limit(
                least,
                format!("propellant loaded {least:.0} kg"),
            ));
            "; the distance from a bar to the red line is the propellant margin (a timeout's is \
             not final: it was still flying)"
                .to_string()
        } else {
            markers.push(Marker::limit(least, format!("least loaded {least:.0} kg")));
            markers.push(Marker::limit(most, format!("most loaded {most:.0} kg")));
            // By status: a dry sample's margin is zero only to rounding (+-1e-13 kg).
            let dry = ctx
                .status
                .iter()
                .filter(|s| {
                    use crate::scenario::cruise::{STATUS_NAMES, ST_PROPELLANT_EXHAUSTED};
                    *s == STATUS_NAMES[ST_PROPELLANT_EXHAUSTED as usize]
                })
                .count();
            format!(
                "; the propellant loaded is dispersed ({least:.0}-{most:.0} kg, the red lines), \
                 so each sample's margin is its own load less its use (propellant_margin_kg), \
                 not the distance to a line; {dry} of them ran dry"
            )
        };
        // Not for a --nominal run's one flight, which has no distribution.
        let nominal = ctx.t.meta("dispersa.nominal") == Some("true");
        if let Some(p) = ctx
            .summary_value("propellant_used_kg", "p99865")
            .filter(|_| !nominal)
        {
            markers.push(Marker::guide(p, format!("99.865th percentile {p:.1} kg")));
        }
        figs.push(Figure {
            name: "hist_propellant".into(),
            title: "Propellant used".into(),
            caption: format!(
                "{} samples ({}){margin_text}.",
                used.len(),
                ctx.status_mix("propellant_used_kg")?
            ),
            plot: AnyPlot::Histogram(Histogram {
                values: used,
                x_desc: ctx.axis("propellant_used_kg", "propellant used"),
                markers,
            }),
        });
    }
    let flown = if flights.any() {
        Some(heliocentric(ctx, raw, flights, notes)?)
    } else {
        None
    };
    // No trajectory to draw: every one this build would fly again it finds unphysical (the
    // notes say which); the comet-distance axes of no track never ended (a review).
    let mut table = None;
    if let Some((plot, caption, distance, rows)) = flown.filter(|(p, _, _, _)| !p.tracks.is_empty())
    {
        table = Some(rows);
        figs.push(Figure {
            name: "heliocentric".into(),
            title: "Heliocentric trajectories, ecliptic plane".into(),
            caption,
            plot: AnyPlot::Heliocentric(plot),
        });
        let approach = if distance.approach_km.is_some() {
            "the approach distance (guidance.approach_km) and "
        } else {
            ""
        };
        figs.push(Figure {
            name: "comet_distance".into(),
            title: "Distance to 311P/PANSTARRS".into(),
            caption: format!(
                "The phase gap closing: the distance to the comet (log scale) of the same \
                 re-propagated trajectories, with {approach}the rendezvous distance \
                 (target.rendezvous_km)."
            ),
            plot: AnyPlot::Distance(distance),
        });
    }
    ctx.tornados(
        &[
            ("time_of_flight_days", "time of flight"),
            ("propellant_used_kg", "propellant used"),
        ],
        figs,
        notes,
    )?;
    Ok(table)
}

/// One row of a cruise's time history: its numbers and its texts (trajectories.parquet).
type Row = ([f64; 16], [&'static str; 2]);

/// Re-propagate the nominal and the run's first samples on the f64 CPU reference (same config,
/// seed and sample streams as the run) and check each end point against samples.parquet.
fn heliocentric(
    ctx: &RunContext,
    raw: &RawConfig,
    flights: &super::Flights,
    notes: &mut Vec<String>,
) -> Result<
    (
        Heliocentric,
        String,
        super::figures::CometDistance,
        TrackTable,
    ),
    ReportError,
> {
    use crate::scenario::cruise::{
        cpu::{CruiseSample, EngineNow},
        Cruise, CruiseConfig, S_M, S_MISSED, S_R, S_STATUS, S_T, S_THRUST_ON, S_V,
    };
    let stored = |e| crate::run::stored_config_error(e, ctx.t.meta("dispersa.git_commit"));
    let cruise = Cruise::new(CruiseConfig::from_raw(raw).map_err(stored)?);
    let sc: &dyn Scenario = &cruise;
    let final_xyz = [
        ctx.t.f64s("final_x_au")?,
        ctx.t.f64s("final_y_au")?,
        ctx.t.f64s("final_z_au")?,
    ];
    let mut tracks = Vec::new();
    let mut distances = Vec::new();
    let mut worst_km: f64 = 0.0;
    // The end points compared: a failed sample's is null (a failed --nominal run's caption
    // claimed agreement it had not checked, a new user's trial).
    let mut compared = 0;
    let mut table = TrackTable::new(
        "one every 4 trial steps, and the start and the end",
        &[
            ("t_days", "day"),
            ("epoch_mjd_tdb", crate::physics::epoch::MJD_TDB_UNIT),
            ("x_au", "au"),
            ("y_au", "au"),
            ("z_au", "au"),
            ("vx_km_s", "km/s"),
            ("vy_km_s", "km/s"),
            ("vz_km_s", "km/s"),
            ("sun_distance_au", "au"),
            ("comet_distance_km", "km"),
            ("mass_kg", "kg"),
            ("thrust_on_days", "day"),
            ("missed_thrust_days", "day"),
            ("thrusters_on", "1"),
            ("thrust_n", "N"),
            ("mass_flow_mg_s", "mg/s"),
        ],
        &["engine", "guidance_stage"],
    );
    let epoch_jd = cruise.model.epoch_jd;
    let track_row = |s: &[f64], comet_km: f64, e: EngineNow| -> Row {
        let r = [s[S_R], s[S_R + 1], s[S_R + 2]];
        let floats = [
            s[S_T] / 86_400.0,
            mjd_from_jd(epoch_jd + s[S_T] / 86_400.0),
            r[0] / AU_M,
            r[1] / AU_M,
            r[2] / AU_M,
            s[S_V] / 1e3,
            s[S_V + 1] / 1e3,
            s[S_V + 2] / 1e3,
            crate::physics::vec3::norm(r) / AU_M,
            comet_km,
            s[S_M],
            s[S_THRUST_ON] / 86_400.0,
            s[S_MISSED] / 86_400.0,
            e.thrusters,
            e.thrust_n,
            e.mdot_kg_s * 1e6,
        ];
        let stage = if e.approach { "approach" } else { "cruise" };
        (floats, [e.state, stage])
    };
    for replay in super::replays(ctx, sc, flights, notes)? {
        let (row, input) = (replay.row, &replay.input);
        let mut state = vec![0.0; sc.state_len()];
        sc.initial_state(input, &mut state);
        let sample = CruiseSample {
            model: &cruise.model,
            input,
        };
        let row_of = |s: &[f64]| {
            track_row(
                s,
                sample.comet_distance([s[S_R], s[S_R + 1], s[S_R + 2]], s[S_T]) / 1e3,
                sample.engine_from(s),
            )
        };
        let mut rows = vec![row_of(&state)];
        while !sc.advance_cpu(input, &mut state, 4) {
            rows.push(row_of(&state));
        }
        rows.push(row_of(&state));
        let status = match sc.failed_in_flight(&state) {
            Some(_) => "failed",
            None => sc.status_names()[state[S_STATUS] as usize],
        };
        let label = replay.ended(status);
        let status = replay.status(status);
        // The figures' points from the rows: the ecliptic plane (x, y), and the distance to
        // the comet against the calendar year of the row's epoch.
        let mut pts: Vec<(f64, f64)> = rows.iter().map(|(r, _)| (r[2], r[3])).collect();
        let mut dist: Vec<(f64, f64)> = rows
            .iter()
            .map(|(r, _)| (year_of_mjd(r[1]), r[9]))
            .collect();
        // Only finite points reach the axes, whose key points never end on a NaN range.
        pts.retain(|p| p.0.is_finite() && p.1.is_finite());
        dist.retain(|p| p.0.is_finite() && p.1.is_finite());
        if pts.is_empty() || dist.is_empty() {
            notes.push(format!(
                "{label} is not drawn: its re-propagated state is not finite"
            ));
            continue;
        }
        distances.push((label.clone(), dist));
        if let Some(k) = row {
            if let (Some(x), Some(y), Some(z)) = (final_xyz[0][k], final_xyz[1][k], final_xyz[2][k])
            {
                let d = [
                    state[S_R] / AU_M - x,
                    state[S_R + 1] / AU_M - y,
                    state[S_R + 2] / AU_M - z,
                ];
                let km = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt() * AU_M / 1000.0;
                worst_km = worst_km.max(km);
                compared += 1;
            }
        }
        // One row a time: a trial not kept leaves the time where it was, and of rows at one
        // time the last (the end state: its located event) is kept.
        let mut kept: Vec<&Row> = Vec::new();
        for r in rows.iter().filter(|r| r.0.iter().all(|v| v.is_finite())) {
            match kept.last_mut() {
                Some(last) if last.0[0] >= r.0[0] => *last = r,
                _ => kept.push(r),
            }
        }
        for (floats, texts) in kept {
            table.push(&label, row, &status, floats, texts);
        }
        tracks.push((label, pts));
    }
    let check = if compared > 0 {
        if worst_km > 1.0 {
            notes.push(format!(
                "the re-propagated trajectories end up to {worst_km:.1} km from their end points \
                 in samples.parquet: the run and this report's CPU reference disagree"
            ));
        }
        format!(
            " The end point{} agree{} with samples.parquet to {}.",
            if compared > 1 { "s" } else { "" },
            if compared > 1 { "" } else { "s" },
            if worst_km < 1e-3 {
                "better than a metre".to_string()
            } else {
                format!("{worst_km:.3} km")
            }
        )
    } else {
        String::new()
    };
    let jd0 = cruise.model.epoch_jd;
    let earth: Vec<(f64, f64)> = (0..366)
        .map(|d| {
            let (r, _) = body_state(Body::EarthMoonBary, jd0 + d as f64);
            (r[0] / AU_M, r[1] / AU_M)
        })
        .collect();
    let el = crate::physics::comet::comet_311p_osculating(jd0);
    let period_days = el.period_s(crate::physics::kepler::SUN_MU_M3_S2) / 86_400.0;
    let comet: Vec<(f64, f64)> = (0..400)
        .map(|k| {
            let (r, _) = comet_311p_state(jd0 + period_days * k as f64 / 400.0);
            (r[0] / AU_M, r[1] / AU_M)
        })
        .collect();
    let epoch = crate::physics::epoch::iso_from_mjd(mjd_from_jd(jd0));
    // A flyby's heliocentric flight starts on the sphere of influence, days after its periapsis.
    let start = match cruise.cfg.flyby_leg_days() {
        Some(days) => format!(
            "the Earth's sphere of influence, {days:.1} days after the flyby's periapsis at {epoch}"
        ),
        None => format!("departure ({epoch})"),
    };
    let caption = format!(
        "Seen from ecliptic north, Sun at the centre, from {start}; dots mark where \
         each trajectory ends. {} re-propagated on the f64 CPU reference with the run's \
         config and seed.{check}",
        match (tracks.len() > 1, flights) {
            (false, _) => "The nominal was",
            (true, super::Flights::These(_)) => "The nominal and the samples --samples named were",
            (true, _) => "The nominal and the run's first samples that did not fail were",
        }
    );
    Ok((
        Heliocentric {
            earth,
            comet,
            tracks,
        },
        caption,
        super::figures::CometDistance {
            tracks: distances,
            approach_km: cruise
                .cfg
                .guidance
                .mode
                .has_approach_law()
                .then_some(cruise.cfg.guidance.approach_km),
            rendezvous_km: cruise.cfg.target.rendezvous_km,
        },
        table,
    ))
}
