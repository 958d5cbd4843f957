//! The one key table: each binding maps keys to an `Action` on some screens, with the
//! words the footer hint bar and the `?` help overlay show for it. `update` looks keys
//! up here, and the footer and help are generated from the same rows, so they can't drift.
//!
//! Over 600 lines: ~570 lines of code, most of it the one table (kept whole on purpose), the rest its tests.

use terminput::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::state::{Screen, Section};
use super::strings as s;

/// What a guest asked for, independent of the key that said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Section(Section),
    NextSection,
    PrevSection,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    NextHeading,
    PrevHeading,
    NextItem,
    PrevItem,
    Left,
    Right,
    Search,
    TagFilter,
    ToggleTheme,
    ToggleImages,
    Help,
    Quit,
    /// Label the links on screen; a label follows one (`y` + label copies its URL).
    Links,
    /// Copy the first code block on screen to the guest's clipboard (OSC 52).
    CopyCode,
    /// Copy the page's web address.
    CopyUrl,
    /// Back/forward through the pages followed, without leaving the reader.
    HistoryBack,
    HistoryForward,
    /// Mouse reporting off/on (off: the terminal's own selection works).
    ToggleMouse,
}

/// A key as the table spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character, typed without Ctrl or Alt (Shift is part of the char).
    Char(char),
    /// A character typed with Ctrl.
    Ctrl(char),
    Code(KeyCode),
    /// Shift-Tab.
    BackTab,
}

impl Key {
    /// The table key for a key press, or `None` for releases, repeats of nothing we
    /// know, and keys with modifiers we don't bind.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let m = ev.modifiers;
        let other = KeyModifiers::ALT | KeyModifiers::SUPER | KeyModifiers::META;
        if m.intersects(other) {
            return None;
        }
        match ev.code {
            KeyCode::Char(c) if m.contains(KeyModifiers::CTRL) => {
                Some(Key::Ctrl(c.to_ascii_lowercase()))
            }
            // Some terminals (kitty's protocol) report `G` as `g` + Shift.
            KeyCode::Char(c) if m.contains(KeyModifiers::SHIFT) => {
                Some(Key::Char(c.to_ascii_uppercase()))
            }
            KeyCode::Char(c) => Some(Key::Char(c)),
            KeyCode::Tab if m.contains(KeyModifiers::SHIFT) => Some(Key::BackTab),
            _ if m.contains(KeyModifiers::CTRL) => None,
            code => Some(Key::Code(code)),
        }
    }
}

/// A set of screens a binding applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope(u8);

impl Scope {
    const fn of(screens: &[Screen]) -> Scope {
        let mut bits = 0;
        let mut i = 0;
        while i < screens.len() {
            bits |= screens[i].bit();
            i += 1;
        }
        Scope(bits)
    }
    pub const fn contains(self, screen: Screen) -> bool {
        self.0 & screen.bit() != 0
    }
}

const ALL: Scope = Scope::of(&[
    Screen::Home,
    Screen::Projects,
    Screen::Blog,
    Screen::Stories,
    Screen::Reader,
    Screen::Search,
]);
const LISTS: Scope = Scope::of(&[Screen::Home, Screen::Projects, Screen::Blog, Screen::Search]);
const BROWSE: Scope = Scope::of(&[
    Screen::Home,
    Screen::Projects,
    Screen::Blog,
    Screen::Stories,
    Screen::Reader,
]);
const SCROLL: Scope = Scope::of(&[
    Screen::Home,
    Screen::Projects,
    Screen::Blog,
    Screen::Reader,
    Screen::Search,
]);
const READER: Scope = Scope::of(&[Screen::Reader]);
const STORIES: Scope = Scope::of(&[Screen::Stories]);
const BLOG: Scope = Scope::of(&[Screen::Blog]);
const BACK: Scope = Scope::of(&[
    Screen::Reader,
    Screen::Search,
    Screen::Stories,
    Screen::Blog,
]);

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// How the help overlay and footer spell the keys.
    pub keys_label: &'static str,
    pub action: Action,
    /// The help overlay's description.
    pub help: &'static str,
    /// The footer's short word, if this binding earns a place there.
    pub hint: Option<&'static str>,
    pub scope: Scope,
}

const fn b(
    keys: &'static [Key],
    keys_label: &'static str,
    action: Action,
    help: &'static str,
    hint: Option<&'static str>,
    scope: Scope,
) -> Binding {
    Binding {
        keys,
        keys_label,
        action,
        help,
        hint,
        scope,
    }
}

use Key::{Char as C, Code as K};

