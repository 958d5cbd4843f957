//! Every user-facing string of the terminal UI, in one place (gitui's habit): labels,
//! hints, notices and help text. Views and the keymap refer to these; nothing else
//! spells out words a guest reads.

pub(crate) const DEFAULT_SITE_NAME: &str = "sshfolio";

// Tabs, in order (the digit is drawn beside them).
pub(crate) const TAB_HOME: &str = "Home";
pub(crate) const TAB_PROJECTS: &str = "Projects";
pub(crate) const TAB_BLOG: &str = "Blog";
pub(crate) const TAB_STORIES: &str = "Stories";

pub(crate) fn online(n: usize) -> String {
    format!("{n} online")
}

// Home.
pub(crate) const HOME_STORIES: &str = "STORIES";
pub(crate) const HOME_RACK: &str = "RACK";
pub(crate) const HOME_LATEST: &str = "LATEST POSTS";
pub(crate) const HOME_PROJECTS: &str = "PROJECTS";
pub(crate) const HOME_REGIONS: &str = "REGIONS";
pub(crate) const HOME_ABOUT: &str = "ABOUT";
pub(crate) const HOME_EMPTY_RACK: &str = "no bays racked yet";
pub(crate) const HOME_NO_POSTS: &str = "no posts yet";
pub(crate) const HOME_NO_STORIES: &str = "no stories yet";

pub(crate) fn rack_summary(live: usize, total: usize) -> String {
    format!("{live}/{total} live")
}

// Statuses.
pub(crate) const STATUS_LIVE: &str = "live";
pub(crate) const STATUS_OFFLINE: &str = "offline";
/// No `rackStatus`: nothing is said (a dash read like missing data).
pub(crate) const STATUS_UNKNOWN: &str = "";
/// A vault project's mark, a word: an emoji lock is a box of tofu in terminals without an
/// emoji font (xterm with DejaVu) and one column or two depending on the terminal.
pub(crate) const VAULT_LABEL: &str = "vault";

// Projects and blog.
pub(crate) const COL_PROJECT: &str = "PROJECT";
pub(crate) const COL_REGION: &str = "REGION";
pub(crate) const COL_STATUS: &str = "STATUS";
pub(crate) const COL_DATE: &str = "DATE";
pub(crate) const COL_TITLE: &str = "TITLE";
pub(crate) const COL_READ: &str = "READ";
pub(crate) const COL_TAGS: &str = "TAGS";
pub(crate) const PROJECTS_EMPTY: &str = "no projects yet";
pub(crate) const BLOG_EMPTY: &str = "no posts yet";
pub(crate) const BLOG_FILTER_EMPTY: &str = "no posts with this tag";
pub(crate) const PREVIEW_REGION: &str = "region";
pub(crate) const PREVIEW_STATUS: &str = "status";
pub(crate) const PREVIEW_URL: &str = "url";

pub(crate) fn filter_active(tag: &str) -> String {
    format!("#{tag}")
}
pub(crate) const FILTER_LABEL: &str = "filter";
pub(crate) const FILTER_CLEAR_HINT: &str = "esc clears";
pub(crate) const TAG_PICKER_TITLE: &str = "filter by tag";
pub(crate) const TAG_PICKER_EMPTY: &str = "no tags";

pub(crate) fn count_of(n: usize, total: usize) -> String {
    format!("{n} of {total}")
}

// Reader.
pub(crate) const READER_EMPTY: &str = "This page has no body yet.";
pub(crate) const READER_TOC: &str = "contents";
pub(crate) const READER_TOP: &str = "top";
pub(crate) const READER_ALL: &str = "all";

pub(crate) fn percent(p: usize) -> String {
    format!("{p}%")
}

// Stories.
pub(crate) const STORIES_EMPTY: &str = "no stories yet";
pub(crate) const STORY_IMAGE: &str = "image";
pub(crate) const STORY_PICTURES_OFF: &str = "pictures off";
pub(crate) const STORY_NOT_DOWNLOADED: &str = "not downloaded";
pub(crate) const FIRST_STORY: &str = "this is the first story";
pub(crate) const LAST_STORY: &str = "this is the last story";

pub(crate) fn story_counter(i: usize, n: usize) -> String {
    format!("{} / {}", i + 1, n)
}

// Search.
pub(crate) const SEARCH_TITLE: &str = "search";
pub(crate) const SEARCH_PROMPT: &str = "type to search titles, tags and text";
pub(crate) const SEARCH_NONE: &str = "nothing matches";
pub(crate) const KIND_PROJECT: &str = "project";
pub(crate) const KIND_POST: &str = "post";
pub(crate) const KIND_STORY: &str = "story";

pub(crate) fn search_count(n: usize) -> String {
    match n {
        1 => "1 result".to_string(),
        n => format!("{n} results"),
    }
}

// Help.
pub(crate) const HELP_TITLE: &str = "keys";
pub(crate) const HELP_CLOSE: &str = "press any key to close";
pub(crate) const HELP_SCROLL: &str = "↑↓ jk scroll · other keys close";
pub(crate) const HELP_MOUSE_KEYS: &str = "mouse";
pub(crate) const HELP_MOUSE: &str = "click tabs, items and #tags · wheel scrolls";

// Too small.
pub(crate) const TOO_SMALL: &str = "Terminal too small";

pub(crate) fn too_small_size(w: u16, h: u16, min_w: u16, min_h: u16) -> String {
    format!("{w}×{h} · need {min_w}×{min_h}")
}

// Notices.
pub(crate) fn unknown_page(link: &str) -> String {
    format!("no page called “{link}” — here is the home page")
}
pub(crate) const FIRST_ITEM: &str = "this is the first one";
pub(crate) const LAST_ITEM: &str = "this is the last one";
pub(crate) const F_HSCROLL: &str = "wide code";
pub(crate) const PAGE_REMOVED: &str = "this page was removed — back to the list";

