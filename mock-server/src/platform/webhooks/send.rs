//! Sending one delivery attempt. A receiver on `http://` is called through hyper's HTTP/1.1
//! client on a connection of its own (no pool: attempts are rare and each may go to another
//! receiver); one on `https://` through the outbound client that trusts `--ca-cert` (the `tls`
//! feature; without it the attempt fails with the reason, as a refused connection would).

use std::time::Duration;

use axum::http::{header, Request, Uri};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioIo;

use crate::platform::outbound::{explain_plain, Trust};

/// What sends attempts; made once by the delivery task.
pub(super) struct Sender {
    #[cfg(feature = "tls")]
    https: reqwest::Client,
}

impl Sender {
    pub(super) fn new(trust: &Trust) -> Self {
        #[cfg(feature = "tls")]
        let https = trust
            .client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        #[cfg(not(feature = "tls"))]
        let _ = trust;
        Self {
            #[cfg(feature = "tls")]
            https,
        }
    }

    /// POSTs `body` to `url` with `headers`; the receiver's status, or why there is none.
    pub(super) async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<u16, String> {
        let uri: Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
        match uri.scheme_str() {
            Some("http") => post_http(&uri, headers, body, timeout).await,
            Some("https") => self.post_https(url, headers, body, timeout).await,
            _ => Err(format!("{url}: not an http or https URL")),
        }
    }

    /// An https receiver: through the outbound client that trusts `--ca-cert`, or refused
    /// with the reason in a build without `tls`.
    async fn post_https(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<u16, String> {
        #[cfg(feature = "tls")]
        {
            let mut req = self.https.post(url).timeout(timeout).body(body);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            match req.send().await {
                Ok(r) => Ok(r.status().as_u16()),
                Err(e) => Err(crate::platform::outbound::explain(&e).to_string()),
            }
        }
        #[cfg(not(feature = "tls"))]
        {
            let _ = (url, headers, body, timeout);
            Err(
                "https receivers need the mock-server crate's `tls` feature (this build sends \
                 webhooks to http:// receivers only)"
                    .into(),
            )
        }
    }
}

/// One exchange on a fresh connection, within `timeout` from connecting to the answer's head
/// (its body is not read: only the status decides).
async fn post_http(
    uri: &Uri,
    headers: &[(String, String)],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<u16, String> {
    let host = uri.host().ok_or("the URL has no host")?;
    let port = uri.port_u16().unwrap_or(80);
    let mut req = Request::post(uri.path_and_query().map_or("/", |p| p.as_str()));
    if let Some(authority) = uri.authority() {
        req = req.header(header::HOST, authority.as_str());
    }
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let addr = host.trim_start_matches('[').trim_end_matches(']');
        let stream = tokio::net::TcpStream::connect((addr, port))
            .await
            .map_err(|e| explain_plain(&e).to_string())?;
        let _ = stream.set_nodelay(true);
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| explain_plain(&e).to_string())?;
        tokio::pin!(conn);
        let answer = send.send_request(req);
        tokio::pin!(answer);
        // The connection ends (cleanly) as soon as a `connection: close` answer is in: the
        // answer is ready then.
        let answered = tokio::select! {
            biased;
            r = &mut answer => r,
            c = &mut conn => match c {
                Ok(()) => answer.await,
                Err(e) => return Err(explain_plain(&e).to_string()),
            },
        };
        answered
            .map(|res| res.status().as_u16())
            .map_err(|e| explain_plain(&e).to_string())
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "timed out: no answer within {} ms",
            timeout.as_millis()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A receiver that reads once, then answers `reply` (nothing when empty) and closes.
    async fn receiver(reply: &'static [u8]) -> String {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook?x=1", l.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = vec![0; 65536];
                let _ = s.read(&mut buf).await;
                if reply.is_empty() {
                    // Silent: holds the connection without answering.
                    tokio::time::sleep(Duration::from_secs(5)).await;
                } else {
                    let _ = s.write_all(reply).await;
                }
            }
        });
        url
    }

    fn sender() -> Sender {
        Sender::new(&Trust::platform())
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test]
    async fn the_status_is_the_receivers() {
        let url =
            receiver(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
        let headers = [("x-sig".to_string(), "abc".to_string())];
        let got = sender().post(&url, &headers, b"{}".to_vec(), SECOND).await;
        assert_eq!(got, Ok(202));
    }

    #[tokio::test]
    async fn failures_are_named() {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", free.local_addr().unwrap());
        drop(free);
        let e = sender()
            .post(&url, &[], Vec::new(), SECOND)
            .await
            .unwrap_err();
        assert!(e.starts_with("connection refused"), "{e}");
        let silent = receiver(b"").await;
        let quiet = Duration::from_millis(200);
        let e = sender()
            .post(&silent, &[], Vec::new(), quiet)
            .await
            .unwrap_err();
        assert!(e.starts_with("timed out"), "{e}");
        let e = sender()
            .post("ftp://x/", &[], Vec::new(), SECOND)
            .await
            .unwrap_err();
        assert!(e.contains("not an http or https URL"), "{e}");
    }
}
