//! OSC 52: text for the guest's own clipboard, as one escape sequence the terminal
//! decodes (`ESC ] 52 ; c ; <base64> BEL`). Terminals that do not honour it ignore it.
//! The text is capped at `MAX_COPY` bytes (at a character boundary) before encoding.

use base64::Engine as _;

/// The most text one copy carries, in bytes of UTF-8.
pub const MAX_COPY: usize = 64 * 1024;

/// What was put in the sequence: the escape itself and whether the text was cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub sequence: Vec<u8>,
    pub truncated: bool,
}

/// The OSC 52 sequence that sets the clipboard (`c`) to `text`.
pub fn osc52(text: &str) -> Copy {
    let mut end = text.len().min(MAX_COPY);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let kept = text.get(..end).unwrap_or("");
    let mut sequence = b"\x1b]52;c;".to_vec();
    sequence.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(kept)
            .as_bytes(),
    );
    sequence.push(0x07);
    Copy {
        sequence,
        truncated: end < text.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(seq: &[u8]) -> String {
        let body = seq
            .strip_prefix(b"\x1b]52;c;")
            .and_then(|s| s.strip_suffix(b"\x07"))
            .unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn round_trips_exact_text() {
        let text = "iptables -t mangle -A FORWARD \\\n  -j TCPMSS --clamp-mss-to-pmtu\n";
        let c = osc52(text);
        assert!(!c.truncated);
        assert_eq!(decode(&c.sequence), text);
        // Nothing but base64 between the introducer and BEL: no raw control characters.
        assert!(
            c.sequence[7..c.sequence.len() - 1]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        );
    }

    #[test]
    fn caps_at_a_character_boundary() {
        let text = "é".repeat(MAX_COPY); // two bytes each
        let c = osc52(&text);
        assert!(c.truncated);
        let back = decode(&c.sequence);
        assert_eq!(back.len(), MAX_COPY);
        assert!(back.chars().all(|ch| ch == 'é'));
    }
}
