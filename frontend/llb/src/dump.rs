//! Readable dumps of a marshalled `pb::Definition`, decoded from its bytes (so
//! they show exactly what BuildKit receives): [`dump`] gives stable text for
//! golden tests and the frontend's `plan` mode, [`dump_json`] the same content
//! as JSON for `plan --json`.
//!
//! Ops are listed in definition order as `#<position>`; an input is written
//! `#<position>:<output index>`, `scratch` for `-1`, and `action <n>` for a file
//! action reading an earlier action's result.

use std::collections::HashMap;
use std::fmt::Write as _;

use bollard_buildkit_proto::pb;
use prost::Message;
use serde_json::{json, Map, Value};

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::op_options::CUSTOM_NAME_KEY;

struct Decoded {
    ops: Vec<(Digest, pb::Op, Option<String>)>,
    position: HashMap<String, usize>,
}

fn decode(def: &pb::Definition) -> Decoded {
    let mut ops = Vec::with_capacity(def.def.len());
    let mut position = HashMap::new();
    for (i, bytes) in def.def.iter().enumerate() {
        let digest = Digest::of_bytes(bytes);
        position.insert(digest.to_string(), i);
        match pb::Op::decode(bytes.as_slice()) {
            Ok(op) => ops.push((digest, op, None)),
            Err(e) => ops.push((digest, pb::Op::default(), Some(e.to_string()))),
        }
    }
    Decoded { ops, position }
}

/// Checks that every op of a definition decodes (a dump of foreign bytes marks
/// undecodable ops inline instead of failing).
pub fn validate(def: &pb::Definition) -> Result<()> {
    for (i, (_, _, err)) in decode(def).ops.iter().enumerate() {
        if let Some(e) = err {
            return Err(Error::Decode { reason: format!("op {i}: {e}") });
        }
    }
    Ok(())
}

impl Decoded {
    fn input_ref(&self, inp: &pb::Input) -> String {
        match self.position.get(&inp.digest) {
            Some(p) => format!("#{p}:{}", inp.index),
            None => format!("{}:{} (missing)", inp.digest, inp.index),
        }
    }

    fn op_input(&self, op: &pb::Op, index: i64) -> String {
        if index < 0 {
            return "scratch".to_string();
        }
        match op.inputs.get(index as usize) {
            Some(inp) => self.input_ref(inp),
            None => format!("input {index} (out of range)"),
        }
    }

    fn file_input(&self, op: &pb::Op, index: i64) -> String {
        let n = op.inputs.len() as i64;
        if index >= n {
            format!("action {}", index - n)
        } else {
            self.op_input(op, index)
        }
    }
}

fn kind(op: &pb::Op) -> &'static str {
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

fn platform_str(p: &pb::Platform) -> String {
    let mut s = format!("{}/{}", p.os, p.architecture);
    if !p.variant.is_empty() {
        s.push('/');
        s.push_str(&p.variant);
    }
    s
}

fn mode_str(mode: i64) -> String {
    if mode < 0 {
        "keep".to_string()
    } else {
        format!("0o{mode:o}")
    }
}

fn ts_str(t: i64) -> String {
    if t < 0 {
        "unset".to_string()
    } else {
        t.to_string()
    }
}

fn mount_type(t: i32) -> &'static str {
    match pb::MountType::try_from(t) {
        Ok(pb::MountType::Bind) => "bind",
        Ok(pb::MountType::Secret) => "secret",
        Ok(pb::MountType::Ssh) => "ssh",
        Ok(pb::MountType::Cache) => "cache",
        Ok(pb::MountType::Tmpfs) => "tmpfs",
        Err(_) => "unknown",
    }
}

fn sharing(s: i32) -> &'static str {
    match pb::CacheSharingOpt::try_from(s) {
        Ok(pb::CacheSharingOpt::Shared) => "shared",
        Ok(pb::CacheSharingOpt::Private) => "private",
        Ok(pb::CacheSharingOpt::Locked) => "locked",
        Err(_) => "unknown",
    }
}

fn network(n: i32) -> &'static str {
    match pb::NetMode::try_from(n) {
        Ok(pb::NetMode::Unset) => "sandbox",
        Ok(pb::NetMode::Host) => "host",
        Ok(pb::NetMode::None) => "none",
        Err(_) => "unknown",
    }
}

fn security(n: i32) -> &'static str {
    match pb::SecurityMode::try_from(n) {
        Ok(pb::SecurityMode::Sandbox) => "sandbox",
        Ok(pb::SecurityMode::Insecure) => "insecure",
        Err(_) => "unknown",
    }
}

