//! Driving a scenario's kernel: buffers created once at the largest chunk the adapter allows,
//! each chunk advanced by repeated dispatches of `steps_per_dispatch` steps until no sample runs.
//!
//! Kernel contract (every scenario's shader follows it): binding 0 a uniform block whose first
//! words are [n, in_stride, max_steps, reserved] then the scenario's own; 1 the model
//! constants; 2 the input rows; 3 the state rows (read-write, the result); 4 the contract's
//! counters, declared by `shaders/kernel_contract.wgsl`, which the host appends to the
//! scenario's source: every entry point that did work ends with its `end_invocation`; 5 and 6 the input
//! rows and the model constants again, for a shader that reads them four values at a time
//! (`array<vec4<real>>`; a scenario that does keeps its rows' length a multiple of 4). The stepping
//! entry point is dispatched until no sample runs; then the finishing entry point, where the
//! scenario has one, is dispatched once (locate events and maxima on recorded steps). The two
//! are separate pipelines of one module, built side by side. The workgroup size is the
//! override constant `WG`.
//!
//! The driver's loop limit: llvmpipe ends every loop of an invocation once the invocation (with
//! its SIMD group) has run 65,535 loop iterations in all (those of loops it did not unroll),
//! and the invocation goes on with wrong values. The contract's canary reports it
//! (counters[1]); a stepping dispatch that reports it is undone, the chunk started again from
//! its initial states (which the host keeps until the chunk is done) with half the steps a
//! dispatch, down to the scenario's `min_steps_per_dispatch`, and the chunks after it keep the
//! smaller count. (Until 2026-12-07 the states were copied aside before every dispatch to undo
//! that one alone: a copy of the whole state buffer a dispatch, for a rare event.) A finishing
//! pass that reports it, or a dispatch at the least count, is an error.

use super::{real_size, to_real_bytes, GpuContext, GpuError};
use crate::engine::Precision;
use crate::scenario::Scenario;

/// Workgroup size (override constant `WG`); `DISPERSA_WORKGROUP` overrides it for measurement.
pub const WORKGROUP: u32 = 64;

/// The contract's counters as each dispatch starts: [running, cut short, the canary's trip
/// count, unused] (`shaders/kernel_contract.wgsl`).
const COUNTERS_START: [u32; 4] = [0, 0, 2, 0];
const COUNTERS_BYTES: u64 = 16;

/// Loop iterations a stepping dispatch starts at: the scenario's, or `DISPERSA_STEPS_PER_DISPATCH`
/// for measurement and for the tests of the loop limit's notice (never below the scenario's least).
fn start_steps(scenario: &dyn Scenario, min_steps: u32) -> u32 {
    std::env::var("DISPERSA_STEPS_PER_DISPATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&s: &u32| s >= 1)
        .unwrap_or(scenario.steps_per_dispatch())
        .max(min_steps)
}

fn workgroup() -> u32 {
    std::env::var("DISPERSA_WORKGROUP")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&w: &u32| (1..=1024).contains(&w))
        .unwrap_or(WORKGROUP)
}

pub struct GpuKernel {
    step: wgpu::ComputePipeline,
    finish: Option<wgpu::ComputePipeline>,
    workgroup: u32,
    /// The least steps a dispatch (the scenario's `min_steps_per_dispatch`).
    min_steps: u32,
    /// Stepping dispatches that the driver's loop limit cut short and that were taken again.
    retaken: u32,
    /// The steps a dispatch before any was cut short.
    first_steps: u32,
    precision: Precision,
    capacity: usize,
    in_stride: usize,
    state_len: usize,
    /// Uniform words: [n, in_stride, max_steps, 0] then the scenario's, padded to 16 bytes.
    dims: Vec<u32>,
    dims_buf: wgpu::Buffer,
    inputs: wgpu::Buffer,
    states: wgpu::Buffer,
    counters: wgpu::Buffer,
    states_staging: wgpu::Buffer,
    counters_staging: wgpu::Buffer,
    bind: wgpu::BindGroup,
}

impl GpuKernel {
    /// Largest chunk the adapter's limits allow for this scenario at this precision.
    pub fn max_chunk(ctx: &GpuContext, scenario: &dyn Scenario, precision: Precision) -> usize {
        let row = (scenario.input_len().max(scenario.state_len()) as u64) * real_size(precision);
        let by_binding = ctx
            .limits
            .max_storage_buffer_binding_size
            .min(ctx.limits.max_buffer_size)
            / row;
        let by_dispatch =
            ctx.limits.max_compute_workgroups_per_dimension as u64 * workgroup() as u64;
        by_binding.min(by_dispatch) as usize
    }

