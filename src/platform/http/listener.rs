//! The server's listening socket, and how it lets go of it on SIGTERM without cutting a
//! request.
//!
//! axum's graceful shutdown stops accepting and tells every connection to finish; hyper then
//! closes at once each connection on which no byte has arrived yet. Two kinds of request were
//! cut that way under load (the fault suite's SIGTERM drill saw one in a CI run): a client
//! whose connection sat in the kernel's accept queue when the listener was dropped (reset),
//! and a client that had connected but not yet sent its request (closed unanswered). Both had
//! sent a POST they could not know the fate of.
//!
//! [`Draining`] closes that gap. When the stop signal comes it takes every connection still
//! queued in the kernel, then closes the socket at once (new clients are refused, which they
//! can tell apart from a cut). [`Draining::settled`] — the signal given to axum — waits until
//! each connection taken so far has sent its first bytes or [`FIRST_BYTES_GRACE`] has passed,
//! and only then lets hyper close the idle ones. A connection that has sent bytes is
//! answered before it is closed.
//!
//! What is left is a window of microseconds between the last queued connection taken and
//! the socket closed, inherent in TCP; and a client that connects and stays silent for the
//! whole grace, which is then closed as before.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long, past the signal, a connection that has sent nothing yet is given to send its
/// request.
pub const FIRST_BYTES_GRACE: Duration = Duration::from_secs(2);

/// What the drain has reached: whether the queue was taken and the socket closed, and how
/// many connections taken have not yet sent a byte.
#[derive(Clone, Copy, Default)]
struct Progress {
    closed: bool,
    silent: usize,
}

/// A TCP listener that drains its queue and closes on `stop` (an axum [`Listener`]).
///
/// [`Listener`]: axum::serve::Listener
pub struct Draining {
    socket: Option<TcpListener>,
    stop: watch::Receiver<bool>,
    queued: VecDeque<(TcpStream, SocketAddr)>,
    progress: watch::Sender<Progress>,
}

impl Draining {
    /// Listen on `socket` until `stop` turns true.
    pub fn new(socket: TcpListener, stop: watch::Receiver<bool>) -> Self {
        Draining {
            socket: Some(socket),
            stop,
            queued: VecDeque::new(),
            progress: watch::channel(Progress::default()).0,
        }
    }

    /// Done once the socket is closed and every connection taken has sent its first bytes,
    /// or [`FIRST_BYTES_GRACE`] after the socket closed: the moment to let hyper close idle
    /// connections.
    pub fn settled(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut progress = self.progress.subscribe();
        async move {
            if progress.wait_for(|p| p.closed).await.is_err() {
                return;
            }
            let _ = tokio::time::timeout(
                FIRST_BYTES_GRACE,
                progress.wait_for(|p| p.closed && p.silent == 0),
            )
            .await;
        }
    }

    /// Take every connection the kernel has queued, then close the socket.
    fn drain(&mut self) {
        let Some(socket) = self.socket.take() else {
            return;
        };
        match socket.into_std() {
            Ok(socket) => {
                // the socket is non-blocking (tokio made it so): accept until the queue is empty
                while let Ok((stream, addr)) = socket.accept() {
                    let stream = stream
                        .set_nonblocking(true)
                        .and_then(|()| TcpStream::from_std(stream));
                    if let Ok(stream) = stream {
                        self.queued.push_back((stream, addr));
                    }
                }
            }
            Err(e) => eprintln!("could not take the queued connections: {e}"),
        }
        self.progress.send_modify(|p| p.closed = true);
    }

    fn hand_out(&self, (stream, addr): (TcpStream, SocketAddr)) -> (Conn, SocketAddr) {
        self.progress.send_modify(|p| p.silent += 1);
        let silent = Silent(self.progress.clone());
        (
            Conn {
                stream,
                silent: Some(silent),
            },
            addr,
        )
    }
}

impl axum::serve::Listener for Draining {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Conn, SocketAddr) {
        loop {
            if let Some(next) = self.queued.pop_front() {
                return self.hand_out(next);
            }
            let Some(socket) = &self.socket else {
                // closed: axum stops asking once `settled` is done
                return std::future::pending().await;
            };
            let mut stop = self.stop.clone();
            // (the signal's sender gone counts as the signal)
            let stopped = async move { stop.wait_for(|s| *s).await.map(|_| ()) };
            tokio::select! {
                biased;
                _ = stopped => self.drain(),
                r = socket.accept() => match r {
                    Ok(next) => return self.hand_out(next),
                    // out of file descriptors and the like: wait, as axum's own listener does
                    Err(e) => {
                        eprintln!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.socket {
            Some(s) => s.local_addr(),
            None => Err(io::Error::new(io::ErrorKind::NotConnected, "closed")),
        }
    }
}

/// Counts a connection as silent until dropped.
struct Silent(watch::Sender<Progress>);

impl Drop for Silent {
    fn drop(&mut self) {
        self.0
            .send_modify(|p| p.silent = p.silent.saturating_sub(1));
    }
}

/// An accepted connection that reports its first bytes (or its end) to the drain.
pub struct Conn {
    stream: TcpStream,
    silent: Option<Silent>,
}

impl Conn {
    /// Send small answers at once rather than waiting to fill a packet.
    pub fn set_nodelay(&self) {
        let _ = self.stream.set_nodelay(true);
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.stream).poll_read(cx, buf);
        if r.is_ready() {
            // bytes, end of stream or an error: either way no longer waiting to speak
            self.silent = None;
        }
        r
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
