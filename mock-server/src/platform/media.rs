//! Media a vendor's records link to, served by mockdesk itself so an integration can follow the
//! link to the end: call recordings (`GET /__media/recordings/{name}.wav`), a short WAV
//! generated from the name (the same name always gives the same bytes). Like a pre-signed
//! storage link, it needs no credentials.

// Routed by axum (`crate::app`), so axum's `Path` is the one fed (see `clippy.toml`).
#[allow(clippy::disallowed_types)]
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Where media is served (on every listener; never routed to a surface).
pub const MEDIA_PREFIX: &str = "/__media";

/// The recording link for `name` under `base_url` (where the caller reached mockdesk), with a
/// pre-signed link's query (ignored when fetched).
pub fn recording_url(base_url: &str, name: &str) -> String {
    format!(
        "{}{MEDIA_PREFIX}/recordings/{name}.wav?X-Amz-Expires=604800&X-Amz-SignedHeaders=host",
        base_url.trim_end_matches('/')
    )
}

/// Sample rate and length of a generated recording: one second of 8 kHz mono 16-bit PCM (a
/// telephone line's quality), 16 kB.
const RATE: u32 = 8_000;
const SECONDS: u32 = 1;

/// A WAV file: a tone whose pitch comes from `name`, fading in and out.
pub fn recording(name: &str) -> Vec<u8> {
    let samples = RATE * SECONDS;
    let data_len = samples * 2;
    let pitch = 300.0
        + (name
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
            % 500) as f64;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        let t = f64::from(i) / f64::from(RATE);
        let edge = (f64::from(i).min(f64::from(samples - i)) / 400.0).min(1.0);
        let v = (t * pitch * std::f64::consts::TAU).sin() * 0.3 * edge;
        out.extend_from_slice(&((v * f64::from(i16::MAX)) as i16).to_le_bytes());
    }
    out
}

/// `GET /__media/recordings/{name}.wav`.
#[allow(clippy::disallowed_types)]
pub async fn serve_recording(Path(file): Path<String>) -> Response {
    let Some(name) = file.strip_suffix(".wav").filter(|n| {
        !n.is_empty()
            && n.len() <= 128
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"error": {
                "code": "not_found",
                "message": format!("no recording {file}"),
            }})),
        )
            .into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "audio/wav"),
            (header::CACHE_CONTROL, "private, max-age=604800"),
        ],
        recording(name),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-formed PCM WAV: header fields agree with the data, the same name gives the same
    /// bytes, another name another tone.
    #[test]
    fn recordings_are_wav() {
        let a = recording("call-1");
        assert_eq!(&a[0..4], b"RIFF");
        assert_eq!(&a[8..16], b"WAVEfmt ");
        let le32 = |at: usize| u32::from_le_bytes(a[at..at + 4].try_into().unwrap());
        assert_eq!(le32(4) as usize, a.len() - 8);
        assert_eq!(le32(24), RATE);
        assert_eq!(&a[36..40], b"data");
        assert_eq!(le32(40) as usize, a.len() - 44);
        assert_eq!(a, recording("call-1"));
        assert_ne!(a, recording("call-2"));
        assert!(recording_url("http://127.0.0.1:4010/", "x")
            .starts_with("http://127.0.0.1:4010/__media/recordings/x.wav?"));
    }
}
