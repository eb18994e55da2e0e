package i18n

// tagPages are the strings of hashtag pages (/tags/NAME).
var tagPages = map[string]string{
	"tag.title":     "#%s",
	"tag.lead":      "Public posts with #%s, here and from the servers Village knows. Posts in members-only groups never show here.",
	"tag.none":      "No public post has this hashtag yet.",
	"tag.follow":    "Follow #%s",
	"tag.unfollow":  "Unfollow #%s",
	"tag.following": "You follow #%s: its public posts come to your home page.",
}
