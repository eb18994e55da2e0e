package requestid

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestSaneTakesShortPrintableIdsOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"Root=1-67891233-abcdef012345678912345678", true},
		{"", false},
		{strings.Repeat("a", maxLen), true},
		{strings.Repeat("a", maxLen+1), false},
		{"two words", false},
		{"line\nbreak", false},
		{`quote"`, false},
		{"café", false},
	}
	for _, tt := range tests {
		if got := Sane(tt.id); got != tt.want {
			t.Errorf("Sane(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestNewIdsAreSaneAndDiffer(t *testing.T) {
	t.Parallel()
	a, b := New(), New()
	if !Sane(a) || len(a) != 32 || a == b {
		t.Errorf("New: %q and %q", a, b)
	}
}

func TestHandlerWritesTheContextsIdOnEveryLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil))).With("part", "test")
	ctx := With(context.Background(), "abc-123")
	log.InfoContext(ctx, "with id")
	log.Info("without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: %q", lines)
	}
	for i, want := range []string{"abc-123", ""} {
		var line map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &line); err != nil {
			t.Fatal(err)
		}
		got, _ := line[LogKey].(string)
		if got != want || line["part"] != "test" {
			t.Errorf("line %d: %s, want %s %q", i, lines[i], LogKey, want)
		}
	}
	if From(With(context.Background(), "")) != "" {
		t.Error("an empty id was carried")
	}
}
