//! wgpu set-up in one place: instance (honouring WGPU_BACKEND and friends), adapter (honouring
//! WGPU_ADAPTER_NAME), device with the adapter's own limits and SHADER_F64 when offered.

use super::GpuError;
use std::sync::{Arc, Mutex};

/// What the user and the output metadata are told about the adapter.
#[derive(Debug, Clone)]
pub struct AdapterDescription {
    pub name: String,
    pub backend: String,
    pub driver: String,
    pub device_type: String,
    pub shader_f64: bool,
}

impl AdapterDescription {
    /// A software adapter (wgpu's device type Cpu: lavapipe's llvmpipe and the like).
    pub fn is_software(&self) -> bool {
        self.device_type == "Cpu"
    }

    fn from_adapter(adapter: &wgpu::Adapter) -> Self {
        let info = adapter.get_info();
        let driver = if info.driver_info.is_empty() {
            info.driver.clone()
        } else {
            format!("{} {}", info.driver, info.driver_info)
        };
        AdapterDescription {
            name: info.name,
            backend: format!("{:?}", info.backend),
            driver,
            device_type: format!("{:?}", info.device_type),
            shader_f64: adapter.features().contains(wgpu::Features::SHADER_F64),
        }
    }

    pub fn one_line(&self) -> String {
        format!("{} ({}, {})", self.name, self.backend, self.driver)
    }
}

pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub limits: wgpu::Limits,
    pub adapter: AdapterDescription,
    /// Errors the device reported outside any error scope.
    pub uncaptured: Arc<Mutex<Vec<String>>>,
}

fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Every adapter wgpu can see, for `dispersa adapters`.
pub fn list_adapters() -> Vec<AdapterDescription> {
    let instance = instance();
    pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
        .iter()
        .map(AdapterDescription::from_adapter)
        .collect()
}

