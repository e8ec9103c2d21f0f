//! The few X.509 certificates mockdesk makes for itself — its local CA and the leaves that CA
//! issues — written as DER by hand (RFC 5280) and signed with ECDSA P-256 / SHA-256 through
//! `ring`, the crypto provider rustls already uses here. A general certificate library would
//! add eight crates to every build that embeds mockdesk for this one job.
//!
//! What a strict verifier asks of a private CA is included: a critical `basicConstraints`
//! (CA with path length 0, or not a CA), a critical `keyUsage`, `extKeyUsage` serverAuth on
//! leaves, subject and authority key identifiers (OpenSSL's `X509_V_FLAG_X509_STRICT`, which
//! Python 3.13 turns on by default, refuses a leaf without the latter), and the names as
//! `subjectAltName` DNS names or IP addresses.

use std::net::IpAddr;

use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
use sha1::{Digest, Sha1};

// ---- DER ----------------------------------------------------------------------------------

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const UTF8_STRING: u8 = 0x0c;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// One element: tag, definite length, content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

/// An object identifier from its arcs.
fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut chunk = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            chunk.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    };
    push(arcs[0] * 40 + arcs[1]);
    arcs[2..].iter().for_each(|a| push(*a));
    tlv(OID, &body)
}

/// A BIT STRING of whole bytes.
fn bits(bytes: &[u8]) -> Vec<u8> {
    tlv(BIT_STRING, &[&[0][..], bytes].concat())
}

/// A non-negative INTEGER from big-endian bytes.
fn unsigned(bytes: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(i) => &bytes[i..],
        None => &[0],
    };
    let pad: &[u8] = if trimmed[0] & 0x80 != 0 { &[0] } else { &[] };
    tlv(INTEGER, &[pad, trimmed].concat())
}

/// The first element of `der`: the length of its header (tag and length bytes) and its whole
/// length, when `der` holds all of it.
fn first(der: &[u8]) -> Option<(usize, usize)> {
    let (head, len) = match *der.get(1)? {
        n if n < 0x80 => (2, usize::from(n)),
        n => {
            let k = usize::from(n & 0x7f);
            let len = der
                .get(2..2 + k)?
                .iter()
                .fold(0usize, |a, b| (a << 8) | usize::from(*b));
            (2 + k, len)
        }
    };
    let end = head.checked_add(len)?;
    (end <= der.len()).then_some((head, end))
}

/// The elements of a constructed element's content, each whole (tag and length included).
fn elements(mut der: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !der.is_empty() {
        let (_, end) = first(der)?;
        out.push(&der[..end]);
        der = &der[end..];
    }
    Some(out)
}

/// The content of one whole element.
fn content(element: &[u8]) -> Option<&[u8]> {
    let (head, end) = first(element)?;
    element.get(head..end)
}

// ---- certificates ---------------------------------------------------------------------------

/// ecdsa-with-SHA256, the signature of every certificate made here.
fn ecdsa_sha256() -> Vec<u8> {
    seq(&[&oid(&[1, 2, 840, 10045, 4, 3, 2])])
}

/// A name of a common name and, optionally, an organization.
pub(crate) fn name(common: &str, organization: Option<&str>) -> Vec<u8> {
    let rdn = |arcs: &[u64], value: &str| {
        tlv(
            SET,
            &seq(&[&oid(arcs), &tlv(UTF8_STRING, value.as_bytes())]),
        )
    };
    let mut parts = vec![rdn(&[2, 5, 4, 3], common)];
    if let Some(o) = organization {
        parts.push(rdn(&[2, 5, 4, 10], o));
    }
    tlv(SEQUENCE, &parts.concat())
}

/// A time as RFC 5280 spells it: UTCTime through 2049, GeneralizedTime from 2050.
fn time(year: i32, month: u32, day: u32) -> Vec<u8> {
    if (1950..2050).contains(&year) {
        let text = format!("{:02}{month:02}{day:02}000000Z", year % 100);
        tlv(UTC_TIME, text.as_bytes())
    } else {
        let text = format!("{year:04}{month:02}{day:02}000000Z");
        tlv(GENERALIZED_TIME, text.as_bytes())
    }
}

