//! Benchmark access to the transcript view (divan benches see only `pub` items): a
//! transcript of about a million wrapped lines, one frame = `prepare` + render. Not an API.

use crate::core::transcript::{NoticeLevel, TranscriptEntry, TranscriptItem};
use crate::ui::render::theme::Theme;
use crate::ui::widgets::transcript_view::{TranscriptView, TranscriptViewState, Working};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use serde_json::json;

/// A transcript view with at least `lines` wrapped lines, drawn into a `width`×`height` buffer.
#[doc(hidden)]
pub struct TranscriptFrameBench {
    state: TranscriptViewState,
    theme: Theme,
    buf: Buffer,
    area: Rect,
    appended: u64,
}

fn entry(item: TranscriptItem) -> TranscriptEntry {
    TranscriptEntry { ts: 0.0, item }
}

impl TranscriptFrameBench {
    /// Build and wrap the transcript: a repeating turn of a user message, markdown with a
    /// code block, an expanded Bash call with a long result, thinking and a notice.
    pub fn new(lines: usize, width: u16, height: u16) -> Self {
        let theme = Theme::dark();
        let area = Rect::new(0, 0, width, height);
        let mut state = TranscriptViewState::default();
        let output: String = (0..200)
            .map(|i| format!("test module_{i}::case ... ok\n"))
            .collect();
        let markdown = "## Result\n\nAll **green**: the suite passed, see below.\n\n- one\n- two\n\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n";
        state.toggle_all();
        let mut i = 0u64;
        while state.total_lines() < lines {
            for _ in 0..100 {
                let id = format!("t{i}");
                state.push(entry(TranscriptItem::User {
                    text: format!("run the tests, round {i}"),
                }));
                state.push(entry(TranscriptItem::Thinking {
                    text: "Run them all.\nThen report.".into(),
                }));
                state.push(entry(TranscriptItem::ToolUse {
                    id: id.clone(),
                    name: "Bash".into(),
                    input: json!({"command": "cargo test --all"}),
                }));
                state.push(entry(TranscriptItem::ToolResult {
                    tool_use_id: id,
                    content: json!(output),
                    is_error: false,
                }));
                state.push(entry(TranscriptItem::Assistant {
                    text: markdown.into(),
                }));
                state.push(entry(TranscriptItem::Notice {
                    level: NoticeLevel::Info,
                    text: "turn done".into(),
                }));
                i += 1;
            }
            state.prepare(TranscriptView::lines_area(area, true), &theme);
        }
        Self {
            state,
            theme,
            buf: Buffer::empty(area),
            area,
            appended: 0,
        }
    }

    /// Wrapped lines in the transcript.
    pub fn total_lines(&self) -> usize {
        self.state.total_lines()
    }

    /// Scroll to the middle (the view stops following).
    pub fn scroll_to_middle(&mut self) {
        self.state.goto_top();
        self.state.scroll_lines(false, self.state.total_lines() / 2);
    }

    /// One frame: bring the cache up to date and draw the visible rows.
    pub fn frame(&mut self) {
        self.state
            .prepare(TranscriptView::lines_area(self.area, true), &self.theme);
        TranscriptView {
            state: &self.state,
            theme: &self.theme,
            focused: true,
            working: Some(Working {
                since: 0.0,
                now: 42.0,
                tool: self.state.in_flight_tool(),
            }),
            empty_hint: "",
        }
        .render(self.area, &mut self.buf);
    }

    /// Stream one assistant message in, then draw (the live case).
    pub fn append_and_frame(&mut self) {
        self.appended += 1;
        self.state.push(entry(TranscriptItem::Assistant {
            text: format!(
                "streamed message {} with a little **markdown**",
                self.appended
            ),
        }));
        self.frame();
    }
}

