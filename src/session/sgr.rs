//! 16-colour output: crossterm spells even the 16 basic colours as 256-colour SGR
//! (`ESC[38;5;9m`), which a 16-colour terminal (`TERM=xterm`, the Linux console)
//! misreads. `to_ansi16` rewrites a frame's bytes to the classic codes: `30–37`/`90–97`
//! foreground, `40–47`/`100–107` background, and drops underline colours (`58;5;N`),
//! which such terminals do not have.
//!
//! Only complete `ESC [ 38|48|58 ; 5 ; N m` sequences are touched; crossterm writes one
//! colour per sequence, and frame text never contains `ESC` (the renderer strips control
//! characters), so a plain scan is exact. Linear time, output never longer than input.

/// Rewrite 256-colour SGR for colours 0–15 to 16-colour SGR.
pub fn to_ansi16(bytes: Vec<u8>) -> Vec<u8> {
    const PREFIX: &[u8] = b"\x1b[";
    if !bytes.windows(5).any(|w| w.ends_with(b";5;")) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(PREFIX)
            && let Some((len, replacement)) = colour(&bytes[i + 2..])
        {
            out.extend_from_slice(replacement.as_bytes());
            i += 2 + len;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// `38;5;N m` (after `ESC [`): the bytes it spans and what replaces the whole sequence.
fn colour(rest: &[u8]) -> Option<(usize, String)> {
    let kind = rest.get(..5)?;
    let base = match kind {
        b"38;5;" => 30,
        b"48;5;" => 40,
        b"58;5;" => 0,
        _ => return None,
    };
    let digits = rest[5..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 3 || rest.get(5 + digits) != Some(&b'm') {
        return None;
    }
    let n: u16 = std::str::from_utf8(&rest[5..5 + digits])
        .ok()?
        .parse()
        .ok()?;
    let len = 5 + digits + 1;
    if base == 0 {
        // No underline colour in 16 colours: the underline keeps the text's colour.
        return Some((len, String::new()));
    }
    let code = match n {
        0..=7 => base + n,
        8..=15 => base + 60 + (n - 8),
        // Not one of the 16 (the frame was not converted): leave it alone.
        _ => return None,
    };
    Some((len, format!("\x1b[{code}m")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(s: &str) -> String {
        String::from_utf8(to_ansi16(s.as_bytes().to_vec())).unwrap()
    }

    #[test]
    fn basic_colours_become_classic_sgr() {
        assert_eq!(conv("\x1b[38;5;1mred"), "\x1b[31mred");
        assert_eq!(conv("\x1b[38;5;9mbright"), "\x1b[91mbright");
        assert_eq!(conv("\x1b[48;5;0m\x1b[48;5;15m"), "\x1b[40m\x1b[107m");
        assert_eq!(conv("a\x1b[58;5;4mb"), "ab");
    }

    #[test]
    fn everything_else_is_left_alone() {
        for s in [
            "\x1b[38;5;200m",
            "\x1b[39m\x1b[49m",
            "\x1b[38;2;1;2;3m",
            "\x1b[38;5;m",
            "\x1b[38;5;1",
            "38;5;1m",
            "plain text",
            "\x1b[",
        ] {
            assert_eq!(conv(s), s);
        }
    }
}