fn user_opt(u: &Option<pb::UserOpt>) -> Option<String> {
    use pb::user_opt::User;
    u.as_ref().and_then(|u| u.user.as_ref()).map(|u| match u {
        User::ById(id) => id.to_string(),
        User::ByName(n) => n.name.clone(),
    })
}

fn chown(o: &Option<pb::ChownOpt>) -> Option<String> {
    o.as_ref().map(|c| {
        let user = user_opt(&c.user).unwrap_or_default();
        match user_opt(&c.group) {
            Some(g) => format!("{user}:{g}"),
            None => user,
        }
    })
}

fn data_summary(data: &[u8]) -> String {
    let digest = Digest::of_bytes(data);
    match std::str::from_utf8(data) {
        Ok(s) if s.len() <= 80 && !s.contains('\n') => format!("{} bytes {:?}", data.len(), s),
        _ => format!("{} bytes sha256:{}", data.len(), digest.short(12)),
    }
}

fn range_str(r: &pb::Range) -> String {
    let s = r.start.unwrap_or_default();
    let e = r.end.unwrap_or_default();
    format!("{}:{}-{}:{}", s.line, s.character, e.line, e.character)
}

fn locations(def: &pb::Definition, digest: &str) -> Vec<(String, Vec<String>)> {
    let Some(src) = &def.source else { return Vec::new() };
    let Some(locs) = src.locations.get(digest) else { return Vec::new() };
    locs.locations
        .iter()
        .map(|l| {
            let file = usize::try_from(l.source_index)
                .ok()
                .and_then(|i| src.infos.get(i))
                .map_or_else(|| format!("<source {}>", l.source_index), |i| i.filename.clone());
            (file, l.ranges.iter().map(range_str).collect())
        })
        .collect()
}

/// Renders a definition as stable, readable text.
pub fn dump(def: &pb::Definition) -> String {
    let d = decode(def);
    let mut out = String::new();
    for (pos, (digest, op, err)) in d.ops.iter().enumerate() {
        if let Some(e) = err {
            let _ = writeln!(out, "#{pos} undecodable {}: {e}", digest.short(12));
            continue;
        }
        let _ = write!(out, "#{pos} {} {}", kind(op), digest.short(12));
        if let Some(p) = &op.platform {
            let _ = write!(out, " [{}]", platform_str(p));
        }
        out.push('\n');
        let md = def.metadata.get(digest.as_str());
        if let Some(md) = md {
            if let Some(name) = md.description.get(CUSTOM_NAME_KEY) {
                let _ = writeln!(out, "  name: {name:?}");
            }
            for (k, v) in md.description.iter().filter(|(k, _)| k.as_str() != CUSTOM_NAME_KEY) {
                let _ = writeln!(out, "  description {k}: {v:?}");
            }
            if let Some(g) = &md.progress_group {
                let _ = writeln!(out, "  progress group: {} {:?}{}", g.id, g.name, if g.weak { " (weak)" } else { "" });
            }
            if md.ignore_cache {
                out.push_str("  ignore cache\n");
            }
        }
        for (file, ranges) in locations(def, digest.as_str()) {
            let _ = writeln!(out, "  at {file} {}", ranges.join(", "));
        }
        write_body(&mut out, &d, op);
        if let Some(md) = md {
            if !md.caps.is_empty() {
                let caps: Vec<&str> = md.caps.keys().map(String::as_str).collect();
                let _ = writeln!(out, "  caps: {}", caps.join(" "));
            }
        }
    }
    out
}

