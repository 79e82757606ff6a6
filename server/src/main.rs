//! `kapacitord [run] [-config FILE] [-hostname H] [-pidfile P] [-log-file F]
//! [-log-level L] [-blacklist-cidrs C] [-disable-handlers K]`: resolves
//! Kapacitor's configuration (`server::settings`), opens the store, resumes
//! enabled tasks, serves the API. `kapacitord config` prints the resolved
//! configuration as TOML.

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use server::settings::{self, Command, Flags, ServerOptions};
use server::state::AppState;
use std::convert::Infallible;
use std::process::ExitCode;

const USAGE: &str = "Usage: kapacitord [[command] [arguments]]

The commands are:

    config               display the default configuration
    help                 display this help message
    run                  run node with existing configuration
    version              displays the Kapacitor version

\"run\" is the default command.
";

fn init_logging(o: &ServerOptions) {
    use server::logs::LogTarget;
    let mut failed = None;
    let target = match o.log_file.as_deref() {
        Some(f) if f.as_os_str() == "STDOUT" => LogTarget::Stdout,
        Some(f) => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(f)
        {
            Ok(file) => LogTarget::File(file),
            Err(e) => {
                failed = Some(format!("cannot open log file {}: {e}", f.display()));
                LogTarget::Stderr
            }
        },
        None => LogTarget::Stderr,
    };
    server::logs::init(&o.log_level, target);
    if let Some(e) = failed {
        tracing::error!("{e}");
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env: Vec<(String, String)> = std::env::vars().collect();
    match settings::parse_args(&args) {
        Ok(Command::Version) => {
            println!(
                "Kapacitor OSS version {} (git: rust)",
                server::http::VERSION
            );
            ExitCode::SUCCESS
        }
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::PrintConfig(flags)) => match settings::resolve(&flags, &env, true) {
            Ok(r) => {
                println!("{}\n", r.config.to_toml().trim_end());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Ok(Command::Run(flags)) => run(&flags, &env),
        Err(e) => {
            eprintln!("{e}\n\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn run(flags: &Flags, env: &[(String, String)]) -> ExitCode {
    let resolved = match settings::resolve(flags, env, false) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("run: {e}");
            return ExitCode::FAILURE;
        }
    };
    let opts = ServerOptions::from_config(&resolved.config, resolved.path.clone(), flags);
    init_logging(&opts);
    match &opts.config_path {
        Some(p) => tracing::info!("Using configuration at: {}", p.display()),
        None => tracing::info!("No configuration provided, using default settings"),
    }
    for key in &resolved.unknown_keys {
        tracing::warn!(key = key.as_str(), "unknown configuration key ignored");
    }
    if let Some(c) = &opts.blacklist_cidrs {
        match runtime::net_policy::parse_list(c) {
            Ok(list) => {
                tracing::info!(
                    cidrs = c.as_str(),
                    "outbound connections to these networks are refused"
                );
                runtime::net_policy::set_blacklist(list);
            }
            Err(e) => {
                eprintln!("run: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(h) = &opts.disable_handlers {
        if let Err(e) = settings::disabled_handler_kinds(h) {
            eprintln!("run: {e}");
            return ExitCode::FAILURE;
        }
        tracing::info!(handlers = h.as_str(), "alert handlers disabled");
    }
    if let Some(p) = &opts.pidfile {
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(p, std::process::id().to_string()) {
            eprintln!("run: write pid file: {}: {e}", p.display());
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
    let cluster = if opts.config.cluster.enabled {
        match server::cluster::Cluster::connect(&opts.config.cluster, &opts.hostname).await {
            Ok(c) => Some(std::sync::Arc::new(c)),
            Err(e) => {
                eprintln!("run: open server: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let state = match AppState::open_in_cluster(opts, cluster) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("run: open server: {e}");
            return ExitCode::FAILURE;
        }
    };
    // `[http] https-enabled`: every connection is TLS (Kapacitor serves one or the other).
    let tls = if state.opts.config.http.https_enabled {
        let h = &state.opts.config.http;
        match server::auth::tls::server_config(
            &h.https_certificate,
            &h.https_private_key,
            &state.opts.config.tls,
        ) {
            Ok(c) => Some(tokio_rustls::TlsAcceptor::from(c)),
            Err(e) => {
                eprintln!("run: open server: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("run: listen tcp {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The load directory is defined before the first client is served, and again on
    // every SIGHUP (one pass at a time: the loop awaits each).
    server::load::load(&state).await;
    if let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        let state = state.clone();
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                tracing::info!(
                    service = "load",
                    "SIGHUP received: reloading the load directory and sideload sources"
                );
                server::load::load(&state).await;
                // Failures are logged per task by the reload.
                let _ = server::sideload::reload(&state).await;
            }
        });
    }
    if state.opts.stats_enabled && !state.opts.stats_interval.is_zero() {
        tokio::spawn(server::stats::run(state.clone(), state.opts.stats_interval));
    }
    if let Ok(a) = listener.local_addr() {
        let scheme = if tls.is_some() { "HTTPS" } else { "HTTP" };
        tracing::info!("Listening on {scheme} {a}");
        state.start_influxdb(a.port());
        if let Some(c) = &state.cluster {
            c.start(&state, a.port());
        }
    }
    // `[[udp]]`, `[[graphite]]`, `[opentsdb]`: kept running until shutdown.
    let _inputs = match server::inputs::start(&state.opts.config, state.ingest()) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("run: open server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
        }
    };
    tokio::pin!(shutdown);
    let header_timeout = state.opts.read_header_timeout;
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let state = state.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                        req.extensions_mut().insert(server::http::access_log::Peer(peer));
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(server::app(state, req).await) }
                    });
                    // A client that dribbles its headers is cut off (`[http-limits]`).
                    let mut builder = http1::Builder::new();
                    builder
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(header_timeout);
                    match tls {
                        Some(acceptor) => match acceptor.accept(stream).await {
                            Ok(s) => {
                                let _ = builder.serve_connection(TokioIo::new(s), svc).await;
                            }
                            Err(e) => tracing::debug!("TLS handshake failed: {e}"),
                        },
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
                        }
                    }
                });
            }
        }
    }
    tracing::info!("shutting down");
    // A cluster node checkpoints its tasks and frees their leases first, so
    // the others take them over at once.
    if let Some(c) = state.cluster.clone() {
        c.leave(&state).await;
    }
    // UDF agents' states are stored with their tasks, resumed at the next start.
    let snap = state.clone();
    let _ = tokio::task::spawn_blocking(move || snap.save_all_task_states()).await;
    let engine = state.engine.clone();
    let _ = tokio::task::spawn_blocking(move || engine.shutdown()).await;
    ExitCode::SUCCESS
}
