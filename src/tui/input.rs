//! The input parser: a stream of bytes from the guest's terminal → events.
