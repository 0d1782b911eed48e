//! A TCP relay for the shared-world tests (included with `#[path]` by the test files
//! that need it).

use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// A TCP relay in front of the server whose connections the test can cut, as a network
/// would: returns its address and a switch that cuts every connection made so far.
pub fn relay(to: SocketAddr) -> (SocketAddr, impl Fn()) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("its address");
    let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let kept = Arc::clone(&open);
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { break };
            let Ok(server) = TcpStream::connect(to) else { break };
            for (from, into) in [(&client, &server), (&server, &client)] {
                let (mut from, mut into) = (from.try_clone().expect("clone"), into.try_clone().expect("clone"));
                thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut into);
                    let _ = into.shutdown(std::net::Shutdown::Both);
                });
            }
            kept.lock().expect("lock").extend([client, server]);
        }
    });
    let cut = move || {
        for s in open.lock().expect("lock").drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    };
    (addr, cut)
}
