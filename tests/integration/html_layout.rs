//! The HTML documents fit the page: the demo's east, west and merged
//! documents in headless Chromium at 1280 and 420 px wide, every `<details>`
//! opened, and no table wider than the page.
//!
//! Each page is a copy of the document with one measuring script added (the
//! document's own policy forbids scripts, so the copy's allows inline ones),
//! shown in a frame of the width under test; Chromium loads it from a
//! `file://` URL inside a network namespace of its own (`unshare -rn`),
//! with a fresh profile, and `--dump-dom` returns what the script posted. One launch per page and width, each bounded in time.
//! Without `chromium` the test says so loudly and stops, unless
//! `PREFLIGHT_REQUIRE_CHROMIUM` is set (scripts/test sets it after
//! installing chromium), where it fails.
//!
//! With `PREFLIGHT_UPDATE_REPORT_PNG=1` it also writes `docs/report.png`:
//! the demo's west report at 1280 px, as it is (no script).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{run, stdout};

/// The widths a reader meets: a laptop browser, a phone.
const WIDTHS: [u32; 2] = [1280, 420];

/// How long one Chromium launch may take.
const LAUNCH_LIMIT: Duration = Duration::from_secs(60);

/// Measures after opening every `<details>`: the viewport, the page's
/// width and scroll width, and each table's right edge and width.
const MEASURE: &str = r#"<script>
document.querySelectorAll('details').forEach(function (d) { d.open = true; });
var root = document.documentElement;
var lines = ['viewport ' + window.innerWidth + ' page ' + root.clientWidth + ' scroll ' + root.scrollWidth];
document.querySelectorAll('table').forEach(function (t, i) {
  var r = t.getBoundingClientRect();
  var h = t.closest('section') ? (t.closest('section').querySelector('h2') || {}).textContent : '';
  lines.push('table ' + i + ' ' + Math.ceil(r.right) + ' ' + Math.ceil(r.width) + ' ' + (h || '').replace(/\s+/g, ' ').slice(0, 60));
});
parent.postMessage(lines.join('\n'), '*');
</script>"#;

