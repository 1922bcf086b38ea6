fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(nook::main_entry() as u8)
}
