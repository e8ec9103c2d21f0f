//! The orders HelpCrunch lists and searches come in: stored order by default, or a timestamp
//! field (`sort`), records without one last, ties by id. Shared by the plain lists
//! (`chats/rules.rs`, `customers/rules.rs`) and the searches (`search/`).

use super::state::{Chat, Customer};

/// Puts chats given in stored order into the order of `sort` (stored order by default).
pub(crate) fn order_chats(v: &mut [&Chat], sort: Option<&str>, descending: bool) {
    let id = |c: &Chat| c.id;
    match sort {
        Some("chats.createdAt") => order_by(v, |c| Some(c.created_at), id, descending),
        Some("chats.lastCustomerMessageAt") => {
            order_by(v, |c| c.last_customer_message_at, id, descending)
        }
        Some("chats.lastMessageAt") => order_by(v, |c| c.last_message_at, id, descending),
        Some("chats.closedAt") => order_by(v, |c| c.closed_at, id, descending),
        _ if descending => v.reverse(),
        _ => {}
    }
}

/// Puts customers given in stored order into the order of `sort` (stored order by default).
pub(crate) fn order_customers(v: &mut [&Customer], sort: Option<&str>, descending: bool) {
    match sort {
        Some("customers.firstSeen") => order_by(v, |c| c.first_seen, |c| c.id, descending),
        Some("customers.lastSeen") => order_by(v, |c| c.last_seen, |c| c.id, descending),
        _ if descending => v.reverse(),
        _ => {}
    }
}

/// Orders ids by an optional timestamp key; records without a value go last, ties by id.
fn order_by<T>(
    items: &mut [&T],
    key: impl Fn(&T) -> Option<i64>,
    id: impl Fn(&T) -> i64,
    descending: bool,
) {
    items.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        let ord = match (ka, kb) {
            (Some(x), Some(y)) => {
                if descending {
                    y.cmp(&x)
                } else {
                    x.cmp(&y)
                }
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        ord.then(id(a).cmp(&id(b)))
    });
}