/// An extension: its identifier, whether it is critical, and its DER value.
fn extension(arcs: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
    let flag = if critical {
        tlv(BOOLEAN, &[0xff])
    } else {
        Vec::new()
    };
    seq(&[&oid(arcs), &flag, &tlv(OCTET_STRING, value)])
}

/// An ECDSA P-256 key pair, kept as its PKCS#8 document.
pub(crate) struct KeyPair {
    pkcs8: Vec<u8>,
    pair: EcdsaKeyPair,
}

impl KeyPair {
    pub(crate) fn generate() -> Result<Self, String> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| "no key could be generated".to_string())?;
        Self::from_pkcs8(doc.as_ref())
    }

    pub(crate) fn from_pkcs8(der: &[u8]) -> Result<Self, String> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der, &rng)
            .map_err(|e| format!("not an ECDSA P-256 PKCS#8 key: {e}"))?;
        Ok(Self {
            pkcs8: der.to_vec(),
            pair,
        })
    }

    pub(crate) fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    pub(crate) fn pem(&self) -> String {
        pem("PRIVATE KEY", &self.pkcs8)
    }

    /// The SubjectPublicKeyInfo of an EC P-256 key.
    fn public_key_info(&self) -> Vec<u8> {
        let alg = seq(&[
            &oid(&[1, 2, 840, 10045, 2, 1]),
            &oid(&[1, 2, 840, 10045, 3, 1, 7]),
        ]);
        seq(&[&alg, &bits(self.pair.public_key().as_ref())])
    }

    /// The key identifier (RFC 5280 §4.2.1.2, method 1: SHA-1 of the public key's bits).
    pub(crate) fn key_id(&self) -> Vec<u8> {
        Sha1::digest(self.pair.public_key().as_ref()).to_vec()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let sig = self
            .pair
            .sign(&SystemRandom::new(), message)
            .map_err(|_| "signing failed".to_string())?;
        Ok(sig.as_ref().to_vec())
    }
}

/// PEM armour around DER.
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// What a certificate says about its subject.
pub(crate) struct Params<'a> {
    /// The subject's name (DER, see [`name`]).
    pub subject: Vec<u8>,
    /// A CA that may issue leaves only (path length 0), or a leaf for these names.
    pub ca: bool,
    pub names: &'a [String],
    /// Valid from January 1 of the first year to the given (year, month, day).
    pub from_year: i32,
    pub until: (i32, u32, u32),
}

/// Who signs a certificate: its name (DER, exactly as in its own certificate), its key
/// identifier and its key.
pub(crate) struct Signer<'a> {
    pub name: &'a [u8],
    pub key_id: &'a [u8],
    pub key: &'a KeyPair,
}

/// A certificate for `key` as `params` describe it, signed by `signer` (DER).
pub(crate) fn certificate(
    params: &Params<'_>,
    key: &KeyPair,
    signer: &Signer<'_>,
) -> Result<Vec<u8>, String> {
    let mut serial = [0u8; 16];
    SystemRandom::new()
        .fill(&mut serial)
        .map_err(|_| "no random serial number".to_string())?;
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let validity = seq(&[
        &time(params.from_year, 1, 1),
        &time(params.until.0, params.until.1, params.until.2),
    ]);
    let extensions = tlv(0xa3, &seq(&[&extensions(params, key, signer)?]));
    let tbs = seq(&[
        &tlv(0xa0, &unsigned(&[2])),
        &unsigned(&serial),
        &ecdsa_sha256(),
        signer.name,
        &validity,
        &params.subject,
        &key.public_key_info(),
        &extensions,
    ]);
    let signature = signer.key.sign(&tbs)?;
    Ok(seq(&[&tbs, &ecdsa_sha256(), &bits(&signature)]))
}

