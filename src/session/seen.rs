//! The session's part of the owner's analytics: what the guest reads (page, time on
//! it, furthest line as a %) and searches (the query as left, its result count), sent
//! to the recorder without waiting and counted in `sshfolio_page_views_total`; and the
//! returning guest's "Continue reading" lookup, answered while the session runs.

use std::time::Instant;

use tokio::sync::oneshot;

use crate::content::PageRef;
use crate::metrics;
use crate::stats::recorder::{self, Event, Recorder, Resume, VisitorId};
use crate::tui::App;

/// Where a session's events go: the recorder and the visit they belong to.
#[derive(Debug, Clone)]
pub struct StatsLink {
    pub recorder: Recorder,
    pub visit: i64,
    pub visitor: VisitorId,
}

struct Open {
    page: PageRef,
    kind: &'static str,
    slug: String,
    since: Instant,
    furthest: u8,
}

/// Follows one session's app.
pub struct Seen {
    link: Option<StatsLink>,
    page: Option<Open>,
    /// The query on the search screen and its result count, sent when it is left.
    search: Option<(String, usize)>,
    resume: Option<oneshot::Receiver<Option<Resume>>>,
}

impl Seen {
    /// Without a link, pages are still counted in the metrics. A keyed visitor's
    /// unfinished post is looked up at once.
    pub fn new(link: Option<StatsLink>) -> Self {
        let resume = link.as_ref().and_then(|l| l.recorder.resume(&l.visitor));
        Self {
            link,
            page: None,
            search: None,
            resume,
        }
    }

    /// Look at the app after something happened.
    pub fn observe(&mut self, app: &App) {
        match (self.page.as_mut(), app.reading()) {
            (Some(open), Some((page, pct))) if open.page == page => {
                open.furthest = open.furthest.max(pct);
            }
            (_, now) => {
                self.close_page();
                if let Some((page, pct)) = now
                    && let Some((kind, slug)) = app.page_id(page)
                {
                    metrics::page_viewed(kind, &slug);
                    self.page = Some(Open {
                        page,
                        kind,
                        slug,
                        since: Instant::now(),
                        furthest: pct,
                    });
                }
            }
        }
        match app.searching() {
            Some((q, n)) if !q.is_empty() => {
                if self.search.as_ref().is_none_or(|s| s.0 != q || s.1 != n) {
                    self.search = Some((q.to_string(), n));
                }
            }
            Some(_) => self.search = None,
            None => self.close_search(),
        }
    }

    /// The session is over: what was open counts, and the theme it ended with.
    pub fn finish(&mut self, app: &App) {
        self.observe(app);
        self.close_page();
        self.close_search();
        if let Some(l) = &self.link {
            l.recorder.send(Event::Theme {
                visit: l.visit,
                theme: match app.theme_kind() {
                    crate::theme::ThemeKind::Dark => "dark",
                    crate::theme::ThemeKind::Light => "light",
                    crate::theme::ThemeKind::HighContrast => "high-contrast",
                }
                .to_string(),
            });
        }
    }

    /// A link followed or copied (OSC 52).
    pub fn link(&self, url: &str, copied: bool) {
        if let Some(l) = &self.link {
            l.recorder.send(Event::Link {
                visit: l.visit,
                at: recorder::now_secs(),
                url: recorder::clip(url, recorder::TEXT_MAX),
                copied,
            });
        }
    }

    /// Whether the "Continue reading" answer is still to come.
    pub fn waiting(&self) -> bool {
        self.resume.is_some()
    }

    /// The "Continue reading" answer (cancel-safe; pending forever when none is due).
    pub async fn resume(&mut self) -> Option<Resume> {
        match self.resume.as_mut() {
            Some(rx) => {
                let r = rx.await.ok().flatten();
                self.resume = None;
                r
            }
            None => std::future::pending().await,
        }
    }

    fn close_page(&mut self) {
        let Some(open) = self.page.take() else { return };
        if let Some(l) = &self.link {
            l.recorder.send(Event::PageView {
                visit: l.visit,
                at: recorder::now_secs(),
                kind: open.kind,
                slug: open.slug,
                secs: open.since.elapsed().as_secs_f64(),
                read_pct: open.furthest,
            });
        }
    }

    fn close_search(&mut self) {
        let Some((query, results)) = self.search.take() else {
            return;
        };
        if let Some(l) = &self.link {
            l.recorder.send(Event::Search {
                visit: l.visit,
                at: recorder::now_secs(),
                query: recorder::cut_query(&query),
                results: results.min(u32::MAX as usize) as u32,
            });
        }
    }
}
