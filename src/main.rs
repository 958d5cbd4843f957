//! The command line: the edge where errors become messages and exit codes.

fn main() {
    println!("sshfolio");
}