/// The key table, one section per screen (or group of screens) whose keys it holds; the
/// footer and help list rows in `ORDER`. A key may appear in more than one row when the
/// rows' scopes don't overlap (← is "previous story" on Stories and "scroll left" in the
/// reader).
pub const KEYMAP: &[Binding] = &[
    // ----- The router's keys, on every screen (the search screen's query takes letters
    // and digits: only Tab and Ctrl-C/D there).
    b(
        &[C('/')],
        s::K_SEARCH,
        Action::Search,
        s::H_SEARCH,
        Some(s::F_SEARCH),
        BROWSE,
    ),
    b(
        &[C('1')],
        s::K_SECTIONS,
        Action::Section(Section::Home),
        s::H_SECTIONS,
        Some(s::F_SECTIONS),
        BROWSE,
    ),
    b(
        &[C('2')],
        s::K_SECTIONS,
        Action::Section(Section::Projects),
        s::H_SECTIONS,
        None,
        BROWSE,
    ),
    b(
        &[C('3')],
        s::K_SECTIONS,
        Action::Section(Section::Blog),
        s::H_SECTIONS,
        None,
        BROWSE,
    ),
    b(
        &[C('4')],
        s::K_SECTIONS,
        Action::Section(Section::Stories),
        s::H_SECTIONS,
        None,
        BROWSE,
    ),
    b(
        &[K(KeyCode::Tab)],
        s::K_TAB,
        Action::NextSection,
        s::H_TAB,
        None,
        ALL,
    ),
    b(
        &[Key::BackTab],
        s::K_TAB,
        Action::PrevSection,
        s::H_TAB,
        None,
        ALL,
    ),
    b(
        &[C('t')],
        s::K_THEME,
        Action::ToggleTheme,
        s::H_THEME,
        Some(s::F_THEME),
        BROWSE,
    ),
    b(
        &[C('i')],
        s::K_IMAGES,
        Action::ToggleImages,
        s::H_IMAGES,
        None,
        BROWSE,
    ),
    b(
        &[C('?')],
        s::K_HELP,
        Action::Help,
        s::H_HELP,
        Some(s::F_HELP),
        BROWSE,
    ),
    b(
        &[C('q'), Key::Ctrl('c'), Key::Ctrl('d')],
        s::K_QUIT,
        Action::Quit,
        s::H_QUIT,
        Some(s::F_QUIT),
        BROWSE,
    ),
    // Quit from the search screen too, where q is a letter of the query.
    b(
        &[Key::Ctrl('c'), Key::Ctrl('d')],
        s::K_QUIT,
        Action::Quit,
        s::H_QUIT,
        None,
        Scope::of(&[Screen::Search]),
    ),
    // ----- Moving in a list or a page: home, projects, blog, search results, the reader.
    b(
        &[K(KeyCode::Up), C('k')],
        s::K_MOVE,
        Action::Up,
        s::H_MOVE,
        None,
        SCROLL,
    ),
    b(
        &[K(KeyCode::Down), C('j')],
        s::K_MOVE,
        Action::Down,
        s::H_MOVE,
        Some(s::F_MOVE),
        SCROLL,
    ),
    b(
        &[K(KeyCode::PageDown), C(' ')],
        s::K_PAGE,
        Action::PageDown,
        s::H_PAGE,
        Some(s::F_PAGE),
        SCROLL,
    ),
    b(
        &[K(KeyCode::PageUp), C('b')],
        s::K_PAGE,
        Action::PageUp,
        s::H_PAGE,
        None,
        SCROLL,
    ),
    b(
        &[C('g'), K(KeyCode::Home)],
        s::K_ENDS,
        Action::Top,
        s::H_ENDS,
        None,
        SCROLL,
    ),
    b(
        &[C('G'), K(KeyCode::End)],
        s::K_ENDS,
        Action::Bottom,
        s::H_ENDS,
        None,
        SCROLL,
    ),
    // ----- The lists: home, projects, blog, search results.
    b(
        &[K(KeyCode::Enter)],
        s::K_OPEN,
        Action::Open,
        s::H_OPEN,
        Some(s::F_OPEN),
        LISTS,
    ),
    // ----- Going back: the reader, search, stories, a filtered blog.
    b(
        &[K(KeyCode::Esc), K(KeyCode::Backspace)],
        s::K_BACK,
        Action::Back,
        s::H_BACK,
        Some(s::F_BACK),
        BACK,
    ),
    // ----- The reader.
    b(
        &[C(']')],
        s::K_HEADING,
        Action::NextHeading,
        s::H_HEADING,
        Some(s::F_HEADING),
        READER,
    ),
    b(
        &[C('[')],
        s::K_HEADING,
        Action::PrevHeading,
        s::H_HEADING,
        None,
        READER,
    ),
    b(
        &[C('n')],
        s::K_ITEM,
        Action::NextItem,
        s::H_ITEM,
        Some(s::F_ITEM),
        READER,
    ),
    b(
        &[C('p')],
        s::K_ITEM,
        Action::PrevItem,
        s::H_ITEM,
        None,
        READER,
    ),
    b(
        &[K(KeyCode::Left), C('h')],
        s::K_HSCROLL,
        Action::Left,
        s::H_HSCROLL,
        None,
        READER,
    ),
    b(
        &[K(KeyCode::Right), C('l')],
        s::K_HSCROLL,
        Action::Right,
        s::H_HSCROLL,
        // The footer names these only on a page with wide code.
        Some(s::F_HSCROLL),
        READER,
    ),
    // As on the blog list, but without a footer hint: the reader's footer has no room to
    // spare (its tags are on screen, and clickable).
    b(
        &[C('#')],
        s::K_TAGS,
        Action::TagFilter,
        s::H_TAGS,
        None,
        // Elsewhere it opens the blog's tag picker.
        Scope::of(&[
            Screen::Reader,
            Screen::Home,
            Screen::Projects,
            Screen::Stories,
        ]),
    ),
    // ----- The stories player.
    b(
        &[C('n'), K(KeyCode::Right), C('l')],
        s::K_STORY,
        Action::NextItem,
        s::H_STORY,
        Some(s::F_ITEM),
        STORIES,
    ),
    b(
        &[C('p'), K(KeyCode::Left), C('h')],
        s::K_STORY,
        Action::PrevItem,
        s::H_STORY,
        None,
        STORIES,
    ),
    // ----- The blog list.
    b(
        &[C('#')],
        s::K_TAGS,
        Action::TagFilter,
        s::H_TAGS,
        Some(s::F_TAGS),
        BLOG,
    ),
    // ----- Reading like a browser (issue 14): last, so a short help or footer drops
    // these before the basics.
    b(
        &[C('f')],
        s::K_LINKS,
        Action::Links,
        s::H_LINKS,
        Some(s::F_LINKS),
        READER,
    ),
    b(
        &[C('y')],
        s::K_COPY,
        Action::CopyCode,
        s::H_COPY,
        Some(s::F_COPY),
        READER,
    ),
    b(
        &[C('Y')],
        s::K_COPY,
        Action::CopyUrl,
        s::H_COPY,
        None,
        READER,
    ),
    b(
        &[C('H')],
        s::K_HISTORY,
        Action::HistoryBack,
        s::H_HISTORY,
        None,
        READER,
    ),
    b(
        &[C('L')],
        s::K_HISTORY,
        Action::HistoryForward,
        s::H_HISTORY,
        None,
        READER,
    ),
    b(
        &[C('m')],
        s::K_MOUSE,
        Action::ToggleMouse,
        s::H_MOUSE,
        None,
        BROWSE,
    ),
];

