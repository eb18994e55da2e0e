package app

import (
	"context"
	"fmt"
	"net/url"

	"github.com/village-social/village/models"
	"github.com/village-social/village/web/i18n"
)

// featuredTagView is a hashtag a profile shows, with how many of the
// person's posts carry it.
type featuredTagView struct {
	Name  string
	URL   string
	Count string
}

// featuredTagViews are the hashtags a person's profile shows.
func (h *Handler) featuredTagViews(ctx context.Context, a *models.Actor) ([]featuredTagView, error) {
	tags, err := models.FeaturedTags(ctx, h.db, a.ID)
	if err != nil {
		return nil, fmt.Errorf("web: featured tags: %w", err)
	}
	out := make([]featuredTagView, 0, len(tags))
	for _, t := range tags {
		out = append(out, featuredTagView{Name: t.Name, URL: "/tags/" + url.PathEscape(t.Tag),
			Count: i18n.Format("profile.featured_tag_posts", t.StatusesCount)})
	}
	return out, nil
}
