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

// searchPage are the strings of the search box (/search).
var searchPage = map[string]string{
	"search.title":        "Search",
	"search.title.q":      "Search: %s",
	"search.heading":      "Search",
	"search.label":        "Search people, groups, hashtags and posts",
	"search.hint.member":  "Posts: yours, your groups', those you liked, shared, kept or were named in, and the public posts of people who let themselves be found. Every word counts from its start.",
	"search.hint.visitor": "People, groups and hashtags. Log in to search posts too.",
	"search.submit":       "Search",
	"search.people":       "People and groups",
	"search.tags":         "Hashtags",
	"search.posts":        "Posts",
	"search.none":         "Nothing found.",
	"nav.search":          "Search",
}
