//! The documented contract of a surface: the validator lives in `mock_server::verify::schema`
//! (shared with `mockdesk verify`); this adds loading from the repository's fixtures.

pub use mock_server::verify::schema::*;

/// Loads `fixtures/schemas/<surface>.openapi.json`.
pub fn load(surface: &str) -> Contract {
    let path = crate::fixtures_dir().join(format!("schemas/{surface}.openapi.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Contract::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
