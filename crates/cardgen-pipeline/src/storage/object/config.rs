//! From a URL and settings to a configured object_store client.
//!
//! object_store parses the URL (`ObjectStoreScheme::parse`, the builders'
//! `with_url`) and reads every setting by its usual name; this module only
//! chooses the settings that keep a sync command-line tool responsive:
//! short connect and retry limits, plain HTTP when the endpoint asks for it,
//! and a refusal, before any request, to go looking for credentials that
//! are not there.

use std::sync::Arc;
use std::time::Duration;

use object_store::path::Path;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, ObjectStoreScheme, RetryConfig};

use crate::storage::StorageError;

/// A connection that cannot be made in this long will not be made.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// One request, body included: a part upload or a ranged read
/// ([`super::READ_RANGE_BYTES`]) must finish in this long, which allows
/// links down to about 150 KB/s.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Retries stop after this long from the first attempt, so an endpoint
/// that is down fails in about `CONNECT_TIMEOUT + RETRY_TIMEOUT`, not in the
/// object_store default of three minutes.
const RETRY_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_RETRIES: usize = 3;

/// A store, what it is rooted at, and what messages call it.
pub(super) struct Configured {
    pub store: Arc<dyn ObjectStore>,
    /// The key prefix of the root, without leading or trailing `/`.
    pub prefix: Path,
    /// The bucket (S3, GCS) or container (Azure).
    pub bucket: String,
    /// Where requests go, for "cannot reach" messages.
    pub endpoint: String,
}

/// Builds the client for `location` from settings named like environment
/// variables. Nothing is contacted.
pub(super) fn configure(
    location: &str,
    settings: &[(String, String)],
) -> Result<Configured, StorageError> {
    let config_error = |message: String| StorageError::Config {
        location: location.to_string(),
        message: super::errors::one_line(&message),
    };
    let url = url::Url::parse(location).map_err(|e| config_error(format!("not a URL: {e}")))?;
    let (scheme, prefix) =
        ObjectStoreScheme::parse(&url).map_err(|e| config_error(e.to_string()))?;
    // `abfss://container@account.dfs.core.windows.net/` names the
    // container before the `@`; every other form names it as the host.
    let bucket = match url.username() {
        "" => url.host_str().unwrap_or_default().to_string(),
        container => container.to_string(),
    };
    let built: Result<(Arc<dyn ObjectStore>, String), String> = match scheme {
        #[cfg(feature = "s3")]
        ObjectStoreScheme::AmazonS3 => s3(location, settings),
        #[cfg(feature = "gcs")]
        ObjectStoreScheme::GoogleCloudStorage => gcs(location, settings),
        #[cfg(feature = "azure")]
        ObjectStoreScheme::MicrosoftAzure => azure(location, settings),
        _ => Err(format!(
            "{}:// is not an object store this build knows",
            url.scheme()
        )),
    };
    let (store, endpoint) = built.map_err(config_error)?;
    Ok(Configured {
        store,
        prefix,
        bucket,
        endpoint,
    })
}

/// The settings `open` uses: the environment variables of the store's
/// family, the same ones object_store's `from_env` would read.
pub(super) fn from_environment(location: &str) -> Vec<(String, String)> {
    // Besides its prefix, each `from_env` reads one unprefixed name, which
    // parses as a setting of that store like the others.
    let (prefix, also) = match location.split_once("://").map(|(s, _)| s) {
        Some("s3" | "s3a") => ("AWS_", ""),
        Some("gs") => ("GOOGLE_", "SERVICE_ACCOUNT"),
        _ => ("AZURE_", "IDENTITY_ENDPOINT"),
    };
    std::env::vars()
        .filter(|(key, _)| key.starts_with(prefix) || key == also)
        .collect()
}

fn client_options() -> ClientOptions {
    ClientOptions::new()
        .with_connect_timeout(CONNECT_TIMEOUT)
        .with_timeout(REQUEST_TIMEOUT)
}

fn retry_config() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: MAX_RETRIES,
        retry_timeout: RETRY_TIMEOUT,
    }
}

/// Applies `settings` to a builder after our defaults, so that a user's own
/// `AWS_TIMEOUT` or the like still wins. Names that are not settings of this
/// store (`AWS_PROFILE`, another store's) are skipped, as `from_env` does.
macro_rules! configured_builder {
    ($builder:ty, $key:ty, $location:expr, $settings:expr) => {{
        let builder = <$builder>::new()
            .with_url($location)
            .with_client_options(client_options())
            .with_retry(retry_config());
        $settings.iter().fold(builder, |builder, (name, value)| {
            match name.to_ascii_lowercase().parse::<$key>() {
                Ok(key) => builder.with_config(key, value.as_str()),
                Err(_) => builder,
            }
        })
    }};
}

