//! Progress bars for long commands, shown only when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar counting rows; hidden when stderr is not a terminal.
pub fn rows_bar(total: Option<u64>, verb: &str) -> ProgressBar {
    counting_bar(total, verb, "rows")
}

/// A progress bar counting `unit`s; hidden when stderr is not a terminal.
pub fn counting_bar(total: Option<u64>, verb: &str, unit: &str) -> ProgressBar {
    let bar = match total {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
        return bar;
    }
    let template = match total {
        Some(_) => {
            format!(
                "{verb} {{bar:40}} {{human_pos}}/{{human_len}} {unit} ({{per_sec}}, eta {{eta}})"
            )
        }
        None => format!("{verb} {{spinner}} {{human_pos}} {unit} ({{per_sec}})"),
    };
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
