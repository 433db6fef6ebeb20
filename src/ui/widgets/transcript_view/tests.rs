//! Tests of the transcript view: pairing, collapse without re-wrapping others, follow mode,
//! search, virtualization, and snapshots of the chat rendering.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::store::transcript_index::TestTranscript;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn e(item: TranscriptItem) -> TranscriptEntry {
    TranscriptEntry { ts: 0.0, item }
}

fn bash(id: &str, cmd: &str) -> TranscriptEntry {
    e(TranscriptItem::ToolUse {
        id: id.into(),
        name: "Bash".into(),
        input: json!({ "command": cmd }),
    })
}

fn result(id: &str, text: &str, is_error: bool) -> TranscriptEntry {
    e(TranscriptItem::ToolResult {
        tool_use_id: id.into(),
        content: json!(text),
        is_error,
    })
}

fn text(t: &str) -> TranscriptEntry {
    e(TranscriptItem::Assistant { text: t.into() })
}

fn all_text(s: &TranscriptViewState) -> Vec<String> {
    (0..s.blocks.len())
        .flat_map(|b| s.lines_of(b).iter().map(line_text))
        .collect()
}

fn area(w: u16, h: u16) -> Rect {
    Rect::new(0, 0, w, h)
}

#[test]
fn a_tool_result_joins_its_call_and_shows_one_summary_line() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    s.push(bash("t1", "cargo test"));
    s.push(bash("t2", "ls"));
    assert_eq!(s.in_flight_tool().as_deref(), Some("Bash ls"));
    s.push(result("t1", "running 3 tests\nok\nok\n", false));
    s.push(result("t2", "no such dir", true));
    assert_eq!(s.blocks.len(), 2, "results pair with their calls");
    assert_eq!(s.in_flight_tool(), None);
    s.prepare(area(60, 10), &theme);
    let lines = all_text(&s);
    assert_eq!(
        lines,
        [
            "⏺ Bash  cargo test",
            "  ⎿ ✓ running 3 tests (+2 lines)",
            "⏺ Bash  ls",
            "  ⎿ ✗ no such dir",
        ]
    );
    // The failed call's glyph and result are red.
    assert_eq!(s.lines_of(1)[1].spans[0].style, theme.error);
    assert_eq!(s.lines_of(1)[0].spans[0].style, theme.error);
}

#[test]
fn a_turn_end_closes_calls_left_open() {
    let mut s = TranscriptViewState::default();
    s.push(bash("t1", "sleep 100"));
    assert!(s.in_flight_tool().is_some());
    s.push(e(TranscriptItem::TurnEnd {
        is_error: false,
        text: String::new(),
        cost_usd: 0.0,
        tokens_in: 0,
        tokens_out: 0,
    }));
    assert_eq!(s.in_flight_tool(), None);
}

#[test]
fn toggling_one_block_rewraps_only_it() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    s.push(text("intro paragraph"));
    s.push(bash("t1", "cargo test"));
    s.push(result("t1", "a\nb\nc", false));
    s.push(text("after"));
    s.prepare(area(40, 20), &theme);
    let before = s.total_lines();
    let ptrs: Vec<_> = (0..s.blocks.len())
        .map(|b| s.lines_of(b).as_ptr())
        .collect();
    s.selected = Some(1);
    assert!(s.toggle_selected());
    s.prepare(area(40, 20), &theme);
    let ptrs2: Vec<_> = (0..s.blocks.len())
        .map(|b| s.lines_of(b).as_ptr())
        .collect();
    assert_eq!(ptrs[0], ptrs2[0], "block above untouched");
    assert_eq!(ptrs[2], ptrs2[2], "block below untouched");
    assert_ne!(ptrs[1], ptrs2[1]);
    let expanded = all_text(&s);
    assert!(
        expanded.contains(&"  │ cargo test".to_owned()),
        "{expanded:#?}"
    );
    assert!(expanded.contains(&"  ⎿ ✓ a".to_owned()), "{expanded:#?}");
    assert!(s.total_lines() > before);
    // Starts after the toggled block moved with it.
    assert_eq!(s.blocks[2].start, s.blocks[1].end());
    assert_eq!(s.total_lines(), s.blocks[2].end());
    s.toggle_selected();
    s.prepare(area(40, 20), &theme);
    assert_eq!(s.total_lines(), before);
}

