//! Slash parsing and completion.

use super::*;

#[test]
fn parses_commands_with_arguments() {
    assert_eq!(parse("/reset", false), Parsed::Command(Slash::Reset));
    assert_eq!(
        parse("  /rename  Release prep  ", false),
        Parsed::Command(Slash::Rename {
            title: "Release prep".into()
        })
    );
    assert_eq!(
        parse("/model opus", false),
        Parsed::Command(Slash::Model {
            name: "opus".into()
        })
    );
    assert_eq!(
        parse("/resume auth", false),
        Parsed::Command(Slash::Resume {
            filter: "auth".into()
        })
    );
    assert_eq!(
        parse("/bypass-permissions", false),
        Parsed::Command(Slash::BypassPermissions)
    );
}

#[test]
fn unknown_usage_and_literal_slash() {
    assert_eq!(
        parse("/frobnicate now", false),
        Parsed::Unknown("/frobnicate".into())
    );
    assert!(matches!(parse("/rename", false), Parsed::Usage(u) if u.contains("/rename <title>")));
    assert!(matches!(parse("/model", false), Parsed::Usage(_)));
    assert!(matches!(parse("/reset now", false), Parsed::Usage(u) if u.contains("no arguments")));
    assert_eq!(
        parse("//etc/hosts is odd", false),
        Parsed::Message("/etc/hosts is odd".into())
    );
    assert_eq!(
        parse("hello /reset", false),
        Parsed::Message("hello /reset".into())
    );
    // The chat never runs bare words.
    assert_eq!(parse("reset", false), Parsed::Message("reset".into()));
}

#[test]
fn bare_words_in_the_command_bar_only_where_unambiguous() {
    assert_eq!(parse("reset", true), Parsed::Command(Slash::Reset));
    assert_eq!(
        parse("model haiku", true),
        Parsed::Command(Slash::Model {
            name: "haiku".into()
        })
    );
    assert_eq!(
        parse("help me write a parser", true),
        Parsed::Message("help me write a parser".into())
    );
    assert_eq!(
        parse("rename the variables", true),
        Parsed::Message("rename the variables".into())
    );
    assert_eq!(
        parse("/rename the session", true),
        Parsed::Command(Slash::Rename {
            title: "the session".into()
        })
    );
}

#[test]
fn completes_names_fuzzily_with_hints() {
    let all = complete("/", false);
    assert_eq!(all.len(), COMMANDS.len());
    assert_eq!(all[0].label, "/reset");
    let got = complete("/res", false);
    let labels: Vec<&str> = got.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels[..2], ["/reset", "/resume"], "{labels:?}");
    let bp = complete("/bp", false);
    assert_eq!(bp[0].label, "/bypass-permissions");
    let rename = complete("/ren", false);
    assert_eq!(
        rename[0].fill, "/rename ",
        "commands with args leave room for them"
    );
    assert!(!rename[0].runs);
    assert_eq!(rename[0].hint, "<title>");
    assert!(complete("/reset", false)[0].runs);
    assert!(complete("hello", false).is_empty());
    assert!(complete("//x", false).is_empty());
    assert!(complete("/reset\nmore", false).is_empty());
}

#[test]
fn completes_model_names() {
    let got = complete("/model ", false);
    let labels: Vec<&str> = got.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["sonnet", "opus", "haiku"]);
    let op = complete("/model op", false);
    assert_eq!(op.len(), 1);
    assert_eq!(op[0].fill, "/model opus");
    assert!(op[0].runs);
    assert!(
        complete("/model opus", false).is_empty(),
        "nothing left to complete"
    );
    assert!(complete("/rename x", false).is_empty());
}

#[test]
fn command_bar_completes_bare_prefixes_only() {
    let got = complete("re", true);
    let labels: Vec<&str> = got.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["reset", "resume", "rename", "require-permissions"]);
    assert!(complete("hello", true).is_empty());
    assert!(complete("", true).is_empty());
    assert_eq!(complete("model h", true)[0].fill, "model haiku");
}
