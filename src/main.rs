//! The command line: the edge where errors become messages and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use sshfolio::content;

#[derive(Parser, Debug)]
#[command(
    name = "sshfolio",
    version,
    about = "A portfolio you visit with `ssh host`."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Flags of `serve`, which is also the default command.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(clap::Args, Debug, Clone)]
struct ServeArgs {
    /// Address to listen on (repeatable); port 0 binds a free port.
    #[arg(long, env = "SSHFOLIO_LISTEN", value_delimiter = ',')]
    listen: Vec<std::net::SocketAddr>,
    /// Content directory.
    #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
    content: PathBuf,
    /// Host key directory.
    #[arg(long, env = "SSHFOLIO_KEYS", default_value = "keys")]
    keys: PathBuf,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the SSH server (the default).
    Serve(ServeArgs),
    /// Validate a content directory; `path:line:col: message` per problem, exit 1 on errors.
    Check {
        #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
        content: PathBuf,
    },
    /// Turn a Nuxt `_payload.json` into content source files.
    ImportNuxt {
        payload: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Overwrite a non-empty output directory.
        #[arg(long)]
        force: bool,
    },
    /// Run the UI in this terminal.
    Local {
        #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
        content: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(args),
        Some(Command::Check { content }) => return check(&content),
        Some(Command::ImportNuxt {
            payload,
            out,
            force,
        }) => import(&payload, &out, force),
        Some(Command::Local { content }) => local(&content),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sshfolio: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check(dir: &std::path::Path) -> ExitCode {
    match content::load(dir) {
        Ok(index) => {
            for w in &index.warnings {
                eprintln!("{w}");
            }
            println!(
                "{}: ok: {} projects, {} posts, {} stories, {} warning(s)",
                dir.display(),
                index.projects.len(),
                index.posts.len(),
                index.stories.len(),
                index.warnings.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            ExitCode::from(1)
        }
    }
}

fn import(payload: &std::path::Path, out: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let report = content::import::import_nuxt(payload, out, force)?;
    println!(
        "imported {} projects, {} posts, {} stories into {}",
        report.projects,
        report.posts,
        report.stories,
        out.display()
    );
    Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("serve: not implemented yet")
}

fn local(content: &std::path::Path) -> anyhow::Result<()> {
    let _ = content;
    anyhow::bail!("local: not implemented yet")
}
