//! Load for the hall's registration benchmark (`scripts/bench hall`): N concurrent clients,
//! each registering cases through `POST /api/v1/cases` back to back for D seconds, spread
//! over the communities given. Prints the rate per second, the latencies and the errors, and
//! writes every acknowledged case number to OUT so the script can check each one is stored.
//!
//! Usage: hall_load BASE TOKEN SECONDS CLIENTS COMMUNITIES_FILE ITEMS OUT
//!   ITEMS: comma-separated item codes (window items)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 8 {
        eprintln!("usage: hall_load BASE TOKEN SECONDS CLIENTS COMMUNITIES_FILE ITEMS OUT");
        std::process::exit(2);
    }
    let base = a[1].clone();
    let token = a[2].clone();
    let secs: u64 = a[3].parse().expect("seconds");
    let clients: usize = a[4].parse().expect("clients");
    let communities: Arc<Vec<String>> = Arc::new(
        std::fs::read_to_string(&a[5])
            .expect("communities file")
            .lines()
            .map(str::trim)
            .filter(|l| l.len() == 12)
            .map(String::from)
            .collect(),
    );
    let items: Arc<Vec<String>> = Arc::new(a[6].split(',').map(String::from).collect());
    let out = a[7].clone();
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.set_nodelay(true);
    let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(clients)
        .build(http);
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut tasks = vec![];
    for w in 0..clients {
        let (client, base, token, communities, items, stop) = (
            client.clone(),
            base.clone(),
            token.clone(),
            communities.clone(),
            items.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut acked: Vec<(u64, String, u32)> = vec![]; // (second, number, micros)
            let mut errors: Vec<String> = vec![];
            let mut n = w;
            while !stop.load(Ordering::Relaxed) {
                n += clients;
                let body = serde_json::json!({
                    "community": communities[n % communities.len()],
                    "item": items[n % items.len()],
                    "applicant_name": format!("压测{w}号{n}"),
                    "applicant_phone": format!("139{:08}", n % 100_000_000),
                    "description": "benchmark",
                })
                .to_string();
                let req = hyper::Request::post(format!("{base}/api/v1/cases"))
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(Full::new(bytes::Bytes::from(body)))
                    .unwrap();
                let t0 = Instant::now();
                match client.request(req).await {
                    Ok(resp) => {
                        let status = resp.status();
                        let bytes = resp
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let micros = t0.elapsed().as_micros() as u32;
                        if status == 201 {
                            let v: serde_json::Value =
                                serde_json::from_slice(&bytes).unwrap_or_default();
                            let number = v["number"].as_str().unwrap_or("").to_string();
                            acked.push((start.elapsed().as_secs(), number, micros));
                        } else {
                            errors.push(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
                        }
                    }
                    Err(e) => errors.push(format!("transport: {e}")),
                }
            }
            (acked, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acked = vec![];
    let mut errors = vec![];
    for t in tasks {
        let (a, e) = t.await.unwrap();
        acked.extend(a);
        errors.extend(e);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut per_sec = vec![0u64; secs as usize + 1];
    for (s, _, _) in &acked {
        if let Some(x) = per_sec.get_mut(*s as usize) {
            *x += 1;
        }
    }
    // whole seconds only: the first may include connection set-up, the last is cut short
    let full: Vec<u64> = per_sec[..secs as usize].to_vec();
    let min = full.iter().copied().min().unwrap_or(0);
    let mut lat: Vec<u32> = acked.iter().map(|(_, _, m)| *m).collect();
    lat.sort_unstable();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    println!(
        "clients {clients}, {secs} s: {} acknowledged ({:.0}/s), {} errors; slowest second {min}/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        acked.len(),
        acked.len() as f64 / elapsed,
        errors.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!("per second: {full:?}");
    for e in errors.iter().take(5) {
        println!("error: {e}");
    }
    let numbers: String = acked.iter().map(|(_, n, _)| format!("{n}\n")).collect();
    std::fs::write(out, numbers).unwrap();
    if !errors.is_empty() {
        std::process::exit(1);
    }
}
