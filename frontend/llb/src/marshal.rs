//! Marshal: turn a [`State`] into a `pb::Definition` — ops in a deterministic
//! post-order (inputs before users, first-use order), the terminal op (one
//! input, no body) last, metadata keyed by the sha256 of each op's exact bytes.
//!
//! Marshal reads the graph and changes nothing; the same graph always gives the
//! same bytes, and an op reached twice (or built twice identically) appears once.
//! Like the Go client, every op except the terminal one carries an empty
//! `WorkerConstraints`, so a graph built here has the same op digests as the same
//! graph built with BuildKit's `client/llb` (and shares its cache).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use bollard_buildkit_proto::pb;
use prost::Message;

use crate::caps;
use crate::definition::RawSpec;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::platform::Platform;
use crate::sourcemap::{SourceLocation, SourceMap};
use crate::state::{Node, Op, Output, State};

/// Options that apply to the whole definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarshalOpts {
    /// Platform for exec ops and image sources whose state has none (the target
    /// platform of this build). `None` leaves them to the daemon's default.
    pub platform: Option<Platform>,
    /// The daemon's LLB caps from Ping (`PongResponse.LLBCaps`, enabled ones).
    /// When set, marshal fails if the graph needs a cap outside this set, and
    /// exec ops get a default `PATH` if the daemon does not set one itself.
    pub llb_caps: Option<BTreeSet<String>>,
    /// Make every op bypass the cache (`--no-cache`).
    pub ignore_cache: bool,
}

impl MarshalOpts {
    /// Options for one target platform.
    pub fn for_platform(platform: Platform) -> Self {
        Self { platform: Some(platform), ..Self::default() }
    }
}

/// Per-op marshalling context: resolves input outputs to `pb::Input`s.
pub(crate) struct OpCtx<'a> {
    pub(crate) opts: &'a MarshalOpts,
    digests: &'a HashMap<usize, Digest>,
    inputs: Vec<pb::Input>,
}

impl OpCtx<'_> {
    fn input_for(&self, out: &Output) -> pb::Input {
        let digest = self
            .digests
            .get(&node_key(&out.node))
            .expect("inputs are marshalled before their users")
            .to_string();
        pb::Input { digest, index: out.index }
    }

    /// Adds an input, reusing an equal one; returns its index.
    pub(crate) fn add_input(&mut self, out: &Output) -> i64 {
        let inp = self.input_for(out);
        if let Some(i) = self.inputs.iter().position(|x| *x == inp) {
            return i as i64;
        }
        self.inputs.push(inp);
        (self.inputs.len() - 1) as i64
    }

    /// Adds an input without deduplication (merge/diff keep one per operand).
    pub(crate) fn push_input(&mut self, out: &Output) -> i64 {
        let inp = self.input_for(out);
        self.inputs.push(inp);
        (self.inputs.len() - 1) as i64
    }

    pub(crate) fn input_count(&self) -> usize {
        self.inputs.len()
    }

    pub(crate) fn take_inputs(&mut self) -> Vec<pb::Input> {
        std::mem::take(&mut self.inputs)
    }
}

fn node_key(node: &Arc<Node>) -> usize {
    Arc::as_ptr(node) as usize
}

struct Marshaller<'a> {
    opts: &'a MarshalOpts,
    digests: HashMap<usize, Digest>,
    seen: BTreeSet<Digest>,
    def: Vec<Vec<u8>>,
    order: Vec<(Digest, String)>,
    metadata: BTreeMap<String, pb::OpMetadata>,
    locations: Vec<(Digest, SourceLocation)>,
}

impl Marshaller<'_> {
    fn visit(&mut self, node: &Arc<Node>) -> Result<()> {
        if self.digests.contains_key(&node_key(node)) {
            return Ok(());
        }
        for input in node.inputs() {
            self.visit(&input.node)?;
        }
        let mut ctx = OpCtx { opts: self.opts, digests: &self.digests, inputs: Vec::new() };
        let (op, used_caps) = match &node.op {
            Op::Source(s) => s.to_pb(&mut ctx),
            Op::Exec(e) => e.to_pb(&mut ctx),
            Op::File(f) => f.to_pb(&mut ctx),
            Op::Merge(m) => m.to_pb(&mut ctx),
            Op::Diff(d) => d.to_pb(&mut ctx),
            Op::Raw(r) => return self.visit_raw(node, r),
        };
        let bytes = op.encode_to_vec();
        let md = pb::OpMetadata {
            caps: used_caps.iter().map(|c| (c.to_string(), true)).collect(),
            ..pb::OpMetadata::default()
        };
        self.record(node, bytes, md);
        Ok(())
    }

    fn visit_raw(&mut self, node: &Arc<Node>, raw: &RawSpec) -> Result<()> {
        let md = pb::OpMetadata { caps: raw.caps(), ..raw.metadata.clone() };
        self.record(node, raw.bytes.to_vec(), md);
        Ok(())
    }

    /// Adds an op's bytes (once per digest) and merges its metadata and locations.
    fn record(&mut self, node: &Arc<Node>, bytes: Vec<u8>, base: pb::OpMetadata) {
        let digest = Digest::of_bytes(&bytes);
        let mut md = base;
        md.ignore_cache |= node.opts.ignore_cache || self.opts.ignore_cache;
        for (k, v) in &node.opts.description {
            md.description.insert(k.clone(), v.clone());
        }
        if let Some(g) = &node.opts.progress_group {
            md.progress_group = Some(pb::ProgressGroup { id: g.id.clone(), name: g.name.clone(), weak: g.weak });
        }
        merge_metadata(self.metadata.entry(digest.to_string()).or_default(), md);
        for loc in &node.opts.locations {
            let entry = (digest.clone(), loc.clone());
            if !self.locations.contains(&entry) {
                self.locations.push(entry);
            }
        }
        if self.seen.insert(digest.clone()) {
            self.def.push(bytes);
            let label = match node.opts.get_custom_name() {
                Some(name) => format!("{} {} ({name:?})", node.kind(), digest.short(12)),
                None => format!("{} {}", node.kind(), digest.short(12)),
            };
            self.order.push((digest.clone(), label));
        }
        self.digests.insert(node_key(node), digest);
    }
}

