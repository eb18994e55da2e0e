package api

// OpenStreams is how many streaming connections are open in this process
// now (for metrics).
func (h *Handler) OpenStreams() int {
	h.streams.mu.Lock()
	defer h.streams.mu.Unlock()
	return len(h.streams.conns)
}
