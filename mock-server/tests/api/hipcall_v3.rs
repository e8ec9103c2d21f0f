//! Hipcall v3 over HTTP: its three ways in, one state with v20211124, and the documented
//! error bodies (the official SDK's own run is `scripts/sdk_hipcall.py`).

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

async fn v3(s: &Server, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    s.surface("hipcall-v3").call(method, path, body).await
}

/// Both v3 hosts and the surface's own port reach the v3 routes; the legacy host does not.
#[tokio::test]
async fn hosts_and_own_port() {
    let mut s = Server::start().await;
    let own = s.own_port("hipcall-v3").await;
    for host in ["use.hipcall.com", "use.hipcall.com.tr:443"] {
        let r = s
            .client
            .get(s.url("/api/v3/users/2"))
            .header("host", host)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["data"]["first_name"], "Satya");
    }
    let r = s
        .client
        .get(format!("http://{own}/api/v3/calls?limit=1"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["meta"], json!({"count": 55, "limit": 1, "offset": 0}));
}

/// A task made through one API reads back through the other, in each API's own shape.
#[tokio::test]
async fn one_state_two_apis() {
    let s = Server::start().await;
    let (status, made) = v3(
        &s,
        Method::POST,
        "/tasks",
        Some(json!({"data": {"name": "from v3", "assign_to_user_id": 3, "priority": "medium"}})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let id = made["data"]["id"].as_i64().unwrap();
    let (_, legacy) = s.get_json(&format!("/tasks/{id}")).await;
    assert_eq!(legacy["data"]["name"], "from v3");
    assert_eq!(legacy["data"]["assign_to"], 3);
    assert_eq!(legacy["data"]["resource_type"], "task");
    let r = s
        .hipcall(
            Method::POST,
            "/tasks",
            Some(json!({"name": "from v20211124"})),
        )
        .await;
    let legacy: Value = r.json().await.unwrap();
    let id = legacy["data"]["id"].as_i64().unwrap();
    let (status, detail) = v3(&s, Method::GET, &format!("/tasks/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(detail["data"]["name"], "from v20211124");
    assert_eq!(detail["data"]["priority"], Value::Null);
    // A call placed through v3 is the newest legacy CDR, with legacy integer enums.
    let (status, placed) = v3(
        &s,
        Method::POST,
        "/users/2/call",
        Some(json!({"callee_number": "+905550009999", "ring_user_first": true})),
    )
    .await;
    assert_eq!(status, 201, "{placed}");
    let (_, cdrs) = s.get_json("/cdrs").await;
    assert_eq!(cdrs["data"][0]["uuid"], placed["data"]["id"]);
    assert_eq!(cdrs["data"][0]["direction"], 2);
}

/// The documented bodies: 401s, 404, 422s with the validator's wording, 400 for a nameless
/// task; a refused write changes nothing.
#[tokio::test]
async fn documented_errors() {
    let s = Server::start().await;
    let (status, _, v) = s
        .call(None, Method::GET, "/hipcall/api/v3/calls", None)
        .await;
    assert_eq!(
        (status, v),
        (
            401,
            json!({"errors": {"detail": "Authentication required. Provide either OAuth Bearer token or API token."}})
        )
    );
    let (status, _, v) = s
        .call(Some("nope"), Method::GET, "/hipcall/api/v3/calls", None)
        .await;
    assert_eq!(
        (status, v),
        (
            401,
            json!({"errors": {"detail": "Not authorized. Check your API token is valid and not expired."}})
        )
    );
    for (path, field, message) in [
        (
            "/calls?limit=0",
            "limit",
            "0 is smaller than inclusive minimum 1",
        ),
        (
            "/calls?started_at%5Beq%5D=2024-01-01",
            "started_at",
            "#/started_at/eq: Unexpected field: eq",
        ),
        (
            "/calls?started_at%5Bgte%5D=soon",
            "started_at",
            "Invalid datetime format (expected ISO8601)",
        ),
        (
            "/contacts?sort=email.asc",
            "sort",
            "Invalid sort fields: [\"email.asc\"]",
        ),
        ("/users?colour=red", "colour", "Unexpected field: colour"),
    ] {
        let (status, v) = v3(&s, Method::GET, path, None).await;
        assert_eq!(
            (status, &v),
            (422, &json!({"errors": {field: [message]}})),
            "{path}"
        );
    }
    let (status, v) = v3(&s, Method::GET, "/contacts/999999", None).await;
    assert_eq!(
        (status, v),
        (404, json!({"errors": {"detail": "Not Found"}}))
    );
    let (status, v) = v3(&s, Method::POST, "/tasks", Some(json!({"data": {}}))).await;
    assert_eq!(
        (status, v),
        (
            400,
            json!({"errors": {"data": ["#/data/name: Missing field: name"]}})
        )
    );
    let (_, before) = v3(&s, Method::GET, "/contacts/3", None).await;
    let (status, v) = v3(
        &s,
        Method::PATCH,
        "/contacts/3",
        Some(json!({"job_title": "Changed", "custom_fields": {"plan": "gold"}})),
    )
    .await;
    assert_eq!(status, 422, "{v}");
    assert!(v["errors"]["custom_fields"]["plan"].is_array(), "{v}");
    let (_, after) = v3(&s, Method::GET, "/contacts/3", None).await;
    assert_eq!(before, after);
}

/// A path of the served schema with its parameters filled from the first record of the
/// collection it sits under (`/calls/{uuid}/comments` → the first call's uuid).
async fn concrete(s: &Server, path: &str) -> String {
    let Some(open) = path.find('{') else {
        return path.to_string();
    };
    let close = path[open..].find('}').unwrap() + open;
    let key = &path[open + 1..close];
    let (status, list) = v3(
        s,
        Method::GET,
        &format!("{}?limit=1", &path[..open - 1]),
        None,
    )
    .await;
    assert_eq!(status, 200, "{path}: {list}");
    let id = match &list["data"][0][key] {
        Value::String(x) => x.clone(),
        other => other.to_string(),
    };
    format!("{}{id}{}", &path[..open], &path[close + 1..])
}

/// A value a documented filter parameter accepts.
fn sample(name: &str, schema: &Value, params: &[Value]) -> String {
    if schema["type"] == "boolean" {
        return "true".into();
    }
    if schema["type"] == "integer" {
        return "1".into();
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.as_str().unwrap().into();
    }
    let field = name.split('[').next().unwrap();
    // `field[in]` lists what `field[eq]` takes.
    if let Some(eq) = params
        .iter()
        .find(|p| p["name"] == format!("{field}[eq]").as_str())
    {
        let one = sample(&format!("{field}[eq]"), &eq["schema"], params);
        return format!("{one},{one}");
    }
    let pattern = schema["pattern"].as_str().unwrap();
    if pattern.starts_with("^-?[0-9]") {
        "1,2".into()
    } else {
        "2024-01-01T00:00:00Z".into()
    }
}

/// The served OpenAPI and the list parser agree: every documented sort field and filter is
/// accepted, and every other field of the listed record is refused as a sort key and as a
/// filter (so the schema's sort and filter lists are exactly what the emulator takes).
#[tokio::test]
async fn list_parameters_match_the_schema() {
    let s = Server::start().await;
    let doc: Value = s.admin_get("/openapi/hipcall-v3").await;
    let schemas = &doc["components"]["schemas"];
    let mut lists = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(op) = ops.get("get") else { continue };
        let params = op["parameters"].as_array().unwrap();
        let Some(sort) = params.iter().find(|p| p["name"] == "sort") else {
            continue;
        };
        lists += 1;
        let at = concrete(&s, path).await;
        let sorts: Vec<&str> = sort["x-sort-fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let item = op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
            ["data"]["items"]["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        let fields: Vec<&String> = schemas[item]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        for f in &sorts {
            for dir in ["asc", "desc_nulls_last"] {
                let (status, v) = v3(&s, Method::GET, &format!("{at}?sort={f}.{dir}"), None).await;
                assert_eq!(status, 200, "{at} sort {f}.{dir}: {v}");
            }
        }
        let filters: Vec<&Value> = params
            .iter()
            .filter(|p| p["name"].as_str().unwrap().contains('['))
            .collect();
        for p in &filters {
            let name = p["name"].as_str().unwrap();
            let value = sample(name, &p["schema"], params);
            let query = format!("{}={}", name.replace('[', "%5B").replace(']', "%5D"), value);
            let (status, v) = v3(&s, Method::GET, &format!("{at}?{query}"), None).await;
            assert_eq!(status, 200, "{at}?{query}: {v}");
        }
        for field in fields {
            if !sorts.contains(&field.as_str()) {
                let (status, v) =
                    v3(&s, Method::GET, &format!("{at}?sort={field}.asc"), None).await;
                assert_eq!(status, 422, "{at} sorts by undocumented {field}: {v}");
            }
            for op in ["eq", "in", "gte", "lte"] {
                let name = format!("{field}[{op}]");
                if filters.iter().any(|p| p["name"] == name.as_str()) {
                    continue;
                }
                let (status, v) =
                    v3(&s, Method::GET, &format!("{at}?{field}%5B{op}%5D=1"), None).await;
                assert_eq!(status, 422, "{at} filters by undocumented {name}: {v}");
            }
        }
    }
    assert!(lists >= 20, "only {lists} sortable lists in the schema");
}

/// What the schema refuses, the emulator refuses (with its 422 naming the field): enum-valued
/// filters and parameters, empty `in` lists, JSON types on writes, and a task comment's body
/// either flat or wrapped but not both.
#[tokio::test]
async fn refuses_what_the_schema_refuses() {
    let s = Server::start().await;
    for (path, field) in [
        ("/dispositions?direction=sideways", "direction"),
        ("/dispositions?outcome=meh", "outcome"),
        ("/dispositions?active=yes", "active"),
        ("/contacts/custom-fields?active=1", "active"),
        ("/tags?type=chat", "type"),
        ("/calls?user_id%5Bin%5D=", "user_id"),
        ("/calls?direction%5Beq%5D=sideways", "direction"),
        ("/conversations?status%5Bin%5D=open,lost", "status"),
    ] {
        let (status, v) = v3(&s, Method::GET, path, None).await;
        assert_eq!(status, 422, "{path}: {v}");
        assert!(v["errors"][field].is_array(), "{path}: {v}");
    }
    let (status, v) = v3(
        &s,
        Method::GET,
        "/calls?direction%5Bin%5D=inbound,OUTBOUND",
        None,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert!(v["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["direction"] == "inbound" || c["direction"] == "outbound"));

    let call = concrete(&s, "/calls/{uuid}").await;
    let task = concrete(&s, "/tasks/{id}").await;
    for (path, body, field) in [
        (
            format!("{call}/cards"),
            json!({"card": [{"type": "title", "text": 5}]}),
            "card",
        ),
        (
            "/tasks".to_string(),
            json!({"data": {"name": "typed", "task_list_id": "5"}}),
            "task_list_id",
        ),
        (
            "/tasks".to_string(),
            json!({"data": {"name": "typed", "contact_ids": ["1"]}}),
            "contact_ids",
        ),
        (
            "/contacts/3/phones".to_string(),
            json!({"phones": [{"number": "+90 555 111 2233", "country": 90}]}),
            "phones",
        ),
        (
            format!("{task}/comments"),
            json!({"content": "outer", "data": {"content": "inner"}}),
            "content",
        ),
    ] {
        let (status, v) = v3(&s, Method::POST, &path, Some(body)).await;
        assert_eq!(status, 422, "{path}: {v}");
        assert!(
            v["errors"][field].is_object() || v["errors"][field].is_array(),
            "{path}: {v}"
        );
    }
    let (_, before) = v3(&s, Method::GET, &format!("{task}/comments?limit=100"), None).await;
    for body in [
        json!({"data": {"content": "wrapped"}}),
        json!({"content": "flat"}),
    ] {
        let (status, v) = v3(&s, Method::POST, &format!("{task}/comments"), Some(body)).await;
        assert_eq!(status, 201, "{v}");
    }
    let (_, after) = v3(&s, Method::GET, &format!("{task}/comments?limit=100"), None).await;
    assert_eq!(
        after["meta"]["count"].as_i64().unwrap(),
        before["meta"]["count"].as_i64().unwrap() + 2
    );
}

/// Pages reuse each call's rendered view until the account's next write (see
/// `platform::memo`): a call the vendor adds (which moves every stored call along), an import
/// that changes a call, and a reset each show on the very next read, in the page and in the
/// call's own answer.
#[tokio::test]
async fn call_views_follow_every_write() {
    let s = Server::start().await;
    let page = || v3(&s, Method::GET, "/calls?limit=10", None);
    let (status, first) = page().await;
    assert_eq!(status, 200);
    assert_eq!(page().await.1, first, "a second read answers the same");
    let calls = |p: &Value| p["data"].as_array().unwrap().clone();

    let res = s
        .admin(
            Method::POST,
            "/simulate/hipcall-v3/inbound_call",
            Some(json!({"duration": 60})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res: Value = res.json().await.unwrap();
    let uuid = res["result"]["call"].as_str().unwrap().to_string();
    let (_, after) = page().await;
    assert_eq!(after["meta"]["count"], 56);
    assert_eq!(after["data"][0]["uuid"], uuid.as_str());
    assert_eq!(calls(&after)[1..], calls(&first)[..9]);

    // Change the newest seeded call through the state document.
    let target = first["data"][0]["uuid"].as_str().unwrap().to_string();
    let mut doc = s.admin_get("/state/hipcall?account=default").await;
    let cdr = doc["accounts"]["default"]["cdrs"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["uuid"] == target.as_str())
        .unwrap();
    cdr["caller_number"] = json!("+15550001111");
    let r = s.admin(Method::PUT, "/state/hipcall", Some(doc)).await;
    assert_eq!(r.status(), 200);
    let (_, imported) = page().await;
    assert_eq!(imported["data"][1]["uuid"], target.as_str());
    assert_eq!(imported["data"][1]["caller_number"], "+15550001111");
    let date = &first["data"][0]["started_at"].as_str().unwrap()[..10];
    let (status, one) = v3(
        &s,
        Method::GET,
        &format!("/calls/{target}?date={date}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one["data"], imported["data"][1]);

    let r = s.admin(Method::POST, "/reset?vendor=hipcall", None).await;
    assert!(r.status().is_success());
    assert_eq!(
        page().await.1,
        first,
        "the reseeded account answers as at the start"
    );
}

/// A task read through both APIs (single and page, so each kept its rendered view) shows a
/// change made through v3 on every next read.
#[tokio::test]
async fn task_views_follow_an_update() {
    let s = Server::start().await;
    let reads = || async {
        let (_, one) = v3(&s, Method::GET, "/tasks/1", None).await;
        let (_, page) = v3(&s, Method::GET, "/tasks?limit=100", None).await;
        let (_, legacy) = s.get_json("/tasks/1").await;
        let (_, legacy_page) = s.get_json("/tasks?limit=100").await;
        let in_page = |p: &Value| {
            p["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == 1)
                .map(|t| t["name"].clone())
        };
        [
            one["data"]["name"].clone(),
            in_page(&page).unwrap(),
            legacy["data"]["name"].clone(),
            in_page(&legacy_page).unwrap(),
        ]
    };
    let before = reads().await;
    assert!(
        before.iter().all(|n| *n == before[0] && n.is_string()),
        "{before:?}"
    );
    assert_eq!(reads().await, before);
    let (status, body) = v3(
        &s,
        Method::PATCH,
        "/tasks/1",
        Some(json!({"name": "renamed through v3"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let after = reads().await;
    assert!(
        after.iter().all(|n| *n == "renamed through v3"),
        "{after:?}"
    );
}
