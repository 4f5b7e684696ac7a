fn main() -> std::process::ExitCode {
    rolecall::main()
}