impl GpuContext {
    pub fn new() -> Result<Self, GpuError> {
        let instance = instance();
        let adapter = if let Ok(wanted) = std::env::var("WGPU_ADAPTER_NAME") {
            let wanted_lc = wanted.to_lowercase();
            pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
                .into_iter()
                .find(|a| a.get_info().name.to_lowercase().contains(&wanted_lc))
                .ok_or_else(|| {
                    GpuError::NoAdapter(format!(
                        "no adapter name contains WGPU_ADAPTER_NAME={wanted:?} (see `dispersa adapters`)"
                    ))
                })?
        } else {
            pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                ..Default::default()
            }))
            .map_err(|e| GpuError::NoAdapter(e.to_string()))?
        };
        let description = AdapterDescription::from_adapter(&adapter);
        let mut features = wgpu::Features::empty();
        if description.shader_f64 {
            features |= wgpu::Features::SHADER_F64;
        }
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("dispersa device"),
            required_features: features,
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device(e.to_string()))?;
        let uncaptured = Arc::new(Mutex::new(Vec::new()));
        let sink = uncaptured.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut v) = sink.lock() {
                v.push(e.to_string());
            }
        }));
        Ok(GpuContext {
            device,
            queue,
            limits,
            adapter: description,
            uncaptured,
        })
    }

    /// Fail if the device has reported an error since the last check.
    pub fn check_errors(&self, action: &str) -> Result<(), GpuError> {
        let mut v = self.uncaptured.lock().expect("error sink");
        if v.is_empty() {
            Ok(())
        } else {
            let msg = v.join("; ");
            v.clear();
            Err(GpuError::Runtime(format!("{action}: {msg}")))
        }
    }

    /// Compile a compute pipeline, surfacing validation errors with the shader's name.
    pub fn pipeline(
        &self,
        label: &str,
        source: &str,
        entry: &str,
        constants: &[(&str, f64)],
    ) -> Result<wgpu::ComputePipeline, GpuError> {
        let mut v = self.pipelines(label, source, &[entry], constants, None)?;
        Ok(v.remove(0))
    }

    /// Build one pipeline per entry point of one module, each on its own thread: the driver
    /// translates and optimises each entry point's call graph apart (on lavapipe most of the
    /// time pipeline creation takes; llvmpipe then compiles the machine code at the first
    /// dispatch), and the passes of one kernel build side by side. `layout` None: each
    /// pipeline's own, from the bindings its entry point uses.
    pub fn pipelines(
        &self,
        label: &str,
        source: &str,
        entries: &[&str],
        constants: &[(&str, f64)],
        layout: Option<&wgpu::PipelineLayout>,
    ) -> Result<Vec<wgpu::ComputePipeline>, GpuError> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Shader(format!("{label}: {e}")));
        }
        let build = |entry: &str| {
            // Error scopes are per thread.
            let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
            let pipeline = self
                .device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(&format!("{label} {entry}")),
                    layout,
                    module: &module,
                    entry_point: Some(entry),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants,
                        ..Default::default()
                    },
                    cache: None,
                });
            match pollster::block_on(scope.pop()) {
                Some(e) => Err(GpuError::Shader(format!("{label} ({entry}): {e}"))),
                None => Ok(pipeline),
            }
        };
        let Some((first, rest)) = entries.split_first() else {
            return Ok(Vec::new());
        };
        std::thread::scope(|s| {
            let others: Vec<_> = rest.iter().map(|e| s.spawn(|| build(e))).collect();
            let mut built = vec![build(first)];
            built.extend(
                others
                    .into_iter()
                    .map(|h| h.join().expect("a pipeline build thread panicked")),
            );
            built.into_iter().collect()
        })
    }

    /// A command buffer of one compute pass that dispatches `groups` workgroups of `pipeline`
    /// with bind group 0 `bind` (submit it when it suits: the microbenchmark times the submit).
    pub fn dispatch_commands(
        &self,
        label: &str,
        pipeline: &wgpu::ComputePipeline,
        bind: &wgpu::BindGroup,
        groups: u32,
    ) -> wgpu::CommandBuffer {
        let mut enc = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(label),
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, bind, &[]);
            pass.dispatch_workgroups(groups, 1, 1);
        }
        enc.finish()
    }

    pub fn storage_buffer(
        &self,
        label: &str,
        size: u64,
        extra: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size.max(16),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | extra,
            mapped_at_creation: false,
        })
    }

    pub fn readback_buffer(&self, label: &str, size: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size.max(16),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Commands that copy the first `size` bytes of `src` into `dst`.
    pub fn copy_commands(
        &self,
        label: &str,
        src: &wgpu::Buffer,
        dst: &wgpu::Buffer,
        size: u64,
    ) -> wgpu::CommandBuffer {
        let mut enc = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
        enc.copy_buffer_to_buffer(src, 0, dst, 0, size);
        enc.finish()
    }

    /// Copy `size` bytes of `src` into `staging`, wait, and return them.
    pub fn read_back(
        &self,
        src: &wgpu::Buffer,
        staging: &wgpu::Buffer,
        size: u64,
    ) -> Result<Vec<u8>, GpuError> {
        self.read_back_with(src, staging, size, <[u8]>::to_vec)
    }

    /// Copy `size` bytes of `src` into `staging`, wait, and return what `f` makes of them,
    /// read in place from the mapped staging buffer.
    pub fn read_back_with<T>(
        &self,
        src: &wgpu::Buffer,
        staging: &wgpu::Buffer,
        size: u64,
        f: impl FnOnce(&[u8]) -> T,
    ) -> Result<T, GpuError> {
        self.queue
            .submit([self.copy_commands("read back", src, staging, size)]);
        let slice = staging.slice(0..size);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Runtime(format!("waiting for the device: {e}")))?;
        rx.recv()
            .map_err(|e| GpuError::Runtime(format!("map callback lost: {e}")))?
            .map_err(|e| GpuError::Runtime(format!("mapping a read-back buffer: {e}")))?;
        let out = {
            let view = slice
                .get_mapped_range()
                .map_err(|e| GpuError::Runtime(format!("reading a mapped buffer: {e}")))?;
            f(&view)
        };
        staging.unmap();
        Ok(out)
    }
}
