//! What the host and the shaders share, declared once in Rust and generated as WGSL: numeric
//! precision and its prelude, layout offsets and codes (`layout!`), and the uniform `Dims`
//! blocks (`dims!`). Scenarios and engines both use this module; it uses neither.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F64,
    F32,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F64 => "f64",
            Precision::F32 => "f32",
        }
    }

    /// The tightest relative tolerance the adaptive integrators fly at this precision, the
    /// shaders' `RTOL_FLOOR` ([`prelude`]). In f32 a position near 6,400 km rounds to
    /// 0.5 m, so a tighter error norm would be rounding noise.
    pub fn rtol_floor(self) -> f64 {
        match self {
            Precision::F64 => 1.0e-13,
            Precision::F32 => 1.0e-5,
        }
    }
}

/// The WGSL precision prelude for `precision`: the `real` alias, its exp/log, and
/// `RTOL_FLOOR` ([`Precision::rtol_floor`]).
pub fn prelude(precision: Precision) -> String {
    let text = match precision {
        Precision::F64 => include_str!("../shaders/prelude_f64.wgsl"),
        Precision::F32 => include_str!("../shaders/prelude_f32.wgsl"),
    };
    format!(
        "{text}\n{}",
        declare_real(&[("RTOL_FLOOR", precision.rtol_floor())])
    )
}

/// Offsets (usize) and codes declared once: `layout! { NAME = value, ... }` defines each as a
/// `pub const NAME: usize` and `LAYOUT`, the list that [`declare_u32`] turns into WGSL.
#[macro_export]
macro_rules! layout {
    ($($name:ident = $v:expr),* $(,)?) => {
        $(pub const $name: usize = $v;)*
        /// Every constant above, for the generated WGSL.
        pub const LAYOUT: &[(&str, usize)] = &[$((stringify!($name), $name)),*];
    };
}

/// A uniform block of u32 fields declared once: `dims! { Name { field, ... } }` defines the Rust
/// struct, its words in declaration order and the WGSL `struct Name` (padded to 16 bytes).
#[macro_export]
macro_rules! dims {
    ($name:ident { $($field:ident),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name { $(pub $field: u32),* }
        impl $name {
            pub fn words(&self) -> Vec<u32> {
                let mut w = vec![$(self.$field),*];
                w.resize(w.len().div_ceil(4) * 4, 0);
                w
            }
            pub fn wgsl() -> String {
                let fields: &[&str] = &[$(stringify!($field)),*];
                $crate::wgsl::struct_u32(stringify!($name), fields)
            }
        }
    };
}

/// `struct NAME { a: u32, ... }` padded to a multiple of four words.
pub fn struct_u32(name: &str, fields: &[&str]) -> String {
    let mut s = format!("struct {name} {{\n");
    for f in fields {
        s.push_str(&format!("    {f}: u32,\n"));
    }
    for k in fields.len()..fields.len().div_ceil(4) * 4 {
        s.push_str(&format!("    pad{k}: u32,\n"));
    }
    s.push_str("};\n");
    s
}

/// `const NAME: u32 = value;` for every entry.
pub fn declare_u32(items: &[(&str, usize)]) -> String {
    items
        .iter()
        .map(|(n, v)| format!("const {n}: u32 = {v}u;\n"))
        .collect()
}

/// `const NAME: real = value;` for every entry (sentinels and model constants known at build
/// time), written so that WGSL reads back the same f64.
pub fn declare_real(items: &[(&str, f64)]) -> String {
    items
        .iter()
        .map(|(n, v)| format!("const {n}: real = {v:?};\n"))
        .collect()
}
