package main

import (
	"strings"
	"testing"
)

// events is what `go test -json` prints for a package with a passing, a
// failing and a skipped test run in parallel, a package without tests, and
// a package whose test binary crashed in the middle of a test, and one that
// passed.
const events = `{"Action":"start","Package":"m/a"}
{"Action":"run","Package":"m/a","Test":"TestSlow"}
{"Action":"output","Package":"m/a","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}
{"Action":"output","Package":"m/a","Test":"TestSlow","Output":"=== PAUSE TestSlow\n"}
{"Action":"run","Package":"m/a","Test":"TestBroken"}
{"Action":"output","Package":"m/a","Test":"TestBroken","Output":"=== RUN   TestBroken\n"}
{"Action":"output","Package":"m/a","Test":"TestSlow","Output":"=== CONT  TestSlow\n"}
{"Action":"output","Package":"m/a","Test":"TestSlow","Output":"    a_test.go:9: only shown on failure\n"}
{"Action":"output","Package":"m/a","Test":"TestBroken/case","Output":"    a_test.go:20: want 1, got 2\n"}
{"Action":"output","Package":"m/a","Test":"TestBroken/case","Output":"    --- FAIL: TestBroken/case (0.50s)\n"}
{"Action":"fail","Package":"m/a","Test":"TestBroken/case","Elapsed":0.5}
{"Action":"output","Package":"m/a","Test":"TestBroken","Output":"--- FAIL: TestBroken (0.70s)\n"}
{"Action":"fail","Package":"m/a","Test":"TestBroken","Elapsed":0.7}
{"Action":"output","Package":"m/a","Test":"TestSlow","Output":"--- PASS: TestSlow (12.00s)\n"}
{"Action":"pass","Package":"m/a","Test":"TestSlow","Elapsed":12}
{"Action":"output","Package":"m/a","Test":"TestSkipped","Output":"--- SKIP: TestSkipped (0.00s)\n"}
{"Action":"skip","Package":"m/a","Test":"TestSkipped","Elapsed":0}
{"Action":"output","Package":"m/a","Output":"FAIL\n"}
{"Action":"output","Package":"m/a","Output":"FAIL\tm/a\t12.300s\n"}
{"Action":"fail","Package":"m/a","Elapsed":12.3}
{"Action":"output","Package":"m/b","Output":"?   \tm/b\t[no test files]\n"}
{"Action":"skip","Package":"m/b","Elapsed":0}
{"Action":"run","Package":"m/c","Test":"TestFast"}
{"Action":"output","Package":"m/c","Test":"TestFast","Output":"--- PASS: TestFast (0.10s)\n"}
{"Action":"pass","Package":"m/c","Test":"TestFast","Elapsed":0.1}
{"Action":"run","Package":"m/c","Test":"TestCrash"}
{"Action":"output","Package":"m/c","Test":"TestCrash","Output":"panic: boom\n"}
{"Action":"output","Package":"m/c","Output":"PASS\n"}
{"Action":"output","Package":"m/c","Output":"FAIL\tm/c\t40.000s\n"}
{"Action":"fail","Package":"m/c","Elapsed":40}
{"Action":"output","Package":"m/d","Output":"ok  \tm/d\t1.000s\n"}
{"Action":"pass","Package":"m/d","Elapsed":1}
`

func TestReportShowsFailuresWholeAndTheSlowestLast(t *testing.T) {
	var out strings.Builder
	r := newReport(&out)
	if err := r.read(strings.NewReader(events)); err != nil {
		t.Fatal(err)
	}
	r.summary(2)
	got := out.String()
	for _, want := range []string{
		"    a_test.go:20: want 1, got 2\n    --- FAIL: TestBroken/case (0.50s)\n--- FAIL: TestBroken (0.70s)\n",
		"FAIL\tm/a\t12.300s\n",
		"?   \tm/b\t[no test files]\n",
		"panic: boom\n",
		"Packages by elapsed time:\n       40s  m/c  FAIL\n     12.3s  m/a  FAIL\n        1s  m/d\n",
		"The 2 slowest tests:\n       12s  m/a TestSlow\n     700ms  m/a TestBroken\n",
		"2 tests failed:\n  m/a TestBroken/case\n  m/a TestBroken\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the report lacks\n%s\nit is:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"only shown on failure", "=== ", "PASS\n", "SKIP"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("the report shows %q:\n%s", unwanted, got)
		}
	}
	if len(r.failed) != 2 {
		t.Errorf("failed = %v, want the two failures", r.failed)
	}
}
