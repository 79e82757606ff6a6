//! `kapacitor`: the command-line client of Kapacitor's HTTP API. A thin entry point; the
//! commands live in `cli::kapacitor`.

fn main() {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    std::process::exit(cli::kapacitor::run(&args));
}
