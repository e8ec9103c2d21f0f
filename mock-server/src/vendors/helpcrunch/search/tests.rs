use super::*;
use proptest::prelude::*;
use serde_json::json;

proptest! {
    /// The in-place comparison agrees with lower-casing both sides and comparing, for
    /// ASCII and non-ASCII text alike.
    #[test]
    fn text_matches_is_lowercase_comparison(
        have in "[a-zA-Z0-9 @.ÄäÖöİıΣσß]{0,12}",
        want in "[a-zA-Z0-9 @.ÄäÖöİıΣσß]{0,4}",
    ) {
        let (h, w) = (have.to_lowercase(), want.to_lowercase());
        prop_assert_eq!(text_matches(&have, &w, false), h == w);
        prop_assert_eq!(text_matches(&have, &w, true), h.contains(&w));
    }
}

/// Search validation names the offending filter path.
#[test]
fn search_validation_paths() {
    let body = json!({"filter": [
        {"field": "customers.name", "operator": "~", "value": "a"},
        {"field": "customers.shoeSize", "operator": "=", "value": 1},
        {"field": "customers.id", "operator": "~", "value": 1},
        {"field": "customers.lastSeen", "operator": ">", "value": "18 Jun 2020"},
        {"operator": "=", "value": 1}
    ]});
    let Err(ApiError::Validation(e)) =
        parse_search(body.as_object().unwrap(), CUSTOMER_FIELDS, CUSTOMER_SORTS)
    else {
        panic!()
    };
    let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "filter[1].field",
            "filter[2].operator",
            "filter[3].value",
            "filter[4].field"
        ]
    );
}
