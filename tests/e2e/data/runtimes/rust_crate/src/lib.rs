include!(concat!(env!("OUT_DIR"), "/gen.rs"));
pub mod work {
    use std::collections::HashMap;
    pub fn word_counts(text: &str) -> Vec<(String, usize)> {
        let mut m: HashMap<&str, usize> = HashMap::new();
        for w in text.split_whitespace() { *m.entry(w).or_default() += 1; }
        let mut v: Vec<(String, usize)> = m.into_iter().map(|(k, c)| (k.to_string(), c)).collect();
        v.sort(); v
    }
}
#[cfg(test)]
mod tests { #[test] fn counts() { assert_eq!(super::work::word_counts("a b a")[0], ("a".to_string(), 2)); } #[test] fn gen() { assert_eq!(super::GEN, 5050); } }