/// The page Chromium loads: the document in a frame exactly `{width}` px
/// wide (a headless window is never narrower than 500 px, a frame can be),
/// and what the frame's script reports, written into `<pre id="layout">`.
const FRAME: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body style="margin:0">
<iframe src="{src}" style="display:block;border:0;width:{width}px;height:900px"></iframe>
<pre id="layout"></pre>
<script>window.addEventListener('message', function (e) { document.getElementById('layout').textContent = e.data; });</script>
</body></html>"#;

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Runs Chromium headless in its own network namespace with `args` (the
/// flags below first), killed after [`LAUNCH_LIMIT`]. Returns its stdout.
fn launch(chromium: &Path, profile: &Path, args: &[String]) -> String {
    let mut cmd = Command::new("unshare");
    cmd.args(["-rn", "--"])
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("start chromium under unshare -rn");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if start.elapsed() > LAUNCH_LIMIT {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium took longer than {LAUNCH_LIMIT:?}: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("chromium output");
    assert!(out.status.success(), "chromium failed: {args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the measuring script saw.
struct Layout {
    viewport: u32,
    page: u32,
    scroll: u32,
    /// Right edge, width and section heading of every table.
    tables: Vec<(u32, u32, String)>,
}

fn measure(chromium: &Path, work: &Path, html: &Path, width: u32) -> Layout {
    let page = std::fs::read_to_string(html).unwrap();
    let csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>";
    assert!(page.contains(csp), "{} has its policy", html.display());
    let page = page
        .replace(
            csp,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\"/>",
        )
        .replace("</body>", &format!("{MEASURE}</body>"));
    let name = html
        .strip_prefix(work)
        .unwrap()
        .to_string_lossy()
        .replace('/', "-");
    let copy = work.join(format!("measure-{width}-{name}"));
    std::fs::write(&copy, page).unwrap();
    let frame = work.join(format!("frame-{width}-{name}"));
    std::fs::write(
        &frame,
        FRAME
            .replace("{src}", &copy.file_name().unwrap().to_string_lossy())
            .replace("{width}", &width.to_string()),
    )
    .unwrap();
    let profile = work.join(format!("profile-{width}-{name}"));
    let dom = launch(
        chromium,
        &profile,
        &[
            format!("--window-size={},1000", width.max(500) + 40),
            "--virtual-time-budget=5000".into(),
            "--dump-dom".into(),
            format!("file://{}", frame.display()),
        ],
    );
    let start = dom.find("<pre id=\"layout\">").expect("the frame page") + 17;
    let end = start + dom[start..].find("</pre>").unwrap();
    let mut lines = dom[start..end].lines();
    let head: Vec<u32> = lines
        .next()
        .unwrap()
        .split(' ')
        .filter_map(|w| w.parse().ok())
        .collect();
    let tables = lines
        .map(|l| {
            let mut parts = l.splitn(5, ' ').skip(2);
            let right = parts.next().unwrap().parse().unwrap();
            let width = parts.next().unwrap().parse().unwrap();
            (right, width, parts.next().unwrap_or("").to_string())
        })
        .collect();
    Layout {
        viewport: head[0],
        page: head[1],
        scroll: head[2],
        tables,
    }
}

#[test]
fn no_table_is_wider_than_the_page_at_1280_and_420_px() {
    let Some(chromium) = chromium() else {
        if std::env::var_os("PREFLIGHT_REQUIRE_CHROMIUM").is_some() {
            panic!(
                "the HTML layout test needs `chromium`: install the Debian package `chromium` (scripts/test does this as root)"
            );
        }
        eprintln!(
            "\n*** SKIPPED: no_table_is_wider_than_the_page: `chromium` is not installed; \
             install the Debian package `chromium` or run scripts/test, which does ***\n"
        );
        return;
    };
    let work = std::env::temp_dir().join(format!("preflight-layout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let out = run(&["demo", "--out", work.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // The harness itself: a table wider than the page is caught.
    let control = work.join("control.html");
    std::fs::write(
        &control,
        std::fs::read_to_string(work.join("east/report.html"))
            .unwrap()
            .replace(
                "</main>",
                "<table style=\"width:2000px\"><tr><td>x</td></tr></table></main>",
            ),
    )
    .unwrap();
    let layout = measure(&chromium, &work, &control, 420);
    assert!(
        layout
            .tables
            .iter()
            .any(|(right, _, _)| *right > layout.page),
        "the control page's 2000 px table must be seen as too wide"
    );

    let pages = ["east/report.html", "west/report.html", "merged/merge.html"];
    let mut measured = Vec::new();
    for page in pages {
        for width in WIDTHS {
            let layout = measure(&chromium, &work, &work.join(page), width);
            assert_eq!(
                layout.viewport, width,
                "the frame is not the width asked for"
            );
            assert!(
                layout.tables.len() >= 3,
                "{page}: {} tables",
                layout.tables.len()
            );
            for (right, table_width, section) in &layout.tables {
                assert!(
                    *right <= layout.page && *table_width <= layout.page,
                    "{page} at {width} px: a table in \"{section}\" is {table_width} px wide, ending at {right} px, on a {} px page",
                    layout.page
                );
            }
            assert!(
                layout.scroll <= layout.page,
                "{page} at {width} px scrolls sideways: {} px of content on a {} px page",
                layout.scroll,
                layout.page
            );
            measured.push(format!(
                "{page} at {width} px: {} tables, widest {} px, page {} px",
                layout.tables.len(),
                layout.tables.iter().map(|t| t.1).max().unwrap_or(0),
                layout.page
            ));
        }
    }
    eprintln!("{}", measured.join("\n"));

    if std::env::var_os("PREFLIGHT_UPDATE_REPORT_PNG").is_some() {
        let png = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/report.png");
        launch(
            &chromium,
            &work.join("profile-screenshot"),
            &[
                "--window-size=1280,1600".into(),
                format!("--screenshot={}", png.display()),
                format!("file://{}", work.join("west/report.html").display()),
            ],
        );
        assert!(png.is_file());
    }
    std::fs::remove_dir_all(&work).ok();
}
