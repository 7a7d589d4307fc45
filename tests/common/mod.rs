//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod comet;

use dispersa::config::RawConfig;
use dispersa::engine::{BackendChoice, Engine, PrecisionChoice, Runner};
use dispersa::pipeline::Samples;
use dispersa::scenario::reentry::*;
use dispersa::scenario::{SampleOutputs, Scenario};

pub const DEFAULT_CONFIG: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/configs/tianwen2_reentry.toml");

/// The default config with `--set` style overrides applied.
pub fn config_with(sets: &[&str]) -> ReentryConfig {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let raw =
        RawConfig::load(std::path::Path::new(DEFAULT_CONFIG), &sets).expect("default config loads");
    ReentryConfig::from_raw(&raw).expect("default config is valid")
}

/// A GPU engine; a missing adapter FAILS the test (CI must run these on lavapipe).
pub fn gpu(precision: PrecisionChoice) -> Engine {
    let mut notice = |m: String| eprintln!("{m}");
    match Engine::select(BackendChoice::Gpu, precision, &mut notice) {
        Ok(e) => e,
        Err(e) => panic!(
            "GPU test needs an adapter ({e}); install mesa-vulkan-drivers and libvulkan1 (lavapipe)"
        ),
    }
}

pub fn cpu() -> Engine {
    let mut notice = |m: String| eprintln!("{m}");
    Engine::select(BackendChoice::Cpu, PrecisionChoice::Auto, &mut notice).expect("cpu engine")
}

/// The scenario, sampled parameters and packed inputs of samples 0..n (nominal when `nominal`).
pub fn sample_inputs(
    cfg: &ReentryConfig,
    n: usize,
    nominal: bool,
) -> (Reentry, Vec<Vec<f64>>, Vec<f64>) {
    let sc = Reentry::new(cfg.clone());
    let c = Samples::new(&sc, cfg.run.seed, nominal)
        .unwrap()
        .draw(&sc, 0..n as u64, None);
    let (params, inputs) = (c.params, c.inputs);
    (sc, params, inputs)
}

/// Propagate on an engine and post-process every sample.
pub fn outputs(
    engine: &Engine,
    sc: &Reentry,
    params: &[Vec<f64>],
    inputs: &[f64],
) -> Vec<SampleOutputs> {
    outputs_with(engine, sc, params, inputs, |_| {}).0
}

/// The same for any scenario, with `tweak` applied to the runner before it propagates; the
/// runner is returned for inspection.
pub fn outputs_with<'e>(
    engine: &'e Engine,
    sc: &dyn Scenario,
    params: &[Vec<f64>],
    inputs: &[f64],
    tweak: impl FnOnce(&mut Runner<'e>),
) -> (Vec<SampleOutputs>, Runner<'e>) {
    let n = params.len();
    let (mut runner, chunk) = engine.runner(sc, n).expect("runner");
    assert!(chunk >= n, "test chunk too large for the adapter");
    tweak(&mut runner);
    let states = runner
        .propagate(sc, inputs, n, &|_| {})
        .expect("propagation");
    let sl = sc.state_len();
    let outs = params
        .iter()
        .enumerate()
        .map(|(j, p)| sc.outputs(p, &states[j * sl..(j + 1) * sl]))
        .collect();
    (outs, runner)
}

/// Great-circle distance between two landing points [m].
pub fn landing_distance_m(a: &SampleOutputs, b: &SampleOutputs) -> f64 {
    let (la1, lo1) = (a.metrics[M_LAT].unwrap(), a.metrics[M_LON].unwrap());
    let (la2, lo2) = (b.metrics[M_LAT].unwrap(), b.metrics[M_LON].unwrap());
    dispersa::physics::geodesy::great_circle_km(la1, lo1, la2, lo2) * 1000.0
}

/// A GPU context with SHADER_F64; a missing adapter FAILS the test (CI runs these on lavapipe).
pub fn gpu_context_f64() -> dispersa::engine::gpu::GpuContext {
    let ctx = dispersa::engine::gpu::GpuContext::new().unwrap_or_else(|e| {
        panic!("GPU test needs an adapter ({e}); install mesa-vulkan-drivers (lavapipe)")
    });
    assert!(
        ctx.adapter.shader_f64,
        "adapter {} lacks SHADER_F64",
        ctx.adapter.one_line()
    );
    ctx
}

