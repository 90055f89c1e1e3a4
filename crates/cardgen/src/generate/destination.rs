//! Where a run of whole files writes — local paths, or names under an
//! object-store prefix — checked before anything is written, and the
//! refusals of a destination as bad input naming `out`.

use std::path::{Path, PathBuf};

use cardgen_pipeline::PipelineError;
use cardgen_pipeline::output::check_destination;
use cardgen_pipeline::storage::{self, Storage, StorageError, is_url};

use crate::dataset::Dataset;
use crate::options::{GenerateOptions, Generated};
use crate::setting::{Error, Setting, SpecError};
use crate::table::Table;

/// Opens `out` as storage: a URL whose scheme is unknown, not compiled in
/// or badly configured is bad input naming `out`.
pub(crate) fn open_storage(out: &str) -> Result<Box<dyn Storage>, Error> {
    storage::open(out).map_err(|e| storage_error(e, out))
}

/// A storage error, as bad input when the URL or its configuration is at fault.
pub(super) fn storage_error(err: StorageError, out: &str) -> Error {
    match err {
        e @ (StorageError::Config { .. }
        | StorageError::SchemeNotCompiled { .. }
        | StorageError::UnknownScheme { .. }) => {
            // The storage's message starts with the URL, which `out = URL` says already.
            let text = e.to_string();
            let reason = text.strip_prefix(&format!("{out}: ")).unwrap_or(&text);
            bad_out(out, reason.to_string())
        }
        other => other.into(),
    }
}

pub(super) fn bad_out(out: &str, reason: String) -> Error {
    SpecError::Invalid {
        setting: Setting::Out,
        value: out.to_string(),
        reason,
    }
    .into()
}

/// Where a run of whole files writes: local paths, or names under an
/// object-store prefix, checked before anything is written.
pub(super) enum Destination {
    Local(Vec<(Table, PathBuf)>),
    Object {
        storage: Box<dyn Storage>,
        names: Vec<(Table, String)>,
    },
}

impl Destination {
    /// The destinations of `options`, each free (or `overwrite` given);
    /// nothing is created yet.
    pub(super) fn check(options: &GenerateOptions) -> Result<Self, Error> {
        let out = options.out();
        let one_file = options.generated() == Generated::Reference || options.names_a_file();
        if is_url(out) {
            let (root, names) = if one_file {
                let (root, name) = out.rsplit_once('/').unwrap_or((out, ""));
                (root, vec![(Table::Transactions, name.to_string())])
            } else {
                (out, Table::ALL.map(|t| (t, t.file_name())).to_vec())
            };
            let storage = open_storage(root)?;
            storage.check().map_err(|e| storage_error(e, out))?;
            for (_, name) in &names {
                if !options.overwrite() && storage.size(name)?.is_some() {
                    return Err(already_exists(&storage.location(name)));
                }
            }
            return Ok(Destination::Object { storage, names });
        }
        let paths = if one_file {
            vec![(Table::Transactions, PathBuf::from(out))]
        } else {
            Dataset::table_paths(Path::new(out))
        };
        for (_, path) in &paths {
            let location = path.display().to_string();
            check_destination(path, options.overwrite()).map_err(|e| match e {
                PipelineError::OutputExists { .. } => already_exists(&location),
                other => bad_out(&location, other.to_string()),
            })?;
            if let Some(blocker) = path.ancestors().skip(1).find(|a| a.is_file()) {
                return Err(bad_out(
                    &location,
                    format!(
                        "cannot create directory under {}: a file",
                        blocker.display()
                    ),
                ));
            }
        }
        Ok(Destination::Local(paths))
    }

    /// The local files' directories, once nothing can refuse the run.
    pub(super) fn create_directories(&self) -> Result<(), Error> {
        let Destination::Local(paths) = self else {
            return Ok(());
        };
        for (_, path) in paths {
            if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    bad_out(
                        &path.display().to_string(),
                        format!("cannot create directory {}: {e}", dir.display()),
                    )
                })?;
            }
        }
        Ok(())
    }

    pub(super) fn location(&self, index: usize) -> String {
        match self {
            Destination::Local(paths) => paths[index].1.display().to_string(),
            Destination::Object { storage, names } => storage.location(&names[index].1),
        }
    }
}

fn already_exists(location: &str) -> Error {
    bad_out(
        location,
        "already exists; pass `overwrite` to replace it".into(),
    )
}
