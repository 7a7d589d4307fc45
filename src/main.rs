use clap::Parser;

fn main() {
    let cli = dispersa::cli::Cli::parse();
    std::process::exit(dispersa::cli::main_with(cli));
}
