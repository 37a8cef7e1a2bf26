//! A Postfix SMTP server for one mail domain, delivering every message to a Dovecot's LMTP port:
//! mail sent to it goes through a real MTA (queue, Received header, bounces) before it lands in
//! the Maildir that IMAP reads.
//!
//! Each instance is a separate Postfix of its own: configuration, queue and log in a temporary
//! folder, its master process a child of the test. A system Postfix, if any runs, is untouched;
//! instances only share Debian's binaries and `/etc/postfix/postfix-files`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use jardinier_store::testing::TempDir;

const POSTFIX: &str = "/usr/sbin/postfix";
const POSTCONF: &str = "/usr/sbin/postconf";

pub struct Postfix {
    /// The SMTP port on 127.0.0.1.
    pub port: u16,
    /// The domain it accepts mail for.
    pub domain: String,
    dir: TempDir,
    child: Child,
}

impl Postfix {
    /// Starts Postfix accepting mail for `domain` (any local part) from loopback clients and
    /// delivering it over LMTP to 127.0.0.1:`lmtp_port` (a [`crate::dovecot::Dovecot`] started
    /// with LMTP, whose users are named by address). Mail for other domains is refused at RCPT,
    /// as a real MX refuses to relay; mail for an unknown user of `domain` is accepted, then
    /// bounced when Dovecot refuses it (the bounce goes nowhere: this Postfix sends nothing out).
    ///
    /// Returns once the SMTP port answers `220`.
    pub fn start(domain: &str, lmtp_port: u16) -> Option<Postfix> {
        crate::require_binary(POSTFIX, "postfix")?;
        if crate::id("-u") != "0" {
            return crate::unavailable(
                "Postfix needs root (its master process runs as root and hands the work to the \
                 postfix system user): run the tests as root"
                    .to_owned(),
            );
        }
        assert!(
            !domain.is_empty() && !domain.contains(|c: char| c.is_whitespace() || c == ','),
            "not a mail domain: {domain:?}"
        );
        let dir = TempDir::new("postfix");
        let root = dir.0.clone();
        let port = crate::free_port();
        let etc = root.join("etc");
        let spool = root.join("spool");
        for folder in [&etc, &spool] {
            std::fs::create_dir_all(folder).expect("create Postfix's folders");
        }
        // Postfix's checks want the queue owned by root and writable by nobody else, whatever the
        // umask; its daemons, as `postfix`, must be able to walk to it.
        for folder in [&root, &spool] {
            std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755))
                .expect("set the permissions of Postfix's folders");
        }
        let root_display = root.display();
        // Choices, beyond the paths of this instance:
        // - no DNS anywhere (smtpd_peername_lookup, *_dns_support_level, *_host_lookup): the
        //   only next hop is the numeric LMTP address, and the tests need no network;
        // - virtual_mailbox_domains + virtual_transport: every address of `domain` goes to LMTP,
        //   Dovecot deciding whether the user exists; mydestination is empty, so no local
        //   delivery, aliases or /etc/passwd lookups;
        // - smtpd_relay_restrictions: only `domain` is accepted, even from loopback; the error
        //   transports make sure nothing, not even a bounce, leaves the machine;
        // - local_header_rewrite_clients empty: the message arrives as sent, with no Date,
        //   Message-ID or From added and no address rewritten, as a real MX receives mail;
        // - in_flow_delay, smtpd_error_sleep_time: no deliberate pauses when a test sends fast
        //   or makes mistakes; queue_run_delay and the backoff times: a message deferred because
        //   the LMTP server was not up yet is retried within a second or two, not minutes;
        // - maillog_file (and its prefix, which Postfix otherwise restricts to /var): a readable
        //   log without syslog, which test machines and containers often lack.
        let main_cf = format!(
            "compatibility_level = 3.6
queue_directory = {root_display}/spool
data_directory = {root_display}/data
maillog_file = {root_display}/maillog
maillog_file_prefixes = {root_display}
syslog_name = postfix-test
myhostname = mx.{domain}
mydomain = {domain}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
alias_maps =
alias_database =
biff = no
local_header_rewrite_clients =
virtual_mailbox_domains = {domain}
virtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}
smtpd_relay_restrictions = reject_unauth_destination
default_transport = error:this test server delivers only to {domain}
relay_transport = error:this test server delivers only to {domain}
in_flow_delay = 0
smtpd_error_sleep_time = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"
        );
        // Debian's stock services, minus local delivery, pipes and TLS, and none chrooted (a
        // chroot would need a copy of /etc in the queue folder). Only the SMTP listener is on the
        // network, on loopback.
        let master_cf = format!(
            "127.0.0.1:{port} inet n - n - - smtpd
pickup     unix  n - n 60    1 pickup
cleanup    unix  n - n -     0 cleanup
qmgr       unix  n - n 300   1 qmgr
rewrite    unix  - - n -     - trivial-rewrite
bounce     unix  - - n -     0 bounce
defer      unix  - - n -     0 bounce
trace      unix  - - n -     0 bounce
verify     unix  - - n -     1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -     - proxymap
proxywrite unix  - - n -     1 proxymap
smtp       unix  - - n -     - smtp
relay      unix  - - n -     - smtp
showq      unix  n - n -     - showq
error      unix  - - n -     - error
retry      unix  - - n -     - error
discard    unix  - - n -     - discard
lmtp       unix  - - n -     - lmtp
anvil      unix  - - n -     1 anvil
scache     unix  - - n -     1 scache
postlog    unix-dgram n - n - 1 postlogd
"
        );
        std::fs::write(etc.join("main.cf"), main_cf).expect("write main.cf");
        std::fs::write(etc.join("master.cf"), master_cf).expect("write master.cf");
        // Postfix distrusts a main.cf modified within the last second or so: every program that
        // reads it (the postfix command, then each daemon the master starts) waits in 300 ms
        // steps for it to "cool down", two seconds in all. An hour-old date skips the wait.
        std::fs::File::options()
            .write(true)
            .open(etc.join("main.cf"))
            .and_then(|f| f.set_modified(SystemTime::now() - Duration::from_secs(3600)))
            .expect("date main.cf in the past");

        // `postfix check` creates the queue's folders with the owners and modes Postfix wants
        // (from /etc/postfix/postfix-files) and checks the configuration.
        let check = Command::new(POSTFIX)
            .arg("-c")
            .arg(&etc)
            .arg("check")
            .stdin(Stdio::null())
            .output()
            .expect("run postfix check");
        assert!(
            check.status.success(),
            "postfix check failed ({}):\n{}\nits log:\n{}",
            check.status,
            outputs(&check),
            read_log(&root)
        );
        // The master itself, rather than `postfix start`, so that it is a child of the test
        // (it stays in the foreground unless told -w) and Drop knows its process.
        let postconf = Command::new(POSTCONF)
            .arg("-c")
            .arg(&etc)
            .args(["-h", "daemon_directory"])
            .output()
            .expect("run postconf");
        assert!(
            postconf.status.success(),
            "postconf failed: {}",
            outputs(&postconf)
        );
        let master = Path::new(String::from_utf8_lossy(&postconf.stdout).trim()).join("master");
        let child = Command::new(&master)
            .arg("-c")
            .arg(&etc)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", master.display()));
        let mut server = Postfix {
            port,
            domain: domain.to_owned(),
            dir,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                // The master reports why only to syslog (a port taken meanwhile, say).
                panic!(
                    "Postfix's master exited ({status}) before answering on port {port}; its \
                     log:\n{}",
                    server.log()
                );
            }
            if greets(port) {
                return Some(server);
            }
            assert!(
                Instant::now() < deadline,
                "Postfix did not answer 220 on port {port}; its log:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Postfix's log (every SMTP session and every delivery with its LMTP reply), for failure
    /// messages.
    pub fn log(&self) -> String {
        read_log(&self.dir.0)
    }
}

