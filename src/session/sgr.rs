//! 16-colour output: crossterm spells even the 16 basic colours as 256-colour SGR
//! (`ESC[38;5;9m`, or `ESC[38;5;9;48;5;0m` for both), which a 16-colour terminal
//! (`TERM=xterm`, the Linux console) misreads. `to_ansi16` rewrites a frame's SGR
//! sequences to the classic codes: `30–37`/`90–97` foreground, `40–47`/`100–107`
//! background, and drops underline colours (`58;5;N`), which such terminals lack.
//!
//! Only complete `ESC [ <digits and ;> m` sequences are touched, and within them only
//! `38|48|58 ; 5 ; N` with N < 16; everything else is copied as is. Frame text never
//! contains `ESC` (the renderer strips control characters), so a plain scan is exact.
//! Linear time; the output is never longer than the input.

/// Longest SGR parameter list we rewrite (crossterm's are far shorter).
const MAX_PARAMS: usize = 64;

/// Rewrite 256-colour SGR for colours 0–15 to 16-colour SGR.
pub fn to_ansi16(bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.windows(3).any(|w| w == b";5;") {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b
            && bytes.get(i + 1) == Some(&b'[')
            && let Some((len, replacement)) = sgr(&bytes[i + 2..])
        {
            out.extend_from_slice(&replacement);
            i += 2 + len;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// An SGR sequence after `ESC [`: how many bytes it spans and what replaces the whole
/// sequence (including `ESC [`). `None` when it is not an SGR sequence we rewrite.
fn sgr(rest: &[u8]) -> Option<(usize, Vec<u8>)> {
    let body_len = rest
        .iter()
        .take(MAX_PARAMS * 4)
        .take_while(|b| b.is_ascii_digit() || **b == b';')
        .count();
    if rest.get(body_len) != Some(&b'm') || body_len == 0 {
        return None;
    }
    let body = std::str::from_utf8(&rest[..body_len]).ok()?;
    let params: Vec<&str> = body.split(';').collect();
    let mut kept: Vec<String> = Vec::with_capacity(params.len());
    let mut changed = false;
    let mut j = 0;
    while j < params.len() {
        let p = params[j];
        let base = match p {
            "38" => Some(30),
            "48" => Some(40),
            "58" => Some(0),
            _ => None,
        };
        if let Some(base) = base
            && params.get(j + 1) == Some(&"5")
            && let Some(n) = params.get(j + 2).and_then(|n| n.parse::<u16>().ok())
            && n < 16
        {
            changed = true;
            j += 3;
            if base == 0 {
                // No underline colour in 16 colours: the underline keeps the text's.
                continue;
            }
            let code = if n < 8 { base + n } else { base + 60 + (n - 8) };
            kept.push(code.to_string());
            continue;
        }
        if base.is_some() && params.get(j + 1) == Some(&"2") {
            // `38;2;r;g;b`: copied whole, so its numbers are never read as codes.
            let end = (j + 5).min(params.len());
            kept.extend(params[j..end].iter().map(|p| p.to_string()));
            j = end;
            continue;
        }
        kept.push(p.to_string());
        j += 1;
    }
    if !changed {
        return None;
    }
    let len = body_len + 1;
    if kept.is_empty() {
        // Everything dropped: an empty `ESC[m` would mean "reset", so send nothing.
        return Some((len, Vec::new()));
    }
    Some((len, format!("\x1b[{}m", kept.join(";")).into_bytes()))
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
        // crossterm's SetColors: both in one sequence.
        assert_eq!(conv("\x1b[38;5;12;48;5;0mx"), "\x1b[94;40mx");
        assert_eq!(conv("\x1b[39;48;5;3m"), "\x1b[39;43m");
        assert_eq!(conv("\x1b[1;38;5;200;48;5;1m"), "\x1b[1;38;5;200;41m");
    }

    #[test]
    fn everything_else_is_left_alone() {
        for s in [
            "\x1b[38;5;200m",
            "\x1b[39m\x1b[49m",
            "\x1b[38;2;1;2;3m",
            "\x1b[38;2;38;5;1m",
            "\x1b[38;5;m",
            "\x1b[38;5;1;48;5;2",
            "\x1b[38;5;1",
            "38;5;1m",
            "plain text",
            "\x1b[",
        ] {
            assert_eq!(conv(s), s);
        }
    }
}