/// Same digest reached through two nodes: combine deterministically (first
/// description value and progress group win, caps and cache bypass add up).
fn merge_metadata(into: &mut pb::OpMetadata, from: pb::OpMetadata) {
    into.ignore_cache |= from.ignore_cache;
    for (k, v) in from.description {
        into.description.entry(k).or_insert(v);
    }
    into.caps.extend(from.caps);
    if into.progress_group.is_none() {
        into.progress_group = from.progress_group;
    }
}

impl State {
    /// Marshals this state and everything it depends on into one definition.
    /// A scratch state gives an empty definition (solve it as "no result").
    pub fn marshal(&self, opts: &MarshalOpts) -> Result<pb::Definition> {
        let Some(out) = self.output() else {
            return Ok(pb::Definition::default());
        };
        let mut m = Marshaller {
            opts,
            digests: HashMap::new(),
            seen: BTreeSet::new(),
            def: Vec::new(),
            order: Vec::new(),
            metadata: BTreeMap::new(),
            locations: Vec::new(),
        };
        m.visit(&out.node)?;

        let root = m.digests[&node_key(&out.node)].clone();
        let terminal = pb::Op {
            inputs: vec![pb::Input { digest: root.to_string(), index: out.index }],
            platform: None,
            constraints: None,
            op: None,
        };
        let bytes = terminal.encode_to_vec();
        let term_digest = Digest::of_bytes(&bytes);
        let mut term_caps: BTreeMap<String, bool> =
            [caps::CONSTRAINTS, caps::PLATFORM].iter().map(|c| (c.to_string(), true)).collect();
        if m.metadata.values().any(|md| md.ignore_cache) {
            term_caps.insert(caps::META_IGNORE_CACHE.to_string(), true);
        }
        if m.metadata.values().any(|md| !md.description.is_empty()) {
            term_caps.insert(caps::META_DESCRIPTION.to_string(), true);
        }
        m.def.push(bytes);
        m.order.push((term_digest.clone(), format!("terminal {}", term_digest.short(12))));
        m.metadata.insert(
            term_digest.to_string(),
            pb::OpMetadata { caps: term_caps, ..pb::OpMetadata::default() },
        );

        if let Some(supported) = &opts.llb_caps {
            for (digest, label) in &m.order {
                let md = &m.metadata[digest.as_str()];
                if let Some(cap) = md.caps.keys().find(|c| !supported.contains(c.as_str())) {
                    return Err(Error::UnsupportedCap { cap: cap.clone(), op: label.clone() });
                }
            }
        }

        let source = source_info(&m.locations);
        Ok(pb::Definition { def: m.def, metadata: m.metadata, source })
    }
}

fn source_info(locations: &[(Digest, SourceLocation)]) -> Option<pb::Source> {
    if locations.is_empty() {
        return None;
    }
    let mut maps: Vec<SourceMap> = Vec::new();
    let mut by_digest: BTreeMap<String, pb::Locations> = BTreeMap::new();
    for (digest, loc) in locations {
        let index = match maps.iter().position(|m| *m == loc.map) {
            Some(i) => i,
            None => {
                maps.push(loc.map.clone());
                maps.len() - 1
            }
        };
        by_digest.entry(digest.to_string()).or_default().locations.push(pb::Location {
            source_index: index as i32,
            ranges: loc.ranges.iter().map(|r| r.to_pb()).collect(),
        });
    }
    Some(pb::Source {
        locations: by_digest,
        infos: maps
            .iter()
            .map(|m| pb::SourceInfo {
                filename: m.filename().to_string(),
                data: m.data().to_vec(),
                definition: None,
                language: m.language().to_string(),
            })
            .collect(),
    })
}

/// The digest of the op output a definition evaluates to (the terminal op's
/// input), e.g. to name the vertex in a `Warn` request.
pub fn result_digest(def: &pb::Definition) -> Option<Digest> {
    let last = def.def.last()?;
    let op = pb::Op::decode(last.as_slice()).ok()?;
    match (&op.op, op.inputs.as_slice()) {
        (None, [only]) => Digest::parse(&only.digest).ok(),
        _ => None,
    }
}
