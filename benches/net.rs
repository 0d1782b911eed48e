//! Shared-world load (issue 6; figures in the README): 200 clients on loopback join a
//! `serve` room on the default map (60 blocks a second, 100 ms ticks), each sending an
//! order a second. Measures the tick rate every client sees and the tick-to-client
//! latency (server's wall clock when it made the tick to the client's when the frame
//! arrived; same machine, same clock). Target: the tick rate kept, p99 < 100 ms.
//!
//! ```sh
//! cargo bench --bench net                   # 200 clients, 20 s
//! cargo bench --bench net -- 50 10          # 50 clients, 10 s
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use dtao_arena::engine::{Order, Tao};
use dtao_arena::net::client::{self, Incoming};
use dtao_arena::net::protocol::{Hello, PROTOCOL_VERSION, Role};
use dtao_arena::net::server::{Server, ServerConfig};

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let k = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[k]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let clients: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(200);
    let secs: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let map = dtao_arena::scenario::load("dtao-launch").expect("map");
    let config = ServerConfig { paused: false, log: false, ..ServerConfig::new(map) };
    let server = Server::start(config, "127.0.0.1:0".parse().expect("addr")).expect("server");
    let addr = server.local_addr().to_string();
    let code = server.code().to_string();

    let t_join = Instant::now();
    let mut links = Vec::with_capacity(clients);
    for k in 0..clients {
        let hello = Hello {
            protocol_version: PROTOCOL_VERSION,
            room_code: code.clone(),
            name: format!("student{k:03}"),
            token: None,
            role: Role::Player,
        };
        links.push(client::connect(&addr, hello, Duration::from_secs(30)).expect("join").link);
    }
    let join_secs = t_join.elapsed().as_secs_f64();
    println!("{clients} clients joined in {join_secs:.2} s");

    let stop = Arc::new(AtomicBool::new(false));
    let orders = Arc::new(AtomicU64::new(0));
    let closed = Arc::new(AtomicU64::new(0));
    // Four reader threads share the links; arrival times are taken by each link's own
    // thread, so polling delay does not count.
    let per = clients.div_ceil(4).max(1);
    let mut readers = Vec::new();
    let start = Instant::now();
    let mut chunks: Vec<Vec<client::Link>> = Vec::new();
    let mut it = links.into_iter();
    loop {
        let c: Vec<client::Link> = it.by_ref().take(per).collect();
        if c.is_empty() {
            break;
        }
        chunks.push(c);
    }
    for (r, chunk) in chunks.into_iter().enumerate() {
        let (stop, orders, closed) = (Arc::clone(&stop), Arc::clone(&orders), Arc::clone(&closed));
        readers.push(thread::spawn(move || {
            let outs: Vec<client::Outbox> = chunk.iter().map(client::Link::outbox).collect();
            let mut next_order: Vec<Instant> = (0..chunk.len())
                .map(|k| {
                    #[allow(clippy::cast_possible_truncation)]
                    let phase = ((r * 7919 + k * 104_729) % 1000) as u64;
                    Instant::now() + Duration::from_millis(phase)
                })
                .collect();
            let mut latencies_us: Vec<u64> = Vec::new();
            let mut ticks = vec![0u64; chunk.len()];
            let mut alive = vec![true; chunk.len()];
            while !stop.load(Ordering::Relaxed) {
                for (k, link) in chunk.iter().enumerate() {
                    while let Some(m) = link.recv_timeout(Duration::ZERO) {
                        match m {
                            Incoming::Tick(t) if t.hash.is_some() => {
                                ticks[k] += 1;
                                latencies_us.push(t.received_unix_us.saturating_sub(t.sent_unix_us));
                            }
                            Incoming::Closed(_) | Incoming::Lost(_) if alive[k] => {
                                alive[k] = false;
                                closed.fetch_add(1, Ordering::Relaxed);
                            }
                            _ => {}
                        }
                    }
                    if Instant::now() >= next_order[k] {
                        next_order[k] += Duration::from_secs(1);
                        if outs[k].order(&Order::StakeRoot { tao: Tao(1_000_000) }) {
                            orders.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                thread::sleep(Duration::from_millis(2));
            }
            (latencies_us, ticks, chunk)
        }));
    }
    thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    let mut ticks = Vec::new();
    let mut keep = Vec::new();
    for r in readers {
        let (l, t, chunk) = r.join().expect("reader");
        latencies.extend(l);
        ticks.extend(t);
        keep.push(chunk);
    }
    server.host(dtao_arena::net::server::HostCommand::End);
    let end = server.wait();
    let applied = end.recording.map_or(0, |r| {
        r.ticks.iter().flat_map(|t| &t.inputs).filter(|i| matches!(i, dtao_arena::record::Input::Order { .. })).count()
    });
    latencies.sort_unstable();
    ticks.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    let rate = |n: u64| n as f64 / elapsed;
    println!(
        "{} s, {} orders sent ({:.0}/s), {applied} in the server's recording, {} clients dropped",
        secs,
        orders.load(Ordering::Relaxed),
        rate(orders.load(Ordering::Relaxed)),
        closed.load(Ordering::Relaxed)
    );
    println!(
        "ticks per second per client: min {:.2}, median {:.2} (nominal 10)",
        rate(ticks.first().copied().unwrap_or(0)),
        rate(percentile(&ticks, 0.5))
    );
    #[allow(clippy::cast_precision_loss)]
    let ms = |us: u64| us as f64 / 1000.0;
    println!(
        "tick-to-client latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or(0)),
        latencies.len()
    );
}