/// Runs entry point `entry` of a test kernel over `lanes` invocations (workgroups of 64): the
/// `inputs` bound read-only at bindings 0, 1, ..., an output of `out_len` values after them;
/// returns the output.
pub fn run_test_kernel(
    ctx: &dispersa::engine::gpu::GpuContext,
    label: &str,
    source: &str,
    entry: &str,
    inputs: &[&[f64]],
    out_len: usize,
    lanes: usize,
) -> Vec<f64> {
    use wgpu::util::DeviceExt;
    let pipeline = ctx
        .pipeline(label, source, entry, &[])
        .unwrap_or_else(|e| panic!("{label}: the kernel compiles ({e})"));
    let bufs: Vec<wgpu::Buffer> = inputs
        .iter()
        .map(|data| {
            ctx.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: bytemuck::cast_slice(data),
                    usage: wgpu::BufferUsages::STORAGE,
                })
        })
        .collect();
    let out_size = (out_len * 8) as u64;
    let out = ctx.storage_buffer(label, out_size, wgpu::BufferUsages::COPY_SRC);
    let staging = ctx.readback_buffer(label, out_size);
    let entries: Vec<wgpu::BindGroupEntry> = bufs
        .iter()
        .chain(std::iter::once(&out))
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource: b.as_entire_binding(),
        })
        .collect();
    let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    });
    let groups = (lanes as u32).div_ceil(64);
    ctx.queue
        .submit([ctx.dispatch_commands(label, &pipeline, &bind, groups)]);
    let bytes = ctx.read_back(&out, &staging, out_size).expect("read back");
    ctx.check_errors(label).expect("no device error");
    bytemuck::pod_collect_to_vec(&bytes)
}

/// A Parquet file (a run's part) rewritten with each record batch passed through `change`,
/// its key-value metadata kept: to simulate a part another build wrote.
pub fn rewrite_parquet(
    path: &std::path::Path,
    change: impl Fn(arrow_array::RecordBatch) -> arrow_array::RecordBatch,
) {
    rewrite_parquet_with(path, change, |_| {});
}

/// [`rewrite_parquet`], with the key-value metadata passed through `change_kv` too.
pub fn rewrite_parquet_with(
    path: &std::path::Path,
    change: impl Fn(arrow_array::RecordBatch) -> arrow_array::RecordBatch,
    change_kv: impl Fn(&mut Vec<parquet::file::metadata::KeyValue>),
) {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let b = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
    let mut kv = b
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .cloned()
        .unwrap_or_default();
    change_kv(&mut kv);
    let batches: Vec<arrow_array::RecordBatch> =
        b.build().unwrap().map(|r| change(r.unwrap())).collect();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_key_value_metadata(Some(kv))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batches[0].schema(),
        Some(props),
    )
    .unwrap();
    for r in &batches {
        w.write(r).unwrap();
    }
    w.close().unwrap();
}

/// A batch of samples.parquet with its `sample` column (the first) as uint64, as builds before
/// 2026-12-06 wrote it.
pub fn sample_as_uint64(r: arrow_array::RecordBatch) -> arrow_array::RecordBatch {
    use arrow_array::Array;
    let mut fields: Vec<arrow_schema::Field> = r
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[0] = arrow_schema::Field::new("sample", arrow_schema::DataType::UInt64, false);
    let mut cols = r.columns().to_vec();
    let idx = cols[0]
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .unwrap();
    cols[0] = std::sync::Arc::new(arrow_array::UInt64Array::from_iter_values(
        idx.values().iter().map(|&i| i as u64),
    ));
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(fields));
    arrow_array::RecordBatch::try_new(schema, cols).unwrap()
}

/// The first record batch of the Parquet file at `path` (a summary's rows, a small run's
/// samples).
pub fn first_batch(path: &std::path::Path) -> arrow_array::RecordBatch {
    let f = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
}

/// A Parquet file rewritten with its key-value metadata `key` set to `value`: to simulate a file
/// another build wrote with another config.
pub fn set_parquet_metadata(path: &std::path::Path, key: &str, value: &str) {
    rewrite_parquet_with(
        path,
        |r| r,
        |kv| {
            kv.retain(|e| e.key != key);
            kv.push(parquet::file::metadata::KeyValue::new(
                key.to_string(),
                value.to_string(),
            ));
        },
    );
}