fn read_log(root: &Path) -> String {
    std::fs::read(root.join("maillog"))
        .map(|log| String::from_utf8_lossy(&log).into_owned())
        .unwrap_or_default()
}

fn outputs(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Whether an SMTP server on `port` answers with its 220 greeting (then politely told QUIT).
fn greets(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut greeting = [0u8; 4];
    let greeted = stream.read_exact(&mut greeting).is_ok() && greeting.starts_with(b"220");
    let _ = stream.write_all(b"QUIT\r\n");
    greeted
}

/// The process group of `pid` (field 5 of /proc/<pid>/stat), if it is still alive.
fn process_group(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain anything: parse after it.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?;
    let _parent = fields.next()?;
    let group = fields.next()?.parse().ok()?;
    (state != "Z" && state != "X").then_some(group)
}

/// The live processes (zombies excluded) of process group `group`.
fn group_members(group: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| process_group(pid) == Some(group))
        .collect()
}

impl Drop for Postfix {
    fn drop(&mut self) {
        // The master is a session leader (it calls setsid), so its daemons share its process
        // group. SIGTERM makes it signal that group and exit at once; its daemons, orphaned,
        // exit a moment later. Wait for all of them, so that the queue folder can be removed
        // and no process outlives the test; SIGKILL whatever is left after five seconds.
        let pid = self.child.id();
        let group = process_group(pid).unwrap_or(pid);
        let _ = Command::new("kill").arg(pid.to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !matches!(self.child.try_wait(), Ok(Some(_))) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        while !group_members(group).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if !group_members(group).is_empty() {
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{group}")])
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
