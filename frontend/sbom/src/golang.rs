//! Go modules linked into a binary, from the build info the Go linker embeds
//! (the `.go.buildinfo` ELF section, Go 1.18+ inline format; the same text
//! `go version -m` prints).
//!
//! Reading the binary out of an image is done in a few ranged reads, so the
//! parser is sans-IO: [`BuildInfoReader::next_read`] says which byte range
//! it needs, [`BuildInfoReader::feed`] takes it, and
//! [`BuildInfoReader::finish`] returns the [`BuildInfo`].
//!
//! Components: the main module (APPLICATION), every `dep` (with its `=>`
//! replacement applied: what was really compiled in) and the standard
//! library as `stdlib` at the Go version. Go modules declare no license:
//! NOASSERTION.

use crate::model::{Component, ComponentSet, Ecosystem, Parent, Purpose, SourceError};
use crate::purl::Purl;
use crate::supplier;

/// One module line: path, version, go.sum hash.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Module {
    /// Module path.
    pub path: String,
    /// Version (`(devel)` for what was built from a directory: the main module, a workspace
    /// module or a directory replacement).
    pub version: String,
    /// go.sum hash (`h1:…`), when recorded.
    pub sum: String,
    /// What replaced this module (`=>` line).
    pub replace: Option<Box<Module>>,
}

/// The build info of one Go binary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildInfo {
    /// `go1.24.4`.
    pub go_version: String,
    /// Main package path.
    pub path: String,
    /// Main module.
    pub main: Module,
    /// Dependencies, in the order the linker recorded them.
    pub deps: Vec<Module>,
    /// `build` settings (`GOOS=linux`, `-trimpath=true`, …).
    pub settings: Vec<(String, String)>,
}

