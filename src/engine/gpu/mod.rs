//! The GPU engine: WGSL compute shaders through wgpu, one invocation per trajectory.

mod context;
mod kernel;
mod microbench;
mod selftest;

pub use context::{list_adapters, AdapterDescription, GpuContext};
pub use kernel::GpuKernel;
pub use microbench::{max_lanes, microbench, MicrobenchOptions};
pub use selftest::check_f64_builtins;

use super::Precision;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GpuError {
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
    #[error("requesting a device: {0}")]
    Device(String),
    #[error("shader rejected: {0}")]
    Shader(String),
    #[error("{0}")]
    Precision(String),
    #[error("GPU runtime error: {0}")]
    Runtime(String),
}

pub use crate::wgsl::prelude;

/// f64 values as the shader's `real` bytes: in f64 the values' own bytes, not a copy (a real
/// GPU's chunk of reentry inputs is gigabytes, and each copy costs the host page faults).
pub fn to_real_bytes(values: &[f64], precision: Precision) -> std::borrow::Cow<'_, [u8]> {
    match precision {
        Precision::F64 => std::borrow::Cow::Borrowed(bytemuck::cast_slice(values)),
        // One pass into one allocation (not a Vec<f32> copied again as bytes).
        Precision::F32 => {
            let mut bytes = Vec::with_capacity(values.len() * 4);
            for &x in values {
                bytes.extend_from_slice(&(x as f32).to_ne_bytes());
            }
            std::borrow::Cow::Owned(bytes)
        }
    }
}

/// The shader's `real` bytes as f64 values.
pub fn from_real_bytes(bytes: &[u8], precision: Precision) -> Vec<f64> {
    let mut values = vec![0.0; bytes.len() / real_size(precision) as usize];
    fill_from_real_bytes(&mut values, bytes, precision);
    values
}

/// The shader's `real` bytes into `dst` (as many values as both hold), in place: a chunk's
/// state rows are read back into the rows the host uploaded, not into a fresh allocation.
pub fn fill_from_real_bytes(dst: &mut [f64], bytes: &[u8], precision: Precision) {
    match precision {
        Precision::F64 => match bytemuck::try_cast_slice::<u8, f64>(bytes) {
            Ok(v) => {
                let k = v.len().min(dst.len());
                dst[..k].copy_from_slice(&v[..k]);
            }
            // A mapping not aligned to 8 bytes (wgpu aligns them; kept for safety).
            Err(_) => {
                for (d, c) in dst.iter_mut().zip(bytes.chunks_exact(8)) {
                    *d = f64::from_ne_bytes(c.try_into().expect("8 bytes"));
                }
            }
        },
        Precision::F32 => {
            for (d, c) in dst.iter_mut().zip(bytes.chunks_exact(4)) {
                *d = f64::from(f32::from_ne_bytes(c.try_into().expect("4 bytes")));
            }
        }
    }
}

pub fn real_size(precision: Precision) -> u64 {
    match precision {
        Precision::F64 => 8,
        Precision::F32 => 4,
    }
}
