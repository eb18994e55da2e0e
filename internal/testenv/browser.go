package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ChromiumVar names a Chromium or Chrome binary to use instead of Debian's
// /usr/bin/chromium, for machines that keep it elsewhere.
const ChromiumVar = "VILLAGE_TEST_CHROMIUM"

// Screen widths of the screenshots, in CSS pixels.
const (
	PhoneWidth   = 390
	DesktopWidth = 1280
)

// desktopHeight is the height of the window between screenshots; screenshots
// take the whole page whatever its height.
const desktopHeight = 800

// axeTags are the axe-core rule tags CheckAccessibility runs, as a JavaScript
// array: WCAG 2.0, 2.1 and 2.2, levels A and AA.
const axeTags = `["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]`

// Browser is a real headless Chromium (Debian's chromium package) driven
// through the DevTools protocol by chromedp, with a fresh profile of its own,
// and one tab that the helpers act on. Every helper fails the test when its
// step fails or does not finish within Timeout.
//
//	b := testenv.NewBrowser(t)
//	b.BaseURL = village.BaseURL
//	b.Visit("/login")
//	b.Fill("#username", "ada")
//	b.Submit("form button[type=submit]")
//	b.CheckAccessibility(t)
//	b.Screenshots("login")
//
// Selectors are CSS selectors. Ctx is the tab's chromedp context, for steps the
// helpers do not cover (chromedp.Run(b.Ctx, ...)).
type Browser struct {
	// BaseURL is joined to the paths Visit gets, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// Timeout limits each step (15 s unless changed).
	Timeout time.Duration
	// Ctx is the tab's chromedp context.
	Ctx context.Context

	t testing.TB
	s *browserState // shared with the copies In makes
}

// browserState is what a Browser and its copies for subtests share.
type browserState struct {
	output  *syncBuffer // Chromium's own output
	mu      sync.Mutex
	width   int      // the window's width, for CheckAccessibility's messages
	console []string // what pages wrote to the console, see ConsoleErrors
	axe     string   // axe.min.js, read on first use
}

// In returns the same browser (the same tab) reporting to t, for use in a
// subtest of the test that started it: the helpers fail the test they
// belong to, and a subtest must not fail its parent.
func (b *Browser) In(t testing.TB) *Browser {
	c := *b
	c.t = t
	return &c
}

// NewBrowser starts Chromium (/usr/bin/chromium, or $VILLAGE_TEST_CHROMIUM)
// headless with a fresh profile folder and a 1280×800 window, and stops it and
// removes the profile when the test ends. If the test fails it logs what the
// pages wrote to the console (errors and warnings) and Chromium's own output.
//
// Chromium gets only loopback traffic: background networking, component
// updates, sync and QUIC are off, since the machines that run the tests reach
// nothing else.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	exe := os.Getenv(ChromiumVar)
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(exe); err != nil {
		t.Fatalf("testenv: browser tests need Chromium at %s (%v): `make test` installs it, or run: sudo apt-get install -y chromium (or set %s to a Chromium or Chrome binary)", exe, err, ChromiumVar)
	}
	profile, err := os.MkdirTemp("", "village-chromium-")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	b := &Browser{t: t, Timeout: 15 * time.Second, s: &browserState{width: DesktopWidth, output: &syncBuffer{}}}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(DesktopWidth, desktopHeight),
		chromedp.CombinedOutput(b.s.output),
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b.Ctx = ctx
	consoleDone := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		allocCancel() // waits until Chromium has exited
		<-consoleDone
		if t.Failed() {
			b.logConsole()
			if out := chromiumOutput(b.s.output.String()); out != "" {
				t.Logf("chromium output:\n%s", out)
			}
		}
		// Chromium's helper processes may still write into the profile for
		// a moment after it exits.
		for i := 0; ; i++ {
			err := os.RemoveAll(profile)
			if err == nil {
				break
			}
			if i == 50 {
				t.Logf("testenv: remove the Chromium profile %s: %v", profile, err)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	// The first step starts the browser; it must not have a timeout, or the
	// browser would end with it.
	start := make(chan error, 1)
	go func() { start <- chromedp.Do(ctx) }()
	select {
	case err = <-start:
	case <-time.After(time.Minute):
		err = errors.New("no answer within a minute")
	}
	if err != nil {
		close(consoleDone)
		t.Fatalf("testenv: start Chromium %s: %v\n%s", exe, err, b.s.output.String())
	}
	messages := chromedp.Console(ctx)
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleException, chromedp.ConsoleWarning:
				where := m.URL
				if where != "" {
					where += ":" + strconv.FormatInt(m.Line+1, 10) + ": "
				}
				b.s.mu.Lock()
				b.s.console = append(b.s.console, string(m.Type)+": "+where+m.String())
				b.s.mu.Unlock()
			}
		}
	}()
	b.run("set the window size", chromedp.EmulateViewport(DesktopWidth, desktopHeight))
	return b
}

