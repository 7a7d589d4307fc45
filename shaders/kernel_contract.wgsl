// The kernel contract's counters (engine/gpu/kernel.rs), appended by the host to every
// scenario's kernel, and reset by the host before each dispatch: [0] invocations still running
// at the end of the dispatch; [1] invocations whose loops the driver may have cut short; [2] the
// canary's trip count (2); [3] unused.
@group(0) @binding(4) var<storage, read_write> counters: array<atomic<u32>, 4>;

// llvmpipe (lavapipe) gives each shader invocation, with the other lanes of its SIMD group, one
// budget of 65,535 loop iterations, shared by every loop that the compiler did not unroll; once
// it is spent, every loop exits after its current iteration, as if its condition were false,
// and the invocation goes on with whatever values that leaves. The canary is a loop whose trip
// count the compiler cannot know (read from a storage buffer: lavapipe may inline uniform
// values as constants, never storage): if it runs short, the budget ran out somewhere in this
// invocation or its group, and its results are not to be trusted. Every entry point that did
// work calls this last.
fn end_invocation(running: bool) {
    let want = atomicLoad(&counters[2]);
    var trips = 0u;
    for (var j = 0u; j < want; j = j + 1u) {
        trips = trips + 1u;
    }
    if (trips != want) {
        atomicAdd(&counters[1], 1u);
    }
    if (running) {
        atomicAdd(&counters[0], 1u);
    }
}
