//! Views: pure functions from `App` state to a frame.

use ratatui::Frame;
use ratatui::widgets::Paragraph;

use super::app::App;

pub fn draw(app: &App, frame: &mut Frame) {
    let name = if app.index.site.name.is_empty() {
        "sshfolio"
    } else {
        &app.index.site.name
    };
    frame.render_widget(Paragraph::new(name.to_string()), frame.area());
}
