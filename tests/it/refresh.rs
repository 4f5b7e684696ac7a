//! Refresh in the current shell: the `rolecall init` prompt hook, in a real interactive bash,
//! zsh and fish under tmux, with a short-lived session. Sessions last 900 s (STS's least) and
//! the refresh window is 890 s, so a session enters the window 10 s after it is made and a
//! new one is fresh for 10 s: long enough for the hook to take it, short enough for a test.

use std::time::{Duration, Instant};

use crate::support::*;
use crate::ux::Tmux;

fn assumes(arn: &str) -> usize {
    moto().count("AssumeRole", &format!("RoleArn={arn}"))
}

/// A sandbox with `short` (a role of 900 s sessions) and `mfa` (the same with an MFA device,
/// whose MFA session lasts 900 s too), in the refresh window 10 s after they are made.
fn short_sandbox() -> (Sandbox, String) {
    let mut sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "short", "duration_seconds = 900\nregion = eu-west-1\n");
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.write_config(&format!(
        "{config}[profile mfa]\nrole_arn = {arn}\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/tester\nduration_seconds = 900\n"
    ));
    sb.extra_env.extend([
        ("ROLECALL_REFRESH_WINDOW".to_string(), "890".to_string()),
        (
            "ROLECALL_MFA_SESSION_DURATION".to_string(),
            "900".to_string(),
        ),
        ("TERM".to_string(), "xterm".to_string()),
    ]);
    (sb, arn)
}

/// An interactive `shell` with the rolecall function and its hooks, and a plain prompt.
fn interactive(sb: &Sandbox, shell: &str) -> Tmux {
    let command = match shell {
        "bash" => {
            std::fs::write(
                sb.home().join("bashrc"),
                "eval \"$(rolecall init bash)\"\nPS1='ready> '\n",
            )
            .unwrap();
            format!("{} --noprofile --rcfile ./bashrc -i", which("bash").display())
        }
        "zsh" => {
            std::fs::write(
                sb.home().join(".zshrc"),
                "eval \"$(rolecall init zsh)\"\nPS1='ready> '\n",
            )
            .unwrap();
            format!("ZDOTDIR=. {} -i", which("zsh").display())
        }
        _ => format!(
            "{} --no-config -i -C 'rolecall init fish | source; function fish_prompt; echo -n \"ready> \"; end; function fish_greeting; end'",
            which("fish").display()
        ),
    };
    let t = Tmux::start(sb, &command);
    t.wait_for("ready>");
    t
}

/// Types `line` and Enter.
fn run(t: &Tmux, line: &str) {
    t.tmux(&["send-keys", "-l", line]);
    t.tmux(&["send-keys", "Enter"]);
}

/// The value after `NAME=` on the last screen line that has it (the command line typed
/// spells it `NAME''=`, so only the output matches).
fn shown(t: &Tmux, name: &str) -> String {
    let screen = t.wait_for(&format!("{name}="));
    screen
        .lines()
        .rev()
        .find_map(|l| {
            l.split_once(&format!("{name}="))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap()
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `use`, the window reached, a prompt (one background refresh), a prompt once it is cached:
/// the shell has the new session, with no STS call of its own.
fn switches_to_the_refreshed_session(shell: &str) {
    let (sb, arn) = short_sandbox();
    let t = interactive(&sb, shell);
    run(&t, "rolecall use short; echo K1''=$AWS_ACCESS_KEY_ID");
    let first = shown(&t, "K1");
    assert!(first.starts_with("ASIA"), "{shell}: {}", t.screen());
    assert_eq!(assumes(&arn), 1);
    // Into the refresh window; the next prompt starts one background refresh.
    std::thread::sleep(Duration::from_secs(11));
    run(&t, "");
    run(&t, "");
    wait_until("the background refresh", || assumes(&arn) == 2);
    // The next prompt takes the cached session; it was fresh for 10 s.
    run(&t, "");
    run(&t, "echo K2''=$AWS_ACCESS_KEY_ID");
    let second = shown(&t, "K2");
    assert!(
        second.starts_with("ASIA") && !second.starts_with(&first),
        "{shell}: the shell still has the old session:\n{}",
        t.screen()
    );
    assert_eq!(
        assumes(&arn),
        2,
        "{shell}: one refresh, none by the hook itself"
    );
}

#[test]
fn bash_switches_to_a_session_refreshed_in_the_background() {
    switches_to_the_refreshed_session("bash");
}

#[test]
fn zsh_switches_to_a_session_refreshed_in_the_background() {
    switches_to_the_refreshed_session("zsh");
}

#[test]
fn fish_switches_to_a_session_refreshed_in_the_background() {
    switches_to_the_refreshed_session("fish");
}

#[test]
fn a_refresh_that_needs_an_mfa_code_says_so_once_and_never_prompts() {
    let (sb, arn) = short_sandbox();
    let t = interactive(&sb, "bash");
    run(
        &t,
        "rolecall use -t 123456 mfa; echo K1''=$AWS_ACCESS_KEY_ID",
    );
    assert!(shown(&t, "K1").starts_with("ASIA"), "{}", t.screen());
    let before = assumes(&arn);
    std::thread::sleep(Duration::from_secs(11));
    run(&t, "");
    // The background refresh fails at once (no one to ask); the next prompt says so.
    std::thread::sleep(Duration::from_secs(2));
    run(&t, "");
    let screen = t.wait_for("refreshing it needs you");
    assert!(
        screen.contains("rolecall use mfa") && screen.contains("MFA"),
        "{screen}"
    );
    assert!(
        !screen.contains("MFA code for arn:aws:iam::123456789012:mfa/tester:"),
        "never a prompt: {screen}"
    );
    // Said once: more prompts say nothing more, and start nothing more.
    run(&t, "");
    run(&t, "echo done''=1");
    let screen = t.wait_for("done=1");
    assert_eq!(
        screen.matches("refreshing it needs you").count(),
        1,
        "{screen}"
    );
    assert_eq!(assumes(&arn), before, "no STS call without the code");
}
