package models

import (
	"regexp"
	"unicode/utf8"
)

// What a post may carry today, in one place: the client API's instance
// document tells apps these figures, and the API and the web app enforce
// them. The issue that brings polls changes them here.

// CharactersReservedPerURL is what a link counts towards MaxPostLength,
// however long it is, as on Mastodon: apps count the same way.
const CharactersReservedPerURL = 23

// MediaLimits are the attachments a local post may carry.
type MediaLimits struct {
	MaxAttachments     int      // per post
	SupportedMIMETypes []string // what uploads may be
	ImageSizeLimit     int      // bytes
	ImageMatrixLimit   int      // width × height, in pixels
	VideoSizeLimit     int      // bytes
	VideoFrameRate     int
	VideoMatrixLimit   int
	DescriptionLimit   int // characters of alt text
}

// PostMediaLimits are what uploads may be: the figures the upload code
// (web/media, the client API and the compose form) enforces, from the
// constants of media.go. Village takes still pictures only, so the video
// limits are 0.
func PostMediaLimits() MediaLimits {
	return MediaLimits{MaxAttachments: MaxMediaAttachments, SupportedMIMETypes: ImageTypes(),
		ImageSizeLimit: MaxImageBytes, ImageMatrixLimit: MaxImagePixels, DescriptionLimit: MaxMediaDescription}
}

// PollLimits are the polls a local post may carry.
type PollLimits struct {
	MaxOptions             int
	MaxCharactersPerOption int
	MinExpiration          int // seconds
	MaxExpiration          int
}

// PostPollLimits are the limits of poll.go, as the instance document says them.
func PostPollLimits() PollLimits {
	return PollLimits{MaxOptions: MaxPollOptions, MaxCharactersPerOption: MaxPollOptionChars,
		MinExpiration: int(MinPollExpiration.Seconds()), MaxExpiration: int(MaxPollExpiration.Seconds())}
}

// linkInText is what counts as a link when a post's length is measured.
var linkInText = regexp.MustCompile(`https?://[^\s<>"]+`)

// PostLength is a post's length as MaxPostLength measures it: characters,
// with each link counting CharactersReservedPerURL.
func PostLength(text string) int {
	n := utf8.RuneCountInString(text)
	for _, link := range linkInText.FindAllString(text, -1) {
		n += CharactersReservedPerURL - utf8.RuneCountInString(link)
	}
	return n
}
