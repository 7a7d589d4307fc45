//! Random event sequences of a sample, such as missed-thrust outages (spacecraft safe modes):
//! a renewal process with Weibull time between events and Weibull outage durations (the model
//! Imken et al., IEEE Aerospace 2018, fitted to JPL missions). Each sample draws its events from
//! its own stream, separate from its dispersions, so adding or removing a dispersion does not
//! move its outages, and the sequence depends only on (seed, sample index).

use super::dist::Dist;
use super::sample_rng;

/// Salt that separates the missed-thrust stream of a sample from its dispersion stream.
const MISSED_THRUST_SALT: u64 = 0x4D49_5353_4544_5448; // "MISSEDTH"

/// One outage: [start, end) in days from the start of the cruise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outage {
    pub start_days: f64,
    pub end_days: f64,
}

/// The outages of sample `index` within `horizon_days`: after each recovery (and from day 0),
/// the time to the next event is drawn from `between`, its duration from `duration`.
/// At most `max_events` are kept (the GPU input row has a fixed size); the count of events that
/// did not fit is returned with them.
pub fn missed_thrust_outages(
    seed: u64,
    index: u64,
    between: &Dist,
    duration: &Dist,
    horizon_days: f64,
    max_events: usize,
) -> (Vec<Outage>, usize) {
    let mut rng = sample_rng(seed ^ MISSED_THRUST_SALT, index);
    let mut out = Vec::new();
    let mut dropped = 0;
    let mut t = 0.0;
    loop {
        t += between.draw(&mut rng);
        if t >= horizon_days {
            break;
        }
        let d = duration.draw(&mut rng);
        if out.len() < max_events {
            out.push(Outage {
                start_days: t,
                end_days: t + d,
            });
        } else {
            dropped += 1;
        }
        t += d;
    }
    (out, dropped)
}
