fn main() -> std::process::ExitCode {
    rolecall::app::main()
}
