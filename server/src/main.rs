//! `kapacitord [run] [-config FILE] [-hostname H] [-pidfile P] [-log-file F]
//! [-log-level L]`: opens the store, resumes enabled tasks, serves the API.

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use server::settings::ServerOptions;
use server::state::AppState;
use std::convert::Infallible;
use std::process::ExitCode;

fn init_logging(o: &ServerOptions) {
    let filter = tracing_subscriber::EnvFilter::try_new(o.log_level.to_lowercase())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    let file = o
        .log_file
        .as_ref()
        .filter(|f| f.as_os_str() != "STDERR")
        .and_then(|f| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(f)
                .ok()
        });
    match file {
        Some(f) => builder.with_writer(std::sync::Mutex::new(f)).init(),
        None => builder.with_writer(std::io::stderr).init(),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "version") {
        println!(
            "Kapacitor OSS version {} (git: rust)",
            server::http::VERSION
        );
        return ExitCode::SUCCESS;
    }
    let opts = match ServerOptions::from_args(&args, std::env::vars()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("run: {e}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(&opts);
    match &opts.config_path {
        Some(p) => tracing::info!("Using configuration at: {}", p.display()),
        None => tracing::info!("No configuration provided, using default settings"),
    }
    if let Some(p) = &opts.pidfile {
        if let Err(e) = std::fs::write(p, std::process::id().to_string()) {
            eprintln!("run: cannot write pid file {}: {e}", p.display());
            return ExitCode::FAILURE;
        }
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("run: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = rt.block_on(serve(opts.clone()));
    if let Some(p) = &opts.pidfile {
        let _ = std::fs::remove_file(p);
    }
    code
}

async fn serve(opts: ServerOptions) -> ExitCode {
    let addr = opts.socket_address();
    let state = match AppState::open(opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("run: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("run: listen tcp {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if state.opts.stats_enabled {
        tokio::spawn(server::stats::run(state.clone(), state.opts.stats_interval));
    }
    if let Ok(a) = listener.local_addr() {
        tracing::info!("Listening on {a}");
    }
    let shutdown = async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
        }
    };
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = state.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(server::app(state, req).await) }
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                });
            }
        }
    }
    tracing::info!("shutting down");
    let engine = state.engine.clone();
    let _ = tokio::task::spawn_blocking(move || engine.shutdown()).await;
    ExitCode::SUCCESS
}
