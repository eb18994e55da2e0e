package inbox

import "testing"

// Each worker holds a connection for its transaction and may borrow
// another while it prepares: a pool gives them at most an eighth of its
// connections, at least one worker, at most backlogWorkers.
func TestBacklogWorkersLeaveMostOfThePoolToOthers(t *testing.T) {
	for _, tt := range []struct {
		maxConns int32
		want     int
	}{
		{maxConns: 1, want: 1},
		{maxConns: 4, want: 1},
		{maxConns: 16, want: 2},
		{maxConns: 32, want: 4}, // models.Open's default
		{maxConns: 200, want: backlogWorkers},
	} {
		if got := workersFor(tt.maxConns); got != tt.want {
			t.Errorf("a pool of %d: %d workers, want %d", tt.maxConns, got, tt.want)
		}
	}
}