// chromiumOutput is Chromium's output without the complaints that mean
// nothing in a test: no D-Bus, and the start script's memory probe.
func chromiumOutput(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" || strings.Contains(line, ":ERROR:dbus/") || strings.Contains(line, "unexpected operator") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

// run runs steps on the tab within Timeout, failing the test if they fail.
func (b *Browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.runWithin(b.Timeout, what, steps...)
}

// runWithin is run with a limit of its own.
func (b *Browser) runWithin(limit time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, limit)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %s: %v%s", what, err, b.where())
	}
}

// where names the page the tab shows, for messages.
func (b *Browser) where() string {
	ctx, cancel := context.WithTimeout(b.Ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	return " (on " + loc + ")"
}

// ConsoleErrors returns the errors, warnings and uncaught exceptions that
// pages wrote to the console so far (including failed loads and Content
// Security Policy refusals), each as "TYPE: URL:LINE: TEXT".
func (b *Browser) ConsoleErrors() []string {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return append([]string(nil), b.s.console...)
}

func (b *Browser) logConsole() {
	if msgs := b.ConsoleErrors(); len(msgs) > 0 {
		b.t.Logf("browser console:\n  %s", strings.Join(msgs, "\n  "))
	}
}

// URL resolves a path (such as "/groups?q=x") against BaseURL; absolute URLs
// stay as they are.
func (b *Browser) URL(path string) string {
	b.t.Helper()
	if b.BaseURL == "" {
		return path
	}
	base, err := url.Parse(b.BaseURL)
	if err != nil {
		b.t.Fatalf("browser: BaseURL %q: %v", b.BaseURL, err)
	}
	ref, err := url.Parse(path)
	if err != nil {
		b.t.Fatalf("browser: URL %q: %v", path, err)
	}
	return base.ResolveReference(ref).String()
}

// Visit loads the page at path (resolved against BaseURL) and waits for it,
// failing the test unless its final answer (after redirects) has a 2xx
// status. It returns that status.
func (b *Browser) Visit(path string) int {
	b.t.Helper()
	status := b.VisitStatus(path)
	if status < 200 || status > 299 {
		b.t.Fatalf("browser: GET %s: status %d: %s", b.URL(path), status, b.bodyText())
	}
	return status
}

// VisitStatus is Visit for pages that may answer with an error status: it
// fails the test only if the page does not load.
func (b *Browser) VisitStatus(path string) int {
	b.t.Helper()
	u := b.URL(path)
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.t.Fatalf("browser: visit %s: %v", u, err)
	}
	if resp == nil {
		b.t.Fatalf("browser: visit %s: no response", u)
	}
	return int(resp.Status)
}

// bodyText is the start of the page's visible text, for failure messages.
func (b *Browser) bodyText() string {
	ctx, cancel := context.WithTimeout(b.Ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(no text: " + err.Error() + ")"
	}
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}

// Location is the URL the tab shows.
func (b *Browser) Location() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("browser: location: %v", err)
	}
	return loc
}

// Fill waits until the field selector matches is visible, empties it and
// types text into it, key by key. Each key is three messages to Chromium,
// so a long text gets more time than a click: on a loaded machine a
// 170-character story took longer than Timeout.
func (b *Browser) Fill(selector, text string) {
	b.t.Helper()
	b.runWithin(b.Timeout+time.Duration(len(text))*100*time.Millisecond, "fill "+selector,
		chromedp.WaitVisible(chromedp.CSS(selector)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+strconv.Quote(selector)+`).value = ""`),
		chromedp.SendKeys(chromedp.CSS(selector), text),
	)
}