/// The extensions of a CA certificate or a leaf, concatenated.
fn extensions(params: &Params<'_>, key: &KeyPair, signer: &Signer<'_>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    if params.ca {
        out.extend(extension(
            &[2, 5, 29, 19],
            true,
            &seq(&[&tlv(BOOLEAN, &[0xff]), &unsigned(&[0])]),
        ));
        // keyCertSign, cRLSign, digitalSignature: bits 5, 6 and 0.
        out.extend(extension(
            &[2, 5, 29, 15],
            true,
            &tlv(BIT_STRING, &[1, 0x86]),
        ));
    } else {
        out.extend(extension(&[2, 5, 29, 19], true, &seq(&[])));
        // digitalSignature, keyEncipherment: bits 0 and 2.
        out.extend(extension(
            &[2, 5, 29, 15],
            true,
            &tlv(BIT_STRING, &[5, 0xa0]),
        ));
        let server_auth = oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1]);
        out.extend(extension(&[2, 5, 29, 37], false, &seq(&[&server_auth])));
        let mut alt = Vec::new();
        for n in params.names {
            match n.parse::<IpAddr>() {
                Ok(IpAddr::V4(ip)) => alt.extend(tlv(0x87, &ip.octets())),
                Ok(IpAddr::V6(ip)) => alt.extend(tlv(0x87, &ip.octets())),
                Err(_) if n.is_ascii() && !n.is_empty() => alt.extend(tlv(0x82, n.as_bytes())),
                Err(_) => return Err(format!("{n:?} is neither a DNS name nor an IP address")),
            }
        }
        out.extend(extension(&[2, 5, 29, 17], false, &tlv(SEQUENCE, &alt)));
    }
    out.extend(extension(
        &[2, 5, 29, 14],
        false,
        &tlv(OCTET_STRING, &key.key_id()),
    ));
    out.extend(extension(
        &[2, 5, 29, 35],
        false,
        &seq(&[&tlv(0x80, signer.key_id)]),
    ));
    Ok(out)
}

/// A certificate's subject name and subject key identifier (when it has one), as they stand
/// in its DER: what a leaf it signs must name as its issuer and authority key.
pub(crate) fn subject_of(cert: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let tbs = *elements(content(cert)?)?.first()?;
    let fields = elements(content(tbs)?)?;
    // [0] version, serial, signature, issuer, validity, subject, key, … [3] extensions.
    let offset = usize::from(fields.first()?.first() == Some(&0xa0));
    let subject = fields.get(offset + 4)?.to_vec();
    let key_id = fields
        .iter()
        .find(|f| f.first() == Some(&0xa3))
        .and_then(|ext| elements(content(content(ext)?)?))
        .and_then(|list| {
            let ski = oid(&[2, 5, 29, 14]);
            list.into_iter().find_map(|e| {
                let parts = elements(content(e)?)?;
                if parts.first() != Some(&ski.as_slice()) {
                    return None;
                }
                let value = content(parts.last()?)?;
                Some(content(value)?.to_vec())
            })
        });
    Some((subject, key_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_pieces() {
        assert_eq!(oid(&[2, 5, 29, 19]), vec![0x06, 0x03, 0x55, 0x1d, 0x13]);
        assert_eq!(
            oid(&[1, 2, 840, 10045, 4, 3, 2]),
            vec![0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]
        );
        assert_eq!(unsigned(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(unsigned(&[0, 0, 5]), vec![0x02, 0x01, 0x05]);
        let long = tlv(OCTET_STRING, &[7; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(content(&long).map(<[u8]>::len), Some(300));
        assert_eq!(time(2026, 1, 2), tlv(UTC_TIME, b"260102000000Z"));
        assert_eq!(time(2050, 1, 2), tlv(GENERALIZED_TIME, b"20500102000000Z"));
    }

    /// A CA's subject and key identifier come back out of its certificate as they went in.
    #[test]
    fn subject_and_key_id_are_read_back() {
        let key = KeyPair::generate().unwrap();
        let subject = name("a CA", Some("an org"));
        let params = Params {
            subject: subject.clone(),
            ca: true,
            names: &[],
            from_year: 2025,
            until: (2046, 1, 1),
        };
        let id = key.key_id();
        let signer = Signer {
            name: &subject,
            key_id: &id,
            key: &key,
        };
        let cert = certificate(&params, &key, &signer).unwrap();
        assert_eq!(subject_of(&cert), Some((subject, Some(id))));
        let again = KeyPair::from_pkcs8(key.pkcs8_der()).unwrap();
        assert_eq!(again.key_id(), key.key_id());
        assert!(pem("X", &[1, 2, 3]).starts_with("-----BEGIN X-----\nAQID\n"));
    }
}