/// The order the footer and the help list the key table's rows in, by their help text
/// (rows sharing a text stay in table order).
const ORDER: &[&str] = &[
    s::H_MOVE,
    s::H_OPEN,
    s::H_BACK,
    s::H_HEADING,
    s::H_ITEM,
    s::H_STORY,
    s::H_HSCROLL,
    s::H_PAGE,
    s::H_ENDS,
    s::H_TAGS,
    s::H_SEARCH,
    s::H_SECTIONS,
    s::H_TAB,
    s::H_THEME,
    s::H_HELP,
    s::H_QUIT,
];

/// The rows in `ORDER`, sorted once: the footer asks for them every frame, and sorting
/// the table each time (a string search per comparison) cost ~1 % of a scroll's CPU.
fn ordered() -> impl Iterator<Item = &'static Binding> {
    static ROWS: std::sync::LazyLock<Vec<&'static Binding>> = std::sync::LazyLock::new(|| {
        let rank = |b: &Binding| {
            ORDER
                .iter()
                .position(|h| *h == b.help)
                .unwrap_or(ORDER.len())
        };
        let mut rows: Vec<&'static Binding> = KEYMAP.iter().collect();
        rows.sort_by_key(|b| rank(b));
        rows
    });
    ROWS.iter().copied()
}

/// The action `key` means on `screen`, if any.
pub fn lookup(key: Key, screen: Screen) -> Option<Action> {
    KEYMAP
        .iter()
        .find(|b| b.scope.contains(screen) && b.keys.contains(&key))
        .map(|b| b.action)
}