#[test]
fn a_width_change_rewraps_everything_once() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    s.push(text("one two three four"));
    s.prepare(area(10, 5), &theme);
    assert_eq!(s.total_lines(), 2);
    s.push(bash("t", "cargo test"));
    s.prepare(area(10, 5), &theme);
    assert_eq!(s.total_lines(), 4, "blank line and the call");
    s.prepare(area(40, 5), &theme);
    assert_eq!(s.total_lines(), 3, "re-wrapped at the new width");
}

#[test]
fn follow_mode_tracks_appends_and_scrolling_back_holds_the_view() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    for i in 0..30 {
        s.push(e(TranscriptItem::Notice {
            level: NoticeLevel::Info,
            text: format!("line {i}"),
        }));
    }
    s.prepare(area(20, 10), &theme);
    assert!(s.following());
    assert_eq!(s.top, s.total_lines() - 10);
    s.page(true);
    assert!(!s.following());
    let top = s.top;
    for i in 0..5 {
        s.push(e(TranscriptItem::Notice {
            level: NoticeLevel::Info,
            text: format!("more {i}"),
        }));
    }
    s.prepare(area(20, 10), &theme);
    assert_eq!(s.top, top, "the view stays on the same lines");
    // Scrolling back down to the end follows again.
    for _ in 0..3 {
        assert!(!s.following());
        s.page(false);
    }
    assert!(s.following(), "paging down to the end follows again");
    s.push(text("newest"));
    s.prepare(area(20, 10), &theme);
    assert_eq!(s.top, s.total_lines() - 10);
    s.goto_top();
    assert_eq!(s.top, 0);
    s.follow_end();
    assert!(s.following());
}

#[test]
fn search_finds_text_in_collapsed_blocks_and_opens_them() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    s.push(text("alpha"));
    s.push(bash("t1", "grep -i pattern"));
    s.push(result("t1", "first\nsecond\nthe NEEDLE is here", false));
    for i in 0..40 {
        s.push(text(&format!("filler {i}")));
    }
    s.push(text("a needle at the end"));
    s.prepare(area(40, 8), &theme);
    assert_eq!(s.search("needle"), 2);
    // Jumps to the first match at or after the view: the last block.
    assert_eq!(s.search_status(), Some((2, 2, "needle")));
    s.prepare(area(40, 8), &theme);
    assert!(s.search_next(true));
    assert_eq!(s.search_status(), Some((1, 2, "needle")));
    s.prepare(area(40, 8), &theme);
    assert!(
        !s.blocks[1].collapsed(),
        "the match was hidden: block opened"
    );
    let visible: Vec<String> = (s.top..s.top + 8)
        .filter_map(|l| {
            let b = s.block_of_line(l);
            s.blocks
                .get(b)
                .map(|x| line_text(&s.lines_of(b)[l - x.start]))
        })
        .collect();
    assert!(
        visible.iter().any(|l| l.contains("NEEDLE")),
        "match scrolled into view: {visible:#?}"
    );
    assert_eq!(s.selected(), Some(1));
    assert_eq!(s.search("nothing like it"), 0);
    assert!(!s.search_next(true));
}