    pub fn new(
        ctx: &GpuContext,
        scenario: &dyn Scenario,
        precision: Precision,
        capacity: usize,
    ) -> Result<Self, GpuError> {
        let kind = scenario.kind();
        let label = |what: &str| format!("{kind} {what}");
        let storage = ctx.limits.max_storage_buffers_per_shader_stage;
        if storage < STORAGE_BINDINGS {
            return Err(GpuError::Device(format!(
                "the adapter {} allows {storage} storage buffers per shader stage; the {kind} \
                 kernel binds {STORAGE_BINDINGS} (use another adapter, or --backend cpu)",
                ctx.adapter.one_line()
            )));
        }
        let source = format!(
            "{}\n{}",
            scenario.gpu_source(precision),
            include_str!("../../../shaders/kernel_contract.wgsl")
        );
        let wg = workgroup();
        let mut constants = scenario.gpu_overrides();
        constants.push(("WG", wg as f64));
        let layout = bind_layout(ctx, kind);
        let pipeline_layout = ctx
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(&label("pipeline layout")),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
        let mut entries = vec![scenario.gpu_entry()];
        entries.extend(scenario.gpu_finish_entry());
        let mut pipelines = ctx
            .pipelines(kind, &source, &entries, &constants, Some(&pipeline_layout))?
            .into_iter();
        let step = pipelines.next().expect("the stepping pipeline");
        let finish = pipelines.next();
        let rs = real_size(precision);
        let in_stride = scenario.input_len();
        let state_len = scenario.state_len();
        let consts_bytes = to_real_bytes(scenario.consts(), precision);
        let consts = ctx.storage_buffer(
            &label("model constants"),
            consts_bytes.len() as u64,
            wgpu::BufferUsages::empty(),
        );
        ctx.queue.write_buffer(&consts, 0, &consts_bytes);
        let inputs = ctx.storage_buffer(
            &label("inputs"),
            (capacity * in_stride) as u64 * rs,
            wgpu::BufferUsages::empty(),
        );
        let state_bytes = (capacity * state_len) as u64 * rs;
        let states =
            ctx.storage_buffer(&label("states"), state_bytes, wgpu::BufferUsages::COPY_SRC);
        let counters = ctx.storage_buffer(
            &label("counters"),
            COUNTERS_BYTES,
            wgpu::BufferUsages::COPY_SRC,
        );
        let states_staging = ctx.readback_buffer(&label("states read-back"), state_bytes);
        let counters_staging = ctx.readback_buffer(&label("counters read-back"), COUNTERS_BYTES);
        let min_steps = scenario.min_steps_per_dispatch().max(1);
        let first_steps = start_steps(scenario, min_steps);
        let mut dims = vec![0, in_stride as u32, first_steps, 0];
        dims.extend(scenario.gpu_dims());
        dims.resize(dims.len().div_ceil(4) * 4, 0);
        let dims_buf = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(&label("dims")),
            size: (dims.len() * 4) as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(&label("bindings")),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: dims_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: consts.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: inputs.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: states.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: counters.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 5,
                    resource: inputs.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 6,
                    resource: consts.as_entire_binding(),
                },
            ],
        });
        ctx.check_errors(&format!("creating the {kind} buffers"))?;
        Ok(GpuKernel {
            step,
            finish,
            workgroup: wg,
            min_steps,
            retaken: 0,
            first_steps,
            precision,
            capacity,
            in_stride,
            state_len,
            dims,
            dims_buf,
            inputs,
            states,
            counters,
            states_staging,
            counters_staging,
            bind,
        })
    }

    /// Propagate `n` samples (inputs: n rows) to completion; returns their final state rows.
    /// `progress` gets the number of samples of this chunk finished so far.
    pub fn propagate(
        &mut self,
        ctx: &GpuContext,
        scenario: &dyn Scenario,
        inputs: &[f64],
        n: usize,
        progress: &dyn Fn(u64),
    ) -> Result<Vec<f64>, GpuError> {
        assert!(
            n <= self.capacity,
            "chunk of {n} exceeds capacity {}",
            self.capacity
        );
        if n == 0 {
            return Ok(Vec::new());
        }
        let sl = self.state_len;
        let mut states = vec![0.0; n * sl];
        for (i, s) in states.chunks_mut(sl).enumerate() {
            scenario.initial_state(&inputs[i * self.in_stride..(i + 1) * self.in_stride], s);
        }
        ctx.queue.write_buffer(
            &self.inputs,
            0,
            &to_real_bytes(&inputs[..n * self.in_stride], self.precision),
        );
        let initial = to_real_bytes(&states, self.precision);
        ctx.queue.write_buffer(&self.states, 0, &initial);
        self.dims[0] = n as u32;
        ctx.queue
            .write_buffer(&self.dims_buf, 0, bytemuck::cast_slice(&self.dims));
        let groups = (n as u32).div_ceil(self.workgroup);
        let state_bytes = (n * sl) as u64 * real_size(self.precision);
        loop {
            ctx.queue
                .write_buffer(&self.counters, 0, bytemuck::cast_slice(&COUNTERS_START));
            ctx.queue
                .submit([ctx.dispatch_commands("steps", &self.step, &self.bind, groups)]);
            let [running, cut] = self.read_counters(ctx)?;
            ctx.check_errors(&format!("running the {} kernel", scenario.kind()))?;
            if cut > 0 {
                // The driver's loop limit cut some invocation short (module doc): start the
                // chunk again from its initial states, with half the steps a dispatch.
                let steps = self.dims[2];
                if steps <= self.min_steps {
                    return Err(GpuError::Runtime(format!(
                        "the {} kernel runs into the driver's loop limit even at {steps} loop \
                         iterations a dispatch ({cut} invocations cut short); its results \
                         would be wrong (use --backend cpu)",
                        scenario.kind()
                    )));
                }
                self.dims[2] = (steps / 2).max(self.min_steps);
                self.retaken += 1;
                ctx.queue.write_buffer(&self.states, 0, &initial);
                progress(0);
                ctx.queue
                    .write_buffer(&self.dims_buf, 0, bytemuck::cast_slice(&self.dims));
                continue;
            }
            let running = running as usize;
            progress((n - running.min(n)) as u64);
            if running == 0 {
                break;
            }
        }
        // The finishing pass: every stopped sample once.
        if let Some(finish) = &self.finish {
            ctx.queue
                .write_buffer(&self.counters, 0, bytemuck::cast_slice(&COUNTERS_START));
            self.dispatch(ctx, finish, groups);
            let [_, cut] = self.read_counters(ctx)?;
            if cut > 0 {
                return Err(GpuError::Runtime(format!(
                    "the {} kernel's finishing pass ran into the driver's loop limit ({cut} \
                     invocations cut short); its results would be wrong (use --backend cpu)",
                    scenario.kind()
                )));
            }
        }
        // Read back into the rows the chunk started from (no fresh allocation to fault in).
        drop(initial);
        let precision = self.precision;
        ctx.read_back_with(&self.states, &self.states_staging, state_bytes, |b| {
            super::fill_from_real_bytes(&mut states, b, precision)
        })?;
        ctx.check_errors(&format!("finishing the {} kernel", scenario.kind()))?;
        Ok(states)
    }

    /// Loop iterations a stepping dispatch takes now (lowered when the driver's loop limit
    /// cut one short).
    pub fn steps_per_dispatch(&self) -> u32 {
        self.dims[2]
    }

    /// Set the loop iterations a stepping dispatch takes (at least the scenario's least), for
    /// measurement and tests.
    pub fn set_steps_per_dispatch(&mut self, steps: u32) {
        self.dims[2] = steps.max(self.min_steps);
        self.first_steps = self.dims[2];
        self.retaken = 0;
    }

    /// Stepping dispatches that the driver's loop limit cut short (each undone, its chunk
    /// started again from its initial states with fewer steps a dispatch), since the kernel was
    /// built or its count last set.
    pub fn dispatches_retaken(&self) -> u32 {
        self.retaken
    }

    /// A line for the user when the loop limit cut a dispatch short: the results are the
    /// right ones, but the run took longer than it had to. `None` when none was.
    pub fn loop_limit_note(&self, kind: &str) -> Option<String> {
        (self.retaken > 0).then(|| {
            format!(
                "the driver's loop limit (llvmpipe ends an invocation's loops after 65,535 \
                 iterations in all) cut {} of the {kind} kernel's dispatches short; each time \
                 its chunk was started again from its initial states with half the steps a \
                 dispatch ({} at first, {} now): the results are unaffected, the run only took \
                 longer",
                self.retaken, self.first_steps, self.dims[2]
            )
        })
    }

    /// The contract's counters after the last dispatch: [still running, cut short].
    fn read_counters(&self, ctx: &GpuContext) -> Result<[u32; 2], GpuError> {
        let b = ctx.read_back(&self.counters, &self.counters_staging, COUNTERS_BYTES)?;
        let words: Vec<u32> = bytemuck::pod_collect_to_vec(&b);
        Ok([words[0], words[1]])
    }

    fn dispatch(&self, ctx: &GpuContext, pipeline: &wgpu::ComputePipeline, groups: u32) {
        ctx.queue
            .submit([ctx.dispatch_commands("steps", pipeline, &self.bind, groups)]);
    }
}

/// Storage buffers in the kernel contract (bindings 1 to 6).
const STORAGE_BINDINGS: u32 = 6;

/// The bindings of the kernel contract (module doc), shared by both passes' pipelines.
fn bind_layout(ctx: &GpuContext, kind: &str) -> wgpu::BindGroupLayout {
    let entry = |binding: u32, ty: wgpu::BufferBindingType| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    };
    let storage = |read_only| wgpu::BufferBindingType::Storage { read_only };
    ctx.device
        .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some(&format!("{kind} bindings")),
            entries: &[
                entry(0, wgpu::BufferBindingType::Uniform),
                entry(1, storage(true)),
                entry(2, storage(true)),
                entry(3, storage(false)),
                entry(4, storage(false)),
                entry(5, storage(true)),
                entry(6, storage(true)),
            ],
        })
}
