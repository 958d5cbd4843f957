//! Import a Nuxt Content `_payload.json` (devalue-encoded, minimark bodies) as source files.
