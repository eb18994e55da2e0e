package media_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web/media"
)

func process(t *testing.T, data []byte, k media.Kind) (*media.Picture, error) {
	t.Helper()
	return media.NewProcessor(1).Process(context.Background(), data, k)
}

func decodeEncoded(t *testing.T, e media.Encoded) image.Image {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(e.Body))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"jpeg": "image/jpeg", "png": "image/png"}[format]; want != e.ContentType {
		t.Errorf("content type %q, but the bytes are %s", e.ContentType, format)
	}
	if b := img.Bounds(); b.Dx() != e.Width || b.Dy() != e.Height {
		t.Errorf("said %dx%d, is %dx%d", e.Width, e.Height, b.Dx(), b.Dy())
	}
	return img
}

func TestProcessDropsEveryKindOfMetadata(t *testing.T) {
	t.Parallel()
	photo := testenv.PhotoWithMetadata(t, 600, 400, 1)
	for _, m := range testenv.MetadataMarkers() {
		if !bytes.Contains(photo, []byte(m)) {
			t.Fatalf("the test photo lacks %q: the test would prove nothing", m)
		}
	}
	pic, err := process(t, photo, media.Photo)
	if err != nil {
		t.Fatal(err)
	}
	testenv.NoMetadata(t, "picture", pic.Full.Body)
	testenv.NoMetadata(t, "preview", pic.Preview.Body)
	decodeEncoded(t, pic.Full)
	decodeEncoded(t, *pic.Preview)
	if pic.Full.ContentType != "image/jpeg" || pic.Full.Width != 600 || pic.Full.Height != 400 {
		t.Errorf("picture %s %dx%d, want the opaque photo as a 600x400 JPEG", pic.Full.ContentType, pic.Full.Width, pic.Full.Height)
	}
	if len(pic.Blurhash) < 6 {
		t.Errorf("blurhash %q", pic.Blurhash)
	}
}

func TestProcessFitsEachKindInItsBox(t *testing.T) {
	t.Parallel()
	wide := testenv.PhotoWithMetadata(t, 3000, 1000, 1)
	tests := []struct {
		name           string
		data           []byte
		kind           media.Kind
		w, h           int
		previewW, prvH int // 0: no preview
	}{
		{"photo wider than the limit", wide, media.Photo, media.PhotoSide, 853, media.PreviewSide, 213},
		{"avatar", wide, media.Avatar, media.AvatarSide, 133, 0, 0},
		{"header: the box is wide", wide, media.Header, media.HeaderWidth, 500, 0, 0},
		{"small photo keeps its size", testenv.PhotoWithMetadata(t, 320, 200, 1), media.Photo, 320, 200, 320, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pic, err := process(t, tt.data, tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			if pic.Full.Width != tt.w || pic.Full.Height != tt.h {
				t.Errorf("picture %dx%d, want %dx%d", pic.Full.Width, pic.Full.Height, tt.w, tt.h)
			}
			switch {
			case tt.previewW == 0 && pic.Preview != nil:
				t.Errorf("a preview of %dx%d, want none", pic.Preview.Width, pic.Preview.Height)
			case tt.previewW != 0 && (pic.Preview == nil || pic.Preview.Width != tt.previewW || pic.Preview.Height != tt.prvH):
				t.Errorf("preview %+v, want %dx%d", pic.Preview, tt.previewW, tt.prvH)
			}
		})
	}
}

func TestProcessTurnsPhotosUprightAsTheirEXIFSays(t *testing.T) {
	t.Parallel()
	// Stored 300x200, red growing to the right and green downwards; EXIF 6
	// says "turn a quarter clockwise to show": the stored bottom-left
	// corner (no red, full green) becomes the top-left one.
	pic, err := process(t, testenv.PhotoWithMetadata(t, 300, 200, 6), media.Photo)
	if err != nil {
		t.Fatal(err)
	}
	img := decodeEncoded(t, pic.Full)
	if pic.Full.Width != 200 || pic.Full.Height != 300 {
		t.Fatalf("picture %dx%d, want 200x300 (turned)", pic.Full.Width, pic.Full.Height)
	}
	r, g, _, _ := img.At(2, 2).RGBA()
	if r>>8 > 60 || g>>8 < 190 {
		t.Errorf("top-left pixel r=%d g=%d, want the stored bottom-left one (r≈0, g≈255)", r>>8, g>>8)
	}
}