#[test]
fn rendering_a_million_lines_draws_only_the_visible_rows() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    let chunk: String = "x\n".repeat(999) + "x";
    let entries: Vec<TranscriptEntry> = (0..1000)
        .map(|_| {
            e(TranscriptItem::Notice {
                level: NoticeLevel::Info,
                text: chunk.clone(),
            })
        })
        .collect();
    s.replace(entries);
    s.prepare(area(80, 40), &theme);
    assert!(s.total_lines() >= 1_000_000, "{}", s.total_lines());
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 41));
    let draw = |s: &TranscriptViewState, buf: &mut Buffer| {
        TranscriptView {
            state: s,
            theme: &theme,
            focused: true,
            working: Some(Working {
                since: 0.0,
                now: 12.0,
                tool: Some("Bash cargo test".into()),
            }),
            empty_hint: "",
        }
        .render(Rect::new(0, 0, 80, 41), buf);
    };
    draw(&s, &mut buf);
    assert_eq!(s.drawn.get(), 40);
    s.goto_top();
    s.scroll_lines(false, 500_000);
    draw(&s, &mut buf);
    assert_eq!(s.drawn.get(), 40);
    assert_eq!(s.top, 500_000);
    // An append wraps only the new block.
    let before = s.lines_of(0).as_ptr();
    s.push(text("tail"));
    s.prepare(area(80, 40), &theme);
    assert_eq!(s.lines_of(0).as_ptr(), before);
}

#[test]
fn edits_expand_to_a_coloured_diff_and_thinking_to_its_text() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    s.push(e(TranscriptItem::Thinking {
        text: "first thought\nsecond".into(),
    }));
    s.push(e(TranscriptItem::ToolUse {
        id: "e1".into(),
        name: "Edit".into(),
        input: json!({"file_path": "src/main.rs", "old_string": "let a = 1;\nkeep", "new_string": "let a = 2;\nkeep"}),
    }));
    s.prepare(area(60, 20), &theme);
    assert_eq!(
        all_text(&s),
        ["✻ Thinking… (2 lines)", "⏺ Edit  src/main.rs"]
    );
    s.toggle_all();
    s.prepare(area(60, 20), &theme);
    let lines = all_text(&s);
    assert_eq!(
        lines,
        [
            "✻ Thinking…",
            "  first thought",
            "  second",
            "⏺ Edit  src/main.rs",
            "  │ - let a = 1;",
            "  │ + let a = 2;",
            "  │   keep",
            "  ⎿ running…",
        ]
    );
    assert_eq!(s.lines_of(1)[1].spans[1].style, theme.error);
    assert_eq!(s.lines_of(1)[2].spans[1].style, theme.ok);
    // New blocks follow "expand all".
    s.push(bash("b", "ls"));
    s.prepare(area(60, 20), &theme);
    assert!(!s.blocks[2].collapsed());
}

#[test]
fn a_click_on_a_header_toggles_its_block() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    s.push(text("hello"));
    s.push(bash("t1", "ls"));
    s.prepare(Rect::new(5, 3, 40, 10), &theme);
    // Rows: 3 "hello", 4 blank, 5 "⏺ Bash  ls".
    assert!(!s.click(Position::new(6, 3)), "text blocks do not toggle");
    assert!(!s.click(Position::new(6, 4)), "the gap is not a header");
    assert!(s.click(Position::new(6, 5)));
    s.prepare(Rect::new(5, 3, 40, 10), &theme);
    assert!(!s.blocks[1].collapsed());
    assert!(!s.click(Position::new(1, 5)), "outside the area");
}

#[test]
fn synthetic_agent_messages_read_as_notices() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    s.push(e(TranscriptItem::User {
        text: "[alpha → orchestrator] build is green".into(),
    }));
    s.push(e(TranscriptItem::User {
        text: "plain question".into(),
    }));
    s.prepare(area(40, 10), &theme);
    assert_eq!(
        all_text(&s),
        [
            "◆ alpha → orchestrator",
            "  build is green",
            "",
            "› plain question"
        ]
    );
    assert_eq!(s.lines_of(0)[0].spans[0].style, theme.info);
}

#[test]
fn copy_text_and_osc52() {
    let mut s = TranscriptViewState::default();
    s.push(bash("t1", "cargo test"));
    s.push(result("t1", "ok", false));
    s.selected = Some(0);
    assert_eq!(s.selected_text().as_deref(), Some("Bash\ncargo test\n\nok"));
    assert_eq!(osc52("hello"), "\x1b]52;c;aGVsbG8=\x07");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"abc"), "YWJj");
}

