//! `frontend.subrequests.describe`: the subrequests this frontend answers, and
//! the error for any other.

use serde::Serialize;

use super::reply::{reply, row, tabwrite, META_RESULT_JSON, META_RESULT_TXT, META_STATUS_CODE, OUTLINE_VERSION, VERSION};
use crate::error::FrontendError;
use crate::options::keys::{REQUEST_DESCRIBE, REQUEST_LINT, REQUEST_OUTLINE, REQUEST_TARGETS};
use crate::result::FrontendResult;

struct Described {
    name: &'static str,
    version: &'static str,
    description: &'static str,
    opts: &'static [(&'static str, &'static str)],
    status: bool,
}

const DESCRIBED: &[Described] = &[
    Described {
        name: REQUEST_DESCRIBE,
        version: VERSION,
        description: "List available subrequest types",
        opts: &[],
        status: false,
    },
    Described {
        name: REQUEST_OUTLINE,
        version: OUTLINE_VERSION,
        description: "List the build args, secrets, cache mounts and platforms of the current target",
        opts: &[("target", "Target to describe (default: the spec's default target)")],
        status: false,
    },
    Described {
        name: REQUEST_TARGETS,
        version: VERSION,
        description: "List the targets this app spec can build",
        opts: &[],
        status: false,
    },
    Described {
        name: REQUEST_LINT,
        version: VERSION,
        description: "Check the app spec and build args/labels for problems",
        opts: &[],
        status: true,
    },
];

/// One entry of BuildKit's `subrequests.Request` list (fields in key order).
#[derive(Serialize)]
struct RequestJson {
    description: &'static str,
    inputs: [Named; 0],
    metadata: Vec<Named>,
    name: &'static str,
    opts: Vec<Named>,
    refs: [Named; 0],
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
}

/// A `{name, description}` pair (opts, metadata keys).
#[derive(Serialize)]
struct Named {
    description: &'static str,
    name: &'static str,
}

impl RequestJson {
    fn from(d: &Described) -> Self {
        let named = |name| Named { description: "", name };
        let mut metadata = vec![named(META_RESULT_JSON), named(META_RESULT_TXT)];
        if d.status {
            metadata.push(named(META_STATUS_CODE));
        }
        Self {
            description: d.description,
            inputs: [],
            metadata,
            name: d.name,
            opts: d.opts.iter().map(|&(name, description)| Named { description, name }).collect(),
            refs: [],
            kind: "rpc",
            version: d.version,
        }
    }
}

/// The `frontend.subrequests.describe` reply: every subrequest this frontend answers.
pub fn describe_reply() -> FrontendResult {
    let list: Vec<RequestJson> = DESCRIBED.iter().map(RequestJson::from).collect();
    let mut rows = vec![row(["NAME", "VERSION", "DESCRIPTION"])];
    for d in DESCRIBED {
        rows.push(row([d.name.trim_start_matches("frontend."), d.version, d.description]));
    }
    reply(&list, tabwrite(&rows, 1), VERSION, &[])
}

/// The names of the subrequests we answer (for error messages).
pub fn supported_ids() -> Vec<&'static str> {
    DESCRIBED.iter().map(|d| d.name).collect()
}

/// The error for a subrequest id we do not know. It deliberately avoids the
/// "unsupported request" wording and the typed `Subrequest` detail, which
/// would make buildx retry with the Dockerfile frontend on our spec.
pub fn unknown_request_error(id: &str) -> FrontendError {
    FrontendError::message(format!(
        "this frontend does not answer `{id}`; it answers {}",
        supported_ids().join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subrequests::test_support::meta;
    use serde_json::Value;

    #[test]
    fn describe_lists_every_answered_request() {
        let r = describe_reply();
        let v: Value = serde_json::from_str(&meta(&r, "result.json")).unwrap();
        let names: Vec<&str> = v.as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
        assert_eq!(names, [REQUEST_DESCRIBE, REQUEST_OUTLINE, REQUEST_TARGETS, REQUEST_LINT]);
        assert_eq!(v[1]["version"], "1.1.0", "outline carries the platforms extension");
        for d in v.as_array().unwrap() {
            assert!(d["version"] == "1.0.0" || d["name"] == REQUEST_OUTLINE);
            assert_eq!(d["type"], "rpc");
            assert!(d["opts"].is_array() && d["inputs"].is_array() && d["refs"].is_array());
        }
        assert_eq!(v[3]["metadata"][2]["name"], "result.statuscode");
        let txt = meta(&r, "result.txt");
        assert!(txt.starts_with("NAME"));
        assert!(txt.contains("\noutline "), "{txt}");
        assert_eq!(meta(&r, "version"), "1.0.0");
    }

    #[test]
    fn unknown_requests_do_not_trigger_the_buildx_fallback() {
        let e = unknown_request_error("frontend.convertllb");
        assert!(!e.message.contains("unsupported request"));
        assert!(e.details.is_empty());
        assert!(e.message.contains("frontend.outline"));
    }
}
