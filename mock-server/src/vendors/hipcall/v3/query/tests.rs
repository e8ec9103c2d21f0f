use super::*;
use crate::platform::store::Collection;
use proptest::prelude::*;

fn sorted_by_f(descending: bool, nulls_first: bool) -> ListQuery {
    ListQuery {
        limit: 10,
        offset: 0,
        sort: vec![SortKey {
            field: "f".into(),
            descending,
            nulls_first,
        }],
        filters: vec![],
        q: None,
        plain: vec![],
    }
}

/// One value of one kind (times, for the kept-order test's records).
fn values_of_one_kind() -> impl Strategy<Value = FieldValue> {
    prop_oneof![
        3 => (-3_i64..3, 0_u32..2).prop_map(|(s, n)| FieldValue::Time(s, n)),
        1 => Just(FieldValue::Null),
    ]
}

/// A sort field's values as an endpoint gives them: all of one kind, some null.
fn values() -> impl Strategy<Value = Vec<FieldValue>> {
    (0..4).prop_flat_map(|kind| {
        let one = match kind {
            0 => (-3_i64..3, 0_u32..3)
                .prop_map(|(s, n)| FieldValue::Time(s, n))
                .boxed(),
            1 => prop_oneof![Just(i64::MIN), Just(i64::MAX), -3_i64..3]
                .prop_map(FieldValue::Int)
                .boxed(),
            2 => any::<bool>().prop_map(FieldValue::Bool).boxed(),
            _ => "[aA]{0,2}".prop_map(FieldValue::Str).boxed(),
        };
        prop::collection::vec(prop_oneof![3 => one, 1 => Just(FieldValue::Null)], 0..40)
    })
}

/// Values of two kinds in one field (no endpoint has them) are left to the general order,
/// which sorts them by kind, then value, without panicking.
#[test]
fn mixed_kinds_are_not_numbered() {
    let q = sorted_by_f(false, false);
    let records = [
        FieldValue::Int(2),
        FieldValue::Time(1, 0),
        FieldValue::Int(1),
    ];
    let mut items: Vec<&FieldValue> = records.iter().collect();
    assert!(!q.order_by_number(&mut items, &|v: &FieldValue, _: &str| v.clone(), &|_| 0));
    assert!(items.iter().zip(&records).all(|(a, b)| std::ptr::eq(*a, b)));
    let mixed: Vec<FieldValue> = (0..60)
        .map(|i| match i % 4 {
            0 => FieldValue::Int(i * 7 % 11),
            1 => FieldValue::Time(i * 5 % 13, 0),
            2 => FieldValue::Str(["b", "A", "c"][(i % 3) as usize].into()),
            _ => FieldValue::Bool(i % 3 == 0),
        })
        .collect();
    let mut items: Vec<&FieldValue> = mixed.iter().collect();
    q.order_by_values(&mut items, |v: &FieldValue, _| v.clone(), |_| 0);
    let ranks: Vec<u8> = items.iter().map(|v| v.kind_rank()).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    // Within a kind, in order (text case-insensitively, as the general order compares it).
    let key = |v: &FieldValue| match v {
        FieldValue::Str(s) => FieldValue::Str(s.to_lowercase()),
        v => v.clone(),
    };
    assert!(items.windows(2).all(|w| {
        let (a, b) = (key(w[0]), key(w[1]));
        a.kind_rank() < b.kind_rank() || a.cmp_lowered(&b) != Some(Ordering::Greater)
    }));
}

