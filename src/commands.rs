//! Exec commands without a PTY (`ssh host blog --json`): plain text and JSON output.
