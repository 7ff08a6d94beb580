use std::io::{Read, Write};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
fn main() {
    println!("gen {} rustc_ok {}", cargo_e2e::GEN, cargo_e2e::RUSTC_OK);
    println!("fib {}", cargo_e2e_util::fib(25));
    println!("primes {}", cargo_e2e_util::primes(100000).len());
    let counter = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..8).map(|i| { let c = counter.clone(); thread::spawn(move || { for k in 0..10000 { *c.lock().unwrap() += k * i; } }) }).collect();
    for h in hs { h.join().unwrap(); }
    println!("threads {}", counter.lock().unwrap());
    let (tx, rx) = mpsc::channel();
    for i in 0..4 { let tx = tx.clone(); thread::spawn(move || tx.send(i * i).unwrap()); }
    drop(tx);
    let mut v: Vec<i32> = rx.iter().collect(); v.sort();
    println!("channel {:?}", v);
    let out = std::process::Command::new("sh").arg("-c").arg("echo child; exit 2").output().unwrap();
    println!("child {:?} {:?}", String::from_utf8_lossy(&out.stdout), out.status.code());
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let srv = thread::spawn(move || { let (mut s, _) = l.accept().unwrap(); let mut b = Vec::new(); s.read_to_end(&mut b).unwrap(); s.write_all(&b).unwrap(); });
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.write_all(&vec![7u8; 100000]).unwrap(); c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = Vec::new(); c.read_to_end(&mut back).unwrap(); srv.join().unwrap();
    println!("tcp {}", back.len());
    println!("words {:?}", cargo_e2e::work::word_counts("the cat the dog the end"));
    let r = thread::spawn(|| panic!("expected panic")).join();
    println!("panic caught {}", r.is_err());
}