proptest! {
    /// The kept order, filtered, is what sorting the matching records gives — for several
    /// sorts asked of one memo, each asked twice (the second answer comes from the memo).
    #[test]
    fn kept_order_is_the_sorted_order(
        records in prop::collection::vec((values_of_one_kind(), 0_i64..4), 0..30),
        sorts in prop::collection::vec((any::<bool>(), any::<bool>(), any::<bool>()), 1..4),
        modulus in 1_i64..4,
    ) {
        type Rec = (i64, FieldValue, i64);
        let mut stored: Collection<i64, Rec> = Collection::new();
        for (i, (v, group)) in records.into_iter().enumerate() {
            stored.insert(i as i64 * 7 % 31, (i as i64, v, group));
        }
        let tenants = crate::platform::store::Tenants::new(move || stored.clone());
        let value = |r: &Rec, f: &str| match f {
            "v" => r.1.clone(),
            _ => FieldValue::Int(r.2),
        };
        let keep = |r: &Rec| r.2 % modulus == 0;
        for _ in 0..2 {
            for &(by_group_first, descending, nulls_first) in &sorts {
                let mut q = sorted_by_f(descending, nulls_first);
                q.sort[0].field = "v".into();
                if by_group_first {
                    q.sort.insert(0, SortKey {
                        field: "g".into(),
                        descending: !descending,
                        nulls_first,
                    });
                }
                let (kept, sorted) = tenants.read_memo("a", |c, memo| {
                    let ids = |v: Vec<&Rec>| v.iter().map(|r| r.0).collect::<Vec<_>>();
                    (
                        ids(q.pick_in_kept_order(memo, "t", c, keep, value)),
                        ids(q.pick_in_order(c.values(), keep, value)),
                    )
                });
                prop_assert_eq!(kept, sorted);
                // A page of it: the same records and count whether or not the request
                // narrows the list (a search narrows it; without one every record is kept).
                for (narrow, offset, limit) in [(false, 0, 3), (false, 2, 5), (true, 1, 4), (true, 0, 50)] {
                    q.q = narrow.then(|| "x".to_string());
                    let every = |_: &Rec| true;
                    let (paged, whole) = tenants.read_memo("a", |c, memo| {
                        q.offset = offset;
                        q.limit = limit;
                        let ids = |v: &[&Rec]| v.iter().map(|r| r.0).collect::<Vec<_>>();
                        let all = if narrow {
                            q.pick_in_kept_order(memo, "t", c, keep, value)
                        } else {
                            q.pick_in_kept_order(memo, "t", c, every, value)
                        };
                        let picked = if narrow {
                            q.page_in_kept_order(memo, "t", c, keep, value)
                        } else {
                            q.page_in_kept_order(memo, "t", c, every, value)
                        };
                        (
                            (picked.count, ids(&picked.page)),
                            (all.len(), ids(crate::platform::pagination::slice(&all, q.window()))),
                        )
                    });
                    prop_assert_eq!(paged, whole);
                }
            }
        }
    }

    /// The integer-tuple ordering and the general one agree, whatever the direction, the
    /// nulls' place and duplicate ids (stable: equal keys keep their order).
    #[test]
    fn number_order_is_the_general_order(
        vals in values(),
        descending in any::<bool>(),
        nulls_first in any::<bool>(),
        ids in prop::collection::vec(0_i64..5, 40),
    ) {
        let q = sorted_by_f(descending, nulls_first);
        let records: Vec<(usize, FieldValue)> = vals.into_iter().enumerate().collect();
        let value = |r: &(usize, FieldValue), _: &str| r.1.clone();
        let id = |r: &(usize, FieldValue)| ids[r.0];
        let mut general: Vec<&(usize, FieldValue)> = records.iter().collect();
        q.order_by_values(&mut general, value, id);
        let mut fast: Vec<&(usize, FieldValue)> = records.iter().collect();
        if q.order_by_number(&mut fast, &value, &id) {
            let at = |v: &[&(usize, FieldValue)]| v.iter().map(|r| r.0).collect::<Vec<_>>();
            prop_assert_eq!(at(&fast), at(&general));
        } else {
            prop_assert!(
                records.iter().any(|r| matches!(r.1, FieldValue::Str(_))),
                "refused a key of one number kind"
            );
        }
    }
}

use super::super::calls::CALLS;

fn q(pairs: &[(&str, &str)]) -> QueryPairs {
    QueryPairs(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn problems(r: ApiResult<ListQuery>) -> Vec<(String, Problem)> {
    match r {
        Err(ApiError::Validation(e)) => e.into_iter().map(|e| (e.field, e.problem)).collect(),
        other => panic!("{other:?}"),
    }
}

/// Paging bounds, unknown fields and operators, bad values and sorts are named problems.
#[test]
fn refusals() {
    assert_eq!(
        problems(parse(&q(&[("limit", "101")]), &CALLS)),
        [(
            "limit".into(),
            Problem::Maximum {
                max: 100,
                value: 101
            }
        )]
    );
    assert_eq!(
        problems(parse(&q(&[("limit", "0")]), &CALLS)),
        [("limit".into(), Problem::Minimum { min: 1, value: 0 })]
    );
    assert_eq!(
        problems(parse(&q(&[("created_at[eq]", "x")]), &CALLS)),
        [("created_at".into(), Problem::NotAllowed)]
    );
    assert_eq!(
        problems(parse(&q(&[("started_at[yakin]", "x")]), &CALLS)),
        [(
            "started_at".into(),
            Problem::Other("#/started_at/yakin: Unexpected field: yakin".into())
        )]
    );
    assert_eq!(
        problems(parse(&q(&[("direction[eq]", "3")]), &CALLS)),
        [("direction".into(), Problem::Type { expected: "string" })]
    );
    assert_eq!(
        problems(parse(&q(&[("sort", "user_id.asc")]), &CALLS)),
        [(
            "sort".into(),
            Problem::Other("Invalid sort fields: [\"user_id.asc\"]".into())
        )]
    );
    assert_eq!(
        problems(parse(&q(&[("started_at[gte]", "yesterday")]), &CALLS)),
        [("started_at".into(), Problem::Type { expected: "date" })]
    );
}

/// Filters and sorts apply as documented; ties go by id.
#[test]
fn matching_and_order() {
    let lq = parse(
        &q(&[
            ("direction[in]", "inbound,internal"),
            ("sort", "started_at.asc"),
        ]),
        &CALLS,
    )
    .unwrap();
    assert!(lq.matches(|_| FieldValue::Str("Inbound".into())));
    assert!(!lq.matches(|_| FieldValue::Str("outbound".into())));
    let rows = [(1, Some(5)), (2, None), (3, Some(1)), (4, Some(5))];
    let mut refs: Vec<&(i64, Option<i64>)> = rows.iter().collect();
    lq.order(&mut refs, |r, _| FieldValue::opt_int(r.1), |r| r.0);
    let ids: Vec<i64> = refs.iter().map(|r| r.0).collect();
    assert_eq!(ids, [3, 1, 4, 2]);
}
