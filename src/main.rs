fn main() -> std::process::ExitCode {
    agi_timelines::cmd::main()
}