// Click waits until the element is visible and clicks it, without waiting
// for a page load: use Submit for a click that loads another page.
func (b *Browser) Click(selector string) {
	b.t.Helper()
	b.run("click "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// Submit clicks the element (a form's submit button, or a link) and waits
// until the page it leads to has loaded, following redirects such as the
// 303 after a POST. It returns the final page's HTTP status.
func (b *Browser) Submit(selector string) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(selector))); err != nil {
		b.t.Fatalf("browser: submit %s: %v%s", selector, err, b.where())
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("browser: submit %s: %v%s", selector, err, b.where())
	}
	if resp == nil {
		b.t.Fatalf("browser: submit %s: no page loaded%s", selector, b.where())
	}
	return int(resp.Status)
}

// Text waits until an element matches selector and returns its visible
// text (innerText).
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v%s", selector, err, b.where())
	}
	return s
}

// WaitVisible waits until an element matching selector is visible.
func (b *Browser) WaitVisible(selector string) {
	b.t.Helper()
	b.run("wait for "+selector+" to be visible", chromedp.WaitVisible(chromedp.CSS(selector)))
}

// WaitText waits until the visible text of the first element matching
// selector contains text, failing the test with the text it has otherwise.
func (b *Browser) WaitText(selector, text string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	js := `(() => { const e = document.querySelector(` + strconv.Quote(selector) + `);
		return !!e && e.innerText.includes(` + strconv.Quote(text) + `); })()`
	poll := chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond))
	_, err := chromedp.Run(ctx, poll)
	// chromedp learns of a new page's JavaScript context from an event, so
	// on a busy machine it may still poll the context of the page before,
	// which Chromium refuses: then poll again, within the same time limit.
	for err != nil && strings.Contains(err.Error(), "Cannot find context with specified id") && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		_, err = chromedp.Run(ctx, poll)
	}
	if err != nil {
		ctx, cancel := context.WithTimeout(b.Ctx, 2*time.Second)
		defer cancel()
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector(`+strconv.Quote(selector)+`); return e ? e.innerText : "(no element matches)"; })()`))
		b.t.Fatalf("browser: %s does not show %q: %v; it shows: %q%s", selector, text, err, got, b.where())
	}
}

// Has reports whether an element matches selector now, without waiting.
func (b *Browser) Has(selector string) bool {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout)
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(`+strconv.Quote(selector)+`) !== null`))
	if err != nil {
		b.t.Fatalf("browser: look for %s: %v", selector, err)
	}
	return ok
}

// ColorScheme makes pages see prefers-color-scheme: scheme ("light" or
// "dark") until changed.
func (b *Browser) ColorScheme(scheme string) {
	b.t.Helper()
	b.run("emulate prefers-color-scheme: "+scheme, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	}))
}

// Resize sets the window's width (a phone is emulated, with the page's
// viewport meta tag honoured, below 600 CSS pixels).
func (b *Browser) Resize(width int) {
	b.t.Helper()
	height := int64(desktopHeight)
	var opts []chromedp.EmulateViewportOption
	if width < 600 {
		height = 844
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
	}
	b.run("resize to "+strconv.Itoa(width), chromedp.EmulateViewport(int64(width), height, opts...))
	b.s.mu.Lock()
	b.s.width = width
	b.s.mu.Unlock()
}

// ArtifactsDir is <module root>/test-artifacts, where screenshots go.
func ArtifactsDir() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	return filepath.Join(root, "test-artifacts"), nil
}

// fileName keeps letters, digits, '.', '_' and '-' of name, and makes every
// other character '_'.
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return r
		}
		return '_'
	}, name)
}

// Screenshot takes a PNG of the whole page (not only the window) at width
// CSS pixels and writes it to <module root>/test-artifacts/NAME-WIDTH.png,
// returning that path. The window keeps the width afterwards.
func (b *Browser) Screenshot(name string, width int) string {
	b.t.Helper()
	b.Resize(width)
	// A whole long page is slow to capture on a loaded machine: it gets
	// more time than a click (a screenshot is a record, not a check).
	ctx, cancel := context.WithTimeout(b.Ctx, 4*b.Timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, fmt.Errorf("measure the page: %w", err)
		}
		h := float64(desktopHeight)
		if m.CSSContentSize != nil && m.CSSContentSize.Height > 0 {
			h = m.CSSContentSize.Height
		}
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			CaptureBeyondViewport: new(true),
			FromSurface:           new(true),
			Clip:                  &page.Viewport{Width: float64(width), Height: min(h, 16000), Scale: 1},
		})
		if err != nil {
			return nil, fmt.Errorf("capture: %w", err)
		}
		return r.Data, nil
	})
	if err != nil {
		b.t.Fatalf("browser: screenshot %s at %d px: %v%s", name, width, err, b.where())
	}
	dir, err := ArtifactsDir()
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		b.t.Fatalf("browser: screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, fileName(name)+"-"+strconv.Itoa(width)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("browser: screenshot %s: %v", name, err)
	}
	return path
}