impl BuildInfo {
    /// Parses the module text (`path`/`mod`/`dep`/`=>`/`build` lines, tab
    /// separated); accepts `go version -m` output (its first line is
    /// `<file>: <go version>` and the others are indented).
    pub fn parse(file: &str, text: &str) -> Result<Self, SourceError> {
        let mut info = BuildInfo::default();
        let mut last_dep: Option<usize> = None;
        let mut in_main = false;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_start();
            if line.is_empty() {
                continue;
            }
            let bad = |what: &str| SourceError::new(file, format!("line {}: {what}: {:?}", i + 1, raw));
            let cols: Vec<&str> = line.split('\t').collect();
            let module = |cols: &[&str]| Module {
                path: cols.get(1).copied().unwrap_or_default().to_string(),
                version: cols.get(2).copied().unwrap_or_default().to_string(),
                sum: cols.get(3).copied().unwrap_or_default().to_string(),
                replace: None,
            };
            match cols[0] {
                "go" => info.go_version = cols.get(1).copied().unwrap_or_default().to_string(),
                "path" => info.path = cols.get(1).copied().unwrap_or_default().to_string(),
                "mod" => {
                    info.main = module(&cols);
                    in_main = true;
                    last_dep = None;
                }
                "dep" => {
                    if cols.len() < 3 {
                        return Err(bad("a dep line needs a path and a version"));
                    }
                    info.deps.push(module(&cols));
                    last_dep = Some(info.deps.len() - 1);
                    in_main = false;
                }
                "=>" => {
                    let r = Box::new(module(&cols));
                    match (last_dep, in_main) {
                        (Some(d), _) => info.deps[d].replace = Some(r),
                        (None, true) => info.main.replace = Some(r),
                        (None, false) => return Err(bad("a replacement (=>) without a module before it")),
                    }
                }
                "build" => {
                    let setting = cols.get(1).copied().unwrap_or_default();
                    let (k, v) = setting.split_once('=').unwrap_or((setting, ""));
                    info.settings.push((k.to_string(), v.to_string()));
                }
                first if i == 0 && first.contains(": go") => {
                    info.go_version = first.rsplit(": ").next().unwrap_or_default().to_string();
                }
                _ => return Err(bad("unknown build-info line")),
            }
        }
        if info.main.path.is_empty() && info.path.is_empty() {
            return Err(SourceError::new(file, "no `path` or `mod` line: not Go build info"));
        }
        Ok(info)
    }

    /// The modules as components: main module, dependencies, `stdlib`.
    ///
    /// `local_version` is the version of what was built from a directory (the main module,
    /// directory replacements, workspace modules: Go records only `(devel)` for them): the
    /// release version the image is built with (`VERSION`); empty leaves them unversioned.
    /// Every module's supplier is the owner in its path ([`supplier::go_module_owner`]).
    pub fn components(&self, source: &str, parent: Parent, local_version: &str) -> ComponentSet {
        let mut set = ComponentSet::new(source, parent);
        let settings: Vec<String> = self
            .settings
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "GOOS" | "GOARCH" | "CGO_ENABLED" | "-trimpath" | "-buildmode" | "vcs.revision"
                )
            })
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let main_path = if self.main.path.is_empty() {
            &self.path
        } else {
            &self.main.path
        };
        let built_here = |what: &str| {
            if local_version.is_empty() {
                String::new()
            } else {
                format!("; version {local_version} is the release version of the build ({what} records `(devel)`)")
            }
        };
        let (main_version, purl_version, note) = if is_devel(&self.main.version) {
            (local_version, "", built_here("Go"))
        } else {
            (self.main.version.as_str(), self.main.version.as_str(), String::new())
        };
        let mut main = Component::new(Ecosystem::Golang, main_path, main_version);
        main.purpose = Purpose::Application;
        main.purl = Some(go_purl(main_path, purl_version));
        main.supplier = Some(supplier::go_module_owner(main_path));
        main.comment = Some(format!(
            "main package {} built with {} ({}){note}",
            self.path,
            self.go_version,
            settings.join(" ")
        ));
        set.components.push(main);
        for dep in &self.deps {
            let c = match dep.replace.as_deref() {
                // A directory replacement (`=> ../core (devel)`): built from source, under
                // the module path it replaces; its go.mod version is only a placeholder.
                Some(r) if is_local(r) => {
                    let mut c = Component::new(Ecosystem::Golang, &dep.path, local_version);
                    c.comment = Some(format!(
                        "replaced by the local directory {}{}",
                        r.path,
                        built_here("Go")
                    ));
                    c
                }
                Some(r) => {
                    let mut c = Component::new(Ecosystem::Golang, &r.path, &r.version);
                    c.purl = Some(go_purl(&r.path, &r.version));
                    c.comment = Some(format!("replaces {}@{}", dep.path, dep.version));
                    c
                }
                // A module of the Go workspace (go.work): `dep <path> (devel)`, built from source.
                None if is_devel(&dep.version) => {
                    let mut c = Component::new(Ecosystem::Golang, &dep.path, local_version);
                    c.comment = Some(format!(
                        "a module of the Go workspace (go.work), built from source{}",
                        built_here("Go")
                    ));
                    c
                }
                None => {
                    let mut c = Component::new(Ecosystem::Golang, &dep.path, &dep.version);
                    c.purl = Some(go_purl(&dep.path, &dep.version));
                    c.download_location = Some(format!(
                        "https://proxy.golang.org/{}/@v/{}.zip",
                        escape_module(&dep.path),
                        dep.version
                    ));
                    if !dep.sum.is_empty() {
                        c.comment = Some(format!("go.sum {}", dep.sum));
                    }
                    c
                }
            };
            let mut c = c;
            c.supplier = Some(supplier::go_module_owner(&c.name));
            set.components.push(c);
        }
        if !self.go_version.is_empty() {
            let mut std = Component::new(Ecosystem::Golang, "stdlib", &self.go_version);
            std.purl = Some(Purl::new("golang", "stdlib").version(&self.go_version).to_string());
            std.license = crate::License::Spdx("BSD-3-Clause".to_string());
            std.comment = Some("the Go standard library linked into the binary".to_string());
            std.supplier = supplier::actor(supplier::Kind::Organization, "The Go Authors", None);
            set.components.push(std);
        }
        set.depends_on = (1..set.components.len()).map(|j| (0, j)).collect();
        set.tidy();
        set
    }
}

/// The version Go records for what it built from a directory: `(devel)` (empty in older builds).
fn is_devel(version: &str) -> bool {
    version.is_empty() || version == "(devel)"
}

/// A replacement by a directory: Go only accepts those as `./`, `../` or absolute paths, and
/// records them without a version.
fn is_local(r: &Module) -> bool {
    r.path.starts_with("./") || r.path.starts_with("../") || r.path.starts_with('/') || is_devel(&r.version)
}

fn go_purl(path: &str, version: &str) -> String {
    let (ns, name) = path.rsplit_once('/').unwrap_or(("", path));
    Purl::new("golang", name).namespace(ns).version(version).to_string()
}

