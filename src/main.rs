//! The `tidkoll` binary: parse arguments, run, map the outcome to an exit code.

fn main() {
    let cli = match tidkoll::cli::parse_sv() {
        Ok(cli) => cli,
        Err(err) => match tidkoll::cli::error_sv(&err) {
            Some(message) => {
                eprintln!("tidkoll: {message}");
                std::process::exit(2);
            }
            None => err.exit(),
        },
    };
    match tidkoll::commands::run(cli) {
        Ok(()) => {}
        Err(err) => {
            if err.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)) {
                std::process::exit(0);
            }
            match tidkoll::error::write_hint(&err) {
                Some(hint) => eprintln!("tidkoll: {err:#}\n  {hint}"),
                None => eprintln!("tidkoll: {err:#}"),
            }
            std::process::exit(tidkoll::error::exit_code(&err));
        }
    }
}
