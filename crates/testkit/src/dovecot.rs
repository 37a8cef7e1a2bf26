//! A Dovecot IMAP server with one mailbox user, mail kept as Maildir in a temporary folder.

use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jardinier_store::testing::TempDir;

const DOVECOT: &str = "/usr/sbin/dovecot";

pub struct Dovecot {
    pub port: u16,
    pub user: String,
    pub password: String,
    dir: TempDir,
    child: Child,
    delivered: usize,
}

fn id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().expect("run id");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

impl Dovecot {
    /// Starts Dovecot with the user `user` / `password`.
    pub fn start(user: &str, password: &str) -> Option<Dovecot> {
        crate::require_binary(DOVECOT, "dovecot-imapd")?;
        let dir = TempDir::new("dovecot");
        let root = dir.0.clone();
        let port = crate::free_port();
        let as_root = id("-u") == "0";
        // Dovecot never gives mail to root: as root, mail belongs to the `dovecot` system user
        // (created by the package); otherwise to whoever runs the tests.
        let (mail_user, mail_uid) = if as_root {
            ("dovecot".to_owned(), id_of("dovecot"))
        } else {
            (id("-un"), id("-u"))
        };
        let unprivileged = if as_root {
            String::new()
        } else {
            format!(
                "default_login_user = {mail_user}\ndefault_internal_user = {mail_user}\n\
                 service anvil {{\n  chroot =\n}}\nservice imap-login {{\n  chroot =\n}}\n"
            )
        };
        std::fs::write(root.join("passwd"), format!("{user}:{{PLAIN}}{password}\n"))
            .expect("write the password file");
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(root.join(sub)).expect("create Dovecot's folders");
        }
        let conf = format!(
            "first_valid_uid = {mail_uid}
protocols = imap
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
  args = uid={mail_user} gid={mail_user} home={root}/home/%u
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
{unprivileged}",
            root = root.display()
        );
        std::fs::write(root.join("dovecot.conf"), conf).expect("write dovecot.conf");
        let maildir = root.join("home").join(user).join("Maildir");
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).expect("create the Maildir");
        }
        if as_root {
            let status = Command::new("chown")
                .args(["-R", &format!("{mail_user}:{mail_user}")])
                .arg(root.join("home"))
                .status()
                .expect("run chown");
            assert!(status.success(), "chown the Maildir to {mail_user}");
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
            user: user.to_owned(),
            password: password.to_owned(),
            dir,
            child,
            delivered: 0,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "Dovecot did not listen on port {port}; its log:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(server)
    }

    fn maildir(&self) -> PathBuf {
        self.dir.0.join("home").join(&self.user).join("Maildir")
    }

    /// Delivers one raw RFC 5322 message to the INBOX, as a local delivery agent does
    /// (written in `tmp/`, then renamed into `new/`).
    pub fn deliver(&mut self, raw: &[u8]) {
        self.delivered += 1;
        let name = format!(
            "{}.M{}P{}.jardinier-test",
            1_700_000_000 + self.delivered,
            self.delivered,
            std::process::id()
        );
        let tmp = self.maildir().join("tmp").join(&name);
        let mut file = std::fs::File::create(&tmp).expect("write the message");
        file.write_all(raw).expect("write the message");
        file.sync_all().expect("sync the message");
        std::fs::rename(&tmp, self.maildir().join("new").join(&name)).expect("deliver");
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
