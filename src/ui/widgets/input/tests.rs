//! Input behaviour: editing keys, newline keys, paste, history recall, growth and the cursor.

use super::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn with(code: KeyCode, m: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, m)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn typed(s: &mut InputState, text: &str) {
    for c in text.chars() {
        s.handle_key(key(KeyCode::Char(c)));
    }
}

#[test]
fn typing_editing_and_submit() {
    let mut s = InputState::default();
    typed(&mut s, "helo wörld");
    for _ in 0..7 {
        s.handle_key(key(KeyCode::Left));
    }
    s.handle_key(key(KeyCode::Char('l')));
    assert_eq!(s.text(), "hello wörld");
    s.handle_key(ctrl('e'));
    s.handle_key(key(KeyCode::Backspace));
    assert_eq!(s.text(), "hello wörl");
    s.handle_key(ctrl('w'));
    assert_eq!(s.text(), "hello ");
    assert_eq!(
        s.handle_key(key(KeyCode::Enter)),
        InputOutcome::Submit("hello".into())
    );
    assert_eq!(s.text(), "");
    assert_eq!(s.handle_key(key(KeyCode::Enter)), InputOutcome::Edited);
    assert_eq!(s.handle_key(key(KeyCode::Tab)), InputOutcome::Ignored);
    assert_eq!(
        s.handle_key(key(KeyCode::Up)),
        InputOutcome::Ignored,
        "a one-line input leaves Up to its list"
    );
}

#[test]
fn one_line_paste_flattens_newlines() {
    let mut s = InputState::default();
    s.insert_str("a\nb\tc");
    assert_eq!(s.text(), "a b c");
}

#[test]
fn shift_alt_and_ctrl_j_insert_newlines_enter_sends() {
    let mut s = InputState::multiline();
    typed(&mut s, "one");
    assert_eq!(
        s.handle_key(with(KeyCode::Enter, KeyModifiers::SHIFT)),
        InputOutcome::Edited
    );
    typed(&mut s, "two");
    s.handle_key(with(KeyCode::Enter, KeyModifiers::ALT));
    typed(&mut s, "three");
    s.handle_key(ctrl('j'));
    typed(&mut s, "four\\");
    // `\` + Enter: newline, the backslash goes away.
    assert_eq!(s.handle_key(key(KeyCode::Enter)), InputOutcome::Edited);
    typed(&mut s, "five");
    assert_eq!(s.text(), "one\ntwo\nthree\nfour\nfive");
    assert_eq!(
        s.handle_key(key(KeyCode::Enter)),
        InputOutcome::Submit("one\ntwo\nthree\nfour\nfive".into())
    );
    assert!(s.is_empty());
}

#[test]
fn multiline_paste_keeps_lines_and_is_not_sent() {
    let mut s = InputState::multiline();
    s.insert_str("fn main() {\r\n\tprintln!();\r\n}");
    assert_eq!(s.text(), "fn main() {\n\tprintln!();\n}");
    // Still there: a paste never submits.
    assert!(!s.is_empty());
}

#[test]
fn up_down_recall_history_at_the_edges() {
    let mut s = InputState::multiline();
    s.set_history(vec!["first".into(), "second\nline".into()]);
    typed(&mut s, "draft");
    // One-line draft: the cursor is on the first line, so Up recalls.
    s.handle_key(key(KeyCode::Up));
    assert_eq!(s.text(), "second\nline");
    // The cursor is at the end (second line): Up moves within the text first.
    s.handle_key(key(KeyCode::Up));
    assert_eq!(s.text(), "second\nline");
    s.handle_key(key(KeyCode::Up));
    assert_eq!(s.text(), "first");
    s.handle_key(key(KeyCode::Up));
    assert_eq!(s.text(), "first", "stays at the oldest");
    s.handle_key(key(KeyCode::Down));
    assert_eq!(s.text(), "second\nline");
    s.handle_key(key(KeyCode::Down));
    assert_eq!(s.text(), "draft", "the draft comes back past the newest");
    // Submitting adds to the history (consecutive duplicates once).
    s.set_text("third");
    let Some(text) = (match s.handle_key(key(KeyCode::Enter)) {
        InputOutcome::Submit(t) => Some(t),
        _ => None,
    }) else {
        panic!("not submitted")
    };
    assert!(s.push_history(&text));
    assert!(!s.push_history(&text));
    assert_eq!(s.history(), ["first", "second\nline", "third"]);
}

#[test]
fn history_is_capped() {
    let mut s = InputState::multiline();
    s.set_history((0..HISTORY_CAP + 10).map(|i| i.to_string()).collect());
    assert_eq!(s.history().len(), HISTORY_CAP);
    assert_eq!(s.history()[0], "10");
    s.push_history("new");
    assert_eq!(s.history().len(), HISTORY_CAP);
    assert_eq!(s.history()[0], "11");
}

#[test]
fn grows_with_content_up_to_max_rows() {
    let mut s = InputState::multiline();
    assert_eq!(s.desired_rows(20), 1);
    s.insert_str("a\nb\nc");
    assert_eq!(s.desired_rows(20), 3);
    s.set_text("word ".repeat(10).trim());
    assert_eq!(s.desired_rows(20), 3, "49 chars wrap to three rows of 20");
    s.set_text(&"x\n".repeat(20));
    assert_eq!(s.desired_rows(20), MAX_ROWS);
    assert_eq!(InputState::default().desired_rows(5), 1);
}

#[test]
fn long_text_scrolls_to_keep_cursor_visible() {
    let mut s = InputState::default();
    s.insert_str("abcdefghijklmnop");
    let theme = Theme::dark();
    let view = InputView {
        state: &s,
        theme: &theme,
        placeholder: "",
        prompt: "> ",
        focused: true,
    };
    let area = Rect::new(0, 0, 10, 1);
    let mut buf = Buffer::empty(area);
    let pos = view.render(area, &mut buf);
    assert_eq!(pos, Some(Position::new(9, 0)));
    let row: String = (0..10).map(|x| buf[(x, 0)].symbol().to_owned()).collect();
    assert_eq!(row, "> jklmnop ");
}

#[test]
fn multiline_view_scrolls_and_places_the_cursor() {
    let mut s = InputState::multiline();
    s.insert_str(
        &(1..=10)
            .map(|i| format!("l{i}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let theme = Theme::dark();
    let area = Rect::new(0, 0, 12, 3);
    let mut buf = Buffer::empty(area);
    let pos = InputView {
        state: &s,
        theme: &theme,
        placeholder: "",
        prompt: "› ",
        focused: true,
    }
    .render(area, &mut buf);
    let rows: Vec<String> = (0..3)
        .map(|y| {
            (0..12)
                .map(|x| buf[(x, y)].symbol().to_owned())
                .collect::<String>()
        })
        .collect();
    assert_eq!(rows, ["› l8        ", "  l9        ", "  l10       "]);
    assert_eq!(pos, Some(Position::new(5, 2)));
}

#[test]
fn placeholder_when_empty() {
    let s = InputState::multiline();
    let theme = Theme::dark();
    let area = Rect::new(0, 0, 20, 1);
    let mut buf = Buffer::empty(area);
    let pos = InputView {
        state: &s,
        theme: &theme,
        placeholder: "Ask something",
        prompt: "› ",
        focused: true,
    }
    .render(area, &mut buf);
    let row: String = (0..20).map(|x| buf[(x, 0)].symbol().to_owned()).collect();
    assert_eq!(row, "› Ask something     ");
    assert_eq!(pos, Some(Position::new(2, 0)));
}