/// What the footer offers while the search query is being typed: letters type, so
/// only the keys that are not letters.
pub const SEARCH_HINTS: &[(Action, &str, &str)] = &[
    (Action::Down, "↑↓", s::F_MOVE),
    (Action::Open, s::K_OPEN, s::F_OPEN),
    (Action::Back, "esc", s::F_BACK),
    (Action::Quit, "^C", s::F_QUIT),
];

/// The footer hints for `screen` in table order: (action, keys, word).
pub fn hints(screen: Screen) -> impl Iterator<Item = (Action, &'static str, &'static str)> {
    ordered()
        .filter(move |b| b.scope.contains(screen))
        .filter_map(|b| b.hint.map(|h| (b.action, b.keys_label, h)))
}

/// What the mouse does (handled by `App::on_mouse`), listed in help after the keys.
pub const MOUSE: &[(&str, &str)] = &[
    (s::HELP_MOUSE_KEYS, s::HELP_MOUSE),
    (s::K_CLIPBOARD, s::COPY_NOTE),
    ("", s::COPY_NOTE_2),
];

/// The help overlay's rows: one per distinct (keys, description), first use wins,
/// then the mouse.
pub fn help_rows() -> Vec<(&'static str, &'static str)> {
    let mut rows: Vec<(&'static str, &'static str)> = Vec::new();
    for b in ordered() {
        // Rows continuing a previous one ("[" after "]") share its words: list once.
        if rows.iter().any(|(_, h)| *h == b.help) {
            continue;
        }
        rows.push((b.keys_label, b.help));
    }
    rows.extend_from_slice(MOUSE);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_opens_the_tag_picker_everywhere_but_search() {
        for screen in [
            Screen::Blog,
            Screen::Reader,
            Screen::Home,
            Screen::Projects,
            Screen::Stories,
        ] {
            assert_eq!(lookup(Key::Char('#'), screen), Some(Action::TagFilter));
        }
        assert_eq!(lookup(Key::Char('#'), Screen::Search), None);
        // One help row for both.
        let rows = help_rows();
        assert_eq!(rows.iter().filter(|(k, _)| *k == s::K_TAGS).count(), 1);
    }

    /// The rows sorted once are every row of the table, in `ORDER`'s order, rows of
    /// the same rank in table order (the footer and help list them so).
    #[test]
    fn ordered_rows_are_the_table_in_order_table_order() {
        let rank = |b: &Binding| ORDER.iter().position(|h| *h == b.help);
        let row = |b: &Binding| (b.keys_label, b.help, b.hint);
        let mut want: Vec<(usize, &Binding)> = KEYMAP.iter().enumerate().collect();
        want.sort_by_key(|(at, b)| (rank(b).unwrap_or(ORDER.len()), *at));
        let want: Vec<_> = want.into_iter().map(|(_, b)| row(b)).collect();
        let got: Vec<_> = ordered().map(row).collect();
        assert_eq!(got, want);
        // Asked again: the same rows.
        assert_eq!(ordered().map(row).collect::<Vec<_>>(), want);
    }

    #[test]
    fn digits_switch_sections_everywhere_but_search() {
        assert_eq!(
            lookup(Key::Char('3'), Screen::Home),
            Some(Action::Section(Section::Blog))
        );
        assert_eq!(lookup(Key::Char('3'), Screen::Search), None);
    }

    #[test]
    fn arrows_mean_different_things_in_reader_and_stories() {
        assert_eq!(
            lookup(Key::Code(KeyCode::Left), Screen::Reader),
            Some(Action::Left)
        );
        assert_eq!(
            lookup(Key::Code(KeyCode::Left), Screen::Stories),
            Some(Action::PrevItem)
        );
    }

    #[test]
    fn release_events_are_ignored_and_shift_tab_is_backtab() {
        let rel = KeyEvent::new(KeyCode::Char('q')).kind(KeyEventKind::Release);
        assert_eq!(Key::from_event(&rel), None);
        let bt = KeyEvent::new(KeyCode::Tab).modifiers(KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&bt), Some(Key::BackTab));
        let shift_g = KeyEvent::new(KeyCode::Char('g')).modifiers(KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&shift_g), Some(Key::Char('G')));
        let cc = KeyEvent::new(KeyCode::Char('c')).modifiers(KeyModifiers::CTRL);
        assert_eq!(
            lookup(Key::from_event(&cc).unwrap(), Screen::Search),
            Some(Action::Quit)
        );
    }
}
