// The kernel contract's counters (engine/gpu/kernel.rs), appended by the host to every
// scenario's kernel. counters[0]: invocations still running at the end of a dispatch;
// counters[1]: invocations whose loops the driver may have cut short.
@group(0) @binding(4) var<storage, read_write> counters: array<atomic<u32>, 2>;

// llvmpipe (lavapipe) gives each shader invocation one budget of 65,535 loop iterations,
// shared by every loop that the compiler did not unroll; once it is spent, every loop exits
// after its current iteration, as if its condition were false, and the invocation goes on with
// whatever values that leaves. The canary is a loop of dims.canary (2) iterations that no
// compiler can unroll (its count is a uniform): if it runs fewer, the budget ran out somewhere
// in this invocation and its results are not to be trusted. Every entry point calls this last.
fn end_invocation(running: bool) {
    var trips = 0u;
    for (var j = 0u; j < dims.canary; j = j + 1u) {
        trips = trips + 1u;
    }
    if (trips != dims.canary) {
        atomicAdd(&counters[1], 1u);
    }
    if (running) {
        atomicAdd(&counters[0], 1u);
    }
}