/// Module proxy case-encoding: `A` → `!a`.
fn escape_module(path: &str) -> String {
    path.chars().fold(String::new(), |mut s, c| {
        if c.is_ascii_uppercase() {
            s.push('!');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
        s
    })
}

/// The header of the build-info blob (`\xff Go buildinf:` + pointer size + flags).
const MAGIC: &[u8] = b"\xff Go buildinf:";
/// Largest `.go.buildinfo` section read (the module list is a few KiB).
const MAX_SECTION: u64 = 1 << 20;

#[derive(Debug, Clone, Copy)]
struct Elf {
    is64: bool,
    little: bool,
    shoff: u64,
    shentsize: u64,
    shnum: u64,
    shstrndx: u64,
}

#[derive(Debug, Clone, Copy)]
struct Section {
    name: u32,
    offset: u64,
    size: u64,
}

impl Elf {
    fn uint(&self, b: &[u8], at: usize, n: usize) -> Option<u64> {
        let s = b.get(at..at + n)?;
        let mut v = 0u64;
        for i in 0..n {
            let byte = if self.little { s[n - 1 - i] } else { s[i] };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    }

    fn parse(h: &[u8]) -> Result<Self, String> {
        if h.len() < 52 || &h[..4] != b"\x7fELF" {
            return Err("not an ELF file".to_string());
        }
        let is64 = match h[4] {
            1 => false,
            2 => true,
            c => return Err(format!("unknown ELF class {c}")),
        };
        let little = match h[5] {
            1 => true,
            2 => false,
            d => return Err(format!("unknown ELF data encoding {d}")),
        };
        let probe = Elf {
            is64,
            little,
            shoff: 0,
            shentsize: 0,
            shnum: 0,
            shstrndx: 0,
        };
        let get = |at, n| probe.uint(h, at, n).ok_or_else(|| "truncated ELF header".to_string());
        let (shoff, rest) = if is64 {
            (get(0x28, 8)?, 0x3A)
        } else {
            (get(0x20, 4)?, 0x2E)
        };
        Ok(Elf {
            shoff,
            shentsize: get(rest, 2)?,
            shnum: get(rest + 2, 2)?,
            shstrndx: get(rest + 4, 2)?,
            ..probe
        })
    }

    fn section(&self, table: &[u8], i: u64) -> Option<Section> {
        let at = usize::try_from(i * self.shentsize).ok()?;
        let (offset, size) = if self.is64 {
            (self.uint(table, at + 0x18, 8)?, self.uint(table, at + 0x20, 8)?)
        } else {
            (self.uint(table, at + 0x10, 4)?, self.uint(table, at + 0x14, 4)?)
        };
        Some(Section {
            name: u32::try_from(self.uint(table, at, 4)?).ok()?,
            offset,
            size,
        })
    }
}

/// The bytes of the ELF section named `name` in a whole ELF file (`None`: no such section).
pub(crate) fn elf_section<'a>(file: &'a [u8], name: &str) -> Result<Option<&'a [u8]>, String> {
    let elf = Elf::parse(file)?;
    let start = usize::try_from(elf.shoff).map_err(|_| "section table offset out of range".to_string())?;
    let len = usize::try_from(elf.shnum * elf.shentsize).map_err(|_| "section table too large".to_string())?;
    let table = file
        .get(start..start.saturating_add(len))
        .ok_or_else(|| "the section table runs past the end of the file".to_string())?;
    let sections: Vec<Section> = (0..elf.shnum).filter_map(|i| elf.section(table, i)).collect();
    let range = |s: &Section| -> Option<&'a [u8]> {
        let at = usize::try_from(s.offset).ok()?;
        file.get(at..at.checked_add(usize::try_from(s.size).ok()?)?)
    };
    let names = usize::try_from(elf.shstrndx)
        .ok()
        .and_then(|i| sections.get(i))
        .and_then(range)
        .ok_or_else(|| "the ELF section-name table is missing".to_string())?;
    for s in &sections {
        let Some(rest) = usize::try_from(s.name).ok().and_then(|at| names.get(at..)) else {
            continue;
        };
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        if &rest[..end] == name.as_bytes() {
            return range(s)
                .map(Some)
                .ok_or_else(|| format!("section {name} runs past the end of the file"));
        }
    }
    Ok(None)
}

#[derive(Debug)]
enum Stage {
    Header,
    SectionTable(Elf),
    Names(Vec<Section>),
    BuildInfo,
    Done(Vec<u8>),
}

