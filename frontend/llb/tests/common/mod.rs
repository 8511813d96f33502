//! Helpers shared by the integration tests: decode a definition back into ops.

#![allow(dead_code)]

use llb::pb;
use prost::Message;
use sha2::{Digest as _, Sha256};

#[derive(Debug)]
pub struct Decoded {
    pub ops: Vec<pb::Op>,
    pub digests: Vec<String>,
}

pub fn decode(def: &pb::Definition) -> Decoded {
    let mut ops = Vec::new();
    let mut digests = Vec::new();
    for bytes in &def.def {
        ops.push(pb::Op::decode(bytes.as_slice()).expect("op decodes"));
        digests.push(format!("sha256:{}", hex::encode(Sha256::digest(bytes))));
    }
    Decoded { ops, digests }
}

impl Decoded {
    pub fn position(&self, digest: &str) -> usize {
        self.digests.iter().position(|d| d == digest).expect("input digest is in the definition")
    }

    /// Index of the first op matching `f`.
    pub fn find(&self, f: impl Fn(&pb::Op) -> bool) -> usize {
        self.ops.iter().position(f).expect("op exists")
    }

    pub fn exec(&self) -> (usize, &pb::ExecOp) {
        for (i, op) in self.ops.iter().enumerate() {
            if let Some(pb::op::Op::Exec(e)) = &op.op {
                return (i, e);
            }
        }
        panic!("no exec op")
    }

    pub fn file(&self) -> (usize, &pb::FileOp) {
        for (i, op) in self.ops.iter().enumerate() {
            if let Some(pb::op::Op::File(f)) = &op.op {
                return (i, f);
            }
        }
        panic!("no file op")
    }

    pub fn source(&self, prefix: &str) -> (usize, &pb::SourceOp) {
        for (i, op) in self.ops.iter().enumerate() {
            if let Some(pb::op::Op::Source(s)) = &op.op {
                if s.identifier.starts_with(prefix) {
                    return (i, s);
                }
            }
        }
        panic!("no source op starting with {prefix}")
    }

    /// Every input of every op points at an op earlier in the list.
    pub fn assert_topological(&self) {
        for (i, op) in self.ops.iter().enumerate() {
            for inp in &op.inputs {
                let p = self.position(&inp.digest);
                assert!(p < i, "op {i} reads op {p}, which must come first");
            }
        }
    }
}
