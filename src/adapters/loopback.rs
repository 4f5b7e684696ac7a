//! What every loopback listener of rolecall shares (the console's one-shot redirect, the SSO
//! sign-in's callback, the `exec --server` endpoint): who is on the other end of a connection
//! to 127.0.0.1 (secrets are compared with `domain::text::same`, which has no early exit).
//!
//! Any local user can connect to 127.0.0.1, and a loopback address given to the browser is in
//! its argv (`/proc/PID/cmdline` is world-readable), so each connection's owner is checked
//! where the OS tells it: on Linux, `/proc/net/tcp` names the uid that owns the peer's socket.
//! Elsewhere the owner is unknown and the connection is taken (the random path and token
//! remain the only guard).

use std::net::SocketAddr;

/// Who owns the other end of a loopback connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// This process's effective uid, or an OS that does not say.
    Ours,
    /// Another uid, or (on Linux) an owner that could not be found: refuse.
    Other(Option<u32>),
}

impl Peer {
    /// The peer of a connection whose local end is `local` and remote end is `remote`.
    pub fn of(local: SocketAddr, remote: SocketAddr) -> Peer {
        #[cfg(target_os = "linux")]
        {
            let me = rustix::process::geteuid().as_raw();
            match owner(local, remote) {
                Some(uid) if uid == me => Peer::Ours,
                other => Peer::Other(other),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (local, remote);
            Peer::Ours
        }
    }

    /// The peers of many connections (`(local, remote)` each), from one reading of the
    /// kernel's table: what a listener under a flood of connections uses, so that its cost
    /// per connection does not grow with the flood.
    #[cfg_attr(
        not(unix),
        allow(dead_code, reason = "the credential endpoints are Unix-only")
    )]
    pub fn of_all(connections: &[(SocketAddr, SocketAddr)]) -> Vec<Peer> {
        #[cfg(target_os = "linux")]
        {
            let me = rustix::process::geteuid().as_raw();
            let mut tables: [Option<std::collections::HashMap<(String, String), u32>>; 2] =
                [None, None];
            connections
                .iter()
                .map(|&(local, remote)| {
                    let (at, path) = match remote {
                        SocketAddr::V4(_) => (0, "/proc/net/tcp"),
                        SocketAddr::V6(_) => (1, "/proc/net/tcp6"),
                    };
                    let table = tables[at].get_or_insert_with(|| {
                        owners(&std::fs::read_to_string(path).unwrap_or_default())
                    });
                    let key = (table_address(remote), table_address(local));
                    match table.get(&key) {
                        Some(&uid) if uid == me => Peer::Ours,
                        other => Peer::Other(other.copied()),
                    }
                })
                .collect()
        }
        #[cfg(not(target_os = "linux"))]
        {
            vec![Peer::Ours; connections.len()]
        }
    }

    /// How an error names a refused peer: "another user (uid 65534)".
    pub fn describe(self) -> String {
        match self {
            Peer::Ours => "this user".into(),
            Peer::Other(Some(uid)) => format!("another user (uid {uid})"),
            Peer::Other(None) => "a process whose owner could not be found".into(),
        }
    }
}

/// The uid owning the socket at `remote` that is connected to `local`, from the kernel's
/// table of TCP sockets.
#[cfg(target_os = "linux")]
fn owner(local: SocketAddr, remote: SocketAddr) -> Option<u32> {
    let table = match remote {
        SocketAddr::V4(_) => "/proc/net/tcp",
        SocketAddr::V6(_) => "/proc/net/tcp6",
    };
    let text = std::fs::read_to_string(table).ok()?;
    owner_in(&text, local, remote)
}

/// The address as the kernel's table writes it: the address's bytes as a native-endian
/// number per 32 bits, in hex, then the port.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn table_address(address: SocketAddr) -> String {
    let words: Vec<String> = match address {
        SocketAddr::V4(a) => vec![format!("{:08X}", u32::from_ne_bytes(a.ip().octets()))],
        SocketAddr::V6(a) => a
            .ip()
            .octets()
            .chunks(4)
            .map(|c| format!("{:08X}", u32::from_ne_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
    };
    format!("{}:{:04X}", words.concat(), address.port())
}

/// The uid column of the row whose own address is `remote` and whose peer is `local` (rows of
/// sockets without an owner, such as TIME_WAIT, have inode 0 and are skipped).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn owner_in(table: &str, local: SocketAddr, remote: SocketAddr) -> Option<u32> {
    let (mine, theirs) = (table_address(local), table_address(remote));
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (own, peer, uid, inode) = (
            fields.get(1)?,
            fields.get(2)?,
            fields.get(7)?,
            fields.get(9)?,
        );
        (own.eq_ignore_ascii_case(&theirs) && peer.eq_ignore_ascii_case(&mine) && *inode != "0")
            .then(|| uid.parse().ok())
            .flatten()
    })
}

/// (own address, peer address) → owner's uid, for every socket of the table that has an owner
/// (addresses uppercase, as `table_address` writes them).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn owners(table: &str) -> std::collections::HashMap<(String, String), u32> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (own, peer, uid, inode) = (
                fields.get(1)?,
                fields.get(2)?,
                fields.get(7)?,
                fields.get(9)?,
            );
            (*inode != "0").then_some(())?;
            Some((
                (own.to_ascii_uppercase(), peer.to_ascii_uppercase()),
                uid.parse().ok()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_is_the_row_of_the_peers_socket() {
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let remote: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let (l, r) = (table_address(local), table_address(remote));
        if cfg!(target_endian = "little") {
            assert_eq!(l, "0100007F:1F90");
        }
        let table = format!(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
             0: {l} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0\n\
             1: {r} {l} 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0\n\
             2: {l} {r} 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0\n\
             3: {r} {l} 01 00000000:00000000 00:00000000 00000000 65534        0 102 1 0\n"
        );
        assert_eq!(owner_in(&table, local, remote), Some(65534));
        assert_eq!(owner_in(&table, remote, local), Some(0));
        let elsewhere: SocketAddr = "127.0.0.1:40001".parse().unwrap();
        assert_eq!(owner_in(&table, local, elsewhere), None);
        let all = owners(&table);
        assert_eq!(all.get(&(r.clone(), l.clone())), Some(&65534));
        assert_eq!(all.len(), 3, "the TIME_WAIT row has no owner");
    }

    #[test]
    fn a_connection_of_this_process_is_ours() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (stream, remote) = listener.accept().unwrap();
        let local = stream.local_addr().unwrap();
        assert_eq!(Peer::of(local, remote), Peer::Ours);
        assert_eq!(Peer::of_all(&[(local, remote)]), [Peer::Ours]);
    }
}
