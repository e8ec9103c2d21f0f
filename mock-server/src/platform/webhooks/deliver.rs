//! Delivering: the background task that sends each subscription's due events, one attempt at a
//! time per subscription (oldest due first; an event waiting for its retry does not hold back
//! later ones), logs every attempt and schedules retries on the admin clock.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::send::Sender;
use super::*;

impl Webhooks {
    /// Starts the delivery task on the current tokio runtime (once).
    pub fn start(self: &Arc<Self>) {
        if self.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let bus = self.clone();
        tokio::spawn(async move {
            let trust = bus.trust.lock().map(|t| t.clone()).unwrap_or_default();
            let sender = Arc::new(Sender::new(&trust));
            while !bus.stopped.load(Ordering::SeqCst) {
                bus.dispatch(&sender);
                tokio::select! {
                    _ = bus.notify.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                }
            }
        });
    }

    /// Ends the delivery task (when its server has stopped); queued events stay unsent.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    /// Starts an attempt for every subscription whose next delivery is due and not in flight.
    fn dispatch(self: &Arc<Self>, sender: &Arc<Sender>) {
        let now = self.clock.now_ms();
        let mut ready = Vec::new();
        {
            let mut inner = self.lock();
            let subs: Vec<Subscription> = inner.subs.iter().filter(|s| s.active).cloned().collect();
            for sub in subs {
                if inner.in_flight.get(&sub.id).copied().unwrap_or(false) {
                    continue;
                }
                let Some(spec) = inner.specs.get(sub.vendor.as_str()).copied() else {
                    continue;
                };
                let Some(queue) = inner.queues.get(&sub.id) else {
                    continue;
                };
                // The oldest event that is due: none of the vendors promises an order, so an
                // event waiting for its retry does not hold back the ones after it.
                let Some(head) = queue.iter().find(|p| p.due_ms <= now).cloned() else {
                    continue;
                };
                inner.in_flight.insert(sub.id.clone(), true);
                ready.push((sub, head, spec));
            }
        }
        for (sub, head, spec) in ready {
            let bus = self.clone();
            let sender = sender.clone();
            tokio::spawn(async move { bus.attempt(&sender, sub, head, spec).await });
        }
    }

    async fn attempt(
        self: Arc<Self>,
        sender: &Sender,
        sub: Subscription,
        p: Pending,
        spec: &'static WebhookSpec,
    ) {
        let at = self.clock.now_ms();
        let (headers, raw) = request(spec, &sub, &p);
        let started = std::time::Instant::now();
        let timeout = Duration::from_millis(spec.timeout_ms);
        let (status, error) = match sender.post(&sub.url, &headers, raw.clone(), timeout).await {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e)),
        };
        let ok = status.is_some_and(|s| match spec.delivered_status {
            Some(only) => s == only,
            None => (200..300).contains(&s),
        });
        let retry = !ok && p.attempt < spec.retries;
        let next_due = retry.then(|| self.clock.now_ms().saturating_add(spec.retry_interval_ms));
        let mut inner = self.lock();
        let record = Delivery {
            request_headers: headers,
            request_body: String::from_utf8_lossy(&raw).into_owned(),
            status,
            error,
            duration_ms: started.elapsed().as_millis() as u64,
            next_attempt_at_ms: next_due,
            ..Delivery::of(&sub, &p, at)
        };
        self.log(&mut inner, record);
        let exhausted = !ok && !retry;
        requeue(&mut inner, &sub.id, &p.event_id, next_due, at);
        let broken = if ok {
            None
        } else {
            broken(&mut inner, spec, &sub.id, at)
        };
        let reason = broken.or_else(|| {
            (exhausted && spec.deactivate_when_exhausted)
                .then(|| format!("deactivated: {} attempts failed", spec.retries + 1))
        });
        if let Some(reason) = reason {
            if let Some(s) = inner.subs.iter_mut().find(|s| s.id == sub.id) {
                s.active = false;
                s.inactive_reason = Some(reason);
            }
            inner.queues.remove(&sub.id);
            inner.failures.remove(&sub.id);
        }
        inner.in_flight.insert(sub.id, false);
        drop(inner);
        self.notify.notify_one();
    }
}

/// The body and headers of one attempt: the vendor's envelope, signed when the vendor signs
/// and the subscription has a secret.
fn request(
    spec: &WebhookSpec,
    sub: &Subscription,
    p: &Pending,
) -> (Vec<(String, String)>, Vec<u8>) {
    let body = (spec.envelope)(&EnvelopeInput {
        event_id: &p.event_id,
        event: &p.event,
        data: &p.data,
        created_at_ms: p.created_at_ms,
        attempt: p.attempt,
        last_attempt_ms: p.last_attempt_ms,
        secret: sub.secret.as_deref(),
    });
    let raw = serde_json::to_vec(&body).unwrap_or_default();
    let mut headers = vec![
        ("content-type".to_string(), "application/json".to_string()),
        ("accept".to_string(), "application/json".to_string()),
        ("user-agent".to_string(), spec.user_agent.to_string()),
        (DELIVERY_HEADER.to_string(), p.event_id.clone()),
    ];
    if let (Some(h), Some(key)) = (spec.signature_header, sub.secret.as_deref()) {
        headers.push((h.to_ascii_lowercase(), sign(key, &raw)));
    }
    (headers, raw)
}

/// After an attempt: the delivery waits for its next try (`next_due`) or leaves the queue.
fn requeue(inner: &mut Inner, sub_id: &str, event_id: &str, next_due: Option<i64>, at: i64) {
    let Some(q) = inner.queues.get_mut(sub_id) else {
        return;
    };
    match (next_due, q.iter().position(|x| x.event_id == event_id)) {
        (Some(due), Some(i)) => {
            if let Some(this) = q.get_mut(i) {
                this.attempt += 1;
                this.last_attempt_ms = Some(at);
                this.due_ms = due;
            }
        }
        (None, Some(i)) => {
            q.remove(i);
        }
        // Dropped meanwhile (the queue was full).
        (_, None) => {}
    }
}

/// Counts a failed attempt; why the subscription is now broken, when the vendor breaks one
/// after so many failures within a time.
fn broken(inner: &mut Inner, spec: &WebhookSpec, sub_id: &str, at: i64) -> Option<String> {
    let (failures, within_ms) = spec.broken_after?;
    let recent = inner.failures.entry(sub_id.to_string()).or_default();
    recent.push_back(at);
    while recent.front().is_some_and(|&t| t <= at - within_ms) {
        recent.pop_front();
    }
    (recent.len() >= failures as usize).then(|| {
        format!(
            "broken: {failures} failed deliveries within {} s",
            within_ms / 1000
        )
    })
}
