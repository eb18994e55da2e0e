package testenv

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Scrape GETs a Prometheus /metrics URL and returns its text.
func Scrape(t testing.TB, url string) string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %d, %v\n%s", url, resp.StatusCode, err, body)
	}
	return string(body)
}

// Samples are the lines of a scrape in Prometheus' text format.
type Samples string

// Find returns the value of the first series named name whose labels
// include every one of labels (others may be there too).
func (s Samples) Find(name string, labels map[string]string) (float64, bool) {
	for _, line := range strings.Split(string(s), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		series, value, ok := cutLast(line)
		if !ok {
			continue
		}
		metric, labelText, _ := strings.Cut(series, "{")
		if metric != name {
			continue
		}
		all := true
		for k, v := range labels {
			if !strings.Contains(labelText, k+`="`+v+`"`) {
				all = false
				break
			}
		}
		if !all {
			continue
		}
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		return f, true
	}
	return 0, false
}

// LabelValues lists the values label takes among the series named name.
func (s Samples) LabelValues(name, label string) []string {
	var out []string
	for _, line := range strings.Split(string(s), "\n") {
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		_, rest, ok := strings.Cut(line, label+`="`)
		if !ok {
			continue
		}
		if v, _, ok := strings.Cut(rest, `"`); ok {
			out = append(out, v)
		}
	}
	return out
}

// cutLast splits a sample line at its last space: the series, then the
// value (no timestamps are written by our registry).
func cutLast(line string) (series, value string, ok bool) {
	i := strings.LastIndexByte(line, ' ')
	if i < 0 {
		return "", "", false
	}
	return line[:i], line[i+1:], true
}
