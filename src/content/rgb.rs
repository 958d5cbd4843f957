//! `Rgb`, a colour from content: the stories' colours (`model`) and the pixels of an
//! image preview (`images`) are both made of it.

/// An sRGB colour from content (`#rrggbb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);
