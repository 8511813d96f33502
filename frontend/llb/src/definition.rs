//! States from existing definitions: a `pb::Definition` received from
//! BuildKit (e.g. a frontend input from `Inputs()`, used by `input:` named
//! contexts) becomes a [`State`] whose ops are re-emitted byte for byte, so
//! their digests, metadata and source locations are kept.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bollard_buildkit_proto::pb;
use prost::Message;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::op_options::OpOptions;
use crate::platform::Platform;
use crate::sourcemap::{SourceLocation, SourceMap, SourceRange};
use crate::state::{Node, Op, Output, State, StateMeta};

/// An op taken verbatim from another definition.
#[derive(Debug, Clone)]
pub(crate) struct RawSpec {
    pub(crate) bytes: Arc<[u8]>,
    pub(crate) inputs: Vec<Output>,
    pub(crate) metadata: pb::OpMetadata,
    pub(crate) kind: &'static str,
}

fn op_kind(op: &pb::Op) -> &'static str {
    use pb::op::Op as K;
    match &op.op {
        None => "terminal",
        Some(K::Exec(_)) => "exec",
        Some(K::Source(_)) => "source",
        Some(K::File(_)) => "file",
        Some(K::Build(_)) => "build",
        Some(K::Merge(_)) => "merge",
        Some(K::Diff(_)) => "diff",
    }
}

struct Loader<'a> {
    def: &'a pb::Definition,
    ops: HashMap<String, (Arc<[u8]>, pb::Op)>,
    nodes: HashMap<String, Arc<Node>>,
    in_progress: Vec<String>,
}

impl Loader<'_> {
    fn node(&mut self, digest: &str) -> Result<Arc<Node>> {
        if let Some(n) = self.nodes.get(digest) {
            return Ok(n.clone());
        }
        if self.in_progress.iter().any(|d| d == digest) {
            return Err(Error::Decode { reason: format!("cycle through op {digest}") });
        }
        let (bytes, op) = self
            .ops
            .get(digest)
            .cloned()
            .ok_or_else(|| Error::Decode { reason: format!("input {digest} is not in the definition") })?;
        self.in_progress.push(digest.to_string());
        let mut inputs = Vec::with_capacity(op.inputs.len());
        for inp in &op.inputs {
            let node = self.node(&inp.digest)?;
            inputs.push(Output { node, index: inp.index });
        }
        self.in_progress.pop();
        let metadata = self.def.metadata.get(digest).cloned().unwrap_or_default();
        let opts = OpOptions { locations: self.locations(digest), ..OpOptions::default() };
        let node = Node::new(Op::Raw(RawSpec { bytes, inputs, metadata, kind: op_kind(&op) }), opts);
        self.nodes.insert(digest.to_string(), node.clone());
        Ok(node)
    }

    fn locations(&self, digest: &str) -> Vec<SourceLocation> {
        let Some(src) = &self.def.source else { return Vec::new() };
        let Some(locs) = src.locations.get(digest) else { return Vec::new() };
        let mut out = Vec::new();
        for l in &locs.locations {
            let Some(info) = usize::try_from(l.source_index).ok().and_then(|i| src.infos.get(i)) else { continue };
            let map = SourceMap::new(info.filename.clone(), info.language.clone(), info.data.clone());
            let ranges = l
                .ranges
                .iter()
                .map(|r| {
                    let s = r.start.unwrap_or_default();
                    let e = r.end.unwrap_or_default();
                    SourceRange::from_wire(s.line, s.character, e.line, e.character)
                })
                .collect::<Vec<_>>();
            out.push(map.location(ranges));
        }
        out
    }
}

impl State {
    /// A state for the result of an existing definition (the op its terminal op
    /// points at). An empty definition gives scratch. The ops are kept verbatim,
    /// with their metadata and source locations; the state's platform is taken
    /// from the result op when it has one.
    pub fn from_definition(def: &pb::Definition) -> Result<State> {
        if def.def.is_empty() {
            return Ok(State::scratch());
        }
        let mut ops = HashMap::new();
        let mut decoded = Vec::with_capacity(def.def.len());
        for (i, bytes) in def.def.iter().enumerate() {
            let op = pb::Op::decode(bytes.as_slice()).map_err(|e| Error::Decode { reason: format!("op {i}: {e}") })?;
            let digest = Digest::of_bytes(bytes).to_string();
            decoded.push(op.clone());
            ops.insert(digest, (Arc::<[u8]>::from(bytes.as_slice()), op));
        }
        let last = decoded.last().expect("non-empty");
        let [result] = last.inputs.as_slice() else {
            return Err(Error::Decode { reason: "the last op must be a terminal op with exactly one input".to_string() });
        };
        if last.op.is_some() {
            return Err(Error::Decode { reason: "the last op must be a terminal op without a body".to_string() });
        }
        let mut loader = Loader { def, ops, nodes: HashMap::new(), in_progress: Vec::new() };
        let node = loader.node(&result.digest)?;
        let platform = loader.ops[&result.digest].1.platform.as_ref().and_then(|p| Platform::from_pb(p).ok());
        let meta = StateMeta { platform, ..StateMeta::default() };
        Ok(State::from_parts(Some(Output { node, index: result.index }), meta))
    }
}

impl RawSpec {
    pub(crate) fn caps(&self) -> BTreeMap<String, bool> {
        self.metadata.caps.clone()
    }
}
