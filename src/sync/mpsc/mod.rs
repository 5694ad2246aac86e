//! Multi-producer, single-consumer channels, on tokio's: [`channel`] with a capacity (senders
//! wait while it is full: back-pressure) and [`unbounded_channel`] without one.
//!
//! Messages arrive in the order each sender sent them. The channel closes:
//!
//! - for the receiver, when every [`Sender`] (or [`UnboundedSender`]) is dropped: `recv` then
//!   returns the messages still queued, then `None`. [`WeakSender`]s do not keep it open.
//! - for senders, when the [`Receiver`] is dropped or [closed](Receiver::close): `send` fails
//!   with [`SendError`](error::SendError), which gives the message back. After `close`, the
//!   receiver still gets the messages queued before.
//!
//! Messages still queued when the receiver is dropped are dropped with it.
//!
//! # Examples
//!
//! ```
//! use anyrt::sync::mpsc;
//!
//! # anyrt::block_on(async {
//! let (tx, mut rx) = mpsc::channel(16);
//! for id in 0..3 {
//!     let tx = tx.clone();
//!     anyrt::spawn(async move {
//!         tx.send(id).await.unwrap();
//!     });
//! }
//! drop(tx); // the channel closes when the spawned senders are done
//! let mut received = Vec::new();
//! while let Some(id) = rx.recv().await {
//!     received.push(id);
//! }
//! received.sort();
//! assert_eq!(received, [0, 1, 2]);
//! # });
//! ```

mod bounded;
pub mod error;
mod unbounded;

pub use bounded::{channel, OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