fn write_body(out: &mut String, d: &Decoded, op: &pb::Op) {
    use pb::op::Op as K;
    match &op.op {
        None => {
            for i in &op.inputs {
                let _ = writeln!(out, "  result: {}", d.input_ref(i));
            }
        }
        Some(K::Source(s)) => {
            let _ = writeln!(out, "  {}", s.identifier);
            for (k, v) in &s.attrs {
                let _ = writeln!(out, "  attr {k}={v}");
            }
        }
        Some(K::Exec(e)) => {
            let meta = e.meta.clone().unwrap_or_default();
            let _ = writeln!(out, "  args: {:?}", meta.args);
            for kv in &meta.env {
                let _ = writeln!(out, "  env {kv}");
            }
            let _ = writeln!(out, "  cwd: {}", meta.cwd);
            if !meta.user.is_empty() {
                let _ = writeln!(out, "  user: {}", meta.user);
            }
            if !meta.hostname.is_empty() {
                let _ = writeln!(out, "  hostname: {}", meta.hostname);
            }
            for h in &meta.extra_hosts {
                let _ = writeln!(out, "  extra host: {} {}", h.host, h.ip);
            }
            for u in &meta.ulimit {
                let _ = writeln!(out, "  ulimit {}={}:{}", u.name, u.soft, u.hard);
            }
            if !meta.cgroup_parent.is_empty() {
                let _ = writeln!(out, "  cgroup parent: {}", meta.cgroup_parent);
            }
            if meta.proxy_env.is_some() {
                out.push_str("  proxy env: set\n");
            }
            if !meta.valid_exit_codes.is_empty() {
                let _ = writeln!(out, "  valid exit codes: {:?}", meta.valid_exit_codes);
            }
            if e.network != 0 {
                let _ = writeln!(out, "  network: {}", network(e.network));
            }
            if e.security != 0 {
                let _ = writeln!(out, "  security: {}", security(e.security));
            }
            for m in &e.mounts {
                let _ = write!(out, "  mount {} {}", m.dest, mount_type(m.mount_type));
                if m.input >= 0 || m.mount_type == pb::MountType::Bind as i32 {
                    let _ = write!(out, " from {}", d.op_input(op, m.input));
                }
                if !m.selector.is_empty() {
                    let _ = write!(out, " selector={}", m.selector);
                }
                if m.readonly {
                    out.push_str(" ro");
                }
                if m.output >= 0 {
                    let _ = write!(out, " -> output {}", m.output);
                }
                if let Some(c) = &m.cache_opt {
                    let _ = write!(out, " id={} sharing={}", c.id, sharing(c.sharing));
                }
                if let Some(t) = &m.tmpfs_opt {
                    if t.size > 0 {
                        let _ = write!(out, " size={}", t.size);
                    }
                }
                if let Some(s) = &m.secret_opt {
                    let _ = write!(out, " id={} mode={} uid={} gid={}", s.id, mode_str(s.mode.into()), s.uid, s.gid);
                    if s.optional {
                        out.push_str(" optional");
                    }
                }
                if let Some(s) = &m.ssh_opt {
                    let _ = write!(out, " id={} mode={} uid={} gid={}", s.id, mode_str(s.mode.into()), s.uid, s.gid);
                    if s.optional {
                        out.push_str(" optional");
                    }
                }
                out.push('\n');
            }
            for s in &e.secretenv {
                let _ = writeln!(out, "  secret env {} <- {}{}", s.name, s.id, if s.optional { " optional" } else { "" });
            }
        }
        Some(K::File(f)) => {
            for (i, a) in f.actions.iter().enumerate() {
                let _ = write!(out, "  action {i} on {}", d.file_input(op, a.input));
                if a.output >= 0 {
                    let _ = write!(out, " -> output {}", a.output);
                }
                out.push_str(": ");
                write_file_action(out, d, op, a);
                out.push('\n');
            }
        }
        Some(K::Merge(m)) => {
            let ins: Vec<String> = m.inputs.iter().map(|i| d.op_input(op, i.input)).collect();
            let _ = writeln!(out, "  layers: {}", ins.join(" + "));
        }
        Some(K::Diff(df)) => {
            let lower = df.lower.as_ref().map_or(-1, |l| l.input);
            let upper = df.upper.as_ref().map_or(-1, |u| u.input);
            let _ = writeln!(out, "  lower: {}", d.op_input(op, lower));
            let _ = writeln!(out, "  upper: {}", d.op_input(op, upper));
        }
        Some(K::Build(b)) => {
            let _ = writeln!(out, "  builder input: {}", b.builder);
        }
    }
}

