//! The community benchmark's HTTP client: one HTTP/1.1 connection per reader, kept open, and
//! the cookies the site sets sent back.
//!
//! The readers run in the benchmark's process, on the two cores the server uses: every cycle
//! the client spends is one the server does not get. reqwest (address parsing, a connection
//! pool and a cookie store per reader) was a visible share of the machine; this asks the same
//! requests with hyper's connection alone.

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode, header};
use hyper_util::rt::TokioIo;

pub struct Client {
    address: String,
    connection: Option<SendRequest<Full<Bytes>>>,
    /// `name=value` of each cookie the site set, in the order set.
    cookies: Vec<String>,
}

impl Client {
    /// A client of the server at `address` (`127.0.0.1:port`); connects at the first request.
    pub fn new(address: &str) -> Client {
        Client {
            address: address.to_owned(),
            connection: None,
            cookies: Vec::new(),
        }
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<(StatusCode, Bytes)> {
        self.send(Method::GET, path, None).await
    }

    /// Posts `fields` as a form (`application/x-www-form-urlencoded`).
    pub async fn post_form(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(Method::POST, path, Some(body)).await
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: Option<String>,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.address);
        if !self.cookies.is_empty() {
            request = request.header(header::COOKIE, self.cookies.join("; "));
        }
        let body = match form {
            Some(form) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Full::new(Bytes::from(form))
            }
            None => Full::new(Bytes::new()),
        };
        let request = request.body(body)?;
        let connection = self.connection().await?;
        let response = match connection.send_request(request).await {
            Ok(response) => response,
            Err(error) => {
                // Closed by the server: the next request opens another connection.
                self.connection = None;
                return Err(error.into());
            }
        };
        for cookie in response.headers().get_all(header::SET_COOKIE) {
            let Some(pair) = cookie.to_str().ok().and_then(|c| c.split(';').next()) else {
                continue;
            };
            let name = pair.split('=').next().unwrap_or_default();
            self.cookies
                .retain(|kept| kept.split('=').next() != Some(name));
            self.cookies.push(pair.to_owned());
        }
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    async fn connection(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        let open = match &mut self.connection {
            Some(connection) => connection.ready().await.is_ok(),
            None => false,
        };
        if !open {
            let stream = tokio::net::TcpStream::connect(&self.address)
                .await
                .with_context(|| format!("connecting to {}", self.address))?;
            stream.set_nodelay(true)?;
            let (send, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            self.connection = Some(send);
        }
        Ok(self.connection.as_mut().expect("opened above"))
    }
}
