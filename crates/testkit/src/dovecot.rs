//! A Dovecot IMAP server with mailbox users, mail kept as Maildir in a temporary folder; on request
//! also LMTP, the protocol an MTA such as [`crate::postfix::Postfix`] delivers with.

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use jardinier_store::testing::TempDir;

const DOVECOT: &str = "/usr/sbin/dovecot";

pub struct Dovecot {
    /// The IMAP port on 127.0.0.1.
    pub port: u16,
    /// The LMTP port on 127.0.0.1, when started with LMTP ([`Dovecot::start_with`]).
    pub lmtp_port: Option<u16>,
    /// The first user and its password (with [`Dovecot::start`], the only one).
    pub user: String,
    pub password: String,
    /// Every user with its password, in the order given.
    pub users: Vec<(String, String)>,
    dir: TempDir,
    child: Child,
    delivered: usize,
}

impl Dovecot {
    /// Starts Dovecot with the user `user` / `password`.
    pub fn start(user: &str, password: &str) -> Option<Dovecot> {
        Dovecot::start_with(&[(user, password)], false)
    }

    /// Starts Dovecot with these users (name, password), and with `lmtp` an LMTP listener on
    /// [`Dovecot::lmtp_port`] as well.
    ///
    /// The name is the IMAP login and the LMTP recipient alike: an MTA hands over the recipient's
    /// whole address, so users meant to receive through LMTP are named by their address
    /// (`customer@example.test`); a name without a domain only receives through [`Dovecot::deliver_to`].
    pub fn start_with(users: &[(&str, &str)], lmtp: bool) -> Option<Dovecot> {
        crate::require_binary(DOVECOT, "dovecot-imapd")?;
        if lmtp {
            crate::require_binary("/usr/lib/dovecot/lmtp", "dovecot-lmtpd")?;
        }
        assert!(!users.is_empty(), "Dovecot needs at least one user");
        for (name, password) in users {
            assert!(
                !name.is_empty()
                    && !name.contains([':', '/', '\n', '%'])
                    && !password.contains([':', '\n']),
                "Dovecot user {name:?}: no ':', '/', '%' or line break in a name, no ':' or line \
                 break in a password (they go in a passwd-file, names in folder names too)"
            );
        }
        let dir = TempDir::new("dovecot");
        let root = dir.0.clone();
        let port = crate::free_port();
        let lmtp_port = lmtp.then(crate::free_port);
        let as_root = crate::id("-u") == "0";
        // Dovecot never gives mail to root: as root, mail belongs to the `dovecot` system user
        // (created by the package); otherwise to whoever runs the tests.
        let (mail_user, mail_group, mail_uid) = if as_root {
            ("dovecot".to_owned(), "dovecot".to_owned(), id_of("dovecot"))
        } else {
            (crate::id("-un"), crate::id("-gn"), crate::id("-u"))
        };
        // Without root Dovecot cannot hand its sockets to the `dovecot` group (the default internal
        // group), so everything runs as the user, in the user's own group.
        let unprivileged = if as_root {
            String::new()
        } else {
            format!(
                "default_login_user = {mail_user}\ndefault_internal_user = {mail_user}\n\
                 default_internal_group = {mail_group}\n\
                 service anvil {{\n  chroot =\n}}\nservice imap-login {{\n  chroot =\n}}\n"
            )
        };
        let passwd: String = users
            .iter()
            .map(|(name, password)| format!("{name}:{{PLAIN}}{password}\n"))
            .collect();
        std::fs::write(root.join("passwd"), passwd).expect("write the password file");
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(root.join(sub)).expect("create Dovecot's folders");
        }
        let (protocols, lmtp_service) = match lmtp_port {
            None => ("imap", String::new()),
            Some(lmtp_port) => (
                "imap lmtp",
                format!(
                    "service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"
                ),
            ),
        };
        // A passwd-file passdb also serves LMTP's existence check: the static userdb asks it
        // whether a recipient exists, so mail for an unknown user is refused (550) at RCPT.
        let conf = format!(
            "first_valid_uid = {mail_uid}
protocols = {protocols}
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
{lmtp_service}{unprivileged}",
            root = root.display()
        );
        std::fs::write(root.join("dovecot.conf"), conf).expect("write dovecot.conf");
        for (name, _) in users {
            let maildir = root.join("home").join(name).join("Maildir");
            for sub in ["cur", "new", "tmp"] {
                std::fs::create_dir_all(maildir.join(sub)).expect("create the Maildir");
            }
        }
        if as_root {
            let status = Command::new("chown")
                .args(["-R", &format!("{mail_user}:{mail_group}")])
                .arg(root.join("home"))
                .status()
                .expect("run chown");
            assert!(status.success(), "chown the Maildirs to {mail_user}");
        }
        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start dovecot");
        let server = Dovecot {
            port,
            lmtp_port,
            user: users[0].0.to_owned(),
            password: users[0].1.to_owned(),
            users: users
                .iter()
                .map(|(name, password)| (name.to_string(), password.to_string()))
                .collect(),
            dir,
            child,
            delivered: 0,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        for listening in [Some(port), lmtp_port].into_iter().flatten() {
            while TcpStream::connect(("127.0.0.1", listening)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "Dovecot did not listen on port {listening}; its log:\n{}",
                    server.log()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Some(server)
    }

    fn maildir(&self, user: &str) -> PathBuf {
        assert!(
            self.users.iter().any(|(name, _)| name == user),
            "Dovecot has no user {user:?} (its users: {:?})",
            self.users.iter().map(|(name, _)| name).collect::<Vec<_>>()
        );
        self.dir.0.join("home").join(user).join("Maildir")
    }

    /// Delivers one raw RFC 5322 message to the first user's INBOX (see [`Dovecot::deliver_to`]).
    pub fn deliver(&mut self, raw: &[u8]) {
        let user = self.user.clone();
        self.deliver_to(&user, raw);
    }

    /// Delivers one raw RFC 5322 message to `user`'s INBOX, as a local delivery agent does
    /// (written in `tmp/`, then renamed into `new/`): the message arrives byte for byte, without
    /// the headers an MTA adds.
    pub fn deliver_to(&mut self, user: &str, raw: &[u8]) {
        let maildir = self.maildir(user);
        self.delivered += 1;
        let name = format!(
            "{}.M{}P{}.jardinier-test",
            1_700_000_000 + self.delivered,
            self.delivered,
            std::process::id()
        );
        let tmp = maildir.join("tmp").join(&name);
        let mut file = std::fs::File::create(&tmp).expect("write the message");
        file.write_all(raw).expect("write the message");
        file.sync_all().expect("sync the message");
        std::fs::rename(&tmp, maildir.join("new").join(&name)).expect("deliver");
    }

    /// Every message in `user`'s INBOX, read straight from the Maildir (`new/`, and `cur/` where
    /// an IMAP client's visit moves them), oldest delivery first (by file time, then name). A
    /// message delivered through LMTP carries the headers the servers added (Return-Path,
    /// Delivered-To, Received).
    pub fn messages(&self, user: &str) -> Vec<Vec<u8>> {
        let maildir = self.maildir(user);
        // An IMAP session may move a message from new/ to cur/ between the listing and the
        // reading: then list again.
        'listing: for _ in 0..20 {
            let mut files: Vec<(SystemTime, std::ffi::OsString, PathBuf)> = Vec::new();
            for sub in ["new", "cur"] {
                let entries = std::fs::read_dir(maildir.join(sub)).expect("list the Maildir");
                for entry in entries {
                    let entry = entry.expect("list the Maildir");
                    let modified = match entry.metadata().and_then(|m| m.modified()) {
                        Ok(modified) => modified,
                        Err(e) if e.kind() == ErrorKind::NotFound => continue 'listing,
                        Err(e) => panic!("read {}: {e}", entry.path().display()),
                    };
                    files.push((modified, entry.file_name(), entry.path()));
                }
            }
            files.sort();
            let mut messages = Vec::with_capacity(files.len());
            for (_, _, path) in files {
                match std::fs::read(&path) {
                    Ok(raw) => messages.push(raw),
                    Err(e) if e.kind() == ErrorKind::NotFound => continue 'listing,
                    Err(e) => panic!("read {}: {e}", path.display()),
                }
            }
            return messages;
        }
        panic!("{} kept changing while being read", maildir.display());
    }

    /// [`Dovecot::messages`] once `user` has at least `count` of them, or after 10 seconds
    /// whatever has arrived: mail sent through an MTA arrives a moment later, and the test's own
    /// assertion can then show both servers' logs.
    pub fn wait_for_messages(&self, user: &str, count: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let messages = self.messages(user);
            if messages.len() >= count || Instant::now() >= deadline {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Dovecot's own log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("dovecot.log")).unwrap_or_default()
    }
}

fn id_of(user: &str) -> String {
    let out = Command::new("id")
        .args(["-u", user])
        .output()
        .expect("run id");
    assert!(
        out.status.success(),
        "no {user} user: is dovecot-core installed?"
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its children; then reap it.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
