//! `#[s3_test]`: a test that needs a real S3 server, SeaweedFS's `weed`
//! (crates/cardgen-pipeline/tests/common/s3_server.rs starts it). Where
//! `weed` was found when the tests were built (src/weed.rs: `CARDGEN_WEED`,
//! `PATH`, `target/ci-venv/bin`), it is a plain `#[test]`; where it was not,
//! the test is `#[ignore]`d with the reason, so that `cargo test` lists it
//! and counts it as ignored rather than passing a test that did nothing.
//! Under CI (`CI=true`) it always runs, and fails without `weed`.
//!
//! The decision is this crate's build script's, made when the tests are
//! built; a proc-macro crate used as a dev-dependency keeps it out of the
//! libraries (a build script there would rebuild them whenever `PATH`
//! changes, and run for every user of the library).

use proc_macro::TokenStream;

/// Marks a test function that needs `weed`; see the crate docs.
#[proc_macro_attribute]
pub fn s3_test(attr: TokenStream, item: TokenStream) -> TokenStream {
    assert!(attr.is_empty(), "#[s3_test] takes no arguments");
    let attributes = match option_env!("CARDGEN_S3_TEST_IGNORE") {
        Some(reason) => format!(
            "#[test] #[ignore = {}]",
            proc_macro::Literal::string(reason)
        ),
        None => "#[test]".to_string(),
    };
    let mut test: TokenStream = attributes.parse().expect("attributes parse");
    test.extend(item);
    test
}
