//! Merge and diff ops: layer states on top of each other without copying
//! (`MergeOp`), or take only what changed between two states (`DiffOp`).
//! Both need BuildKit ≥ 0.10 (LLB caps `mergeop`, `diffop`).

use bollard_buildkit_proto::pb;

use crate::caps;
use crate::marshal::OpCtx;
use crate::op_options::OpOptions;
use crate::state::{Node, Op, Output, State};

#[derive(Debug, Clone)]
pub(crate) struct MergeSpec {
    pub(crate) inputs: Vec<Output>,
}

#[derive(Debug, Clone)]
pub(crate) struct DiffSpec {
    pub(crate) lower: Option<Output>,
    pub(crate) upper: Option<Output>,
}

impl State {
    /// Stacks states in order (later ones win). Scratch inputs are dropped; no
    /// inputs gives scratch and one input gives that state unchanged. The result
    /// keeps the first input's metadata.
    pub fn merge<'a>(states: impl IntoIterator<Item = &'a State>) -> State {
        let states: Vec<&State> = states.into_iter().filter(|s| !s.is_scratch()).collect();
        match states.as_slice() {
            [] => State::scratch(),
            [only] => (*only).clone(),
            [first, ..] => {
                let inputs = states.iter().filter_map(|s| s.output().cloned()).collect();
                let node = Node::new(Op::Merge(MergeSpec { inputs }), OpOptions::default());
                State::from_parts(Some(Output { node, index: 0 }), first.meta().clone())
            }
        }
    }

    /// What `upper` adds or changes on top of `lower`. With a scratch `lower`
    /// this is `upper` itself; both scratch gives scratch. The result keeps
    /// `lower`'s metadata.
    pub fn diff(lower: &State, upper: &State) -> State {
        if lower.is_scratch() {
            return if upper.is_scratch() { State::scratch() } else { upper.clone() };
        }
        let spec = DiffSpec { lower: lower.output().cloned(), upper: upper.output().cloned() };
        let node = Node::new(Op::Diff(spec), OpOptions::default());
        State::from_parts(Some(Output { node, index: 0 }), lower.meta().clone())
    }
}

impl MergeSpec {
    pub(crate) fn to_pb(&self, ctx: &mut OpCtx<'_>) -> (pb::Op, Vec<&'static str>) {
        let inputs = self.inputs.iter().map(|o| pb::MergeInput { input: ctx.push_input(o) }).collect();
        let op = pb::Op {
            inputs: ctx.take_inputs(),
            platform: None,
            constraints: Some(pb::WorkerConstraints::default()),
            op: Some(pb::op::Op::Merge(pb::MergeOp { inputs })),
        };
        (op, vec![caps::MERGE_OP])
    }
}

impl DiffSpec {
    pub(crate) fn to_pb(&self, ctx: &mut OpCtx<'_>) -> (pb::Op, Vec<&'static str>) {
        let lower = self.lower.as_ref().map_or(-1, |o| ctx.push_input(o));
        let upper = self.upper.as_ref().map_or(-1, |o| ctx.push_input(o));
        let op = pb::Op {
            inputs: ctx.take_inputs(),
            platform: None,
            constraints: Some(pb::WorkerConstraints::default()),
            op: Some(pb::op::Op::Diff(pb::DiffOp {
                lower: Some(pb::LowerDiffInput { input: lower }),
                upper: Some(pb::UpperDiffInput { input: upper }),
            })),
        };
        (op, vec![caps::DIFF_OP])
    }
}
