package web

import (
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"

	"github.com/village-social/village/web/activitypub"
	"github.com/village-social/village/web/api"
	"github.com/village-social/village/web/app"
	"github.com/village-social/village/web/feeds"
	"github.com/village-social/village/web/media"
)

// routes lists every route Village serves, one face after another.
func routes(e *echo.Echo, f faces, p probes) {
	e.GET("/healthz", p.alive) // the process answers
	e.GET("/readyz", p.ready)  // and can serve: database up, schema current
	mediaRoutes(e, f.media)
	activityPubRoutes(e, f.activityPub)
	apiRoutes(e, f.api)
	appRoutes(e, f.app)
	feedRoutes(e, f.feeds)
}

// mediaRoutes: stored pictures (web/media), for browsers, apps and other
// servers alike: photos (an address is the permission to fetch one),
// avatars and headers.
func mediaRoutes(e *echo.Echo, l *media.Library) {
	if l == nil {
		return // no media folder: uploads are off
	}
	e.GET(federation.MediaPath+":folder/:file", l.ServeFile)
}

// activityPubRoutes: what other servers fetch and post (web/activitypub).
// Browsers get pages at the same URLs, through the HTML app.
func activityPubRoutes(e *echo.Echo, h *activitypub.Handler) {
	// Discovery and actor documents
	e.GET("/.well-known/webfinger", h.WebFinger)
	e.GET("/.well-known/host-meta", h.HostMeta)
	e.GET("/.well-known/nodeinfo", h.NodeInfoLinks)
	e.GET("/nodeinfo/2.0", h.NodeInfo20)
	e.GET("/nodeinfo/2.1", h.NodeInfo21)
	// Documents: with authorized fetch on, only for signed GETs (JSON ones
	// where a page is served too); the instance actor stays open, since
	// servers fetch its key to verify our own signed fetches.
	signed, signedJSON := h.RequireSignedFetch, h.RequireSignedFetchOfJSON
	e.GET("/users/:name", h.ActorDocument(activitypub.PersonActor), signedJSON)
	e.GET("/users/:name/outbox", h.OutboxCollection(activitypub.PersonActor), signed)
	e.GET("/users/:name/followers", h.FollowersCollection(activitypub.PersonActor), signed)
	e.GET("/users/:name/following", h.FollowingCollection(activitypub.PersonActor), signed)
	e.GET("/groups/:name", h.ActorDocument(activitypub.GroupActor), signedJSON)
	e.GET("/groups/:name/outbox", h.OutboxCollection(activitypub.GroupActor), signed)
	e.GET("/groups/:name/followers", h.FollowersCollection(activitypub.GroupActor), signed)
	e.GET("/groups/:name/following", h.FollowingCollection(activitypub.GroupActor), signed)
	e.GET("/groups/:name/moderators", h.ModeratorsCollection, signed)
	e.GET("/users/:name/featured", h.FeaturedCollection(activitypub.PersonActor), signed)
	e.GET("/users/:name/tags", h.FeaturedTagsCollection, signed)
	e.GET("/groups/:name/featured", h.FeaturedCollection(activitypub.GroupActor), signed)
	e.GET("/actor", h.ActorDocument(activitypub.InstanceActor))
	e.GET("/actor/outbox", h.OutboxCollection(activitypub.InstanceActor), signed)
	e.GET("/actor/followers", h.FollowersCollection(activitypub.InstanceActor), signed)
	e.GET("/actor/following", h.FollowingCollection(activitypub.InstanceActor), signed)
	e.GET("/actors/reports", h.ActorDocument(activitypub.ReportsActor), signedJSON)
	e.GET("/actors/reports/outbox", h.OutboxCollection(activitypub.ReportsActor), signed) // always empty: its Flags are not public
	e.GET("/activities/:id", h.ActivityDocument, signed)
	e.GET("/users/:name/statuses/:id", h.NoteDocument, signedJSON)
	e.GET("/groups/:name/statuses/:id", h.NoteDocument, signedJSON)
	e.GET("/users/:name/statuses/:id/rsvp", h.RSVPQuestion, signedJSON) // a meetup's RSVP poll
	e.GET("/help/:id", h.HelpCalendar, signedJSON)                      // a help calendar, to its members' servers
	e.GET(federation.HelpContextPath, h.HelpContext)                    // Village's JSON-LD vocabulary
	e.GET("/help/:id/signup", h.HelpSignup, signedJSON)                 // a help calendar's sign-up poll

	// Inboxes: the shared one and each local actor's
	e.POST("/inbox", h.PostInbox)
	e.POST("/users/:name/inbox", h.PostInbox)
	e.POST("/groups/:name/inbox", h.PostInbox)
	e.POST("/actor/inbox", h.PostInbox)
	e.POST("/actors/reports/inbox", h.PostReportsInbox)
}

