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
    // Blocks of at most 64 samples, small enough that every thread gets work in a small chunk
    // (a chunk of 64 or fewer ran on one thread, a trial found) and at least four blocks a
    // thread where the chunk allows, so that threads finish together.
    let block_len = n.div_ceil(4 * threads.max(1)).clamp(1, 64);
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    let blocks: Vec<Mutex<&mut [f64]>> =
        states.chunks_mut(block_len * sl).map(Mutex::new).collect();
    let (tick, ticks) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let tick = tick.clone();
            let (next, done, blocks) = (&next, &done, &blocks);
            scope.spawn(move || loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                if b >= blocks.len() {
                    break;
                }
                let mut block = blocks[b].lock().expect("block lock");
                let count = block.len() / sl;
                for j in 0..count {
                    let i = b * block_len + j;
                    scenario.advance_cpu(
                        &inputs[i * ni..(i + 1) * ni],
                        &mut block[j * sl..(j + 1) * sl],
                        u64::MAX,
                    );
                }
                done.fetch_add(count as u64, Ordering::Relaxed);
                let _ = tick.send(());
            });
        }
        drop(tick);
        // Report progress at most every 100 ms until every worker has ended: the channel
        // disconnects when the last worker's sender drops, at once (it polled on a 100 ms
        // sleep, which every chunk then waited out, a trial found). A panicking worker drops
        // its sender too, and the scope then propagates its panic instead of hanging here.
        let period = std::time::Duration::from_millis(100);
        let mut last = std::time::Instant::now();
        loop {
            match ticks.recv_timeout(period) {
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                _ if last.elapsed() >= period => {
                    progress(done.load(Ordering::Relaxed));
                    last = std::time::Instant::now();
                }
                _ => {}
            }
        }
    });
    progress(n as u64);
    states
}
