//! The SSH layer: accept loop and limits, the russh handler, the channel writer and the
//! host key. It knows sessions and bytes, never what a post is.
