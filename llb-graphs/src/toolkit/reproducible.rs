//! Byte-identical layers across rebuilds (`SOURCE_DATE_EPOCH`).
//!
//! Every file a graph copies or creates carries the build's timestamp, but
//! the *directories* an action writes into get the wall-clock time of the
//! build as their mtime (adding an entry to a directory updates it, and
//! `mkdir -p` leaves every intermediate directory so), and that mtime lands
//! in the layer. BuildKit's `rewrite-timestamp` exporter option would clamp
//! it, but Docker 26.1's image exporter forces `unpack`, which BuildKit
//! refuses together with it (moby/buildkit#4230).
//!
//! So [`settle_directories`] appends to a layer's file actions one more copy
//! per directory the actions touched: the contents of an empty directory
//! copied onto it with the build's timestamp. Copying onto an existing
//! directory changes nothing but its mtime (BuildKit restores the target's
//! timestamp to the copy's), so the layer's tar is the same on every build.

use std::collections::BTreeSet;

use llb::{Copy, FileAction, FileOps, Mkdir, State, Timestamp};

use crate::error::Result;
use super::Ctx;

/// Directory names that `path` lies in, innermost first (`/a/b/c` → `/a/b`, `/a`).
fn ancestors(path: &str) -> impl Iterator<Item = String> + '_ {
    let trimmed = path.trim_end_matches('/');
    trimmed.match_indices('/').map(|(i, _)| &trimmed[..i]).filter(|d| !d.is_empty()).map(str::to_string).rev()
}

/// The directories whose mtime the actions change (all absolute; `/` left out).
pub(crate) fn touched_directories(ops: &FileOps) -> BTreeSet<String> {
    let mut dirs = BTreeSet::new();
    for action in ops.actions() {
        let (path, is_dir) = match action {
            FileAction::Copy(c) => (c.dest(), c.dest().ends_with('/') || c.copies_dir_contents()),
            FileAction::Mkdir(m) => (m.path(), true),
            FileAction::Mkfile(m) => (m.path(), false),
            // A removal's parent is not guaranteed to exist; graphs remove only
            // inside directories another action of the same layer writes to.
            FileAction::Rm(_) => continue,
        };
        if !path.starts_with('/') {
            continue;
        }
        let own = path.trim_end_matches('/');
        if is_dir && !own.is_empty() {
            dirs.insert(own.to_string());
        }
        dirs.extend(ancestors(path));
    }
    dirs
}

/// `ops` plus a timestamp reset of every directory they touch, when the
/// build has a `SOURCE_DATE_EPOCH`; `ops` unchanged otherwise.
pub(crate) fn settle_directories(ctx: &Ctx<'_>, ops: FileOps) -> Result<FileOps> {
    let Some(epoch) = ctx.req.source_date_epoch else {
        return Ok(ops);
    };
    let dirs = touched_directories(&ops);
    if dirs.is_empty() {
        return Ok(ops);
    }
    let t = Timestamp::from_unix_seconds(epoch);
    let empty = State::scratch()
        .file(FileOps::new().mkdir(Mkdir::new("/empty", 0o755)?.timestamp(t)))?
        .with_custom_name("[internal] empty directory (directory timestamps)");
    Ok(dirs
        .iter()
        .rev()
        .fold(ops, |ops, dir| ops.copy(Copy::new(&empty, "/empty", dir.as_str()).dir_copy_contents(true).timestamp(t))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use llb::{Mkfile, Rm};

    #[test]
    fn finds_the_directories_actions_write_into() {
        let from = State::scratch();
        let ops = FileOps::new()
            .mkdir(Mkdir::new("/opt/app", 0o755).unwrap().parents(true))
            .copy(Copy::new(&from, "/site", "/opt/app/site-packages"))
            .copy(Copy::new(&from, "/bin/x", "/usr/local/bin/x"))
            .copy(Copy::new(&from, "/", "/usr/share/web/html").dir_copy_contents(true))
            .copy(Copy::new(&from, "/conf/", "/etc/nginx/conf.d/"))
            .mkfile(Mkfile::new("/etc/motd", 0o644, "hi").unwrap())
            .rm(Rm::new("/nowhere/file"))
            .copy(Copy::new(&from, "/x", "relative/path"));
        let got: Vec<String> = touched_directories(&ops).into_iter().collect();
        assert_eq!(
            got,
            [
                "/etc",
                "/etc/nginx",
                "/etc/nginx/conf.d",
                "/opt",
                "/opt/app",
                "/usr",
                "/usr/local",
                "/usr/local/bin",
                "/usr/share",
                "/usr/share/web",
                "/usr/share/web/html",
            ]
        );
        assert_eq!(ancestors("/a/b/c").collect::<Vec<_>>(), ["/a/b", "/a"]);
        assert_eq!(ancestors("/a").count(), 0);
    }
}