// Without any of the settings these messages name, object_store goes on to
// ask the cloud's instance metadata endpoint (169.254.169.254), which off
// that cloud means waiting for timeouts, and reaching an address nobody
// configured. A run on a cloud VM sets the variables its identity provides.
#[cfg(feature = "s3")]
const NO_AWS_CREDENTIALS: &str = "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
     (or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or AWS_SKIP_SIGNATURE=true for a public bucket)";
#[cfg(feature = "gcs")]
const NO_GOOGLE_CREDENTIALS: &str = "no credentials: set GOOGLE_SERVICE_ACCOUNT to a key file \
     (or GOOGLE_APPLICATION_CREDENTIALS, or GOOGLE_SKIP_SIGNATURE=true for a public bucket)";
#[cfg(feature = "azure")]
const NO_AZURE_CREDENTIALS: &str = "no credentials: set AZURE_STORAGE_ACCOUNT_KEY or \
     AZURE_STORAGE_SAS_TOKEN (or AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID; \
     AZURE_MSI_ENDPOINT for a managed identity; AZURE_SKIP_SIGNATURE=true for a public container)";

fn is_true(value: Option<String>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

#[cfg(feature = "s3")]
fn s3(
    location: &str,
    settings: &[(String, String)],
) -> Result<(Arc<dyn ObjectStore>, String), String> {
    use object_store::ClientConfigKey;
    use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey as Key};

    let mut builder = configured_builder!(AmazonS3Builder, Key, location, settings);
    let value = |key: Key| builder.get_config_value(&key).filter(|v| !v.is_empty());
    let set = |key: Key| value(key).is_some();
    // The sources object_store tries before the instance metadata, each
    // with what it needs to be tried at all.
    let credentials = set(Key::AccessKeyId)
        || set(Key::SecretAccessKey)
        || (set(Key::WebIdentityTokenFile) && set(Key::RoleArn))
        || set(Key::ContainerCredentialsRelativeUri)
        || (set(Key::ContainerCredentialsFullUri) && set(Key::ContainerAuthorizationTokenFile));
    if !credentials && !is_true(value(Key::SkipSignature)) {
        return Err(NO_AWS_CREDENTIALS.into());
    }
    let region = value(Key::Region).unwrap_or_else(|| "us-east-1".into());
    // object_store prefers the S3-specific endpoint, as the AWS SDKs do.
    let endpoint = value(Key::S3Endpoint)
        .or_else(|| value(Key::Endpoint))
        .unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
    // A local server (SeaweedFS, MinIO) speaks plain HTTP; naming an
    // http:// endpoint is consent enough, without AWS_ALLOW_HTTP as well.
    if endpoint.starts_with("http://") {
        builder = builder.with_config(Key::Client(ClientConfigKey::AllowHttp), "true");
    }
    let store = builder.build().map_err(|e| e.to_string())?;
    Ok((Arc::new(store), endpoint))
}

#[cfg(feature = "gcs")]
fn gcs(
    location: &str,
    settings: &[(String, String)],
) -> Result<(Arc<dyn ObjectStore>, String), String> {
    use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey as Key};

    let builder = configured_builder!(GoogleCloudStorageBuilder, Key, location, settings);
    let value = |key: Key| builder.get_config_value(&key).filter(|v| !v.is_empty());
    let credentials = [
        Key::ServiceAccount,
        Key::ServiceAccountKey,
        Key::ApplicationCredentials,
        Key::BearerToken,
    ]
    .into_iter()
    .any(|key| value(key).is_some());
    // `gcloud auth application-default login` leaves its credentials where
    // object_store looks for them without being told.
    let gcloud_login = std::env::var_os("HOME").is_some_and(|home| {
        std::path::Path::new(&home)
            .join(".config/gcloud/application_default_credentials.json")
            .is_file()
    });
    if !credentials && !gcloud_login && !is_true(value(Key::SkipSignature)) {
        return Err(NO_GOOGLE_CREDENTIALS.into());
    }
    let endpoint = builder
        .get_config_value(&Key::BaseUrl)
        .unwrap_or_else(|| "https://storage.googleapis.com".into());
    let store = builder.build().map_err(|e| e.to_string())?;
    Ok((Arc::new(store), endpoint))
}

