//! The integration-test harness: a moto STS server on 127.0.0.1, a throwaway home with
//! config files, and the built binary run with a clean environment.
//!
//! Missing parts (the virtualenv with moto, a shell) fail the test: run `./scripts/test`,
//! which installs them.
#![allow(dead_code)]

pub mod net;
pub mod platform;
pub mod stub;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_rolecall");

/// The virtualenv's interpreter (moto, boto3, awscli live there).
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("ROLECALL_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run ./scripts/test, which creates the virtualenv with moto",
        p.display()
    );
    p
}

pub fn support_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support")
}

/// Starts a stand-in server that writes its port to `port_file` once it listens: its URL
/// (`http://127.0.0.1:PORT`) and its process, which the caller kills.
pub fn start_stand_in(mut command: Command, port_file: &Path, what: &str) -> (String, Child) {
    let mut child = command.spawn().unwrap();
    for _ in 0..400 {
        if let Ok(port) = std::fs::read_to_string(port_file) {
            if !port.trim().is_empty() {
                return (format!("http://127.0.0.1:{}", port.trim()), child);
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the {what} stand-in did not start");
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// One moto server per test binary, shared by its tests (each uses its own names).
pub struct Moto {
    pub url: String,
    pub recording: PathBuf,
    _dir: tempfile::TempDir,
    _child: Mutex<(Child, ChildStdin)>,
}

pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(Moto::start)
}

impl Moto {
    fn start() -> Moto {
        let dir = tempfile::tempdir().unwrap();
        let recording = dir.path().join("requests.jsonl");
        let port = free_port();
        let mut child = Command::new(python())
            .arg(support_dir().join("moto_run.py"))
            .arg(port.to_string())
            .env("MOTO_ENABLE_RECORDING", "True")
            .env("MOTO_RECORDER_FILEPATH", &recording)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto (run ./scripts/test to install it)");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "moto did not start");
        let url = format!("http://127.0.0.1:{port}");
        wait_for_http(port, "/moto-api/");
        Moto {
            url,
            recording,
            _dir: dir,
            _child: Mutex::new((child, stdin)),
        }
    }

    /// Requests of `action` whose decoded body contains `needle`.
    pub fn count(&self, action: &str, needle: &str) -> usize {
        let out = Command::new(python())
            .arg(support_dir().join("aws.py"))
            .args(["count", action, needle])
            .env("MOTO_RECORDER_FILEPATH", &self.recording)
            .env("AWS_ENDPOINT_URL", &self.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// The recorded requests (JSON lines) whose body mentions `needle`.
    pub fn requests_mentioning(&self, needle: &str) -> Vec<String> {
        let out = Command::new(python())
            .arg(support_dir().join("aws.py"))
            .args(["dump", needle])
            .env("MOTO_RECORDER_FILEPATH", &self.recording)
            .env("AWS_ENDPOINT_URL", &self.url)
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

fn wait_for_http(port: u16, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.") && buf.contains(" 200 ") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("nothing answered on 127.0.0.1:{port}{path}");
}

/// A unique name for this test run's IAM objects.
/// An access key id no earlier run used (`AKIA…` + `tail`): the kernel keyring keeps sessions
/// across runs (the uid's persistent keyring), and a stub on a reused port with the same keys
/// would otherwise find an earlier run's session.
pub fn fresh_key_id(tail: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    format!(
        "AKIA{:010X}{n:02}{tail}",
        (nanos as u64 ^ u64::from(std::process::id())) & 0xFF_FFFF_FFFF
    )
}

pub fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// A throwaway home directory with its own `~/.aws` files.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub endpoint: String,
    pub extra_env: Vec<(String, String)>,
}

pub struct Keys {
    pub id: String,
    pub secret: String,
}

impl Sandbox {
    pub fn new() -> Self {
        Self::with_endpoint(&moto().url)
    }

    pub fn with_endpoint(endpoint: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        Self {
            dir,
            endpoint: endpoint.to_string(),
            extra_env: Vec::new(),
        }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.home().join(".aws/config"), text).unwrap();
    }

    pub fn write_credentials(&self, text: &str) {
        std::fs::write(self.home().join(".aws/credentials"), text).unwrap();
    }

    /// An IAM user with an access key, in moto.
    pub fn user(&self, name: &str) -> Keys {
        let out = self.aws(&["user", name]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        Keys {
            id: v["id"].as_str().unwrap().into(),
            secret: v["secret"].as_str().unwrap().into(),
        }
    }

    /// The ids of an IAM user's access keys in moto, sorted.
    pub fn access_keys(&self, user: &str) -> Vec<String> {
        serde_json::from_str(&self.aws(&["keys", user])).unwrap()
    }

    /// Another access key for an IAM user in moto.
    pub fn add_key(&self, user: &str) -> Keys {
        let v: serde_json::Value = serde_json::from_str(&self.aws(&["addkey", user])).unwrap();
        Keys {
            id: v["id"].as_str().unwrap().into(),
            secret: v["secret"].as_str().unwrap().into(),
        }
    }

    /// A role in moto; returns its ARN.
    pub fn role(&self, name: &str) -> String {
        self.aws(&["role", name])
    }

    fn aws(&self, args: &[&str]) -> String {
        let out = Command::new(python())
            .arg(support_dir().join("aws.py"))
            .args(args)
            .env("AWS_ENDPOINT_URL", &moto().url)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "aws.py {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// The environment every process of the test gets: nothing from the developer's.
    pub fn env(&self) -> Vec<(String, String)> {
        let bin_dir = Path::new(BIN).parent().unwrap().display().to_string();
        let mut env = vec![
            (
                "PATH".into(),
                format!("{bin_dir}:/usr/local/bin:/usr/bin:/bin"),
            ),
            ("HOME".into(), self.home().display().to_string()),
            ("USER".into(), "tester".into()),
            ("AWS_ENDPOINT_URL".into(), self.endpoint.clone()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("NO_PROXY".into(), "127.0.0.1,localhost".into()),
            ("no_proxy".into(), "127.0.0.1,localhost".into()),
        ];
        for var in [
            "XDG_RUNTIME_DIR",
            "DBUS_SESSION_BUS_ADDRESS",
            "ROLECALL_KEYRING",
        ] {
            if let Ok(v) = std::env::var(var) {
                env.push((var.into(), v));
            }
        }
        env.extend(self.extra_env.iter().cloned());
        env
    }

    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear().envs(self.env()).current_dir(self.home());
        c
    }

    pub fn rolecall(&self, args: &[&str]) -> Output {
        self.command(BIN)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `rolecall ARGS` with more variables.
    pub fn rolecall_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(BIN)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// GetCallerIdentity with the AWS_* variables of `env` (boto3, a real AWS client).
    pub fn whoami_with(&self, env: &[(String, String)]) -> String {
        let mut c = self.command(python());
        c.arg(support_dir().join("aws.py"))
            .arg("whoami")
            .envs(env.iter().cloned());
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "whoami: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Runs `script` in `shell` (`bash`, `dash`, …), which must be installed.
    pub fn shell(&self, shell: &str, script: &str) -> Output {
        let path = which(shell);
        self.command(path).arg("-c").arg(script).output().unwrap()
    }
}

/// The full path of a program that the test needs; its absence fails the test.
pub fn which(program: &str) -> PathBuf {
    for dir in ["/usr/local/bin", "/usr/bin", "/bin"] {
        let p = Path::new(dir).join(program);
        if p.exists() {
            return p;
        }
    }
    panic!("{program} is not installed: run ./scripts/test, which installs it");
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `export K='v'` lines → (K, v) pairs, for checks that do not need a shell.
pub fn parse_exports(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

/// A standard setup: a user with keys as `[default]`, and a role profile `name` with `extra`
/// lines. Returns the user's keys and the role ARN.
pub fn role_setup(sb: &Sandbox, name: &str, extra: &str) -> (Keys, String) {
    let user = unique("user");
    let keys = sb.user(&user);
    let role = unique(name);
    let arn = sb.role(&role);
    sb.write_credentials(&format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.id, keys.secret
    ));
    sb.write_config(&format!(
        "[profile {name}]\nrole_arn = {arn}\nsource_profile = default\n{extra}"
    ));
    (keys, arn)
}

/// A test that acts as another user fails at once unless it runs as root: it is `#[ignore]`d
/// with the reason, and `./scripts/test` runs the ignored tests only as root, so it is either
/// really run or reported as not run, never passed without doing anything.
pub fn assert_root() {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "this test needs root; run it as root (./scripts/test does when it can)"
    );
}

/// A shell line that runs `command` as uid/gid 65534 (nobody) with no groups.
pub fn as_nobody(command: &str) -> String {
    format!(
        "{} --reuid=65534 --regid=65534 --clear-groups {command}",
        which("setpriv").display()
    )
}
