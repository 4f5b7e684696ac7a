//! Every byte rolecall prints is evaluated by a real shell: hostile values must come back
//! byte for byte and run nothing. Shells: bash, dash, zsh, fish, busybox sh.

use crate::support::*;

/// A profile name with quotes and spaces.
const PROFILE: &str = "we'ird \"name\" x";
/// A region that tries to break out of its quotes.
const REGION: &str = "us-east-1'; touch PWNED; '";

/// Every character the quoting must survive. The credentials file carries the newline
/// through a continuation line.
fn hostile_secret() -> String {
    "sp ace'quote\\back$HOME`id`;semi\ttab-ünï\u{2019}s\"dq!bang%pct#hash\nline-two".into()
}

fn hostile_sandbox() -> Sandbox {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    let secret = hostile_secret();
    let (first, second) = secret.split_once('\n').unwrap();
    sb.write_credentials(&format!(
        "[{PROFILE}]\naws_access_key_id = -AKIA$(touch PWNED)\naws_secret_access_key = {first}\n  {second}\naws_session_token = tok'en;`touch PWNED`$(touch PWNED)\n"
    ));
    sb.write_config(&format!("[profile {PROFILE}]\nregion = {REGION}\n"));
    sb
}

fn expected_values() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "-AKIA$(touch PWNED)".into()),
        ("AWS_SECRET_ACCESS_KEY", hostile_secret()),
        (
            "AWS_SESSION_TOKEN",
            "tok'en;`touch PWNED`$(touch PWNED)".into(),
        ),
        ("AWS_REGION", REGION.into()),
        ("AWS_DEFAULT_REGION", REGION.into()),
        ("ROLECALL_PROFILE", PROFILE.into()),
    ]
}

/// Shell code (POSIX and fish alike) that prints each expected variable between markers.
fn print_vars() -> String {
    expected_values()
        .iter()
        .map(|(k, _)| format!("printf '<%s>' \"${k}\"; "))
        .collect()
}

fn expected_output() -> String {
    expected_values()
        .iter()
        .map(|(_, v)| format!("<{v}>"))
        .collect()
}

fn posix_shells() -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("bash", vec![]),
        ("dash", vec![]),
        ("zsh", vec![]),
        ("busybox", vec!["sh".into()]),
    ]
}

fn run_shell(sb: &Sandbox, shell: &str, pre: &[String], script: &str) -> std::process::Output {
    sb.command(which(shell))
        .args(pre)
        .arg("-c")
        .arg(script)
        .output()
        .unwrap()
}

/// `shell -c script` with the hostile profile's name in `$P`.
fn with_profile(sb: &Sandbox, shell: &str, script: &str) -> std::process::Output {
    sb.command(which(shell))
        .arg("-c")
        .arg(script)
        .env("P", PROFILE)
        .output()
        .unwrap()
}

fn assert_no_canary(sb: &Sandbox, shell: &str) {
    assert!(
        !sb.home().join("PWNED").exists(),
        "{shell} ran injected code"
    );
}

#[test]
fn hostile_values_round_trip_in_posix_shells() {
    let sb = hostile_sandbox();
    let quoted = "'we'\\''ird \"name\" x'";
    for (shell, pre) in posix_shells() {
        let script = format!(
            "eval \"$(rolecall export --format sh {quoted})\" || exit 9; {}",
            print_vars()
        );
        let out = run_shell(&sb, shell, &pre, &script);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert_eq!(stdout(&out), expected_output(), "{shell}");
        assert_no_canary(&sb, shell);
    }
}

#[test]
fn hostile_values_round_trip_in_fish() {
    let sb = hostile_sandbox();
    let quoted = "'we\\'ird \"name\" x'";
    let script = format!(
        "rolecall export --format fish {quoted} | source; or exit 9; {}",
        print_vars()
    );
    let out = run_shell(&sb, "fish", &[], &script);
    assert!(out.status.success(), "fish: {}", stderr(&out));
    assert_eq!(stdout(&out), expected_output());
    assert_no_canary(&sb, "fish");
}

#[test]
fn dotenv_output_sources_in_sh() {
    let sb = hostile_sandbox();
    let script = format!(
        "rolecall export --format dotenv \"$P\" > vars.env || exit 9; set -a; . ./vars.env; set +a; {}",
        print_vars()
    );
    let out = with_profile(&sb, "dash", &script);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected_output());
    assert_no_canary(&sb, "dash");
}

