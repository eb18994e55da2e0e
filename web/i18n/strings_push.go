package i18n

// pushStrings are the titles of Web Push messages (web/push) and the
// settings page's opt-in for this browser.
var pushStrings = map[string]string{
	"push.title.mention":        "%s mentioned you",
	"push.title.status":         "%s just posted",
	"push.title.reblog":         "%s boosted your post",
	"push.title.follow":         "%s is now following you",
	"push.title.follow_request": "%s asked to follow you",
	"push.title.favourite":      "%s liked your post",
	"push.title.poll":           "A poll %s ran has ended",
	"push.title.update":         "%s changed a post you answered",
	"push.title.admin.sign_up":  "%s signed up",
	"push.title.admin.report":   "%s sent a report",
	"push.title.other":          "News from %s",

	"push.settings.title":   "Notifications on this device",
	"push.settings.hint":    "Get a notification on this device when someone mentions you, follows you or answers you, even when Village is closed. Each browser chooses for itself.",
	"push.settings.enable":  "Turn on notifications on this device",
	"push.settings.disable": "Turn off notifications on this device",
	"push.settings.on":      "Notifications are on for this device.",
	"push.settings.off":     "Notifications are off for this device.",
	"push.settings.denied":  "This browser blocks notifications from Village: allow them in the browser's site settings first.",
	"push.settings.failed":  "That did not work. Please try again.",
	"push.error.endpoint":   "The push endpoint must be an https URL of a public server",
	"push.error.keys":       "The subscription's keys must be a P-256 public key (p256dh) and a 16-byte auth secret, base64url",
	"push.error.policy":     "The policy must be all, followed, follower or none",
	"push.error.missing":    "The subscription needs an endpoint and keys",
}
