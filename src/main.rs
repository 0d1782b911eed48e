fn main() -> std::process::ExitCode {
    let _ = color_eyre::install();
    dtao_arena::cli::main()
}
