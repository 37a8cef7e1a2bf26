//! The demo's local SMTP server. Newsletters in the demo go out through SMTP as they would in
//! production (rate, headers, return path); this server, on loopback only, accepts every
//! recipient and shows each message it receives at the local webhook inbox (`/dev/hooks`):
//! recipient, subject, unsubscribe header and the text part, whose unsubscribe link works.

use std::net::TcpListener;

use anyhow::Context;
use mailin_embedded::{Handler, Response, Server, response};

#[derive(Clone)]
struct DemoMailbox {
    /// Where received messages are shown.
    hook: String,
    runtime: tokio::runtime::Handle,
    client: reqwest::Client,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for DemoMailbox {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        // The demo's newsletters are small; anything past 2 MB is not shown.
        if self.data.len() < 2 * 1024 * 1024 {
            self.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let summary = summary(&self.to, &self.data);
        let request = self.client.post(&self.hook).body(summary);
        self.runtime.spawn(async move {
            if let Err(error) = request.send().await {
                tracing::warn!(%error, "the demo SMTP server could not show a message");
            }
        });
        response::OK
    }
}

/// What the local inbox shows of a message.
fn summary(to: &[String], raw: &[u8]) -> String {
    let Some(message) = mail_parser::MessageParser::default().parse(raw) else {
        return String::from_utf8_lossy(raw).into_owned();
    };
    let header = |name: &str| message.header_raw(name).unwrap_or("").trim().to_owned();
    format!(
        "SMTP RCPT TO: {}\nSubject: {}\nFrom: {}\nList-Unsubscribe: {}\nList-Unsubscribe-Post: {}\n\n{}",
        to.join(", "),
        message.subject().unwrap_or(""),
        header("From"),
        header("List-Unsubscribe"),
        header("List-Unsubscribe-Post"),
        message.body_text(0).unwrap_or_default()
    )
}

/// Starts the server on a free loopback port; returns its `smtp://` URL.
pub fn start(base_url: &str) -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding the demo SMTP server")?;
    let port = listener.local_addr()?.port();
    let mut server = Server::new(DemoMailbox {
        hook: format!("{base_url}/dev/hooks/newsletter"),
        runtime: tokio::runtime::Handle::current(),
        client: reqwest::Client::new(),
        to: Vec::new(),
        data: Vec::new(),
    });
    server
        .with_name("smtp.demo.localhost")
        .with_num_threads(2)
        .with_tcp_listener(listener);
    std::thread::Builder::new()
        .name("demo-smtp".into())
        .spawn(move || {
            if let Err(error) = server.serve() {
                tracing::error!(%error, "the demo SMTP server stopped");
            }
        })
        .context("starting the demo SMTP server")?;
    Ok(format!("smtp://127.0.0.1:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_shows_what_a_reader_needs() {
        let raw = b"From: Les Jardins <lettre@demo.example>\r\nTo: lea@example.org\r\n\
Subject: =?utf-8?q?Nouveaut=C3=A9s?=\r\nList-Unsubscribe: <http://x/n/u/t>\r\n\
List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\nBonjour =C3=A0 tous\r\n";
        let text = summary(&["lea@example.org".into()], raw);
        assert!(
            text.starts_with("SMTP RCPT TO: lea@example.org\nSubject: Nouveautés\n"),
            "{text}"
        );
        assert!(text.contains("List-Unsubscribe: <http://x/n/u/t>"));
        assert!(text.contains("Bonjour à tous"));
    }
}
