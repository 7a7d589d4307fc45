//! Integration accuracy at the default settings against a converged f64 solution (the step
//! halved until the landing point moves less than a millimetre), on the CPU reference.

mod common;
use common::*;
use dispersa::scenario::reentry::*;
use dispersa::scenario::SampleOutputs;

fn nominal_at(step_s: f64, descent_step_s: f64) -> SampleOutputs {
    let cfg = config_with(&[
        &format!("integrator.step_s={step_s}"),
        &format!("integrator.descent_step_s={descent_step_s}"),
    ]);
    let (sc, params, inputs) = sample_inputs(&cfg, 1, true);
    outputs(&cpu(), &sc, &params, &inputs).remove(0)
}

#[test]
fn default_steps_are_within_the_accuracy_budget_of_a_converged_solution() {
    let cfg = config_with(&[]);
    let (dt, dd) = (cfg.integrator.step_s, cfg.integrator.descent_step_s);
    let default = nominal_at(dt, dd);
    // Halve both steps until the landing point converges to 1 mm.
    let mut k = 2.0;
    let mut prev = nominal_at(dt / k, dd / k);
    let converged = loop {
        k *= 2.0;
        let next = nominal_at(dt / k, dd / k);
        let moved = landing_distance_m(&prev, &next);
        prev = next;
        if moved < 1e-3 || k > 512.0 {
            assert!(
                moved < 1e-3,
                "no convergence: landing still moves {moved} m at step/{k}"
            );
            break prev;
        }
    };
    let landing = landing_distance_m(&default, &converged);
    let rel = |m: usize| {
        let (a, b) = (default.metrics[m].unwrap(), converged.metrics[m].unwrap());
        ((a - b) / b).abs()
    };
    let (g, q) = (rel(M_PEAK_G), rel(M_PEAK_Q));
    eprintln!(
        "default steps ({dt} s / {dd} s) vs converged (step/{k}): landing {landing:.3e} m, \
         peak g {g:.2e}, peak heat flux {q:.2e}, heat load {:.2e}, time of flight {:.3e} s",
        rel(4),
        (default.metrics[13].unwrap() - converged.metrics[13].unwrap()).abs()
    );
    // The accuracy budget at the default settings.
    assert!(
        landing < 100.0,
        "landing {landing} m from the converged solution"
    );
    assert!(g < 1e-3, "peak g {g:e} from the converged solution");
    assert!(q < 1e-3, "peak heat flux {q:e} from the converged solution");
}
