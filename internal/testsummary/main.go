// Command testsummary runs `go test -json` with the arguments it is given
// and prints what a plain `go test` prints (a line per package, and the
// whole output of each test that fails, kept together even when tests run
// in parallel), then the packages by elapsed time and the slowest tests, so
// that a slow suite shows where its time goes. It exits with go test's
// status. `make test` runs it:
//
//	go run ./internal/testsummary -json test-artifacts/go-test.json -- -count=1 ./...
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

func main() {
	jsonPath := flag.String("json", "", "also write go test's JSON events to this file")
	slowest := flag.Int("slowest", 10, "how many of the slowest tests to list")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: testsummary [-json FILE] [-slowest N] -- GO-TEST-ARGS...")
		flag.PrintDefaults()
	}
	flag.Parse()
	os.Exit(run(flag.Args(), *jsonPath, *slowest, os.Stdout, os.Stderr))
}

// run runs go test and returns the exit status to end with.
func run(args []string, jsonPath string, slowest int, stdout, stderr io.Writer) int {
	cmd := exec.Command("go", append([]string{"test", "-json"}, args...)...)
	cmd.Stderr = stderr
	events, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 2
	}
	var in io.Reader = events
	if jsonPath != "" {
		f, err := createFile(jsonPath)
		if err != nil {
			fmt.Fprintln(stderr, "testsummary:", err)
			return 2
		}
		defer f.Close()
		in = io.TeeReader(events, f)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 2
	}
	r := newReport(stdout)
	readErr := r.read(in)
	waitErr := cmd.Wait()
	r.summary(slowest)
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(waitErr, &exit):
		code = exit.ExitCode()
	case waitErr != nil:
		fmt.Fprintln(stderr, "testsummary:", waitErr)
		code = 2
	}
	if readErr != nil {
		fmt.Fprintln(stderr, "testsummary: reading go test's output:", readErr)
	}
	if code == 0 && (readErr != nil || len(r.failed) > 0) {
		code = 1
	}
	return code
}

func createFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.Create(path)
}

// event is one line of `go test -json` (cmd/test2json), including the
// build events of `go test -json` since Go 1.24.
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Elapsed    float64 // seconds
	Output     string
}

// report follows the events of one run.
type report struct {
	out io.Writer
	// output holds what each test running now has printed, until it
	// passes (dropped) or fails (printed).
	output   map[string][]string
	packages []timing // packages with tests, as they end
	tests    []timing // top-level tests, as they end
	failed   []string // "package TestName", as they fail
}

type timing struct {
	pkg, test string
	elapsed   time.Duration
	failed    bool
}

func newReport(out io.Writer) *report {
	return &report{out: out, output: map[string][]string{}}
}

func (r *report) read(in io.Reader) error {
	lines := bufio.NewScanner(in)
	lines.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for lines.Scan() {
		var e event
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil || e.Action == "" {
			// Not an event (go test prints some errors as plain text).
			fmt.Fprintln(r.out, lines.Text())
			continue
		}
		r.add(e)
	}
	return lines.Err()
}

func (r *report) add(e event) {
	if e.Action == "build-output" {
		fmt.Fprint(r.out, e.Output)
		return
	}
	if e.Test == "" {
		r.addPackage(e)
		return
	}
	key := e.Package + " " + e.Test
	switch e.Action {
	case "output":
		if !strings.HasPrefix(e.Output, "=== ") { // RUN, PAUSE, CONT, NAME
			r.output[key] = append(r.output[key], e.Output)
		}
		return
	case "fail":
		fmt.Fprint(r.out, strings.Join(r.output[key], ""))
		r.failed = append(r.failed, e.Package+" "+e.Test)
	case "pass", "skip":
	default:
		return
	}
	delete(r.output, key)
	if e.Action != "skip" && !strings.Contains(e.Test, "/") {
		r.tests = append(r.tests, timing{pkg: e.Package, test: e.Test, elapsed: seconds(e.Elapsed)})
	}
}

// addPackage takes an event of a test binary itself, outside its tests.
func (r *report) addPackage(e event) {
	switch e.Action {
	case "output":
		// "ok", "FAIL", "?" lines, and whatever it printed outside a test.
		if e.Output != "PASS\n" {
			fmt.Fprint(r.out, e.Output)
		}
	case "fail":
		r.flushPackage(e.Package) // tests cut short by a crash or a time-out
		fallthrough
	case "pass":
		r.packages = append(r.packages, timing{pkg: e.Package, elapsed: seconds(e.Elapsed), failed: e.Action == "fail"})
	}
}

// flushPackage prints the output of the package's tests that never ended.
func (r *report) flushPackage(pkg string) {
	var keys []string
	for key := range r.output {
		if strings.HasPrefix(key, pkg+" ") {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		fmt.Fprint(r.out, strings.Join(r.output[key], ""))
		delete(r.output, key)
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// summary prints the packages slowest first, the slowest top-level tests
// and the tests that failed.
func (r *report) summary(slowest int) {
	if len(r.packages) == 0 {
		return
	}
	byTime := func(list []timing) {
		sort.SliceStable(list, func(i, j int) bool { return list[i].elapsed > list[j].elapsed })
	}
	byTime(r.packages)
	byTime(r.tests)
	module := modulePrefix()
	fmt.Fprintln(r.out, "\nPackages by elapsed time:")
	for _, p := range r.packages {
		status := ""
		if p.failed {
			status = "  FAIL"
		}
		fmt.Fprintf(r.out, "  %8s  %s%s\n", p.elapsed.Round(100*time.Millisecond), strings.TrimPrefix(p.pkg, module), status)
	}
	if n := min(slowest, len(r.tests)); n > 0 {
		fmt.Fprintf(r.out, "\nThe %d slowest tests:\n", n)
		for _, t := range r.tests[:n] {
			fmt.Fprintf(r.out, "  %8s  %s %s\n", t.elapsed.Round(100*time.Millisecond), strings.TrimPrefix(t.pkg, module), t.test)
		}
	}
	if len(r.failed) > 0 {
		fmt.Fprintf(r.out, "\n%d tests failed:\n", len(r.failed))
		for _, f := range r.failed {
			fmt.Fprintf(r.out, "  %s\n", strings.TrimPrefix(f, module))
		}
	}
}

// modulePrefix is the main module's path and a slash, left out of the
// tables' import paths; empty outside a module.
func modulePrefix() string {
	out, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out)) + "/"
}
