//! Front matter: split `---` YAML from a markdown file (only at byte 0) and decode it.