fn write_file_action(out: &mut String, d: &Decoded, op: &pb::Op, a: &pb::FileAction) {
    use pb::file_action::Action;
    match &a.action {
        Some(Action::Copy(c)) => {
            let _ = write!(out, "copy {} from {} -> {}", c.src, d.file_input(op, a.secondary_input), c.dest);
            let flags = [
                (c.create_dest_path, "create_dest_path"),
                (c.allow_wildcard, "allow_wildcard"),
                (c.allow_empty_wildcard, "allow_empty_wildcard"),
                (c.follow_symlink, "follow_symlinks"),
                (c.dir_copy_contents, "dir_copy_contents"),
                (c.attempt_unpack_docker_compatibility, "unpack"),
            ];
            for (on, name) in flags {
                if on {
                    let _ = write!(out, " {name}");
                }
            }
            let _ = write!(out, " mode={} ts={}", mode_str(c.mode.into()), ts_str(c.timestamp));
            if let Some(o) = chown(&c.owner) {
                let _ = write!(out, " chown={o}");
            }
            if !c.include_patterns.is_empty() {
                let _ = write!(out, " include={:?}", c.include_patterns);
            }
            if !c.exclude_patterns.is_empty() {
                let _ = write!(out, " exclude={:?}", c.exclude_patterns);
            }
        }
        Some(Action::Mkdir(m)) => {
            let _ = write!(out, "mkdir {} mode={}", m.path, mode_str(m.mode.into()));
            if m.make_parents {
                out.push_str(" parents");
            }
            if let Some(o) = chown(&m.owner) {
                let _ = write!(out, " chown={o}");
            }
            let _ = write!(out, " ts={}", ts_str(m.timestamp));
        }
        Some(Action::Mkfile(m)) => {
            let _ = write!(out, "mkfile {} mode={} data={}", m.path, mode_str(m.mode.into()), data_summary(&m.data));
            if let Some(o) = chown(&m.owner) {
                let _ = write!(out, " chown={o}");
            }
            let _ = write!(out, " ts={}", ts_str(m.timestamp));
        }
        Some(Action::Rm(r)) => {
            let _ = write!(out, "rm {}", r.path);
            if r.allow_not_found {
                out.push_str(" allow_not_found");
            }
            if r.allow_wildcard {
                out.push_str(" allow_wildcard");
            }
        }
        Some(Action::Symlink(s)) => {
            let _ = write!(out, "symlink {} -> {}", s.newpath, s.oldpath);
        }
        None => out.push_str("(empty action)"),
    }
}

/// The same content as [`dump`] as JSON: `{"ops": [...], "result": "#n:i"}`.
pub fn dump_json(def: &pb::Definition) -> Value {
    let d = decode(def);
    let mut ops = Vec::with_capacity(d.ops.len());
    let mut result = Value::Null;
    for (pos, (digest, op, err)) in d.ops.iter().enumerate() {
        let mut o = Map::new();
        o.insert("index".into(), json!(pos));
        o.insert("digest".into(), json!(digest.to_string()));
        if let Some(e) = err {
            o.insert("kind".into(), json!("undecodable"));
            o.insert("error".into(), json!(e));
            ops.push(Value::Object(o));
            continue;
        }
        o.insert("kind".into(), json!(kind(op)));
        if let Some(p) = &op.platform {
            o.insert("platform".into(), json!(platform_str(p)));
        }
        o.insert("inputs".into(), json!(op.inputs.iter().map(|i| d.input_ref(i)).collect::<Vec<_>>()));
        if let Some(md) = def.metadata.get(digest.as_str()) {
            if let Some(name) = md.description.get(CUSTOM_NAME_KEY) {
                o.insert("name".into(), json!(name));
            }
            if !md.description.is_empty() {
                o.insert("description".into(), json!(md.description));
            }
            if let Some(g) = &md.progress_group {
                o.insert("progress_group".into(), json!({"id": g.id, "name": g.name, "weak": g.weak}));
            }
            if md.ignore_cache {
                o.insert("ignore_cache".into(), json!(true));
            }
            o.insert("caps".into(), json!(md.caps.keys().collect::<Vec<_>>()));
        }
        let locs = locations(def, digest.as_str());
        if !locs.is_empty() {
            o.insert(
                "locations".into(),
                json!(locs.iter().map(|(f, r)| json!({"file": f, "ranges": r})).collect::<Vec<_>>()),
            );
        }
        let body = body_json(&d, op);
        if op.op.is_none() {
            result = body.get("result").cloned().unwrap_or(Value::Null);
        }
        o.insert("op".into(), body);
        ops.push(Value::Object(o));
    }
    json!({"ops": ops, "result": result})
}