// apiRoutes: the Mastodon-compatible client API (web/api) and its OAuth 2
// endpoints. A bearer token is read when sent (a dead one is refused
// everywhere); each route says what it needs, as Mastodon's do: Needs a
// member's token with one of the scopes, IfToken anyone (a token sent must
// hold the scope), NeedsAnyToken an app's or a member's token, or nothing.
func apiRoutes(e *echo.Echo, h *api.Handler) {
	// OAuth 2 (the consent page is the HTML app's, /oauth/authorize)
	e.POST("/oauth/token", h.IssueToken)
	e.POST("/oauth/revoke", h.RevokeToken)
	e.GET("/.well-known/oauth-authorization-server", h.AuthorizationServerMetadata)

	g := e.Group("/api", h.Authenticate)
	// What apps read before anything else
	g.POST("/v1/apps", h.RegisterApp)
	g.GET("/v1/apps/verify_credentials", h.VerifyAppCredentials, api.NeedsAnyToken)
	g.GET("/v1/instance", h.InstanceV1)
	g.GET("/v2/instance", h.InstanceV2)
	g.GET("/v1/instance/rules", h.InstanceRules)
	g.GET("/v1/custom_emojis", h.CustomEmojis)
	g.GET("/v1/preferences", h.Preferences, api.Needs("read:accounts"))
	g.GET("/v1/announcements", h.Announcements, api.Needs("read"))
	g.POST("/v1/announcements/:id/dismiss", h.DismissAnnouncement, api.Needs("write:accounts"))

	// Accounts, statuses, timelines, notifications
	g.GET("/v1/accounts/verify_credentials", h.VerifyCredentials, api.Needs("read:accounts", "profile"))
	g.PATCH("/v1/accounts/update_credentials", h.UpdateCredentials, api.Needs("write:accounts")) // body limit: bodyLimits
	g.GET("/v1/accounts/lookup", h.LookupAccount, api.IfToken("read:accounts"))
	g.GET("/v1/accounts/relationships", h.Relationships, api.Needs("read:follows"))
	g.GET("/v1/accounts/:id", h.GetAccount, api.IfToken("read:accounts"))
	g.POST("/v1/accounts/:id/follow", h.Follow, api.Needs("write:follows"))
	g.POST("/v1/accounts/:id/unfollow", h.Unfollow, api.Needs("write:follows"))
	g.GET("/v1/accounts/:id/followers", h.Followers, api.Needs("read:accounts"))
	g.GET("/v1/accounts/:id/following", h.Following, api.Needs("read:accounts"))
	g.GET("/v2/search", h.Search, api.Needs("read:search"))
	g.GET("/v1/follow_requests", h.FollowRequests, api.Needs("read:follows"))
	g.POST("/v1/follow_requests/:id/authorize", h.AuthorizeFollowRequest, api.Needs("write:follows"))
	g.POST("/v1/follow_requests/:id/reject", h.RejectFollowRequest, api.Needs("write:follows"))
	g.POST("/v1/statuses", h.CreateStatus, api.Needs("write:statuses"))
	g.GET("/v1/statuses/:id", h.GetStatus, api.IfToken("read:statuses"))
	g.GET("/v1/polls/:id", h.GetPoll, api.IfToken("read:statuses"))
	g.POST("/v1/polls/:id/votes", h.Vote, api.Needs("write:statuses"))
	g.PUT("/v1/statuses/:id", h.EditStatus, api.Needs("write:statuses"))
	g.DELETE("/v1/statuses/:id", h.DeleteStatus, api.Needs("write:statuses"))
	g.GET("/v1/statuses/:id/context", h.StatusContext, api.IfToken("read:statuses"))
	g.POST("/v1/statuses/:id/favourite", h.Favourite, api.Needs("write:favourites"))
	g.POST("/v1/statuses/:id/unfavourite", h.Unfavourite, api.Needs("write:favourites"))
	g.POST("/v1/statuses/:id/reblog", h.Reblog, api.Needs("write:statuses"))
	g.POST("/v1/statuses/:id/unreblog", h.Unreblog, api.Needs("write:statuses"))
	g.GET("/v1/timelines/home", h.HomeTimeline, api.Needs("read:statuses"))
	g.GET("/v1/timelines/public", h.PublicTimeline, api.IfToken("read:statuses"))
	g.GET("/v1/timelines/tag/:hashtag", h.TagTimeline, api.IfToken("read:statuses"))
	g.GET("/v1/timelines/list/:id", h.ListTimeline, api.Needs("read:lists"))
	g.GET("/v1/trends", h.TrendingTags, api.IfToken("read"))
	g.GET("/v1/trends/tags", h.TrendingTags, api.IfToken("read"))
	g.GET("/v1/trends/statuses", h.TrendingStatuses, api.IfToken("read"))
	g.GET("/v1/suggestions", h.Suggestions(false), api.Needs("read"))
	g.GET("/v2/suggestions", h.Suggestions(true), api.Needs("read"))
	g.GET("/v1/lists", h.Lists, api.Needs("read:lists"))
	g.POST("/v1/lists", h.CreateList, api.Needs("write:lists"))
	g.GET("/v1/lists/:id", h.GetList, api.Needs("read:lists"))
	g.PUT("/v1/lists/:id", h.UpdateList, api.Needs("write:lists"))
	g.DELETE("/v1/lists/:id", h.DeleteList, api.Needs("write:lists"))
	g.GET("/v1/lists/:id/accounts", h.ListAccounts, api.Needs("read:lists"))
	g.POST("/v1/lists/:id/accounts", h.ChangeListAccounts(true), api.Needs("write:lists"))
	g.DELETE("/v1/lists/:id/accounts", h.ChangeListAccounts(false), api.Needs("write:lists"))
	g.GET("/v1/accounts/:id/lists", h.AccountLists, api.Needs("read:lists"))
	g.GET("/v1/tags/:name", h.GetTag, api.IfToken("read:follows"))
	g.POST("/v1/tags/:name/follow", h.FollowTag(true), api.Needs("write:follows"))
	g.POST("/v1/tags/:name/unfollow", h.FollowTag(false), api.Needs("write:follows"))
	g.GET("/v1/followed_tags", h.FollowedTags, api.Needs("read:follows"))
	g.POST("/v1/tags/:name/feature", h.FeatureTagByName(true), api.Needs("write:accounts"))
	g.POST("/v1/tags/:name/unfeature", h.FeatureTagByName(false), api.Needs("write:accounts"))
	g.GET("/v1/featured_tags", h.FeaturedTags, api.Needs("read:accounts"))
	g.POST("/v1/featured_tags", h.FeatureTag, api.Needs("write:accounts"))
	g.DELETE("/v1/featured_tags/:id", h.UnfeatureTag, api.Needs("write:accounts"))
	g.GET("/v1/featured_tags/suggestions", h.FeaturedTagSuggestions, api.Needs("read:accounts"))
	g.GET("/v1/accounts/:id/featured_tags", h.AccountFeaturedTags, api.IfToken("read:accounts"))
	g.GET("/v1/accounts/:id/statuses", h.AccountStatuses, api.IfToken("read:statuses"))
	// Streaming: a WebSocket, and an event stream per stream. They check
	// their tokens themselves (also from access_token or, for a
	// WebSocket, Sec-WebSocket-Protocol) and answer as Mastodon's
	// streaming server does.
	g.GET("/v1/streaming", h.StreamingSocket)
	g.GET("/v1/streaming/health", h.StreamingHealth)
	g.GET("/v1/streaming/*", h.StreamingEvents)
	g.GET("/v1/notifications", h.Notifications, api.Needs("read:notifications"))
	g.GET("/v1/notifications/unread_count", h.UnreadNotifications, api.Needs("read:notifications"))
	g.GET("/v1/notifications/requests", h.NotificationRequests, api.Needs("read:notifications"))
	g.GET("/v1/notifications/requests/merged", h.NotificationRequestsMerged, api.Needs("read:notifications"))
	g.POST("/v1/notifications/requests/accept", h.AcceptNotificationRequests, api.Needs("write:notifications"))
	g.POST("/v1/notifications/requests/dismiss", h.DismissNotificationRequests, api.Needs("write:notifications"))
	g.GET("/v1/notifications/requests/:id", h.NotificationRequest, api.Needs("read:notifications"))
	g.POST("/v1/notifications/requests/:id/accept", h.AcceptNotificationRequest, api.Needs("write:notifications"))
	g.POST("/v1/notifications/requests/:id/dismiss", h.DismissNotificationRequest, api.Needs("write:notifications"))
	g.GET("/v2/notifications", h.GroupedNotifications, api.Needs("read:notifications"))
	g.GET("/v2/notifications/unread_count", h.UnreadNotificationGroups, api.Needs("read:notifications"))
	g.GET("/v2/notifications/policy", h.NotificationPolicy, api.Needs("read:notifications"))
	g.PATCH("/v2/notifications/policy", h.UpdateNotificationPolicy, api.Needs("write:notifications"))
	g.GET("/v2/notifications/:group_key", h.NotificationGroup, api.Needs("read:notifications"))
	g.GET("/v2/notifications/:group_key/accounts", h.NotificationGroupAccounts, api.Needs("read:notifications"))
	g.POST("/v2/notifications/:group_key/dismiss", h.DismissNotificationGroup, api.Needs("write:notifications"))
	g.GET("/v1/notifications/:id", h.GetNotification, api.Needs("read:notifications"))
	g.POST("/v1/notifications/clear", h.ClearNotifications, api.Needs("write:notifications"))
	g.POST("/v1/notifications/:id/dismiss", h.DismissNotification, api.Needs("write:notifications"))
	// Web Push (web/api/push.go; sending: web/push)
	g.POST("/v1/push/subscription", h.CreatePushSubscription, api.Needs("push"))
	g.GET("/v1/push/subscription", h.PushSubscription, api.Needs("push"))
	g.PUT("/v1/push/subscription", h.UpdatePushSubscription, api.Needs("push"))
	g.DELETE("/v1/push/subscription", h.DeletePushSubscription, api.Needs("push"))
	g.POST("/v1/accounts/:id/block", h.Block, api.Needs("write:blocks"))
	g.POST("/v1/accounts/:id/unblock", h.Unblock, api.Needs("write:blocks"))
	g.POST("/v1/accounts/:id/mute", h.Mute, api.Needs("write:mutes"))
	g.POST("/v1/accounts/:id/unmute", h.Unmute, api.Needs("write:mutes"))
	g.GET("/v1/blocks", h.Blocks, api.Needs("read:blocks"))
	g.GET("/v1/mutes", h.Mutes, api.Needs("read:mutes"))

	// Photos (body limit: bodyLimits); Mastodon asks write:media to read one's uploads too
	g.POST("/v1/media", h.UploadMedia, api.Needs("write:media"))
	g.POST("/v2/media", h.UploadMedia, api.Needs("write:media"))
	g.GET("/v1/media/:id", h.GetMedia, api.Needs("write:media"))
	g.PUT("/v1/media/:id", h.UpdateMedia, api.Needs("write:media"))

	// Everyday statuses: bookmarks, sources and edits, who reacted, pins,
	// muted threads, reading positions
	g.POST("/v1/statuses/:id/bookmark", h.Bookmark, api.Needs("write:bookmarks"))
	g.POST("/v1/statuses/:id/unbookmark", h.Unbookmark, api.Needs("write:bookmarks"))
	g.GET("/v1/bookmarks", h.Bookmarks, api.Needs("read:bookmarks"))
	g.GET("/v1/statuses/:id/source", h.StatusSource, api.Needs("read:statuses"))
	g.GET("/v1/statuses/:id/history", h.StatusHistory, api.Needs("read:statuses"))
	g.GET("/v1/statuses/:id/favourited_by", h.FavouritedBy, api.Needs("read:accounts"))
	g.GET("/v1/statuses/:id/reblogged_by", h.RebloggedBy, api.Needs("read:accounts"))
	g.POST("/v1/statuses/:id/pin", h.Pin, api.Needs("write:accounts"))
	g.POST("/v1/statuses/:id/unpin", h.Unpin, api.Needs("write:accounts"))
	g.POST("/v1/statuses/:id/mute", h.MuteConversation, api.Needs("write:mutes"))
	g.POST("/v1/statuses/:id/unmute", h.UnmuteConversation, api.Needs("write:mutes"))
	g.GET("/v1/markers", h.Markers, api.Needs("read:statuses"))
	g.POST("/v1/markers", h.SaveMarkers, api.Needs("write:statuses"))

	// Private conversations (direct posts)
	g.GET("/v1/conversations", h.Conversations, api.Needs("read:statuses"))
	g.POST("/v1/conversations/:id/read", h.ReadConversation, api.Needs("write:conversations"))
	g.DELETE("/v1/conversations/:id", h.RemoveConversation, api.Needs("write:conversations"))

	// Safety: reports
	g.POST("/v1/reports", h.CreateReport, api.Needs("write:reports"))

	// Safety: speaking safely (content warnings, filters, anonymous posts)
	g.GET("/v2/filters", h.ListFilters, api.Needs("read:filters"))
	g.POST("/v2/filters", h.CreateFilter, api.Needs("write:filters"))
	g.GET("/v2/filters/:id", h.GetFilter, api.Needs("read:filters"))
	g.PUT("/v2/filters/:id", h.UpdateFilter, api.Needs("write:filters"))
	g.DELETE("/v2/filters/:id", h.DeleteFilter, api.Needs("write:filters"))
	g.GET("/v2/filters/:id/keywords", h.FilterKeywords, api.Needs("read:filters"))
	g.POST("/v2/filters/:id/keywords", h.AddFilterKeyword, api.Needs("write:filters"))
	g.GET("/v2/filter_keywords/:id", h.GetFilterKeyword, api.Needs("read:filters"))
	g.PUT("/v2/filter_keywords/:id", h.UpdateFilterKeyword, api.Needs("write:filters"))
	g.DELETE("/v2/filter_keywords/:id", h.DeleteFilterKeyword, api.Needs("write:filters"))

	// Meetups (Village's own: Mastodon has no events API)
	g.GET("/v1/village/groups/:name/events", h.GroupEvents, api.Needs("read:statuses"))
	g.POST("/v1/village/groups/:name/events", h.CreateEvent, api.Needs("write:statuses"))
	g.GET("/v1/village/events/:id", h.GetEvent, api.Needs("read:statuses"))
	g.PUT("/v1/village/events/:id", h.EditEvent, api.Needs("write:statuses"))
	g.DELETE("/v1/village/events/:id", h.DeleteEvent, api.Needs("write:statuses"))
	g.POST("/v1/village/events/:id/cancel", h.CancelEvent, api.Needs("write:statuses"))
	g.POST("/v1/village/events/:id/rsvp", h.AnswerEvent, api.Needs("write:statuses"))
	g.DELETE("/v1/village/events/:id/rsvp", h.WithdrawRSVP, api.Needs("write:statuses"))
	g.GET("/v1/village/events/:id/attendees", h.EventAttendees, api.Needs("read:statuses"))
	g.POST("/v1/village/events/:id/attendees/:account_id/approve", h.DecideAttendee(true), api.Needs("write:statuses"))
	g.POST("/v1/village/events/:id/attendees/:account_id/refuse", h.DecideAttendee(false), api.Needs("write:statuses"))

	// Help calendars (Village's own; the group's members only)
	g.GET("/v1/village/help", h.MemberHelpCalendars, api.Needs("read:statuses"))
	g.GET("/v1/village/groups/:name/help", h.GroupHelpCalendars, api.Needs("read:statuses"))
	g.POST("/v1/village/groups/:name/help", h.CreateHelpCalendar, api.Needs("write:statuses"))
	g.GET("/v1/village/help/:id", h.GetHelpCalendar, api.Needs("read:statuses"))
	g.POST("/v1/village/help/:id/slots", h.AddHelpSlots(), api.Needs("write:statuses"))
	g.POST("/v1/village/help/:id/slots/:slot/claim", h.ClaimHelpSlot(), api.Needs("write:statuses"))
	g.POST("/v1/village/help/:id/slots/:slot/fill", h.FillHelpSlot(), api.Needs("write:statuses"))
	g.POST("/v1/village/help/:id/slots/:slot/clear", h.ClearHelpSlot(), api.Needs("write:statuses"))
	g.PUT("/v1/village/help/:id/claims/:claim", h.ChangeHelpClaim(), api.Needs("write:statuses"))
	g.DELETE("/v1/village/help/:id/claims/:claim", h.GiveBackHelpClaim(), api.Needs("write:statuses"))
	g.POST("/v1/village/help/:id/status", h.SetHelpStatus(), api.Needs("write:statuses"))
	g.POST("/v1/village/help/:id/extend", h.ExtendHelpCalendar(), api.Needs("write:statuses"))
	g.POST("/v1/village/help/:id/updates", h.PostHelpUpdate(), api.Needs("write:statuses"))
}