func TestProcessRefusesWhatIsNotAPicture(t *testing.T) {
	t.Parallel()
	var truncated bytes.Buffer
	if err := jpeg.Encode(&truncated, image.NewGray(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, media.ErrNotImage},
		{"plain text", []byte("Pick up the kids at 3."), media.ErrNotImage},
		{"a script named .jpg", testenv.ScriptAsPicture(), media.ErrNotImage},
		{"SVG (it can carry scripts)", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), media.ErrNotImage},
		{"a JPEG header, then HTML", testenv.Polyglot(), media.ErrDamaged},
		{"a JPEG cut in half", truncated.Bytes()[:truncated.Len()/2], media.ErrDamaged},
		{"a PNG declaring 20000x20000 pixels", testenv.PNGBomb(20000, 20000), media.ErrTooManyPixels},
		{"a PNG declaring 1x40000000 pixels", testenv.PNGBomb(1, 40_000_000), media.ErrTooManyPixels},
		{"more bytes than the limit", append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, models.MaxImageBytes)...), media.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pic, err := process(t, tt.data, media.Photo)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, %v; want %v", pic, err, tt.want)
			}
		})
	}
}

func TestProcessKeepsTheFirstFrameOfAnAnimatedGIF(t *testing.T) {
	t.Parallel()
	pic, err := process(t, testenv.AnimatedGIF(t, 40, 30), media.Photo)
	if err != nil {
		t.Fatal(err)
	}
	img := decodeEncoded(t, pic.Full)
	if r, _, b, _ := img.At(20, 15).RGBA(); r>>8 < 200 || b>>8 > 60 {
		t.Errorf("pixel r=%d b=%d, want the first frame's red", r>>8, b>>8)
	}
}

func TestProcessReadsWebPAndKeepsTransparencyAsPNG(t *testing.T) {
	t.Parallel()
	pic, err := process(t, testenv.TinyWebP(t), media.Photo)
	if err != nil {
		t.Fatal(err)
	}
	if pic.Full.Width != 1 || pic.Full.Height != 1 {
		t.Errorf("WebP read as %dx%d", pic.Full.Width, pic.Full.Height)
	}
	clear := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	clear.Set(1, 1, color.NRGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, clear); err != nil {
		t.Fatal(err)
	}
	if pic, err = process(t, buf.Bytes(), media.Avatar); err != nil {
		t.Fatal(err)
	}
	if pic.Full.ContentType != "image/png" {
		t.Errorf("a picture with transparency stored as %s, want image/png", pic.Full.ContentType)
	}
	decodeEncoded(t, pic.Full)
}

func TestParseFocusTakesMastodonsXY(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want media.Focus
		ok   bool
	}{
		{"", media.Focus{}, true},
		{"0.5,-0.25", media.Focus{X: 0.5, Y: -0.25}, true},
		{" -1 , 1 ", media.Focus{X: -1, Y: 1}, true},
		{"1.5,0", media.Focus{}, false},
		{"NaN,0", media.Focus{}, false},
		{"0.5", media.Focus{}, false},
		{"a,b", media.Focus{}, false},
	}
	for _, tt := range tests {
		got, err := media.ParseFocus(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseFocus(%q) = %v, %v", tt.in, got, err)
		}
	}
}

// BenchmarkProcess12MegapixelPhoto is a phone's photo (4000x3000) made
// into the stored picture, its preview and its blurhash.
func BenchmarkProcess12MegapixelPhoto(b *testing.B) {
	photo := testenv.PhotoWithMetadata(b, 4000, 3000, 1)
	p := media.NewProcessor(1)
	b.SetBytes(int64(len(photo)))
	b.ResetTimer()
	for range b.N {
		if _, err := p.Process(context.Background(), photo, media.Photo); err != nil {
			b.Fatal(err)
		}
	}
}
