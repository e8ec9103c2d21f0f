//! Tests of collections: order, ids, change tracking, the two stored forms.
use super::*;

/// Removal keeps the order of the remaining records.
#[test]
fn collection_keeps_order() {
    let mut c = Collection::new();
    for i in [3, 1, 2] {
        c.insert(i, i * 10);
    }
    c.remove(&1);
    assert_eq!(c.values().copied().collect::<Vec<_>>(), vec![30, 20]);
    assert_eq!(c.next_id(), 4);
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Row {
    id: i64,
}
crate::keyed!(Row => id: i64);

/// The id counter outlives deletes and travels with the state document only when it
/// is ahead of the records (the plain list form stays the common case).
#[test]
fn counter_survives_deletes_and_round_trips() {
    let mut c: Collection<i64, Row> = Collection::new();
    for id in [1, 2, 3] {
        c.insert(id, Row { id });
    }
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        serde_json::json!([{"id": 1}, {"id": 2}, {"id": 3}])
    );
    c.remove(&3);
    assert_eq!(c.next_id(), 4);
    let doc = serde_json::to_value(&c).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"next_id": 4, "records": [{"id": 1}, {"id": 2}]})
    );
    let back: Collection<i64, Row> = serde_json::from_value(doc).unwrap();
    assert_eq!((back.next_id(), back.len()), (4, 2));
    let listed: Collection<i64, Row> =
        serde_json::from_value(serde_json::json!([{"id": 7}])).unwrap();
    assert_eq!(listed.next_id_from(3), 8);
    let err = serde_json::from_value::<Collection<i64, Row>>(
        serde_json::json!({"next_id": 2, "rows": []}),
    );
    assert!(err
        .unwrap_err()
        .to_string()
        .contains("unknown field `rows`"));
}

/// A placeholder for stored rows means nothing in a document a client sends.
#[test]
fn a_placeholder_outside_storage_is_refused() {
    let err = serde_json::from_value::<Collection<i64, Row>>(serde_json::json!({"$rows": 0}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("refers to rows of a state directory"), "{err}");
}

/// Changes are tracked one by one up to a limit, then the collection is marked whole.
#[test]
fn many_changes_mark_the_collection_whole() {
    let mut c: Collection<i64, Row> = Collection::new();
    for id in 1..=10 {
        c.insert(id, Row { id });
    }
    c.changes().whole = false;
    c.changes().home = Some(0);
    c.get_mut(&3);
    c.remove(&4);
    assert_eq!(
        (c.changes().changed.len(), c.changes().removed.clone()),
        (1, vec![4])
    );
    for n in 0..REMEMBERED as i64 {
        c.insert(100 + n, Row { id: 100 + n });
    }
    assert!(c.changes().whole && c.changes().changed.is_empty());
}