#[test]
fn the_format_follows_shell_when_not_given() {
    let sb = hostile_sandbox();
    for (shell, prefix) in [
        ("/usr/bin/fish", "begin; set -gx "),
        ("/bin/bash", "export "),
        ("/usr/bin/pwsh", "$Env:"),
    ] {
        let out = sb
            .command(BIN)
            .args(["export", PROFILE])
            .env("SHELL", shell)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).starts_with(prefix),
            "{shell}: {}",
            stdout(&out)
        );
    }
}

/// Runs `command` on the hostile sandbox's profile with `$SHELL` naming another shell, and
/// checks that every value arrived and nothing ran.
fn assert_round_trip(
    sb: &Sandbox,
    mut command: std::process::Command,
    login_shell: &str,
    what: &str,
) {
    let out = command
        .env("P", PROFILE)
        .env("SHELL", login_shell)
        .output()
        .unwrap();
    assert_eq!(stdout(&out), expected_output(), "{what}: {}", stderr(&out));
    assert_no_canary(sb, what);
}

#[test]
fn the_shell_running_rolecall_wins_over_the_login_shell() {
    // A fish user's bash script (and a bash user's fish session) evaluates rolecall's output:
    // the format follows the shell that runs rolecall, so nothing runs and every value
    // arrives, whatever $SHELL says.
    let sb = hostile_sandbox();
    let shell_c = |shell: &str, script: &str| {
        let mut c = sb.command(which(shell));
        c.arg("-c").arg(script);
        c
    };
    let script = format!(
        "eval \"$(rolecall export \"$P\")\" || exit 9; {}",
        print_vars()
    );
    for shell in ["bash", "dash", "zsh"] {
        assert_round_trip(&sb, shell_c(shell, &script), "/usr/bin/fish", shell);
    }
    // Through a program that only runs the command (timeout, xargs): the shell above it.
    let wrapped = format!(
        "eval \"$(timeout 20 rolecall export \"$P\")\" || exit 9; {}",
        print_vars()
    );
    for shell in ["bash", "zsh"] {
        assert_round_trip(&sb, shell_c(shell, &wrapped), "/usr/bin/fish", shell);
    }
    // A script run by its path: the parent's name is the script's, its program is the shell.
    for interpreter in ["/bin/bash", "/bin/sh"] {
        let path = sb.home().join("creds-script");
        std::fs::write(&path, format!("#!{interpreter}\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        assert_round_trip(&sb, sb.command(&path), "/usr/bin/fish", interpreter);
    }
    let script = format!(
        "rolecall export \"$P\" | source; or exit 9; {}",
        print_vars()
    );
    assert_round_trip(&sb, shell_c("fish", &script), "/bin/bash", "fish");
}

#[test]
fn fish_keeps_the_users_universal_variables() {
    let sb = hostile_sandbox();
    let first = "set -Ux AWS_PROFILE keep; rolecall export --format fish \"$P\" | source; echo \"[$AWS_PROFILE]\"; rolecall export --unset --format fish | source; echo \"[$AWS_PROFILE]\"";
    let out = with_profile(&sb, "fish", first);
    // rolecall only sets and erases globals: the universal value stays, in this session (and
    // rolecall says that fish still exports it)...
    assert_eq!(stdout(&out), "[keep]\n[keep]\n", "{}", stderr(&out));
    assert!(
        stderr(&out).contains("AWS_PROFILE is also a universal variable"),
        "{}",
        stderr(&out)
    );
    // ...and a new session still has it.
    let out = run_shell(&sb, "fish", &[], "echo \"[$AWS_PROFILE]\"");
    assert_eq!(stdout(&out), "[keep]\n", "{}", stderr(&out));
}

#[test]
fn cmd_refuses_values_it_cannot_carry_and_prints_nothing() {
    let sb = hostile_sandbox();
    let out = sb.rolecall(&["export", "--format", "windows-cmd", PROFILE]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("cannot be written safely for cmd"),
        "{}",
        stderr(&out)
    );
    // Plain values are fine.
    sb.write_credentials(
        "[plain]\naws_access_key_id = AKIAPLAIN0000001\naws_secret_access_key = abc/def+ghi=\n",
    );
    sb.write_config("[profile plain]\nregion = eu-west-1\n");
    let out = sb.rolecall(&["export", "--no-session", "--format", "cmd", "plain"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "set \"AWS_ACCESS_KEY_ID=AKIAPLAIN0000001\"\r\nset \"AWS_SECRET_ACCESS_KEY=abc/def+ghi=\"\r\nset AWS_SESSION_TOKEN=\r\nset AWS_CREDENTIAL_EXPIRATION=\r\nset AWS_ACCOUNT_ID=\r\nset \"AWS_REGION=eu-west-1\"\r\nset \"AWS_DEFAULT_REGION=eu-west-1\"\r\nset AWS_DEFAULT_OUTPUT=\r\nset AWS_PAGER=\r\nset AWS_CA_BUNDLE=\r\nset AWS_MAX_ATTEMPTS=\r\nset AWS_RETRY_MODE=\r\nset AWS_ACCOUNT_ID_ENDPOINT_MODE=\r\nset \"ROLECALL_PROFILE=plain\"\r\nset ROLECALL_EXPIRATION=\r\nset \"ROLECALL_SET_VARS=AWS_REGION:AWS_DEFAULT_REGION\"\r\nset AWS_PROFILE=\r\nset AWS_DEFAULT_PROFILE=\r\nset AWS_SECURITY_TOKEN=\r\n"
    );
}

#[test]
fn powershell_golden_output() {
    let sb = hostile_sandbox();
    let out = sb.rolecall(&["export", "--format", "pwsh", PROFILE]);
    assert!(out.status.success(), "{}", stderr(&out));
    let secret = hostile_secret()
        .replace('\'', "''")
        .replace('\u{2019}', "\u{2019}\u{2019}");
    assert_eq!(
        stdout(&out),
        format!(
            "$Env:AWS_ACCESS_KEY_ID = '-AKIA$(touch PWNED)'\n$Env:AWS_SECRET_ACCESS_KEY = '{secret}'\n$Env:AWS_SESSION_TOKEN = 'tok''en;`touch PWNED`$(touch PWNED)'\nRemove-Item Env:AWS_CREDENTIAL_EXPIRATION -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_ACCOUNT_ID -ErrorAction SilentlyContinue\n$Env:AWS_REGION = 'us-east-1''; touch PWNED; '''\n$Env:AWS_DEFAULT_REGION = 'us-east-1''; touch PWNED; '''\nRemove-Item Env:AWS_DEFAULT_OUTPUT -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_PAGER -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_CA_BUNDLE -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_MAX_ATTEMPTS -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_RETRY_MODE -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_ACCOUNT_ID_ENDPOINT_MODE -ErrorAction SilentlyContinue\n$Env:ROLECALL_PROFILE = 'we''ird \"name\" x'\nRemove-Item Env:ROLECALL_EXPIRATION -ErrorAction SilentlyContinue\n$Env:ROLECALL_SET_VARS = 'AWS_REGION:AWS_DEFAULT_REGION'\nRemove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_DEFAULT_PROFILE -ErrorAction SilentlyContinue\nRemove-Item Env:AWS_SECURITY_TOKEN -ErrorAction SilentlyContinue\n"
        )
    );
}

#[test]
fn json_is_the_credential_process_format() {
    let sb = hostile_sandbox();
    let out = sb.rolecall(&["export", "--format", "process", PROFILE]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Version"], 1);
    assert_eq!(v["SecretAccessKey"], hostile_secret());
    assert_eq!(v["SessionToken"], "tok'en;`touch PWNED`$(touch PWNED)");
    assert!(
        v.get("Expiration").is_none(),
        "long-term keys have no expiration"
    );
}

#[test]
fn unset_removes_every_managed_variable() {
    let sb = hostile_sandbox();
    // AWS_ENDPOINT_URL is the sandbox's own (the user's), which --unset leaves alone.
    let all = "AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_ACCOUNT_ID AWS_REGION AWS_DEFAULT_REGION AWS_DEFAULT_OUTPUT AWS_PAGER AWS_CA_BUNDLE AWS_MAX_ATTEMPTS AWS_RETRY_MODE AWS_ACCOUNT_ID_ENDPOINT_MODE ROLECALL_PROFILE ROLECALL_EXPIRATION ROLECALL_SET_VARS AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN";
    for (shell, pre) in posix_shells() {
        let script = format!(
            "eval \"$(rolecall export \"$P\")\"; export AWS_PROFILE=x; eval \"$(rolecall export --unset)\" || exit 9; for v in {all}; do eval \"[ -z \\\"\\${{$v+set}}\\\" ]\" || echo \"left $v\"; done; echo done"
        );
        let out = sb
            .command(which(shell))
            .args(&pre)
            .arg("-c")
            .arg(&script)
            .env("P", PROFILE)
            .output()
            .unwrap();
        assert_eq!(stdout(&out), "done\n", "{shell}: {}", stderr(&out));
    }
    let script = format!(
        "rolecall export --format fish \"$P\" | source; rolecall export --unset --format fish | source; or exit 9; for v in {all}; set -q $v; and echo left $v; end; echo done"
    );
    let out = with_profile(&sb, "fish", &script);
    assert_eq!(stdout(&out), "done\n", "fish: {}", stderr(&out));
    let out = sb.rolecall(&["export", "--unset", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    // dotenv cannot remove a variable: those for which empty means unset are emptied, the
    // others (a profile name, a region, an expiry) are left out.
    let out = sb.rolecall(&["export", "--unset", "--format", "dotenv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let emptied: Vec<String> = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "ROLECALL_PROFILE",
        "ROLECALL_EXPIRATION",
        "AWS_SECURITY_TOKEN",
    ]
    .iter()
    .map(|v| format!("{v}=''"))
    .collect();
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), emptied);
}

#[test]
fn init_functions_use_and_unset_in_bash_zsh_and_fish() {
    let sb = hostile_sandbox();
    sb.write_credentials(
        "[keys]\naws_access_key_id = AKIAINIT00000001\naws_secret_access_key = s3cr'et\n",
    );
    sb.write_config("[profile keys]\nregion = eu-north-1\n");
    let posix = "eval \"$(rolecall init SHELL)\" || exit 9\nrolecall use --no-session keys || exit 8\necho \"$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_REGION $ROLECALL_PROFILE\"\nrolecall use --unset || exit 7\necho \"${AWS_ACCESS_KEY_ID-gone} ${ROLECALL_PROFILE-gone}\"\nrolecall use nope 2>/dev/null; echo \"status $?\"\nrolecall --version | cut -d' ' -f1\n";
    for (shell, init, pre) in [
        ("bash", "bash", vec![]),
        ("zsh", "zsh", vec![]),
        ("dash", "sh", vec![]),
        ("busybox", "sh", vec!["sh".to_string()]),
    ] {
        let out = run_shell(&sb, shell, &pre, &posix.replace("SHELL", init));
        assert_eq!(
            stdout(&out),
            "AKIAINIT00000001 s3cr'et eu-north-1 keys\ngone gone\nstatus 3\nrolecall\n",
            "{shell}: {}",
            stderr(&out)
        );
    }
    let fish = "rolecall init fish | source; or exit 9\nrolecall use --no-session keys; or exit 8\necho \"$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_REGION $ROLECALL_PROFILE\"\nrolecall use --unset; or exit 7\nset -q AWS_ACCESS_KEY_ID; or echo gone\nrolecall use nope 2>/dev/null; echo \"status $status\"\nrolecall --version | cut -d' ' -f1\n";
    let out = run_shell(&sb, "fish", &[], fish);
    assert_eq!(
        stdout(&out),
        "AKIAINIT00000001 s3cr'et eu-north-1 keys\ngone\nstatus 3\nrolecall\n",
        "fish: {}",
        stderr(&out)
    );
}

#[test]
fn init_functions_evaluate_only_statements() {
    let sb = hostile_sandbox();
    sb.write_credentials(
        "[keys]\naws_access_key_id = AKIAINIT00000001\naws_secret_access_key = s3cret\n[-dash]\naws_access_key_id = AKIADASH00000001\naws_secret_access_key = s\n",
    );
    // A region that is code in every shell, shown by --dry-run and --help-like output.
    sb.write_config("[profile keys]\nregion = x;touch PWNED (touch PWNED) $(touch PWNED)\n");
    let posix = "set -u\nshopt -s expand_aliases 2>/dev/null\nalias command='echo ALIASED'\nalias rolecall='\\rolecall'\neval \"$(rolecall init SHELL)\" || exit 9\nrolecall >/dev/null 2>&1\nrolecall use --no-session keys --dry-run | head -1\necho \"[${AWS_ACCESS_KEY_ID-unset}]\"\nrolecall use --help | head -1\nrolecall -v use --no-session keys 2>/dev/null || exit 8\necho \"$AWS_ACCESS_KEY_ID $AWS_REGION\"\nrolecall -q use --unset || exit 7\necho \"[${AWS_ACCESS_KEY_ID-unset}]\"\nrolecall use --no-session -- -dash || exit 6\necho \"$ROLECALL_PROFILE\"\n";
    let expected = "# profile \"keys\": no STS call (x;touch PWNED (touch PWNED) $(touch PWNED), http://127.0.0.1:9)\n[unset]\nSet the profile's credentials in the current shell (needs the `rolecall init` function)\nAKIAINIT00000001 x;touch PWNED (touch PWNED) $(touch PWNED)\n[unset]\n-dash\n";
    for shell in ["bash", "zsh"] {
        let out = run_shell(&sb, shell, &[], &posix.replace("SHELL", shell));
        assert_eq!(stdout(&out), expected, "{shell}: {}", stderr(&out));
        assert_no_canary(&sb, shell);
    }
    let fish = "rolecall init fish | source; or exit 9\nrolecall use --no-session keys --dry-run | head -1\nset -q AWS_ACCESS_KEY_ID; or echo '[unset]'\nrolecall use --help | head -1\nrolecall -v use --no-session keys 2>/dev/null; or exit 8\necho \"$AWS_ACCESS_KEY_ID $AWS_REGION\"\nrolecall -q use --unset; or exit 7\nset -q AWS_ACCESS_KEY_ID; or echo '[unset]'\nrolecall use --no-session -- -dash; or exit 6\necho \"$ROLECALL_PROFILE\"\n";
    let out = run_shell(&sb, "fish", &[], fish);
    assert_eq!(stdout(&out), expected, "fish: {}", stderr(&out));
    assert_no_canary(&sb, "fish");
}

#[test]
fn use_without_the_function_says_how_to_install_it() {
    let sb = hostile_sandbox();
    let out = sb
        .command(BIN)
        .args(["use", "prod"])
        .env("SHELL", "/usr/bin/zsh")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("eval \"$(rolecall init zsh)\""),
        "{}",
        stderr(&out)
    );
}

fn completion_config(sb: &Sandbox) {
    sb.write_config(
        "[profile prod]\nregion = x\n[profile prod-eu]\nregion = y\n[profile dev]\nregion = z\n",
    );
    sb.write_credentials("");
}

#[test]
fn completion_scripts_source_cleanly_and_complete_profiles() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    completion_config(&sb);

    let bash = "source <(rolecall completions bash) || exit 9\nCOMP_WORDS=(rolecall exec pr); COMP_CWORD=2; COMP_LINE='rolecall exec pr'; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9\n_clap_complete_rolecall rolecall pr exec\nprintf '%s\\n' \"${COMPREPLY[@]}\"";
    let out = run_shell(&sb, "bash", &[], bash);
    assert!(out.status.success(), "bash: {}", stderr(&out));
    assert!(stderr(&out).is_empty(), "bash: {}", stderr(&out));
    let mut got: Vec<_> = stdout(&out)
        .lines()
        .map(str::trim)
        .map(str::to_string)
        .collect();
    got.sort();
    assert_eq!(got, vec!["prod", "prod-eu"]);

    let fish =
        "rolecall completions fish | source; or exit 9\ncomplete -C 'rolecall clear-cache d'";
    let out = run_shell(&sb, "fish", &[], fish);
    assert!(out.status.success(), "fish: {}", stderr(&out));
    assert_eq!(
        stdout(&out)
            .lines()
            .map(|l| l.split('\t').next().unwrap())
            .collect::<Vec<_>>(),
        vec!["dev"]
    );
    let fish = "rolecall completions fish | source; or exit 9\ncomplete -C 'rolecall use pr'";
    let out = run_shell(&sb, "fish", &[], fish);
    let mut got: Vec<_> = stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, vec!["prod", "prod-eu"], "use: {}", stderr(&out));

    let zsh = "autoload -U compinit && compinit -u -D && source <(rolecall completions zsh) || exit 9\nwhence -w _clap_dynamic_completer_rolecall";
    let out = run_shell(&sb, "zsh", &[], zsh);
    assert!(out.status.success(), "zsh: {}", stderr(&out));
    assert!(stderr(&out).is_empty(), "zsh: {}", stderr(&out));
    assert!(stdout(&out).contains("function"), "{}", stdout(&out));
}

#[test]
fn pre_generated_completions_match_the_generator() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [
        ("bash", "rolecall.bash"),
        ("zsh", "_rolecall"),
        ("fish", "rolecall.fish"),
        ("powershell", "_rolecall.ps1"),
        ("elvish", "rolecall.elv"),
    ] {
        let out = std::process::Command::new(BIN)
            .args(["completions", shell])
            .output()
            .unwrap();
        let stored = std::fs::read(root.join(file)).unwrap();
        assert!(
            out.stdout == stored,
            "completions/{file} is stale: run `rolecall completions {shell} > completions/{file}`"
        );
    }
}

#[test]
fn the_aws_cli_uses_rolecall_as_credential_process() {
    let sb = Sandbox::new();
    let (_, arn) = role_setup(&sb, "role", "role_session_name = via-process\n");
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.write_config(&format!(
        "{config}[profile via-rolecall]\ncredential_process = {BIN} export --format process role\nregion = us-east-1\n"
    ));
    let aws = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
    assert!(
        aws.exists(),
        "the AWS CLI is missing from .venv: run ./scripts/test"
    );
    let out = sb
        .command(&aws)
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "via-rolecall",
            "--query",
            "Arn",
            "--output",
            "text",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let role_name = arn.rsplit('/').next().unwrap();
    assert_eq!(
        stdout(&out).trim(),
        format!("arn:aws:sts::123456789012:assumed-role/{role_name}/via-process")
    );
}

/// A second profile, without a region, beside the hostile one.
fn two_profiles() -> Sandbox {
    let sb = hostile_sandbox();
    let creds = std::fs::read_to_string(sb.home().join(".aws/credentials")).unwrap();
    sb.write_credentials(&format!(
        "{creds}[plain]\naws_access_key_id = AKIAPLAIN\naws_secret_access_key = plainsecret\n"
    ));
    sb
}

#[test]
fn switching_to_a_profile_without_a_region_unsets_the_previous_region() {
    let sb = two_profiles();
    let quoted = "'we'\\''ird \"name\" x'";
    let check = "printf '[%s][%s][%s]' \"${AWS_REGION-unset}\" \"${AWS_DEFAULT_REGION-unset}\" \"$AWS_ACCESS_KEY_ID\"";
    for (shell, pre) in posix_shells() {
        let script = format!(
            "eval \"$(rolecall export --format sh {quoted})\" && eval \"$(rolecall export --no-session --format sh plain)\" || exit 9; {check}"
        );
        let out = run_shell(&sb, shell, &pre, &script);
        assert_eq!(
            stdout(&out),
            "[unset][unset][AKIAPLAIN]",
            "{shell}: {}",
            stderr(&out)
        );
    }
    let script = "rolecall export --format fish \"$P\" | source; rolecall export --no-session --format fish plain | source; set -q AWS_REGION; or set -q AWS_DEFAULT_REGION; or echo none-left";
    let out = with_profile(&sb, "fish", script);
    assert_eq!(stdout(&out), "none-left\n", "{}", stderr(&out));
    // A region the user set before any rolecall profile is theirs: it stays.
    let out = run_shell(
        &sb,
        "bash",
        &[],
        "export AWS_REGION=ap-south-1; eval \"$(rolecall export --no-session --format sh plain)\"; printf '%s' \"$AWS_REGION\"",
    );
    assert_eq!(stdout(&out), "ap-south-1", "{}", stderr(&out));
}

#[test]
fn fish_output_survives_eval_of_a_command_substitution() {
    let sb = two_profiles();
    // `eval (…)` joins the lines of the output with spaces.
    let script = format!(
        "eval (rolecall export --format fish \"$P\"); or exit 9; count $AWS_ACCESS_KEY_ID; {}",
        print_vars()
    );
    let out = with_profile(&sb, "fish", &script);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("1\n{}", expected_output()));
    assert!(
        !stderr(&out).contains("universal"),
        "no universal variable exists: {}",
        stderr(&out)
    );
    assert_no_canary(&sb, "fish");
    // Cut short (a full disk), the output is a syntax error that applies nothing.
    let text = stdout(&sb.rolecall(&["export", "--format", "fish", "plain"]));
    let cut = &text[..text.len() / 2];
    let script = format!(
        "echo {} | source; set -q AWS_ACCESS_KEY_ID; and echo applied; or echo nothing",
        fish_quote(cut)
    );
    let out = run_shell(&sb, "fish", &[], &script);
    assert_eq!(stdout(&out), "nothing\n", "{}", stderr(&out));
}

