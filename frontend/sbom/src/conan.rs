//! C/C++ packages from Conan 2, from the graph JSON `conan install --format=json` (or `conan
//! graph info --format json`) writes: `graph.nodes`, keyed by id, node `0` the consumer.
//!
//! What counts: host-context packages reachable from the consumer through requirements that are
//! not tool requirements (`build: false`) and not skipped; build-context tools (CMake, a
//! compiler) are never linked. Each package keeps its recipe reference, and where the graph has
//! them its recipe revision (`rrev`) and package revision (`prev`), also in the purl
//! (`pkg:conan/<name>@<version>?channel=…&prev=…&rrev=…&user=…`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{Component, ComponentSet, Ecosystem, Parent, SourceError};
use crate::purl::Purl;
use crate::supplier;

fn text(v: &Value) -> Option<&str> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// The package's supplier: its recipe `author`, else the owner of its `url` (then
/// `homepage`); `None` when the recipe declares neither (the image's supplier stands for it).
fn supplier_of(node: &Value) -> Option<String> {
    if let Some(a) = text(&node["author"])
        .into_iter()
        .flat_map(supplier::parse_contacts)
        .find_map(|c| supplier::contact_actor(&c))
    {
        return Some(a);
    }
    [&node["url"], &node["homepage"]]
        .into_iter()
        .filter_map(text)
        .find_map(supplier::source_owner)
}

/// The Conan packages of a graph JSON (`file` names it in errors).
pub fn packages(file: &str, json: &str, parent: Parent) -> Result<ComponentSet, SourceError> {
    let err = |m: String| SourceError::new(file, m);
    let v: Value = serde_json::from_str(json).map_err(|e| err(format!("not a Conan graph JSON: {e}")))?;
    let nodes = v["graph"]["nodes"]
        .as_object()
        .ok_or_else(|| err("no `graph.nodes`: not the output of `conan install/graph info --format=json`".to_string()))?;
    if !nodes.contains_key("0") {
        return Err(err("no consumer node `0` in `graph.nodes`".to_string()));
    }
    let mut set = ComponentSet::new(file, parent);
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut edges = Vec::new();
    let mut stack = vec!["0".to_string()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let node = &nodes[&id];
        for (dep, how) in node["dependencies"].as_object().into_iter().flatten() {
            if how["build"].as_bool() == Some(true) || how["skip"].as_bool() == Some(true) {
                continue;
            }
            let Some(target) = nodes.get(dep) else {
                return Err(err(format!("node {id} requires node {dep}, which is not in `graph.nodes`")));
            };
            if target["context"].as_str() != Some("host") {
                continue;
            }
            if id != "0" {
                edges.push((id.clone(), dep.clone()));
            }
            stack.push(dep.clone());
        }
        if id == "0" {
            continue;
        }
        let name = text(&node["name"]).ok_or_else(|| err(format!("node {id} has no `name`")))?;
        let version = text(&node["version"]).ok_or_else(|| err(format!("node {id} ({name}) has no `version`")))?;
        let mut c = Component::new(Ecosystem::Conan, name, version);
        let rrev = text(&node["rrev"]).unwrap_or_default();
        let prev = text(&node["prev"]).unwrap_or_default();
        c.purl = Some(
            Purl::new("conan", name)
                .version(version)
                .qualifier("user", text(&node["user"]).unwrap_or_default())
                .qualifier("channel", text(&node["channel"]).unwrap_or_default())
                .qualifier("rrev", rrev)
                .qualifier("prev", prev)
                .to_string(),
        );
        match &node["license"] {
            Value::String(l) => c.declared_license(l),
            Value::Array(ls) => {
                let ls: Vec<&str> = ls.iter().filter_map(text).collect();
                if !ls.is_empty() {
                    c.declared_license(&ls.join(" AND "));
                }
            }
            _ => {}
        }
        c.homepage = text(&node["homepage"]).or_else(|| text(&node["url"])).map(str::to_string);
        c.supplier = supplier_of(node);
        let settings = &node["settings"];
        let arch = text(&settings["arch"]).unwrap_or("?");
        let mut reference = text(&node["ref"]).unwrap_or(name).to_string();
        if let Some(pid) = text(&node["package_id"]) {
            reference.push(':');
            reference.push_str(pid);
            if !prev.is_empty() {
                reference.push('#');
                reference.push_str(prev);
            }
        }
        // Not where the binary came from (Build / Cache / Download): that depends on how warm
        // the build's Conan cache was, and the SBOM of a rebuild must not change with it.
        c.comment = Some(format!("conan {reference} arch={arch}"));
        index.insert(id.clone(), set.components.len());
        set.components.push(c);
    }
    set.depends_on = edges
        .iter()
        .filter_map(|(a, b)| Some((*index.get(a)?, *index.get(b)?)))
        .collect();
    set.tidy();
    if set.components.is_empty() {
        return Err(err("the graph requires no host package".to_string()));
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tool requirements and build-context nodes are left out, DEPENDS_ON edges between host
    /// packages kept, a list license becomes an AND expression, the supplier falls back from
    /// `author` to the owner of `url`, and a graph without nodes is refused naming the file.
    #[test]
    fn host_requirements_only() {
        let g = serde_json::json!({"graph": {"nodes": {
            "0": {"ref": "conanfile", "context": "host", "dependencies": {
                "1": {"build": false, "skip": false}, "3": {"build": true, "skip": false}}},
            "1": {"ref": "a/1.0#r1", "name": "a", "version": "1.0", "context": "host", "rrev": "r1", "prev": "p1",
                  "package_id": "pid", "license": ["MIT", "BSD-3-Clause"], "url": "https://github.com/o/a",
                  "settings": {"arch": "x86_64"}, "binary": "Download",
                  "dependencies": {"2": {"build": false, "skip": false}}},
            "2": {"ref": "b/2.0", "name": "b", "version": "2.0", "context": "host", "user": "me", "channel": "stable",
                  "author": "B Person <b@example.org>", "license": "Zlib", "dependencies": {}},
            "3": {"ref": "cmake/3.30", "name": "cmake", "version": "3.30", "context": "build", "dependencies": {}},
        }}});
        let set = packages("g.json", &g.to_string(), Parent::Image).unwrap();
        let names: Vec<&str> = set.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let a = &set.components[0];
        assert_eq!(a.purl.as_deref(), Some("pkg:conan/a@1.0?prev=p1&rrev=r1"));
        assert_eq!(a.license.as_str(), "MIT AND BSD-3-Clause");
        assert_eq!(a.supplier.as_deref(), Some("Organization: github.com/o"));
        assert_eq!(a.comment.as_deref(), Some("conan a/1.0#r1:pid#p1 arch=x86_64"));
        let b = &set.components[1];
        assert_eq!(b.purl.as_deref(), Some("pkg:conan/b@2.0?channel=stable&user=me"));
        assert_eq!(b.supplier.as_deref(), Some("Person: B Person (b@example.org)"));
        assert_eq!(set.depends_on, vec![(0, 1)]);
        let bad = packages("g.json", "{}", Parent::Image).unwrap_err();
        assert!(bad.to_string().starts_with("g.json: no `graph.nodes`"), "{bad}");
    }
}
