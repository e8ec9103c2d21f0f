//! The anonymizer `mockdesk snapshot --anonymize` uses: consistent, seeded, shape-keeping fakes
//! for the personal fields a surface declares, never equal to (nor holding) a real value.

use std::collections::HashMap;

use fake::faker::address::en::CityName;
use fake::faker::company::en::CompanyName;
use fake::faker::lorem::en::Word;
use fake::faker::name::en::{FirstName, LastName};
use fake::Fake;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use sha1::{Digest, Sha1};

use super::{Personal, PersonalField};

/// Replaces personal values by fakes: the same input always gets the same fake (within a run
/// and across runs with the same seed), whatever order values come in, and two inputs never
/// share one.
#[derive(Debug)]
pub struct Anonymizer {
    seed: u64,
    /// Original → fake, and back: one value has one fake wherever it stands (a name that is
    /// a first name here and a last name there), and a fake stands for one value.
    given: HashMap<String, String>,
    taken: HashMap<String, String>,
    /// Every original personal value (see [`Anonymizer::learn`]): no fake may be one of them.
    originals: std::collections::HashSet<String>,
}

impl Anonymizer {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            given: HashMap::new(),
            taken: HashMap::new(),
            originals: std::collections::HashSet::new(),
        }
    }

    /// Every original value replaced so far, with its fake.
    pub fn replaced(&self) -> impl Iterator<Item = (&str, &str)> {
        self.given.iter().map(|(o, f)| (o.as_str(), f.as_str()))
    }

    /// The fake for `original` (a value that holds nothing personal stays as it is).
    pub fn fake_for(&mut self, kind: Personal, original: &str) -> String {
        if !is_personal(kind, original) {
            return original.to_string();
        }
        if let Some(f) = self.given.get(original) {
            return f.clone();
        }
        let mut attempt = 0u32;
        let fake = loop {
            let mut rng = ChaCha8Rng::seed_from_u64(self.key(kind, original, attempt));
            let mut f = make(kind, original, &mut rng);
            // Lists of names run out: past a few tries, an email gets a number and words are
            // coined (a number after a real name would keep the name).
            if attempt >= 8 {
                f = match (kind, f.split_once('@')) {
                    (Personal::Phone | Personal::Ip | Personal::Url, _) => f,
                    (_, Some((user, domain))) => format!("{user}{attempt}@{domain}"),
                    (_, None) => f
                        .split(' ')
                        .map(|w| coined(w, &mut rng))
                        .collect::<Vec<_>>()
                        .join(" "),
                };
            }
            let clash = self.taken.get(&f);
            // A short phone may have few fakes left: after many tries one is shared.
            let fresh = f != original && !self.holds_original(&f);
            if (fresh && clash.is_none_or(|o| o == original)) || attempt > 64 {
                break f;
            }
            attempt += 1;
        };
        self.taken.insert(fake.clone(), original.to_string());
        self.given.insert(original.to_string(), fake.clone());
        fake
    }

    /// Whether `fake` is an original personal value or holds one as a run of its words (a
    /// fake company "Pollich and Rath Inc" would put a real "Rath Inc" back into the file).
    fn holds_original(&self, fake: &str) -> bool {
        if self.originals.contains(fake) {
            return true;
        }
        let words: Vec<&str> = fake.split(' ').collect();
        (0..words.len())
            .any(|i| (i + 1..=words.len()).any(|j| self.originals.contains(&words[i..j].join(" "))))
    }

    /// A stable number for (seed, kind, value, attempt): SHA-1, not the std hasher, whose
    /// output may change between Rust versions.
    fn key(&self, kind: Personal, original: &str, attempt: u32) -> u64 {
        let mut h = Sha1::new();
        h.update(self.seed.to_le_bytes());
        h.update(format!("{kind:?}").as_bytes());
        h.update(original.as_bytes());
        h.update(attempt.to_le_bytes());
        let d = h.finalize();
        u64::from_le_bytes(d[..8].try_into().unwrap_or([0; 8]))
    }

    /// Notes the personal values of one record before any is replaced: a fake never equals
    /// an original value (a fake name drawn from the same list as a real one would otherwise
    /// put that real name back into the file).
    pub fn learn(&mut self, fields: &[PersonalField], collection: &str, record: &Value) {
        let mut copy = record.clone();
        self.each(fields, collection, &mut copy, &mut |a, kind, v| {
            if let Value::String(s) = v {
                if is_personal(kind, s) {
                    a.originals.insert(s.clone());
                }
            }
        });
    }

    /// Replaces the personal fields of one record of `collection`.
    pub fn record(&mut self, fields: &[PersonalField], collection: &str, record: &mut Value) {
        self.each(fields, collection, record, &mut |a, kind, v| {
            a.value(kind, v)
        });
    }

    fn each(
        &mut self,
        fields: &[PersonalField],
        collection: &str,
        record: &mut Value,
        visit: &mut dyn FnMut(&mut Self, Personal, &mut Value),
    ) {
        for f in fields.iter().filter(|f| f.collection == collection) {
            let path: Vec<&str> = f.field.split('.').collect();
            self.walk(&path, f.kind, record, visit);
        }
    }

    fn walk(
        &mut self,
        path: &[&str],
        kind: Personal,
        v: &mut Value,
        visit: &mut dyn FnMut(&mut Self, Personal, &mut Value),
    ) {
        match path.split_first() {
            None => visit(self, kind, v),
            Some((&"*", rest)) => match v {
                Value::Object(m) => {
                    for inner in m.values_mut() {
                        self.walk(rest, kind, inner, visit);
                    }
                }
                Value::Array(items) => {
                    for inner in items {
                        self.walk(rest, kind, inner, visit);
                    }
                }
                _ => {}
            },
            Some((key, rest)) => {
                if let Some(inner) = v.get_mut(*key) {
                    self.walk(rest, kind, inner, visit);
                }
            }
        }
    }

    fn value(&mut self, kind: Personal, v: &mut Value) {
        if let Value::String(s) = v {
            *s = self.fake_for(kind, s);
        }
    }
}