fn fish_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[test]
fn dotenv_unset_leaves_out_what_an_empty_value_would_break() {
    let sb = two_profiles();
    let out = sb.rolecall(&["export", "--format", "dotenv", "--unset"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for gone in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        assert!(!text.contains(&format!("{gone}=")), "{gone} in {text}");
    }
    assert!(text.contains("AWS_ACCESS_KEY_ID=''"), "{text}");
    std::fs::write(sb.home().join("unset.env"), &text).unwrap();
    // boto3 loads the result as a fresh environment (docker --env-file, set -a; . file).
    let script = format!(
        "set -a; . ./unset.env; set +a; {} -c 'import boto3; s = boto3.Session(); s.get_credentials(); print(\"ok\")'",
        python().display()
    );
    let out = run_shell(&sb, "bash", &[], &script);
    assert_eq!(stdout(&out), "ok\n", "{}", stderr(&out));
}

#[test]
fn sh_output_read_by_fish_runs_nothing_and_keeps_every_value() {
    // A value that ends a fish single-quoted string if a backslash is left inside the quotes.
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    let evil = r"x\'; touch PWNED; echo '";
    sb.write_credentials(&format!(
        "[p]\naws_access_key_id = AKIAFISH00000001\naws_secret_access_key = {evil}\naws_session_token = a\\\\b\\c'd\n"
    ));
    sb.write_config("[profile p]\nregion = eu-west-1\n");
    let print = "printf '<%s>' \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\"";
    let expected = format!("<{evil}><a\\\\b\\c'd>");
    for (shell, pre) in posix_shells() {
        let script = format!("eval \"$(rolecall export --format sh p)\" || exit 9; {print}");
        let out = run_shell(&sb, shell, &pre, &script);
        assert_eq!(stdout(&out), expected, "{shell}: {}", stderr(&out));
    }
    // fish has an `export` of its own: the same text must mean the same there.
    let out = run_shell(
        &sb,
        "fish",
        &[],
        &format!("rolecall export --no-session --format sh p | source; {print}"),
    );
    assert_eq!(stdout(&out), expected, "fish: {}", stderr(&out));
    assert_no_canary(&sb, "fish");
}

#[test]
fn use_unset_puts_back_what_the_first_use_replaced() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_credentials(
        "[p]\naws_access_key_id = AKIARESTORE000001\naws_secret_access_key = s\n[q]\naws_access_key_id = AKIARESTORE000002\naws_secret_access_key = t\n",
    );
    sb.write_config("[profile p]\nregion = eu-west-1\n[profile q]\nregion = us-east-2\n");
    let check = "[$AWS_REGION][$AWS_PROFILE][${AWS_ACCESS_KEY_ID-unset}][${ROLECALL_SAVED-none}]";
    let expected = "[eu-west-1][][AKIARESTORE000001]\n[ap-south-1][dev][unset][none]\n";
    for (shell, init) in [("bash", "bash"), ("zsh", "zsh"), ("dash", "sh")] {
        let script = format!(
            "export AWS_REGION=ap-south-1 AWS_PROFILE=dev; eval \"$(rolecall init {init})\"; rolecall use --no-session p && echo \"[$AWS_REGION][$AWS_PROFILE][$AWS_ACCESS_KEY_ID]\"; rolecall use --no-session q; rolecall use --unset; echo \"{check}\""
        );
        let out = run_shell(&sb, shell, &[], &script);
        assert_eq!(stdout(&out), expected, "{shell}: {}", stderr(&out));
    }
    let script = "set -gx AWS_REGION ap-south-1; set -gx AWS_PROFILE dev; rolecall init fish | source; rolecall use --no-session p; and echo \"[$AWS_REGION][$AWS_PROFILE][$AWS_ACCESS_KEY_ID]\"; rolecall use --no-session q; rolecall use --unset; set -q AWS_ACCESS_KEY_ID; or set AWS_ACCESS_KEY_ID unset; set -q ROLECALL_SAVED; or set ROLECALL_SAVED none; echo \"[$AWS_REGION][$AWS_PROFILE][$AWS_ACCESS_KEY_ID][$ROLECALL_SAVED]\"".to_string();
    let out = run_shell(&sb, "fish", &[], &script);
    assert_eq!(stdout(&out), expected, "fish: {}", stderr(&out));
}