// Key hints and help lines (keys column, description).
pub(crate) const K_SECTIONS: &str = "1-4";
pub(crate) const H_SECTIONS: &str = "sections";
pub(crate) const K_TAB: &str = "tab/⇧tab";
pub(crate) const H_TAB: &str = "next/previous section";
pub(crate) const K_MOVE: &str = "↑↓ jk";
pub(crate) const H_MOVE: &str = "move";
pub(crate) const K_ENDS: &str = "g G home end";
pub(crate) const H_ENDS: &str = "first/last";
pub(crate) const K_PAGE: &str = "pgup pgdn space b";
pub(crate) const H_PAGE: &str = "page up/down";
pub(crate) const K_OPEN: &str = "enter";
pub(crate) const H_OPEN: &str = "open";
pub(crate) const K_BACK: &str = "esc ⌫";
pub(crate) const H_BACK: &str = "back (esc first clears a search highlight)";
pub(crate) const K_HEADING: &str = "] [";
pub(crate) const H_HEADING: &str = "next/previous heading";
pub(crate) const K_ITEM: &str = "n p";
pub(crate) const H_ITEM: &str = "next/previous item";
pub(crate) const K_STORY: &str = "n p ← →";
pub(crate) const H_STORY: &str = "next/previous story";
pub(crate) const K_HSCROLL: &str = "← → h l";
pub(crate) const H_HSCROLL: &str = "scroll wide code";
pub(crate) const K_SEARCH: &str = "/";
pub(crate) const H_SEARCH: &str = "search";
pub(crate) const K_TAGS: &str = "#";
pub(crate) const H_TAGS: &str = "tag filter (in a post, its tags first)";
pub(crate) const K_LINKS: &str = "f";
pub(crate) const H_LINKS: &str = "label links: type a label to follow (y+label copies)";
pub(crate) const K_COPY: &str = "y Y";
pub(crate) const H_COPY: &str = "copy code on screen / page address (OSC 52)";
pub(crate) const K_HISTORY: &str = "H L";
pub(crate) const H_HISTORY: &str = "back/forward through followed links";
pub(crate) const K_MOUSE: &str = "m";
pub(crate) const H_MOUSE: &str = "mouse off/on (off: select text natively)";
pub(crate) const K_THEME: &str = "t";
pub(crate) const H_THEME: &str = "theme: dark, light, high contrast";
pub(crate) const K_IMAGES: &str = "i";
pub(crate) const H_IMAGES: &str = "pictures on/off";
pub(crate) const K_HELP: &str = "?";
pub(crate) const H_HELP: &str = "help";
pub(crate) const K_QUIT: &str = "q ^C ^D";
pub(crate) const H_QUIT: &str = "quit";

// Short footer hints.
pub(crate) const F_MOVE: &str = "move";
pub(crate) const F_OPEN: &str = "open";
pub(crate) const F_BACK: &str = "back";
pub(crate) const F_HEADING: &str = "heading";
pub(crate) const F_ITEM: &str = "next/prev";
pub(crate) const F_SEARCH: &str = "search";
pub(crate) const F_TAGS: &str = "tags";
pub(crate) const F_THEME: &str = "theme";
pub(crate) const F_LINKS: &str = "links";
pub(crate) const F_COPY: &str = "copy";
pub(crate) const F_SECTIONS: &str = "sections";
pub(crate) const F_PAGE: &str = "page";
pub(crate) const F_HELP: &str = "help";
pub(crate) const F_QUIT: &str = "quit";

// ----- links, copy, mouse (issue 14) ---------------------------------------------------

/// Help's note on where copies land: terminals that honour OSC 52.
pub(crate) const K_CLIPBOARD: &str = "copies";
pub(crate) const COPY_NOTE: &str = "OSC 52: kitty, iTerm2, WezTerm, foot, Windows Terminal,";
pub(crate) const COPY_NOTE_2: &str = "Alacritty, tmux with set-clipboard on; others ignore it";
/// The footer's mark while mouse reporting is off.
pub(crate) const MOUSE_OFF: &str = "mouse off (m)";
pub(crate) const MOUSE_ON_NOTICE: &str = "mouse on: click links and tabs (m: off)";
pub(crate) const MOUSE_OFF_NOTICE: &str = "mouse off: select text with your terminal (m: on)";
pub(crate) const NO_CODE: &str = "no code block starts on screen";
pub(crate) const NO_LINKS: &str = "no links on screen";
pub(crate) const LINKS_PROMPT: &str =
    "type a label to follow a link (y+label copies it) · esc cancels";

/// A copy was sent: what it was.
pub(crate) fn copied(what: &str, truncated: bool) -> String {
    if truncated {
        format!("copied {what} (cut at 64 KiB)")
    } else {
        format!("copied {what}")
    }
}

/// What a code block copy says: "bash, 3 lines".
pub(crate) fn code_what(lang: Option<&str>, lines: usize) -> String {
    let unit = if lines == 1 { "line" } else { "lines" };
    match lang {
        Some(l) => format!("{l}, {lines} {unit}"),
        None => format!("code, {lines} {unit}"),
    }
}

/// An external link chosen by label: its URL and how to copy it.
pub(crate) fn external(url: &str) -> String {
    format!("{url}  (outside this site: f then y+label copies it)")
}

/// A link to a page that isn't there.
pub(crate) fn broken_link(url: &str) -> String {
    format!("no page at {url}")
}

/// `Y` on a page the site has no address for.
pub(crate) const NO_URL: &str = "no web address: site.yml has no url";