/// Whether a value of this kind holds anything personal: not a blank one, a URL that names
/// only a site (`https://www.google.com/`) or a phone number too short to be more than an
/// internal extension.
pub fn is_personal(kind: Personal, value: &str) -> bool {
    if value.trim().is_empty() {
        return false;
    }
    if kind == Personal::Phone {
        // Fewer than seven digits: an internal extension (`101`), not a person's number.
        return value.chars().filter(char::is_ascii_digit).count() >= 7;
    }
    match (kind, value.split_once("://")) {
        (Personal::Url, Some((_, rest))) => rest
            .find(['/', '?', '#'])
            .is_some_and(|i| !rest[i..].trim_matches(['/', '?', '#']).is_empty()),
        _ => true,
    }
}

fn make(kind: Personal, original: &str, rng: &mut ChaCha8Rng) -> String {
    match kind {
        Personal::FirstName => FirstName().fake_with_rng(rng),
        Personal::LastName => LastName().fake_with_rng(rng),
        Personal::FullName => {
            let words = original.split_whitespace().count().max(1);
            let mut name: String = FirstName().fake_with_rng(rng);
            for _ in 1..words {
                name.push(' ');
                name.push_str(&LastName().fake_with_rng::<String, _>(rng));
            }
            name
        }
        Personal::Company => CompanyName().fake_with_rng(rng),
        Personal::City => CityName().fake_with_rng(rng),
        Personal::Ip => {
            if original.contains(':') {
                let groups: Vec<String> = (0..8)
                    .map(|_| format!("{:x}", (0..=0xffffu32).fake_with_rng::<u32, _>(rng)))
                    .collect();
                groups.join(":")
            } else {
                let octets: Vec<String> = (0..4)
                    .map(|i| {
                        (if i == 0 { 1..=223u8 } else { 0..=255u8 })
                            .fake_with_rng::<u8, _>(rng)
                            .to_string()
                    })
                    .collect();
                octets.join(".")
            }
        }
        Personal::Url => fake_url(original, rng),
        Personal::Email => {
            let first: String = FirstName().fake_with_rng(rng);
            let n: u32 = (100..10_000).fake_with_rng(rng);
            format!("{}{n}@example.com", first.to_ascii_lowercase())
        }
        Personal::Phone => {
            let keep = if original.starts_with('+') { 3 } else { 0 };
            original
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i < keep || !c.is_ascii_digit() {
                        c
                    } else {
                        char::from(b'0' + (0..10u8).fake_with_rng::<u8, _>(rng))
                    }
                })
                .collect()
        }
        Personal::Text => {
            let words = original.split_whitespace().count().max(1);
            (0..words)
                .map(|_| Word().fake_with_rng::<String, _>(rng))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}

