//! The f64 CPU reference engine: the oracle for the shaders and the fallback without an adapter.
//! This file only schedules samples over threads; the models are in one file per scenario.

use crate::scenario::Scenario;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Propagate `n` samples to completion on `threads` threads; `progress` is called with the
/// number of samples finished so far (from the calling thread).
pub fn propagate(
    scenario: &dyn Scenario,
    inputs: &[f64],
    n: usize,
    threads: usize,
    progress: &dyn Fn(u64),
) -> Vec<f64> {
    let ni = scenario.input_len();
    let sl = scenario.state_len();
    let mut states = vec![0.0; n * sl];
    for (i, s) in states.chunks_mut(sl).enumerate() {
        scenario.initial_state(&inputs[i * ni..(i + 1) * ni], s);
    }
    const BLOCK: usize = 64;
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    let blocks: Vec<Mutex<&mut [f64]>> = states.chunks_mut(BLOCK * sl).map(Mutex::new).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| loop {
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    if b >= blocks.len() {
                        break;
                    }
                    let mut block = blocks[b].lock().expect("block lock");
                    let count = block.len() / sl;
                    for j in 0..count {
                        let i = b * BLOCK + j;
                        scenario.advance_cpu(
                            &inputs[i * ni..(i + 1) * ni],
                            &mut block[j * sl..(j + 1) * sl],
                            u64::MAX,
                        );
                    }
                    done.fetch_add(count as u64, Ordering::Relaxed);
                })
            })
            .collect();
        // Report progress until every worker has ended (a panicking worker ends too, and the
        // scope then propagates its panic instead of hanging here).
        while !workers.iter().all(|w| w.is_finished()) {
            progress(done.load(Ordering::Relaxed));
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    progress(n as u64);
    states
}
