package api

import (
	"context"
	"strings"

	"github.com/village-social/village/federation/content"
	"github.com/village-social/village/models"
)

// filterStatuses drops statuses a hide filter matches and marks those a
// warn filter matches (a boost is judged by the post it shares).
func filterStatuses(set models.FilterSet, list []*apiStatus) []*apiStatus {
	if len(set) == 0 {
		return list
	}
	out := list[:0:0]
	for _, s := range list {
		target := s
		if s.Reblog != nil {
			target = s.Reblog
		}
		hide, warn := set.Judge(target.SpoilerText + "\n" + content.PlainText(target.Content))
		if hide {
			continue
		}
		if len(warn) > 0 {
			results := make([]apiFilterResult, 0, len(warn))
			for _, m := range warn {
				results = append(results, apiFilterResult{Filter: filterEntity(m.Filter, false), KeywordMatches: m.Keywords})
			}
			target.Filtered = results
			s.Filtered = results
		}
		out = append(out, s)
	}
	return out
}

// applyFilters filters API statuses for the viewer in a context.
func (h *Handler) applyFilters(ctx context.Context, viewerID int64, filterContext string, list []*apiStatus) ([]*apiStatus, error) {
	set, err := models.ActiveFilters(ctx, h.db, viewerID, filterContext, h.clock())
	if err != nil {
		return nil, err
	}
	return filterStatuses(set, list), nil
}

// filterContextOfPath is the filter context of a client API timeline.
func filterContextOfPath(path string) string {
	switch {
	case strings.HasSuffix(path, "/timelines/home"):
		return models.FilterHome
	case strings.HasSuffix(path, "/timelines/public"), strings.Contains(path, "/timelines/tag/"):
		return models.FilterPublic
	case strings.HasPrefix(path, "/api/v1/accounts/"):
		return models.FilterAccount
	}
	return ""
}
