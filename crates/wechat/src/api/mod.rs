//! WeChat server APIs, one module per area; each method names the doc page it follows.

pub mod auth;
pub mod custom_message;
pub mod links;
pub mod phone;
pub mod security;
pub mod subscribe_message;
pub mod subscribe_template;
pub mod token;
pub mod user;
pub mod wxacode;

/// A one-shot HTTP server for the API modules' tests: it answers one request with a canned
/// JSON body and reports what it received, so tests see both the request and the decoding.
#[cfg(test)]
pub(crate) mod canned {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    use crate::{ClientConfig, WechatClient};

    /// The request the canned server received.
    #[derive(Debug)]
    pub struct Received {
        /// The request line's method, e.g. `POST`.
        pub method: String,
        /// The request target: path and query.
        pub target: String,
        /// The body, as text.
        pub body: String,
    }

    /// Serves `answer` once; returns a client pointed at it and the request it will receive.
    pub fn serve_once(answer: &str) -> (WechatClient, mpsc::Receiver<Received>) {
        serve_raw_once(format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{answer}",
            answer.len()
        ))
    }

    /// Serves the raw HTTP `response` (status line, headers and body) once.
    pub fn serve_raw_once(response: String) -> (WechatClient, mpsc::Receiver<Received>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds a local port");
        let addr = listener.local_addr().expect("has an address");
        let (sender, received) = mpsc::channel();
        thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accepts the client");
            let mut reader = BufReader::new(stream.try_clone().expect("clones the stream"));
            let mut line = String::new();
            reader.read_line(&mut line).expect("reads the request line");
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_owned();
            let target = parts.next().unwrap_or_default().to_owned();
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("reads a header");
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().expect("a numeric length");
                    }
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("reads the body");
            let mut stream = stream;
            stream
                .write_all(response.as_bytes())
                .expect("writes the answer");
            let body = String::from_utf8(body).expect("a UTF-8 body");
            let _ = sender.send(Received {
                method,
                target,
                body,
            });
        });
        let client = WechatClient::new(&ClientConfig {
            base_url: format!("http://{addr}"),
            timeout: Duration::from_secs(5),
        })
        .expect("builds a client");
        (client, received)
    }
}
