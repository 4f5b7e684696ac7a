//! The layer check itself: it passes on the tree, and fails on an upward or sideways import.

use std::path::Path;
use std::process::Command;

fn check(src: &Path) -> std::process::Output {
    Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-layers"))
        .arg(src)
        .output()
        .expect("run scripts/check-layers (python3)")
}

#[test]
fn every_import_in_the_tree_points_down() {
    let out = check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_upward_or_sibling_import_fails_the_check() {
    for (file, line, wanted) in [
        (
            "domain/mod.rs",
            "use crate::config::Profiles;",
            "domain (level 0) imports crate::config",
        ),
        (
            "plan/mod.rs",
            "use crate::execute::Deps;",
            "plan (level 2) imports crate::execute (level 2)",
        ),
        (
            "render/mod.rs",
            "use crate::{domain::Vars, Error};",
            "imports crate::Error (level 3)",
        ),
        (
            "domain/plan.rs",
            "use super::super::cli::Cli;",
            "a super:: chain leaves module domain",
        ),
        (
            "commands/keys.rs",
            "use super::{obtain::inputs, list::rows};",
            "command keys imports command list",
        ),
        (
            "commands/exec.rs",
            "use crate::commands::export::statements;",
            "command exec imports command export",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            format!("{line}\n#[cfg(test)]\nmod tests {{ use crate::cli::Cli; }}\n"),
        )
        .unwrap();
        let out = check(dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(err.contains(wanted), "{file}: {err}");
        assert_eq!(err.lines().count(), 1, "test code is exempt: {err}");
    }
}

#[test]
fn a_command_function_over_sixty_lines_fails_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("commands/list.rs");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let body = "    let x = \"}\";\n".repeat(58);
    std::fs::write(
        &path,
        format!("fn short() {{\n{body}}}\n\nfn long() {{\n{body}    let y = '{{';\n}}\n"),
    )
    .unwrap();
    let out = check(dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("fn long is 61 lines"), "{err}");
    assert!(
        !err.contains("fn short"),
        "60 lines is within the limit: {err}"
    );
}
