//! A request body that must keep arriving: each frame within the client timeout of the
//! moment the server had to start waiting for it. A timer is armed only when the body is not
//! ready — a small body already in the buffer (nearly every API request) costs no timer at
//! all, where arming one per frame cost a small write about 4% of its instructions.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

/// Why a body stopped: it did not arrive in time (the edge answers 400), or the connection
/// failed under it.
type Failure = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
struct TooSlow(Duration);

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the request body stalled for {:?}", self.0)
    }
}

impl std::error::Error for TooSlow {}

/// `body`, failing when a frame takes longer than `timeout` to arrive.
pub(super) struct Deadline<B> {
    timeout: Duration,
    /// Armed while waiting for a frame.
    timer: Option<Pin<Box<Sleep>>>,
    body: B,
}

impl<B> Deadline<B> {
    pub(super) fn new(timeout: Duration, body: B) -> Self {
        Self {
            timeout,
            timer: None,
            body,
        }
    }
}

impl<B> Body for Deadline<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Failure>,
{
    type Data = Bytes;
    type Error = Failure;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Failure>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            this.timer = None;
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let timeout = this.timeout;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(TooSlow(timeout))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, StreamBody};

    /// A body that is all there comes through whole; one that stops arriving fails after the
    /// timeout (not before), however long it was ready before.
    #[tokio::test]
    async fn frames_must_keep_arriving() {
        let whole = Deadline::new(
            Duration::from_millis(50),
            http_body_util::Full::new(Bytes::from_static(b"{\"a\": 1}")),
        );
        let bytes = whole.collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"{\"a\": 1}");

        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
        tx.send(Ok(Frame::data(Bytes::from_static(b"part"))))
            .await
            .unwrap();
        let stream = StreamBody::new(tokio_stream_of(rx));
        let mut stalled = Deadline::new(Duration::from_millis(50), stream);
        let first = stalled.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), Bytes::from_static(b"part"));
        let started = std::time::Instant::now();
        let e = stalled.frame().await.unwrap().unwrap_err();
        assert!(e.to_string().contains("stalled"), "{e}");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(50),
            "failed early: {waited:?}"
        );
        drop(tx);
    }

    /// The receiving half of a channel as a stream of frames.
    fn tokio_stream_of<T>(
        mut rx: tokio::sync::mpsc::Receiver<T>,
    ) -> impl futures_util::Stream<Item = T> + Unpin {
        Box::pin(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
    }
}