/// An AgentTranscript's case: a transcript file of `entries` entries (a repeating turn of a
/// user message, a Bash call, its result and an answer), shown by a file-backed view.
#[doc(hidden)]
pub struct TranscriptFileBench {
    _dir: tempfile::TempDir,
    index: crate::store::transcript_index::TranscriptIndex,
    state: TranscriptViewState,
    theme: Theme,
    buf: Buffer,
    area: Rect,
}

impl TranscriptFileBench {
    /// Write the file (as the engine's writer does) and index it.
    pub fn new(entries: usize, width: u16, height: u16) -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.jsonl");
        let mut w = crate::store::transcripts::TranscriptWriter::open_path(&path)
            .map_err(std::io::Error::other)?;
        for i in 0..entries.div_ceil(4) {
            let id = format!("t{i}");
            for item in [
                TranscriptItem::User {
                    text: format!("request {i}"),
                },
                TranscriptItem::ToolUse {
                    id: id.clone(),
                    name: "Bash".into(),
                    input: json!({"command": format!("cargo test -p crate_{i}")}),
                },
                TranscriptItem::ToolResult {
                    tool_use_id: id,
                    content: json!(format!("running 12 tests\ntest result: ok. {i} passed")),
                    is_error: false,
                },
                TranscriptItem::Assistant {
                    text: format!(
                        "All **green** in crate_{i}; the next one is `crate_{}`.",
                        i + 1
                    ),
                },
            ] {
                w.append(&entry(item)).map_err(std::io::Error::other)?;
            }
        }
        w.flush().map_err(std::io::Error::other)?;
        let index = crate::store::transcript_index::index_transcript(&path)
            .map_err(std::io::Error::other)?;
        let area = Rect::new(0, 0, width, height);
        Ok(Self {
            _dir: dir,
            index,
            state: TranscriptViewState::default(),
            theme: Theme::dark(),
            buf: Buffer::empty(area),
            area,
        })
    }

    /// Show the file from scratch: build the blocks from the file, wrap them, draw the end.
    pub fn open(&mut self) -> usize {
        self.state.load_file(&self.index);
        self.frame();
        self.state.total_lines()
    }

    /// Page up (newly visible entries are read back from the file) and draw.
    pub fn page_up_and_frame(&mut self) {
        self.state.page(true);
        if self.state.following() {
            // Reached the end of the way back: start over at the bottom.
            self.state.follow_end();
        }
        self.frame();
    }

    fn frame(&mut self) {
        self.state.prepare(self.area, &self.theme);
        TranscriptView {
            state: &self.state,
            theme: &self.theme,
            focused: true,
            working: None,
            empty_hint: "",
        }
        .render(self.area, &mut self.buf);
    }
}

/// A long assistant message (about 20 KB of headings, paragraphs, lists, a table and code)
/// rendered as markdown and wrapped at `width`, as the transcript does for a new block;
/// returns the number of lines. Code highlighting is not cached between calls.
#[doc(hidden)]
pub fn markdown_wrap(text: &str, width: usize) -> usize {
    let mut out = Vec::new();
    crate::ui::render::markdown::render(text, width, &Theme::dark(), &mut out);
    out.len()
}

/// The message `markdown_wrap` is measured with.
#[doc(hidden)]
pub fn long_assistant_message() -> String {
    let mut t = String::new();
    for i in 0..20 {
        t.push_str(&format!(
            "## Step {i}: what changed\n\nThe parser now reports **every** error with its \
             position instead of stopping at the first one, and `check` runs after `build` so \
             the two never race for the same files. See [the notes](https://example.com) for \
             the reasoning behind the *new* order.\n\n- first point about step {i}\n- second \
             point, a little longer so that it wraps at a narrow width\n  - nested detail\n\n\
             | file | change |\n|---|---|\n| src/parse.rs | +42 -7 |\n\n```rust\n\
             fn step_{i}(input: &str) -> Result<Ast, Vec<Error>> {{\n    let tokens = lex(input)?;\n\
                 parse(&tokens)\n}}\n```\n\n"
        ));
    }
    t
}
