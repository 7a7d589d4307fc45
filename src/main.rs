use clap::Parser;

fn main() {
    // Mesa's Vulkan loader prints "error: XDG_RUNTIME_DIR is invalid" on headless machines,
    // which reads like a dispersa failure; the directory is unused by compute, so point the
    // variable at the temp directory when it is unset (before any thread starts).
    if std::env::var_os("XDG_RUNTIME_DIR").is_none_or(|d| !std::path::Path::new(&d).is_dir()) {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    let cli = dispersa::cli::Cli::parse();
    dispersa::interrupt::install();
    std::process::exit(dispersa::cli::main_with(cli));
}
