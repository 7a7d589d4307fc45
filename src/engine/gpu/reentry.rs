//! Driving `shaders/reentry.wgsl`: buffers created once at the largest chunk the adapter allows,
//! each chunk advanced by repeated dispatches of `steps_per_dispatch` steps until no sample runs.

use super::{from_real_bytes, prelude, real_size, to_real_bytes, GpuContext, GpuError};
use crate::engine::Precision;
use crate::scenario::reentry::{wgsl_layout, Model, STATE_LEN};

/// Uniform block of `shaders/reentry_bindings.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Dims {
    n: u32,
    in_stride: u32,
    n_atm: u32,
    n_cd: u32,
    n_pert: u32,
    atm_model: u32,
    cd_mode: u32,
    max_steps: u32,
    off_ts: u32,
    n_ts: u32,
    off_cd: u32,
    off_atm: u32,
}

const WORKGROUP: u32 = 64;

/// The reentry shader's full source for a precision: prelude, layout, models, kernel.
pub fn reentry_source(precision: Precision) -> String {
    [
        prelude(precision),
        &wgsl_layout(),
        include_str!("../../../shaders/reentry_bindings.wgsl"),
        include_str!("../../../shaders/geodesy.wgsl"),
        include_str!("../../../shaders/atmosphere.wgsl"),
        include_str!("../../../shaders/gravity.wgsl"),
        include_str!("../../../shaders/aero.wgsl"),
        include_str!("../../../shaders/heating.wgsl"),
        include_str!("../../../shaders/reentry.wgsl"),
    ]
    .join("\n")
}

pub struct GpuReentry {
    pipeline: wgpu::ComputePipeline,
    precision: Precision,
    capacity: usize,
    in_stride: usize,
    dims: Dims,
    dims_buf: wgpu::Buffer,
    inputs: wgpu::Buffer,
    states: wgpu::Buffer,
    active: wgpu::Buffer,
    states_staging: wgpu::Buffer,
    active_staging: wgpu::Buffer,
    bind: wgpu::BindGroup,
    /// Steps each invocation takes per dispatch.
    pub steps_per_dispatch: u32,
}

impl GpuReentry {
    /// Largest chunk the adapter's limits allow for this model at this precision.
    pub fn max_chunk(ctx: &GpuContext, model: &Model, precision: Precision) -> usize {
        let rs = real_size(precision);
        let row = (model.input_len().max(STATE_LEN) as u64) * rs;
        let by_binding = ctx
            .limits
            .max_storage_buffer_binding_size
            .min(ctx.limits.max_buffer_size)
            / row;
        let by_dispatch = ctx.limits.max_compute_workgroups_per_dimension as u64 * WORKGROUP as u64;
        by_binding.min(by_dispatch) as usize
    }

    pub fn new(
        ctx: &GpuContext,
        model: &Model,
        precision: Precision,
        capacity: usize,
    ) -> Result<Self, GpuError> {
        let source = reentry_source(precision);
        let pipeline = ctx.pipeline("reentry", &source, "reentry_main")?;
        let rs = real_size(precision);
        let in_stride = model.input_len();
        let consts_bytes = to_real_bytes(&model.consts, precision);
        let consts = ctx.storage_buffer(
            "reentry model constants",
            consts_bytes.len() as u64,
            wgpu::BufferUsages::empty(),
        );
        ctx.queue.write_buffer(&consts, 0, &consts_bytes);
        let inputs = ctx.storage_buffer(
            "reentry inputs",
            (capacity * in_stride) as u64 * rs,
            wgpu::BufferUsages::empty(),
        );
        let state_bytes = (capacity * STATE_LEN) as u64 * rs;
        let states =
            ctx.storage_buffer("reentry states", state_bytes, wgpu::BufferUsages::COPY_SRC);
        let active = ctx.storage_buffer("reentry active count", 4, wgpu::BufferUsages::COPY_SRC);
        let states_staging = ctx.readback_buffer("reentry states read-back", state_bytes);
        let active_staging = ctx.readback_buffer("reentry active read-back", 4);
        let dims_buf = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("reentry dims"),
            size: std::mem::size_of::<Dims>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("reentry bindings"),
            layout: &pipeline.get_bind_group_layout(0),
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
                    resource: active.as_entire_binding(),
                },
            ],
        });
        ctx.check_errors("creating the reentry buffers")?;
        let dims = Dims {
            n: 0,
            in_stride: in_stride as u32,
            n_atm: model.n_atm as u32,
            n_cd: model.n_cd as u32,
            n_pert: model.n_pert() as u32,
            atm_model: model.atm_model,
            cd_mode: model.cd_mode,
            max_steps: 0,
            off_ts: model.off_ts as u32,
            n_ts: model.n_ts as u32,
            off_cd: model.off_cd as u32,
            off_atm: model.off_atm as u32,
        };
        Ok(GpuReentry {
            pipeline,
            precision,
            capacity,
            in_stride,
            dims,
            dims_buf,
            inputs,
            states,
            active,
            states_staging,
            active_staging,
            bind,
            steps_per_dispatch: 400,
        })
    }

    /// Propagate `n` samples (inputs: n rows) to completion; returns their final state rows.
    /// `progress` gets the number of samples of this chunk finished so far.
    pub fn propagate(
        &mut self,
        ctx: &GpuContext,
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
        let mut states = vec![0.0; n * STATE_LEN];
        for (i, s) in states.chunks_mut(STATE_LEN).enumerate() {
            Model::initial_state(&inputs[i * self.in_stride..(i + 1) * self.in_stride], s);
        }
        ctx.queue.write_buffer(
            &self.inputs,
            0,
            &to_real_bytes(&inputs[..n * self.in_stride], self.precision),
        );
        ctx.queue
            .write_buffer(&self.states, 0, &to_real_bytes(&states, self.precision));
        let dims = Dims {
            n: n as u32,
            max_steps: self.steps_per_dispatch,
            ..self.dims
        };
        ctx.queue
            .write_buffer(&self.dims_buf, 0, bytemuck::bytes_of(&dims));
        let groups = (n as u32).div_ceil(WORKGROUP);
        loop {
            ctx.queue
                .write_buffer(&self.active, 0, bytemuck::bytes_of(&0u32));
            let mut enc = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("reentry steps"),
                });
            {
                let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("reentry steps"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(&self.pipeline);
                pass.set_bind_group(0, &self.bind, &[]);
                pass.dispatch_workgroups(groups, 1, 1);
            }
            ctx.queue.submit([enc.finish()]);
            let bytes = ctx.read_back(&self.active, &self.active_staging, 4)?;
            ctx.check_errors("running the reentry kernel")?;
            let running = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
            progress((n - running.min(n)) as u64);
            if running == 0 {
                break;
            }
        }
        let size = (n * STATE_LEN) as u64 * real_size(self.precision);
        let bytes = ctx.read_back(&self.states, &self.states_staging, size)?;
        Ok(from_real_bytes(&bytes, self.precision))
    }
}