fn body_json(d: &Decoded, op: &pb::Op) -> Value {
    use pb::file_action::Action;
    use pb::op::Op as K;
    match &op.op {
        None => json!({"result": op.inputs.first().map(|i| d.input_ref(i))}),
        Some(K::Source(s)) => json!({"identifier": s.identifier, "attrs": s.attrs}),
        Some(K::Exec(e)) => {
            let meta = e.meta.clone().unwrap_or_default();
            let mounts: Vec<Value> = e
                .mounts
                .iter()
                .map(|m| {
                    let mut v = json!({
                        "dest": m.dest,
                        "type": mount_type(m.mount_type),
                        "input": if m.input >= 0 || m.mount_type == pb::MountType::Bind as i32 { json!(d.op_input(op, m.input)) } else { Value::Null },
                        "output": m.output,
                        "readonly": m.readonly,
                    });
                    let obj = v.as_object_mut().expect("object literal");
                    if !m.selector.is_empty() {
                        obj.insert("selector".into(), json!(m.selector));
                    }
                    if let Some(c) = &m.cache_opt {
                        obj.insert("cache".into(), json!({"id": c.id, "sharing": sharing(c.sharing)}));
                    }
                    if let Some(t) = &m.tmpfs_opt {
                        obj.insert("tmpfs".into(), json!({"size": t.size}));
                    }
                    if let Some(s) = &m.secret_opt {
                        obj.insert("secret".into(), json!({"id": s.id, "mode": mode_str(s.mode.into()), "uid": s.uid, "gid": s.gid, "optional": s.optional}));
                    }
                    if let Some(s) = &m.ssh_opt {
                        obj.insert("ssh".into(), json!({"id": s.id, "mode": mode_str(s.mode.into()), "uid": s.uid, "gid": s.gid, "optional": s.optional}));
                    }
                    v
                })
                .collect();
            json!({
                "args": meta.args,
                "env": meta.env,
                "cwd": meta.cwd,
                "user": meta.user,
                "hostname": meta.hostname,
                "network": network(e.network),
                "security": security(e.security),
                "valid_exit_codes": meta.valid_exit_codes,
                "mounts": mounts,
                "secret_env": e.secretenv.iter().map(|s| json!({"id": s.id, "name": s.name, "optional": s.optional})).collect::<Vec<_>>(),
            })
        }
        Some(K::File(f)) => {
            let actions: Vec<Value> = f
                .actions
                .iter()
                .map(|a| {
                    let mut v = json!({"input": d.file_input(op, a.input), "output": a.output});
                    let obj = v.as_object_mut().expect("object literal");
                    match &a.action {
                        Some(Action::Copy(c)) => {
                            obj.insert("copy".into(), json!({
                                "from": d.file_input(op, a.secondary_input),
                                "src": c.src, "dest": c.dest,
                                "mode": mode_str(c.mode.into()), "timestamp": ts_str(c.timestamp),
                                "chown": chown(&c.owner),
                                "create_dest_path": c.create_dest_path, "allow_wildcard": c.allow_wildcard,
                                "allow_empty_wildcard": c.allow_empty_wildcard, "follow_symlinks": c.follow_symlink,
                                "dir_copy_contents": c.dir_copy_contents, "unpack": c.attempt_unpack_docker_compatibility,
                                "include_patterns": c.include_patterns, "exclude_patterns": c.exclude_patterns,
                            }));
                        }
                        Some(Action::Mkdir(m)) => {
                            obj.insert("mkdir".into(), json!({"path": m.path, "mode": mode_str(m.mode.into()), "parents": m.make_parents, "chown": chown(&m.owner), "timestamp": ts_str(m.timestamp)}));
                        }
                        Some(Action::Mkfile(m)) => {
                            obj.insert("mkfile".into(), json!({"path": m.path, "mode": mode_str(m.mode.into()), "data": data_summary(&m.data), "chown": chown(&m.owner), "timestamp": ts_str(m.timestamp)}));
                        }
                        Some(Action::Rm(r)) => {
                            obj.insert("rm".into(), json!({"path": r.path, "allow_not_found": r.allow_not_found, "allow_wildcard": r.allow_wildcard}));
                        }
                        Some(Action::Symlink(s)) => {
                            obj.insert("symlink".into(), json!({"oldpath": s.oldpath, "newpath": s.newpath}));
                        }
                        None => {}
                    }
                    v
                })
                .collect();
            json!({"actions": actions})
        }
        Some(K::Merge(m)) => json!({"layers": m.inputs.iter().map(|i| d.op_input(op, i.input)).collect::<Vec<_>>()}),
        Some(K::Diff(df)) => json!({
            "lower": d.op_input(op, df.lower.as_ref().map_or(-1, |l| l.input)),
            "upper": d.op_input(op, df.upper.as_ref().map_or(-1, |u| u.input)),
        }),
        Some(K::Build(b)) => json!({"builder": b.builder}),
    }
}