// appRoutes: the HTML app (web/app), for browsers.
func appRoutes(e *echo.Echo, h *app.Handler) {
	// Public pages, and assets
	e.GET("/static/*", app.StaticFiles())
	e.GET("/favicon.ico", h.Favicon)
	e.GET("/sw.js", app.ServiceWorker())
	e.GET("/robots.txt", h.Robots)
	e.GET("/manifest.webmanifest", h.Manifest)
	e.GET("/@:name", h.ProfileRedirect)
	e.GET("/", h.HomePage)
	e.GET("/groups", h.DirectoryPage)
	e.GET("/tags/:name", h.TagPage)
	e.GET("/search", h.SearchPage)
	e.POST("/tags/:name/follow", h.FollowTagForm(true))
	e.POST("/tags/:name/unfollow", h.FollowTagForm(false))
	e.GET("/events", h.EventsPage)
	e.GET("/events/:id", h.EventPage)
	e.POST("/events/:id/rsvp", h.AnswerEventForm)
	e.POST("/events/:id/attendees/:actor/approve", h.DecideAttendeeForm(true))
	e.POST("/events/:id/attendees/:actor/refuse", h.DecideAttendeeForm(false))
	e.GET("/join", h.JoinPage)
	e.POST("/join", h.JoinPage)

	// Accounts
	e.GET("/login", h.LoginPage)
	e.POST("/login", h.Login)
	e.POST("/logout", h.Logout)
	e.GET("/signup", h.SignupPage)
	e.POST("/signup", h.Signup)
	e.GET("/settings", h.SettingsPage)
	e.POST("/settings/profile", h.SaveProfile)
	e.POST("/settings/password", h.ChangePassword)
	e.POST("/settings/avatar", h.SaveProfilePicture(media.Avatar)) // body limit: bodyLimits
	e.POST("/settings/header", h.SaveProfilePicture(media.Header)) // body limit: bodyLimits
	e.GET("/settings/apps", h.AppsPage)
	e.POST("/settings/apps/:id/revoke", h.RevokeApp)
	e.GET("/settings/calendar", h.CalendarSettingsPage)
	e.POST("/settings/calendar/reset", h.ResetCalendar)
	e.GET("/settings/push", h.BrowserPushState) // Web Push opt-in of this browser (web/app/settings_push.go)
	e.POST("/settings/push", h.SubscribeBrowser)
	e.POST("/settings/push/delete", h.UnsubscribeBrowser)

	// OAuth 2: the consent page of Mastodon apps (the token endpoint is the API's)
	e.GET("/oauth/authorize", h.AuthorizePage)
	e.GET("/oauth/authorize/", h.AuthorizePage)
	e.POST("/oauth/authorize", h.Authorize)
	e.POST("/oauth/authorize/", h.Authorize)

	// Members
	e.GET("/home", h.MemberHome)
	e.POST("/follow", h.FollowByHandle)
	e.POST("/posts", h.CreatePost) // with photos; body limit: bodyLimits
	e.GET("/photos/:id", h.PhotoFile(false))
	e.GET("/photos/:id/preview", h.PhotoFile(true))
	e.GET("/posts/:id", h.MemberThread)
	e.GET("/posts/:id/edit", h.EditPostPage)
	e.POST("/posts/:id/edit", h.EditPost)
	e.GET("/posts/:id/delete", h.DeletePostPage)
	e.POST("/posts/:id/delete", h.DeletePost)
	e.POST("/posts/:id/like", h.LikePost)
	e.POST("/posts/:id/vote", h.VotePost)
	e.POST("/posts/:id/unlike", h.UnlikePost)
	e.POST("/posts/:id/bookmark", h.BookmarkPost)
	e.POST("/posts/:id/unbookmark", h.UnbookmarkPost)
	e.GET("/bookmarks", h.BookmarksPage)
	e.GET("/messages", h.MessagesPage)
	e.GET("/messages/new", h.NewMessagePage)
	e.GET("/messages/:id", h.ConversationPage)
	e.GET("/groups/:name/events/new", h.PlanMeetupPage)
	e.POST("/groups/:name/events/new", h.PlanMeetup) // with a picture; body limit: bodyLimits
	e.GET("/events/:id/edit", h.EditMeetupPage)
	e.POST("/events/:id/edit", h.EditMeetup) // with a picture; body limit: bodyLimits
	e.GET("/events/:id/cancel", h.CancelMeetupPage)
	e.POST("/events/:id/cancel", h.CancelMeetup)
	e.GET("/events/:id/delete", h.DeleteMeetupPage)
	e.POST("/events/:id/delete", h.DeleteMeetup)
	// Help calendars (help_*.go): the group's members only
	e.GET("/help", h.MyHelpCalendarsPage)
	e.GET("/groups/:name/help", h.HelpCalendarsPage)
	e.GET("/groups/:name/help/new", h.OpenHelpCalendarPage)
	e.POST("/groups/:name/help/new", h.OpenHelpCalendar)
	// GET /help/:id is activityPubRoutes': the page for browsers, the document for members' servers
	e.POST("/help/:id/slots", h.AddHelpSlotsForm)
	e.POST("/help/:id/slots/:slot/claim", h.ClaimHelpSlotForm)
	e.POST("/help/:id/slots/:slot/fill", h.FillHelpSlotForm)
	e.POST("/help/:id/slots/:slot/clear", h.ClearHelpSlotForm)
	e.POST("/help/:id/claims/:claim", h.ChangeHelpClaimForm)
	e.POST("/help/:id/claims/:claim/give_back", h.GiveBackHelpClaimForm)
	e.POST("/help/:id/status", h.HelpStatusForm)
	e.POST("/help/:id/extend", h.ExtendHelpForm)
	e.POST("/help/:id/updates", h.PostHelpUpdateForm)
	e.GET("/groups/:name/join", h.MembershipPage)
	e.POST("/groups/:name/join", h.JoinGroup)
	e.POST("/groups/:name/leave", h.LeaveGroup)
	e.GET("/notifications", h.NotificationsPage)
	e.GET("/follow_requests", h.FollowRequestsPage)
	e.POST("/follow_requests/:id/approve", h.ApproveFollowRequestForm)
	e.POST("/follow_requests/:id/reject", h.RejectFollowRequestForm)

	// Moderators
	e.GET("/groups/:name/manage", h.ManagePage)
	e.POST("/groups/:name/requests/:id/approve", h.ApproveJoinRequest)
	e.POST("/groups/:name/requests/:id/reject", h.RejectJoinRequest)
	e.POST("/groups/:name/pins", h.PinPost)
	e.POST("/groups/:name/unpin", h.UnpinPost)
	e.GET("/groups/:name/settings", h.GroupSettingsPage)
	e.POST("/groups/:name/settings", h.SaveGroupSettings)

	// Admins
	e.GET("/admin", h.AdminPage)
	e.POST("/admin/settings", h.SaveInstanceSettings)
	e.POST("/admin/users/:name/approve", h.ApproveSignup)
	e.POST("/admin/invites", h.CreateInvite)
	e.POST("/admin/invites/:code/revoke", h.RevokeInvite)
	e.POST("/admin/settings/public", h.SavePublicSettings)
	e.POST("/admin/announcements", h.CreateAnnouncement)
	e.POST("/admin/announcements/:id/publish", h.PublishAnnouncement(true))
	e.POST("/admin/announcements/:id/unpublish", h.PublishAnnouncement(false))
	e.POST("/admin/announcements/:id/delete", h.DeleteAnnouncement)

	// Safety: group moderation (remove, ban, lock, pins, audit log)
	e.POST("/groups/:name/remove", h.RemoveGroupPost)
	e.POST("/groups/:name/restore", h.RestoreGroupPost)
	e.POST("/groups/:name/lock", h.LockThread(true))
	e.POST("/groups/:name/unlock", h.LockThread(false))
	e.POST("/groups/:name/bans", h.BanMember)
	e.POST("/groups/:name/unban", h.UnbanMember)
	e.POST("/groups/:name/moderators", h.AddModerator)
	e.POST("/groups/:name/moderators/remove", h.RemoveModerator)
	e.GET("/groups/:name/log", h.GroupLogPage)

	// Safety: moderating groups on other servers (remote_moderation.go)
	e.GET("/moderate", h.RemoteModerationList)
	e.GET("/moderate/:id", h.RemoteModerationPage)
	e.POST("/moderate/:id/remove", h.RemoveRemoteGroupPost)
	e.POST("/moderate/:id/lock", h.LockRemoteThread(true))
	e.POST("/moderate/:id/unlock", h.LockRemoteThread(false))
	e.POST("/moderate/:id/bans", h.BanRemoteMember)
	e.POST("/moderate/:id/unban", h.UnbanRemoteMember)
	e.POST("/moderate/:id/requests/:rid/approve", h.AnswerRemoteJoin(true))
	e.POST("/moderate/:id/requests/:rid/reject", h.AnswerRemoteJoin(false))
	e.POST("/moderate/:id/reports/:rid/resolve", h.DecideRemoteReport(true))
	e.POST("/moderate/:id/reports/:rid/dismiss", h.DecideRemoteReport(false))

	// Safety: instance moderation (suspensions, domain blocks, blocks and mutes)
	e.GET("/admin/moderation", h.InstanceModerationPage)
	e.POST("/admin/users/:name/suspend", h.SuspendUser)
	e.POST("/admin/users/:name/unsuspend", h.UnsuspendUser)
	e.POST("/admin/domain_blocks", h.BlockDomain)
	e.POST("/admin/domain_blocks/:domain/delete", h.UnblockDomain)
	e.POST("/admin/remote_suspensions", h.SuspendRemoteAccount)
	e.POST("/admin/remote_suspensions/:id/delete", h.UnsuspendRemoteAccount)
	e.POST("/accounts/:id/block", h.BlockFromPage)
	e.POST("/accounts/:id/unblock", h.UnblockFromPage)
	e.POST("/accounts/:id/mute", h.MuteFromPage)
	e.POST("/accounts/:id/unmute", h.UnmuteFromPage)

	// Safety: reports
	e.GET("/report", h.ReportPage)
	e.POST("/report", h.SendReport)
	e.GET("/report/sent", h.ReportSentPage)
	e.GET("/groups/:name/reports", h.ReportsPage)
	e.POST("/groups/:name/reports/:id/resolve", h.ResolveReport)
	e.POST("/groups/:name/reports/:id/dismiss", h.DismissReport)
	e.GET("/admin/reports", h.ReportsPage)
	e.POST("/admin/reports/:id/resolve", h.ResolveReport)
	e.POST("/admin/reports/:id/dismiss", h.DismissReport)

	// Safety: speaking safely (content warnings, filters, anonymous posts)
	e.GET("/groups/:name/settings/speaking", h.SpeakingSettingsPage)
	e.POST("/groups/:name/settings/speaking", h.SaveSpeakingSettings)
	e.GET("/settings/filters", h.FiltersPage)
	e.POST("/settings/filters", h.AddFilterForm)
	e.POST("/settings/filters/:id/delete", h.DeleteFilterForm)
}

// feedRoutes: RSS, Atom and iCalendar (web/feeds).
func feedRoutes(e *echo.Echo, h *feeds.Handler) {
	e.GET("/groups/:name/feed.rss", h.GroupFeed(feeds.RSS))
	e.GET("/groups/:name/feed.atom", h.GroupFeed(feeds.Atom))
	e.GET("/users/:name/feed.rss", h.UserFeed(feeds.RSS))
	e.GET("/users/:name/feed.atom", h.UserFeed(feeds.Atom))
	// iCalendar: a group's meetups, one meetup, a member's at her secret URL
	e.GET("/groups/:name/events.ics", h.GroupCalendar)
	e.GET("/events/:id/event.ics", h.EventCalendar)
	e.GET("/calendars/:token/meetups.ics", h.MemberCalendar) // the settings page shows it (web/app)
}
