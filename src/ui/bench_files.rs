//! Bench support for the FileViewer: open a large file the way the viewer's worker does
//! (sniff, index line offsets, read and highlight the first window) and draw a frame of it.

use crate::ui::render::theme::Theme;
use crate::ui::sources::file_reader::{Doc, DocEvent, DocInfo, Opened, Window};
use crate::ui::widgets::file_viewer::{FileViewerState, FileViewerView};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::path::Path;

/// Open `path` and render its first screen into a `width`x`height` buffer; returns the line
/// count (so the work cannot be optimised away).
pub fn open_and_render(path: &Path, width: u16, height: u16) -> std::io::Result<usize> {
    let Opened::Text(mut doc) = Doc::open(path)? else {
        return Err(std::io::Error::other("binary"));
    };
    let lines = doc.window(0, usize::from(height))?;
    let mut state = FileViewerState::new(Some(path.to_path_buf()));
    state.apply(DocEvent::Opened {
        info: DocInfo {
            size: doc.size(),
            lines: doc.line_count(),
            version: 1,
        },
        window: Window {
            version: 1,
            start: 0,
            lines,
        },
    });
    let theme = Theme::dark();
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    FileViewerView {
        state: &state,
        theme: &theme,
        focused: true,
        project: None,
    }
    .render(area, &mut buf);
    Ok(doc.line_count())
}

/// Write a log-like file of about `mib` MiB (the bench fixture).
pub fn write_log_fixture(path: &Path, mib: usize) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut written = 0usize;
    let mut i = 0u64;
    while written < mib << 20 {
        let line = format!(
            "2025-01-01T00:00:{:02}Z INFO request id={i} path=/api/v1/items status=200 took={}ms\n",
            i % 60,
            i % 997
        );
        f.write_all(line.as_bytes())?;
        written += line.len();
        i += 1;
    }
    f.flush()
}