fn chat_fixture() -> TranscriptViewState {
    let mut s = TranscriptViewState::default();
    s.push(e(TranscriptItem::User {
        text: "Add a --verbose flag and run the tests".into(),
    }));
    s.push(e(TranscriptItem::Thinking {
        text: "The flag belongs in cli.rs.\nThen run cargo test.".into(),
    }));
    s.push(text(
        "## Plan\n\n1. Add the **flag** to `Cli`\n2. Run the tests\n\n```rust\nfn main() {\n    let verbose = true; // new\n}\n```",
    ));
    s.push(bash("t1", "cargo test --all"));
    s.push(result(
        "t1",
        "running 12 tests\ntest a ... ok\ntest result: ok",
        false,
    ));
    s.push(e(TranscriptItem::ToolUse {
        id: "t2".into(),
        name: "Edit".into(),
        input: json!({"file_path": "src/cli.rs", "old_string": "pub quiet: bool,", "new_string": "pub quiet: bool,\npub verbose: bool,"}),
    }));
    s.push(result("t2", "The file src/cli.rs has been updated.", false));
    s.push(e(TranscriptItem::User {
        text: "[alpha → orchestrator] docs are done".into(),
    }));
    s.push(e(TranscriptItem::TurnEnd {
        is_error: true,
        text: "API error: overloaded".into(),
        cost_usd: 0.0,
        tokens_in: 0,
        tokens_out: 0,
    }));
    s.push(bash("t3", "cargo clippy"));
    // Expand the Edit (block 4: user, thinking, text, bash, edit).
    s.selected = Some(4);
    s.toggle_selected();
    s.selected = None;
    s
}

fn render_chat(w: u16, h: u16) -> Terminal<TestBackend> {
    let theme = Theme::dark();
    let mut s = chat_fixture();
    let working = Some(Working {
        since: 100.0,
        now: 142.0,
        tool: s.in_flight_tool(),
    });
    let a = Rect::new(0, 0, w, h);
    s.prepare(TranscriptView::lines_area(a, true), &theme);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        TranscriptView {
            state: &s,
            theme: &theme,
            focused: false,
            working,
            empty_hint: "",
        }
        .render(f.area(), f.buffer_mut());
    })
    .unwrap();
    t
}