#[cfg(feature = "azure")]
fn azure(
    location: &str,
    settings: &[(String, String)],
) -> Result<(Arc<dyn ObjectStore>, String), String> {
    use object_store::azure::{AzureConfigKey as Key, MicrosoftAzureBuilder};

    let builder = configured_builder!(MicrosoftAzureBuilder, Key, location, settings);
    let value = |key: Key| builder.get_config_value(&key).filter(|v| !v.is_empty());
    let credentials = [
        Key::AccessKey,
        Key::SasKey,
        Key::Token,
        Key::ClientSecret,
        Key::FederatedTokenFile,
        Key::MsiEndpoint,
        Key::ObjectId,
        Key::MsiResourceId,
        Key::FabricSessionToken,
    ]
    .into_iter()
    .any(|key| value(key).is_some());
    let flags = [Key::UseAzureCli, Key::UseEmulator, Key::SkipSignature];
    if !credentials && !flags.into_iter().any(|key| is_true(value(key))) {
        return Err(NO_AZURE_CREDENTIALS.into());
    }
    let endpoint = builder.get_config_value(&Key::Endpoint).unwrap_or_else(|| {
        let account = builder
            .get_config_value(&Key::AccountName)
            .unwrap_or_default();
        format!("https://{account}.blob.core.windows.net")
    });
    let store = builder.build().map_err(|e| e.to_string())?;
    Ok((Arc::new(store), endpoint))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds the store for `location` from `settings`; contacts nothing.
    fn configure_with(location: &str, settings: &[(&str, &str)]) -> Result<(), String> {
        let settings: Vec<(String, String)> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        configure(location, &settings)
            .map(drop)
            .map_err(|e| e.to_string())
    }

    #[cfg(feature = "s3")]
    #[test]
    fn s3_needs_a_source_of_credentials_it_can_use() {
        let none = configure_with("s3://b/p", &[("AWS_REGION", "eu-west-1")]).unwrap_err();
        assert!(
            none.starts_with("s3://b/p: no credentials: set AWS_ACCESS_KEY_ID"),
            "{none}"
        );
        // A token file alone is not enough for object_store: it falls
        // through to the instance metadata.
        let token = [("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")];
        assert!(configure_with("s3://b/p", &token).is_err());
        let role = [
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
        ];
        configure_with("s3://b/p", &role).unwrap();
        configure_with("s3://b/p", &[("AWS_SKIP_SIGNATURE", "TRUE")]).unwrap();
        let keys = [("AWS_ACCESS_KEY_ID", "k"), ("AWS_SECRET_ACCESS_KEY", "s")];
        configure_with("s3://b/p", &keys).unwrap();
        // Another store's settings and unknown names are ignored.
        let other = [("GOOGLE_SERVICE_ACCOUNT", "/k.json"), ("AWS_PROFILE", "x")];
        assert!(configure_with("s3://b/p", &other).is_err());
    }

    #[cfg(feature = "gcs")]
    #[test]
    fn gcs_needs_credentials_or_a_public_bucket() {
        configure_with("gs://b/p", &[("GOOGLE_SKIP_SIGNATURE", "true")]).unwrap();
        let has_gcloud_login = std::env::var_os("HOME").is_some_and(|home| {
            std::path::Path::new(&home)
                .join(".config/gcloud/application_default_credentials.json")
                .is_file()
        });
        if !has_gcloud_login {
            let none = configure_with("gs://b/p", &[]).unwrap_err();
            assert!(
                none.contains("no credentials: set GOOGLE_SERVICE_ACCOUNT"),
                "{none}"
            );
        }
    }

    #[cfg(feature = "azure")]
    #[test]
    fn azure_needs_credentials_or_a_public_container() {
        let account = ("AZURE_STORAGE_ACCOUNT_NAME", "acct");
        let none = configure_with("az://c/p", &[account]).unwrap_err();
        assert!(
            none.contains("no credentials: set AZURE_STORAGE_ACCOUNT_KEY"),
            "{none}"
        );
        configure_with(
            "az://c/p",
            &[account, ("AZURE_STORAGE_ACCOUNT_KEY", "a2V5")],
        )
        .unwrap();
        configure_with("az://c/p", &[account, ("AZURE_SKIP_SIGNATURE", "true")]).unwrap();
    }

    #[test]
    fn not_an_object_store_url_is_a_config_error() {
        let err = configure_with("s3:///p", &[]).unwrap_err();
        assert!(err.starts_with("s3:///p: "), "{err}");
    }
}