// Screenshots writes NAME-390.png (a phone) and NAME-1280.png (a desktop)
// and leaves the window at desktop width.
func (b *Browser) Screenshots(name string) {
	b.t.Helper()
	b.Screenshot(name, PhoneWidth)
	b.Screenshot(name, DesktopWidth)
	b.Resize(DesktopWidth)
}

// AxeViolation is one axe-core rule the page breaks, with the elements that
// break it.
type AxeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"` // "minor", "moderate", "serious" or "critical"
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one offending element.
type AxeNode struct {
	Target  string `json:"target"` // a CSS selector of the element
	HTML    string `json:"html"`
	Summary string `json:"summary"` // what to fix
}

func (v AxeViolation) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s (%s): %s [%s]", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&s, "\n    %s  %s", n.Target, n.HTML)
		if n.Summary != "" {
			fmt.Fprintf(&s, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
	}
	return s.String()
}

// axeRun runs axe-core on the document with the WCAG A/AA rules and returns
// the violations, each node's target flattened to one selector.
const axeRun = `(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]});
  return r.violations.map(v => ({
    id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(s => Array.isArray(s) ? s.join(" >>> ") : String(s)).join(" "),
      html: n.html, summary: n.failureSummary || "",
    })),
  }));
})()`

// Accessibility runs axe-core (injected from internal/browsertest's
// node_modules, installed on demand) on the page the tab shows, with the
// WCAG 2.x A and AA rules, and returns every violation.
func (b *Browser) Accessibility() []AxeViolation {
	b.t.Helper()
	b.s.mu.Lock()
	axe := b.s.axe
	b.s.mu.Unlock()
	if axe == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		path, err := AxeInstall(ctx)
		if err != nil {
			b.t.Fatalf("testenv: %v", err)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			b.t.Fatalf("testenv: read axe-core: %v", err)
		}
		axe = string(src)
		b.s.mu.Lock()
		b.s.axe = axe
		b.s.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(b.Ctx, b.Timeout+30*time.Second)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err == nil && !loaded {
		_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axe))
	}
	if err != nil {
		b.t.Fatalf("browser: inject axe-core: %v%s", err, b.where())
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]AxeViolation](fmt.Sprintf(axeRun, axeTags), chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: run axe-core: %v%s", err, b.where())
	}
	return vs
}

// CheckAccessibility runs axe-core on the page the tab shows and fails t
// (which may be a subtest of the browser's test) on every violation of
// impact "serious" or "critical", listing each rule with its help and the
// offending elements; it logs the minor and moderate ones.
func (b *Browser) CheckAccessibility(t testing.TB) {
	t.Helper()
	b = b.In(t)
	where := b.where()
	b.s.mu.Lock()
	width := b.s.width
	b.s.mu.Unlock()
	var bad, other []string
	for _, v := range b.Accessibility() {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v.String())
		} else {
			other = append(other, v.String())
		}
	}
	if len(other) > 0 {
		t.Logf("accessibility%s at %d px, minor and moderate:\n  %s", where, width, strings.Join(other, "\n  "))
	}
	if len(bad) > 0 {
		t.Errorf("accessibility%s at %d px: %d serious or critical axe-core violations:\n  %s", where, width, len(bad), strings.Join(bad, "\n  "))
	}
}

// AxeInstall makes sure internal/browsertest has axe-core, installed by
// `npm ci` from its package-lock.json, and returns the path of axe.min.js. It
// installs only when node_modules is missing or older than package.json or
// package-lock.json, under a lock shared by concurrent test binaries.
func AxeInstall(ctx context.Context) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	dir := filepath.Join(root, "internal", "browsertest")
	axe := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if err := npmInstall(ctx, dir, axe, "the accessibility check needs npm to install axe-core: run `make test`"); err != nil {
		return "", err
	}
	return axe, nil
}