#[test]
fn chat_rendering_snapshot_160x45() {
    let t = render_chat(160, 45);
    let screen = format!("{:?}", t.backend());
    assert!(
        screen.contains("working… 42s · ⏺ Bash cargo clippy"),
        "{screen}"
    );
    assert!(screen.contains("+ pub verbose: bool,"), "{screen}");
    assert!(screen.contains("✻ Thinking… (2 lines)"), "{screen}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn chat_rendering_snapshot_80x24() {
    let t = render_chat(80, 24);
    insta::assert_snapshot!(t.backend());
}

#[test]
fn code_blocks_are_highlighted() {
    let theme = Theme::dark();
    let s = {
        let mut s = chat_fixture();
        s.prepare(area(80, 40), &theme);
        s
    };
    let code = s
        .lines_of(2)
        .iter()
        .find(|l| line_text(l).contains("let verbose"))
        .expect("code line");
    let colours: std::collections::HashSet<_> = code.spans.iter().map(|sp| sp.style.fg).collect();
    assert!(colours.len() > 2, "syntax colours: {code:?}");
    assert_eq!(
        s.window[&2].code.len(),
        1,
        "highlighted once, cached on the block"
    );
}

#[test]
fn only_the_blocks_on_screen_keep_their_wrapped_lines() {
    let theme = Theme::dark();
    let mut s = TranscriptViewState::default();
    for i in 0..2000 {
        s.push(text(&format!("message number {i}")));
    }
    s.prepare(area(40, 10), &theme);
    let with_lines = |s: &TranscriptViewState| s.window.len();
    assert_eq!(
        s.total_lines(),
        2000 * 2 - 1,
        "heights are kept for every block"
    );
    let bound = 6 + 2 * WINDOW_MARGIN;
    assert!(
        with_lines(&s) <= bound,
        "{} blocks hold lines",
        with_lines(&s)
    );
    assert!(!s.lines_of(1999).is_empty());
    // Scrolling brings the lines back for the new screen and drops the old ones.
    s.goto_top();
    assert!(
        with_lines(&s) <= bound,
        "{} blocks hold lines",
        with_lines(&s)
    );
    assert!(s.lines_of(1999).is_empty());
    let mut buf = Buffer::empty(Rect::new(0, 0, 40, 10));
    TranscriptView {
        state: &s,
        theme: &theme,
        focused: false,
        working: None,
        empty_hint: "",
    }
    .render(Rect::new(0, 0, 40, 10), &mut buf);
    let row = |y: u16| (0..40).map(|x| buf[(x, y)].symbol()).collect::<String>();
    assert_eq!(row(0).trim_end(), "message number 0");
    assert_eq!(row(2).trim_end(), "message number 1");
    // Search still reaches blocks off screen.
    assert_eq!(s.search("number 1500"), 1);
    s.prepare(area(40, 10), &theme);
    let b = s.block_of_line(s.top);
    assert!((1495..=1500).contains(&b), "view at block {b}");
    assert!(!s.lines_of(1500).is_empty());
}

/// A turn of four entries: user, a Bash call, its result, an answer.
fn turn(i: usize) -> [TranscriptEntry; 4] {
    let id = format!("t{i}");
    [
        e(TranscriptItem::User {
            text: format!("request {i}"),
        }),
        bash(&id, &format!("echo {i}")),
        result(&id, &format!("out {i}\nmore {i}"), i % 7 == 0),
        text(&format!(
            "answer number {i}, with **markdown** and some words to wrap"
        )),
    ]
}

fn screen_text(s: &TranscriptViewState, theme: &Theme, w: u16, h: u16) -> Vec<String> {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    TranscriptView {
        state: s,
        theme,
        focused: true,
        working: None,
        empty_hint: "",
    }
    .render(Rect::new(0, 0, w, h), &mut buf);
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}

#[test]
fn a_file_backed_view_shows_the_same_as_memory_and_keeps_no_entries() {
    let theme = Theme::dark();
    let mut file = TestTranscript::new();
    let mut mem = TranscriptViewState::default();
    for i in 0..2000 {
        for x in turn(i) {
            file.append_buffered(&x);
            mem.push(x);
        }
    }
    file.flush();
    let mut disk = TranscriptViewState::default();
    disk.load_file(&file.index());
    assert_eq!(disk.len(), 8000);
    assert_eq!(
        disk.blocks.len(),
        mem.blocks.len(),
        "calls paired with results"
    );
    assert_eq!(disk.entries_in_memory(), 0);
    for s in [&mut mem, &mut disk] {
        s.prepare(area(50, 12), &theme);
    }
    assert_eq!(disk.total_lines(), mem.total_lines());
    assert_eq!(
        screen_text(&disk, &theme, 50, 12),
        screen_text(&mem, &theme, 50, 12)
    );
    // Far back, search, expand, copy: the same, still without keeping entries.
    for s in [&mut mem, &mut disk] {
        s.goto_top();
        s.scroll_lines(false, 1234);
        s.prepare(area(50, 12), &theme);
    }
    assert_eq!(
        screen_text(&disk, &theme, 50, 12),
        screen_text(&mem, &theme, 50, 12)
    );
    for s in [&mut mem, &mut disk] {
        assert_eq!(s.search("out 777"), 1);
        s.prepare(area(50, 12), &theme);
        s.toggle_selected();
        s.prepare(area(50, 12), &theme);
    }
    let shown = screen_text(&disk, &theme, 50, 12);
    assert_eq!(shown, screen_text(&mem, &theme, 50, 12));
    assert!(shown.iter().any(|l| l.contains("echo 777")), "{shown:#?}");
    assert_eq!(disk.selected_text(), mem.selected_text());
    assert!(disk.selected_text().unwrap().contains("more 777"));
    // A width change wraps everything again from the file.
    for s in [&mut mem, &mut disk] {
        s.prepare(area(31, 12), &theme);
    }
    assert_eq!(disk.total_lines(), mem.total_lines());
    assert_eq!(disk.entries_in_memory(), 0);
    assert!(disk.window.len() <= 12 + 2 * WINDOW_MARGIN);
}

#[test]
fn streamed_entries_leave_memory_once_the_file_holds_them() {
    let theme = Theme::dark();
    let mut file = TestTranscript::new();
    let mut s = TranscriptViewState::default();
    s.load_file(&file.index());
    // Buffered by the writer (not in the file yet): kept.
    for i in 0..100 {
        for x in turn(i) {
            let at = file.append_buffered(&x);
            s.push_at(x, Some(at));
        }
    }
    s.prepare(area(60, 20), &theme);
    assert_eq!(
        s.entries_in_memory(),
        400,
        "the file does not hold them yet"
    );
    file.flush();
    for i in 100..200 {
        for x in turn(i) {
            let at = file.append(&x);
            s.push_at(x, Some(at));
        }
    }
    assert_eq!(s.entries_in_memory(), 800, "kept until drawn");
    s.prepare(area(60, 20), &theme);
    assert_eq!(
        s.entries_in_memory(),
        1,
        "only the newest stays (its line's end is not known yet)"
    );
    // A view nobody draws (a hidden tab) lets go in large batches.
    for i in 200..2000 {
        for x in turn(i) {
            let at = file.append(&x);
            s.push_at(x, Some(at));
        }
    }
    assert!(
        s.entries_in_memory() <= entries::SETTLE_UNDRAWN,
        "{} kept undrawn",
        s.entries_in_memory()
    );
    // Entries that could not be written stay.
    s.push_at(text("never written"), None);
    assert_eq!(s.entry(8000), text("never written"));
    assert_eq!(s.entry(5), turn(1)[1]);
    assert_eq!(s.entry(7997), turn(1999)[1]);
    s.prepare(area(60, 20), &theme);
    let shown = screen_text(&s, &theme, 60, 20);
    assert!(
        shown.iter().any(|l| l.contains("never written")),
        "{shown:#?}"
    );
}

#[test]
fn an_entry_the_file_lost_reads_as_a_visible_error() {
    let theme = Theme::dark();
    let mut file = TestTranscript::new();
    file.append(&text("first"));
    for i in 0..2000 {
        file.append_buffered(&text(&format!("later {i}")));
    }
    file.flush();
    let index = file.index();
    let mut s = TranscriptViewState::default();
    s.load_file(&index);
    s.prepare(area(60, 6), &theme);
    // The file is cut short behind the view's back (past the reader's buffer); the top
    // blocks are read again when scrolled to at another width.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&index.path)
        .unwrap();
    f.set_len(index.offsets[1]).unwrap();
    s.goto_top();
    s.prepare(area(70, 6), &theme);
    let shown = screen_text(&s, &theme, 70, 6).join("\n");
    assert!(shown.contains("first"), "{shown}");
    assert!(shown.contains("transcript line unreadable"), "{shown}");
}

#[test]
fn a_view_measured_off_the_ui_thread_draws_like_one_built_on_it() {
    let theme = Theme::dark();
    let mut file = TestTranscript::new();
    for i in 0..500 {
        for x in turn(i) {
            file.append_buffered(&x);
        }
    }
    file.flush();
    let index = file.index();
    let mut here = TranscriptViewState::default();
    here.load_file(&index);
    here.prepare(area(50, 12), &theme);
    let built = TranscriptViewState::from_file(&index, area(50, 12));
    assert_eq!(
        built.wrapped,
        built.blocks.len(),
        "measured where it was built"
    );
    assert!(built.window.is_empty(), "no lines in the build theme");
    let mut adopted = TranscriptViewState::default();
    adopted.adopt(built);
    adopted.prepare(area(50, 12), &theme);
    assert_eq!(adopted.total_lines(), here.total_lines());
    assert_eq!(
        screen_text(&adopted, &theme, 50, 12),
        screen_text(&here, &theme, 50, 12)
    );
    // Measured at another width: measured again.
    let mut narrow = TranscriptViewState::default();
    narrow.adopt(TranscriptViewState::from_file(&index, area(30, 12)));
    narrow.prepare(area(50, 12), &theme);
    assert_eq!(narrow.total_lines(), here.total_lines());
}
