pub fn fib(n: u64) -> u64 { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
pub fn primes(limit: usize) -> Vec<usize> {
    let mut sieve = vec![true; limit + 1];
    sieve[0] = false; if limit >= 1 { sieve[1] = false; }
    let mut i = 2;
    while i * i <= limit { if sieve[i] { let mut j = i * i; while j <= limit { sieve[j] = false; j += i; } } i += 1; }
    (0..=limit).filter(|&k| sieve[k]).collect()
}
#[cfg(test)]
mod tests { #[test] fn fib10() { assert_eq!(super::fib(10), 55); } }