#[test]
fn an_output_file_cut_short_applies_nothing() {
    let sb = Sandbox::with_endpoint("http://127.0.0.1:9");
    sb.write_credentials(
        "[p]\naws_access_key_id = AKIATRUNCATE00001\naws_secret_access_key = s3cr3t\n",
    );
    sb.write_config("[profile p]\nregion = eu-west-1\n");
    let file = sb.home().join("creds.sh");
    let out = sb
        .command(BIN)
        .args(["export", "--no-session", "--format", "sh", "p"])
        .stdout(std::fs::File::create(&file).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let whole = std::fs::read(&file).unwrap();
    let check =
        "echo \"[${AWS_ACCESS_KEY_ID-none}][${AWS_REGION-none}][${ROLECALL_PROFILE-none}]\"";
    for (shell, pre) in posix_shells() {
        let out = run_shell(&sb, shell, &pre, &format!(". ./creds.sh; {check}"));
        assert_eq!(
            stdout(&out),
            "[AKIATRUNCATE00001][eu-west-1][p]\n",
            "{shell}"
        );
        for cut in (1..whole.len() - 1).step_by(3) {
            std::fs::write(sb.home().join("cut.sh"), &whole[..cut]).unwrap();
            let out = run_shell(&sb, shell, &pre, &format!(". ./cut.sh; {check}"));
            assert!(
                !stdout(&out).contains("AKIA") && !stdout(&out).contains("eu-west-1"),
                "{shell}, cut at {cut}: {}",
                stdout(&out)
            );
        }
    }
}

#[test]
fn use_under_set_x_traces_no_secret_and_keeps_the_trace_on() {
    let sb = hostile_sandbox();
    sb.write_credentials(
        "[keys]\naws_access_key_id = AKIATRACE0000001\naws_secret_access_key = tr4ce-secret\n",
    );
    sb.write_config("[profile keys]\nregion = eu-north-1\n");
    let script = "eval \"$(rolecall init SHELL)\" || exit 9\nset -x\nrolecall use --no-session keys || exit 8\ncase $- in *x*) echo traced ;; esac\nset +x\necho \"$AWS_SECRET_ACCESS_KEY\"\n";
    for (shell, init, pre) in [
        ("bash", "bash", vec![]),
        ("zsh", "zsh", vec![]),
        ("dash", "sh", vec![]),
        ("busybox", "sh", vec!["sh".to_string()]),
    ] {
        let out = run_shell(&sb, shell, &pre, &script.replace("SHELL", init));
        assert_eq!(
            stdout(&out),
            "traced\ntr4ce-secret\n",
            "{shell}: {}",
            stderr(&out)
        );
        assert!(
            !stderr(&out).contains("tr4ce-secret"),
            "{shell} traced the secret: {}",
            stderr(&out)
        );
    }
}

#[test]
fn the_on_cd_hook_switches_to_an_allowed_project_profile_in_bash_zsh_and_fish() {
    let sb = Sandbox::new();
    role_setup(&sb, "prod", "");
    let project = sb.home().join("project");
    std::fs::create_dir_all(project.join("src")).unwrap();
    let other = sb.home().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(project.join(".rolecall"), "prod\nregion = eu-central-1\n").unwrap();
    std::fs::write(other.join(".rolecall"), "prod\n").unwrap();
    let allow = sb
        .command(BIN)
        .arg("allow")
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(allow.status.success(), "{}", stderr(&allow));
    let (p, o) = (project.display(), other.display());
    let cases = [
        // bash runs the hook from PROMPT_COMMAND, which a script has no prompt for: call it.
        ("bash", format!("eval \"$(rolecall init bash --on-cd)\"\ncase $PROMPT_COMMAND in *__rolecall_cd*) ;; *) exit 9 ;; esac\ncd {o}; __rolecall_cd\necho \"[${{ROLECALL_PROFILE-none}}]\"\ncd {p}/src; __rolecall_cd\necho \"[$ROLECALL_PROFILE][$AWS_REGION]\"\n")),
        ("zsh", format!("eval \"$(rolecall init zsh --on-cd)\"\ncd {o}\necho \"[${{ROLECALL_PROFILE-none}}]\"\ncd {p}/src\necho \"[$ROLECALL_PROFILE][$AWS_REGION]\"\n")),
        ("fish", format!("rolecall init fish --on-cd | source\ncd {o}\nset -q ROLECALL_PROFILE; or set ROLECALL_PROFILE none\necho \"[$ROLECALL_PROFILE]\"\nset -e ROLECALL_PROFILE\ncd {p}/src\necho \"[$ROLECALL_PROFILE][$AWS_REGION]\"\n")),
    ];
    for (shell, script) in cases {
        let out = run_shell(&sb, shell, &[], &script);
        assert_eq!(
            stdout(&out),
            "[none]\n[prod][eu-central-1]\n",
            "{shell}: {}",
            stderr(&out)
        );
        // The file that was never allowed is said, not used.
        assert!(
            stderr(&out).contains("run \"rolecall allow\" there"),
            "{shell}: {}",
            stderr(&out)
        );
    }
}
