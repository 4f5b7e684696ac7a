//! The login name from the system's user database, for containers and cron jobs that run
//! without `USER` or `LOGNAME` (the default role session name carries it into CloudTrail).

/// The name of the user this process runs as, from `/etc/passwd`.
#[cfg(unix)]
pub fn login_name() -> Option<String> {
    let uid = rustix::process::getuid().as_raw();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    name_of(&passwd, uid)
}

#[cfg(not(unix))]
pub fn login_name() -> Option<String> {
    None
}

/// The name on the `/etc/passwd` line whose third field is `uid`.
#[cfg_attr(not(unix), allow(dead_code))]
fn name_of(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?.parse::<u32>().ok()?;
        (id == uid && !name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_of_the_uid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\nmaria:x:1000:1000::/home/maria:/bin/zsh\n";
        assert_eq!(name_of(passwd, 1000).as_deref(), Some("maria"));
        assert_eq!(name_of(passwd, 0).as_deref(), Some("root"));
        assert_eq!(name_of(passwd, 7), None);
    }
}