/// Reads the build info of a Go ELF binary in four ranged reads.
#[derive(Debug)]
pub struct BuildInfoReader {
    file: String,
    stage: Stage,
    want: Option<(u64, u64)>,
}

impl BuildInfoReader {
    /// Starts reading `file` (its name is used in errors).
    pub fn new(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            stage: Stage::Header,
            want: Some((0, 64)),
        }
    }

    /// The byte range `(offset, length)` to read next, or `None` when done.
    pub fn next_read(&self) -> Option<(u64, u64)> {
        self.want
    }

    fn err(&self, m: impl Into<String>) -> SourceError {
        SourceError::new(&self.file, m)
    }

    /// Takes the bytes of the range [`Self::next_read`] asked for.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), SourceError> {
        let stage = std::mem::replace(&mut self.stage, Stage::BuildInfo);
        match stage {
            Stage::Header => {
                let elf = Elf::parse(bytes).map_err(|e| self.err(e))?;
                if elf.shnum == 0 || elf.shoff == 0 {
                    return Err(
                        self.err("the ELF file has no section headers, so no .go.buildinfo section can be found")
                    );
                }
                self.want = Some((elf.shoff, elf.shnum * elf.shentsize));
                self.stage = Stage::SectionTable(elf);
            }
            Stage::SectionTable(elf) => {
                let sections: Vec<Section> = (0..elf.shnum).filter_map(|i| elf.section(bytes, i)).collect();
                let names = usize::try_from(elf.shstrndx)
                    .ok()
                    .and_then(|i| sections.get(i))
                    .copied();
                let Some(names) = names else {
                    return Err(self.err("the ELF section-name table is missing"));
                };
                self.want = Some((names.offset, names.size.min(MAX_SECTION)));
                self.stage = Stage::Names(sections);
            }
            Stage::Names(sections) => {
                let named = |s: &Section| {
                    let start = usize::try_from(s.name).ok()?;
                    let rest = bytes.get(start..)?;
                    let end = rest.iter().position(|&b| b == 0)?;
                    Some(&rest[..end] == b".go.buildinfo")
                };
                let Some(bi) = sections.iter().find(|s| named(s) == Some(true)).copied() else {
                    return Err(self.err("no .go.buildinfo section: not a Go binary (or built before Go 1.18)"));
                };
                self.want = Some((bi.offset, bi.size.min(MAX_SECTION)));
                self.stage = Stage::BuildInfo;
            }
            Stage::BuildInfo => {
                self.want = None;
                self.stage = Stage::Done(bytes.to_vec());
            }
            Stage::Done(b) => {
                self.stage = Stage::Done(b);
                return Err(self.err("more bytes fed after the build info was read"));
            }
        }
        Ok(())
    }

    /// The parsed build info.
    pub fn finish(self) -> Result<BuildInfo, SourceError> {
        let Stage::Done(blob) = &self.stage else {
            return Err(self.err("the binary was not read to the end"));
        };
        let (go, modinfo) = decode_blob(blob).map_err(|e| self.err(e))?;
        let mut info = BuildInfo::parse(&self.file, &modinfo)?;
        info.go_version = go;
        Ok(info)
    }
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// The Go version and module text from a `.go.buildinfo` blob.
fn decode_blob(blob: &[u8]) -> Result<(String, String), String> {
    if blob.len() < 32 || !blob.starts_with(MAGIC) {
        return Err("the .go.buildinfo section does not start with the build-info magic".to_string());
    }
    let flags = blob[15];
    if flags & 0x2 == 0 {
        return Err("build info in the pre-Go-1.18 pointer format is not supported".to_string());
    }
    let mut rest = &blob[32..];
    let mut strings: Vec<&[u8]> = Vec::new();
    for what in ["Go version", "module info"] {
        let (len, n) = uvarint(rest).ok_or_else(|| format!("bad {what} length"))?;
        let len = usize::try_from(len).map_err(|_| format!("bad {what} length"))?;
        let s = rest
            .get(n..n + len)
            .ok_or_else(|| format!("{what} runs past the section"))?;
        strings.push(s);
        rest = &rest[n + len..];
    }
    let go = String::from_utf8_lossy(strings[0]).into_owned();
    let mut modinfo = strings[1];
    // The linker wraps the module text in 16-byte sentinels.
    if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        modinfo = &modinfo[16..modinfo.len() - 16];
    }
    let modinfo = String::from_utf8_lossy(modinfo).into_owned();
    Ok((go, modinfo))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "path\texample.com/op/cmd/op\nmod\texample.com/op\t(devel)\t\ndep\tgithub.com/go-logr/logr\tv1.4.3\th1:abc=\ndep\texample.com/core\tv0.0.0\t\n=>\t../../packages/core\t(devel)\t\ndep\texample.com/shared\t(devel)\t\ndep\tgolang.org/x/net\tv0.1.0\th1:x=\n=>\tgolang.org/x/net\tv0.2.0\th1:y=\nbuild\t-trimpath=true\nbuild\tGOOS=linux\nbuild\tGOARCH=arm64\n";

    #[test]
    fn parses_module_text_with_replacements() {
        let info = BuildInfo::parse("bin", TEXT).unwrap();
        assert_eq!(info.main.path, "example.com/op");
        assert_eq!(info.deps.len(), 4);
        assert_eq!(info.deps[1].replace.as_ref().unwrap().path, "../../packages/core");
        let mut info = info;
        info.go_version = "go1.24.4".into();
        let set = info.components("/usr/local/bin/op", Parent::Image, "");
        let got: Vec<(String, Option<String>)> = set
            .components
            .iter()
            .map(|c| (c.name.clone(), c.purl.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "example.com/op".to_string(),
                    Some("pkg:golang/example.com/op".to_string())
                ),
                (
                    "github.com/go-logr/logr".to_string(),
                    Some("pkg:golang/github.com/go-logr/logr@v1.4.3".to_string())
                ),
                ("example.com/core".to_string(), None),
                ("example.com/shared".to_string(), None),
                (
                    "golang.org/x/net".to_string(),
                    Some("pkg:golang/golang.org/x/net@v0.2.0".to_string())
                ),
                ("stdlib".to_string(), Some("pkg:golang/stdlib@go1.24.4".to_string())),
            ]
        );
        assert!(set.components[0]
            .comment
            .as_deref()
            .unwrap()
            .contains("GOOS=linux GOARCH=arm64"));
        assert!(set.components.iter().all(|c| c.version.is_empty() || c.version.starts_with('v') || c.name == "stdlib"));
        assert_eq!(set.components[2].version, "", "a directory replacement has no version");
        assert_eq!(set.depends_on, vec![(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]);
        assert_eq!(
            escape_module("github.com/BurntSushi/toml"),
            "github.com/!burnt!sushi/toml"
        );
    }

    #[test]
    fn rejects_what_is_not_build_info() {
        assert!(BuildInfo::parse("f", "hello\tworld\n")
            .unwrap_err()
            .message
            .contains("unknown build-info line"));
        assert!(BuildInfo::parse("f", "=>\tx\tv1\n")
            .unwrap_err()
            .message
            .contains("without a module"));
        let mut r = BuildInfoReader::new("/bin/sh");
        assert_eq!(r.feed(b"#!/bin/sh\n").unwrap_err().message, "not an ELF file");
        assert!(decode_blob(&[0u8; 40]).unwrap_err().contains("magic"));
    }

    /// Every module's supplier is the owner in its module path (a replacement: the replacing
    /// module's); what Go built from a directory gets the release version, never `(devel)`.
    #[test]
    fn suppliers_and_release_versions() {
        let info = BuildInfo::parse("bin", &format!("go\tgo1.24.4\n{TEXT}")).unwrap();
        let set = info.components("/usr/local/bin/op", Parent::Image, "0.1.0");
        let got: Vec<(&str, &str, &str)> = set
            .components
            .iter()
            .map(|c| (c.name.as_str(), c.version.as_str(), c.supplier.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("example.com/op", "0.1.0", "Organization: example.com"),
                ("github.com/go-logr/logr", "v1.4.3", "Organization: github.com/go-logr"),
                ("example.com/core", "0.1.0", "Organization: example.com"),
                ("example.com/shared", "0.1.0", "Organization: example.com"),
                ("golang.org/x/net", "v0.2.0", "Organization: golang.org/x"),
                ("stdlib", "go1.24.4", "Organization: The Go Authors"),
            ]
        );
        assert_eq!(set.components[0].purl.as_deref(), Some("pkg:golang/example.com/op"), "no proxy version");
        assert!(set.components[2].comment.as_deref().unwrap().contains("release version"));
    }
}