/// A made-up word as long as `like` (at least four letters), capitalized when it is.
fn coined(like: &str, rng: &mut ChaCha8Rng) -> String {
    const CONSONANTS: &[u8] = b"bdfgklmnprstvz";
    const VOWELS: &[u8] = b"aeiou";
    let n = like.chars().count().max(4);
    let mut w: String = (0..n)
        .map(|i| {
            let set = if i % 2 == 0 { CONSONANTS } else { VOWELS };
            char::from(set[(0..set.len()).fake_with_rng::<usize, _>(rng)])
        })
        .collect();
    if like.starts_with(|c: char| c.is_uppercase()) {
        w[..1].make_ascii_uppercase();
    }
    w
}

/// Scheme and host kept; every path segment and query value a word.
fn fake_url(original: &str, rng: &mut ChaCha8Rng) -> String {
    let (site, rest) = match original.find("://") {
        Some(i) => {
            let after = i + 3;
            let end = original[after..]
                .find(['/', '?', '#'])
                .map_or(original.len(), |j| after + j);
            original.split_at(end)
        }
        None => ("", original),
    };
    let mut out = site.to_string();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.split('#').next().unwrap_or("");
    for seg in path.split('/').skip(1) {
        out.push('/');
        if !seg.is_empty() {
            out.push_str(&Word().fake_with_rng::<String, _>(rng));
        }
    }
    if !query.is_empty() {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) => format!("{k}={}", Word().fake_with_rng::<String, _>(rng)),
                None => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consistent_deterministic_and_shaped() {
        let mut a = Anonymizer::new(7);
        let e = a.fake_for(Personal::Email, "jane.doe@acme.io");
        assert_eq!(
            a.fake_for(Personal::Email, "jane.doe@acme.io"),
            e,
            "one input, one fake"
        );
        assert!(e.contains('@') && !e.contains("jane"), "{e}");
        let p = a.fake_for(Personal::Phone, "+90 532 111 22 33");
        assert!(
            p.starts_with("+90 ") && p.len() == "+90 532 111 22 33".len(),
            "{p}"
        );
        assert_ne!(p, "+90 532 111 22 33");
        let t = a.fake_for(Personal::Text, "call me back tomorrow");
        assert_eq!(t.split(' ').count(), 4);
        let u = a.fake_for(
            Personal::Url,
            "https://shop.example/u/jane-doe?ref=jane&x=1#top",
        );
        // The site kept; both path segments and every query value replaced.
        let path = u.strip_prefix("https://shop.example/").unwrap_or_default();
        let segments = path.split('?').next().map(|p| p.split('/').count());
        assert_eq!(segments, Some(2), "{u}");
        assert!(!u.contains("jane"), "{u}");
        assert!(u.contains("?ref=") && u.contains("&x="), "{u}");
        let ip = a.fake_for(Personal::Ip, "212.156.108.137");
        assert_eq!(ip.split('.').count(), 4, "{ip}");
        assert_ne!(ip, "212.156.108.137");
        let n = a.fake_for(Personal::FullName, "Jane van Doe");
        assert_eq!(n.split(' ').count(), 3, "{n}");
        // Another run with the same seed, values in another order: the same fakes.
        let mut b = Anonymizer::new(7);
        b.fake_for(Personal::Text, "call me back tomorrow");
        assert_eq!(b.fake_for(Personal::Email, "jane.doe@acme.io"), e);
        // Another seed: other fakes.
        assert_ne!(
            Anonymizer::new(8).fake_for(Personal::Email, "jane.doe@acme.io"),
            e
        );
        // Empty stays empty; two inputs never share a fake.
        assert_eq!(a.fake_for(Personal::FirstName, ""), "");
        let mut fakes = std::collections::HashSet::new();
        for i in 0..500 {
            assert!(fakes.insert(a.fake_for(Personal::FirstName, &format!("name{i}"))));
        }
    }
}
