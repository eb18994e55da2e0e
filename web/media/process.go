// Package media turns what people upload into pictures Village can keep
// and show: every upload is typed by its first bytes, decoded (its size
// checked before its pixels), turned upright, shrunk, and encoded again
// from its pixels alone, so that no EXIF, GPS, XMP, ICC profile or comment
// survives (photos of children). Originals are never kept. Files live
// behind Store (a local folder today); Library records photos in the
// database, serves the files, and removes what nobody will show again.
// The web app and the client API share it, and other servers fetch what
// it serves.
package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"

	"github.com/bbrks/go-blurhash"
	"golang.org/x/image/webp"

	"github.com/village-social/village/models"
)

// Sizes pictures are stored at, in pixels.
const (
	// PhotoSide bounds a photo's longer side: enough for a large screen.
	PhotoSide = 2560
	// PreviewSide bounds a photo's preview (Mastodon's preview_url).
	PreviewSide = 640
	// AvatarSide bounds a profile picture (Mastodon's is 400 × 400).
	AvatarSide = 400
	// HeaderWidth and HeaderHeight bound a profile's banner (Mastodon's 1500 × 500).
	HeaderWidth, HeaderHeight = 1500, 500
	// blurhashSide is the size of the copy a blurhash is computed from:
	// a blurhash holds a few colours, and every pixel costs.
	blurhashSide = 64
	// jpegQuality is what opaque pictures are encoded with.
	jpegQuality = 85
)

// Why an upload is refused; each is a 4xx for the one who sent it.
var (
	ErrNotImage      = errors.New("media: not a JPEG, PNG, WebP or GIF picture")
	ErrDamaged       = errors.New("media: the picture cannot be read: it is damaged or not what it starts as")
	ErrTooLarge      = fmt.Errorf("media: the file is larger than %d MB", models.MaxImageBytes>>20)
	ErrTooManyPixels = fmt.Errorf("media: the picture has more than %d pixels", models.MaxImagePixels)
)

// Box is the most a stored picture may measure; larger ones are shrunk to
// fit, keeping their shape.
type Box struct{ Width, Height int }

// Kind is what a picture is for, which decides its size and folder.
type Kind int

// The kinds of pictures Village keeps.
const (
	Photo  Kind = iota // in a post, with a preview
	Avatar             // a profile picture
	Header             // a profile's banner
)

// box is the most a picture of the kind measures.
func (k Kind) box() Box {
	switch k {
	case Avatar:
		return Box{AvatarSide, AvatarSide}
	case Header:
		return Box{HeaderWidth, HeaderHeight}
	}
	return Box{PhotoSide, PhotoSide}
}

// preview is the box of the kind's preview; the zero Box for none.
func (k Kind) preview() Box {
	if k == Photo {
		return Box{PreviewSide, PreviewSide}
	}
	return Box{}
}

// folder is where the store keeps pictures of the kind.
func (k Kind) folder() string {
	switch k {
	case Avatar:
		return AvatarsFolder
	case Header:
		return HeadersFolder
	}
	return PhotosFolder
}

// Encoded is a picture ready to store: JPEG when opaque, PNG otherwise.
type Encoded struct {
	Body          []byte
	ContentType   string // image/jpeg or image/png
	Ext           string // .jpg or .png
	Width, Height int
}

// Picture is what processing an upload gives: the picture, its preview
// (when asked for) and the blurhash apps show while it loads.
type Picture struct {
	Full     Encoded
	Preview  *Encoded
	Blurhash string
}

// Processor decodes and encodes pictures, a few at a time: decoding a
// large one takes hundreds of megabytes for a moment, and many at once
// must not exhaust the machine.
type Processor struct {
	slots chan struct{}
}

// NewProcessor returns a Processor working on at most n pictures at once.
func NewProcessor(n int) *Processor {
	return &Processor{slots: make(chan struct{}, max(1, n))}
}

// Process checks an upload and makes the picture of kind k to store, and
// its preview when the kind has one. The errors above mean the upload is
// refused; others are ours.
func (p *Processor) Process(ctx context.Context, data []byte, k Kind) (*Picture, error) {
	if len(data) > models.MaxImageBytes {
		return nil, ErrTooLarge
	}
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	img, err := decode(data)
	if err != nil {
		return nil, err
	}
	o := 1
	if sniff(data) == formatJPEG {
		o = jpegOrientation(data)
	}
	box := k.box()
	if o >= 5 { // turned a quarter after fitting: fit the turned box
		box = Box{box.Height, box.Width}
	}
	full := orient(fit(img, box), o)
	out := &Picture{}
	if out.Full, err = encode(full); err != nil {
		return nil, err
	}
	small := full
	if k.preview() != (Box{}) {
		small = fit(full, k.preview())
		enc, err := encode(small)
		if err != nil {
			return nil, err
		}
		out.Preview = &enc
	}
	if out.Blurhash, err = blurhash.Encode(4, 4, fit(small, Box{blurhashSide, blurhashSide})); err != nil {
		return nil, fmt.Errorf("media: blurhash: %w", err)
	}
	return out, nil
}

// decode reads an upload of a known format, refusing it before decoding
// its pixels when it declares too many. An animated GIF gives its first
// frame: Village keeps still pictures only.
func decode(data []byte) (image.Image, error) {
	var decodeConfig func([]byte) (image.Config, error)
	var decodeImage func([]byte) (image.Image, error)
	switch sniff(data) {
	case formatJPEG:
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decodeImage = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case formatPNG:
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decodeImage = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case formatGIF:
		decodeConfig = func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) }
		decodeImage = func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }
	case formatWebP:
		decodeConfig = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		decodeImage = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	default:
		return nil, ErrNotImage
	}
	cfg, err := decodeConfig(data)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, ErrDamaged
	}
	if int64(cfg.Width)*int64(cfg.Height) > models.MaxImagePixels {
		return nil, ErrTooManyPixels
	}
	img, err := decodeImage(data)
	if err != nil {
		return nil, ErrDamaged
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, ErrDamaged // the pixels are not what the header declared
	}
	return img, nil
}

// fit draws img into a new RGBA picture no larger than box, keeping its
// shape; a smaller picture keeps its size. Drawing from the pixels is what
// leaves every kind of metadata behind.
func fit(img image.Image, box Box) *image.RGBA {
	b := img.Bounds()
	src, ok := img.(*image.RGBA)
	if !ok || b.Min != (image.Point{}) {
		src = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	}
	sw, sh := b.Dx(), b.Dy()
	dw, dh := sw, sh
	if sw > box.Width || sh > box.Height {
		if sw*box.Height >= sh*box.Width { // wider than the box
			dw, dh = box.Width, max(1, (sh*box.Width+sw/2)/sw)
		} else {
			dw, dh = max(1, (sw*box.Height+sh/2)/sh), box.Height
		}
	}
	if dw == sw && dh == sh {
		if src == img { // never hand back the caller's picture
			out := image.NewRGBA(src.Rect)
			copy(out.Pix, src.Pix)
			return out
		}
		return src
	}
	return shrink(src, dw, dh)
}

// shrink averages, for each pixel of a dw×dh picture, the area of src it
// covers (a box filter: every source pixel is read once, which keeps a
// 12-megapixel photo fast). Colours are averaged premultiplied, as RGBA
// holds them, so transparent pixels do not darken edges.
func shrink(src *image.RGBA, dw, dh int) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		y0, y1 := dy*sh/dh, max((dy+1)*sh/dh, dy*sh/dh+1)
		for dx := range dw {
			x0, x1 := dx*sw/dw, max((dx+1)*sw/dw, dx*sw/dw+1)
			var r, g, bl, a, n uint64
			for y := y0; y < y1; y++ {
				row := src.Pix[y*src.Stride+x0*4 : y*src.Stride+x1*4]
				for i := 0; i < len(row); i += 4 {
					r += uint64(row[i])
					g += uint64(row[i+1])
					bl += uint64(row[i+2])
					a += uint64(row[i+3])
				}
				n += uint64(x1 - x0)
			}
			o := dst.PixOffset(dx, dy)
			dst.Pix[o] = uint8((r + n/2) / n)
			dst.Pix[o+1] = uint8((g + n/2) / n)
			dst.Pix[o+2] = uint8((bl + n/2) / n)
			dst.Pix[o+3] = uint8((a + n/2) / n)
		}
	}
	return dst
}

// encode writes an opaque picture as JPEG and one with transparency as
// PNG, from its pixels alone.
func encode(img *image.RGBA) (Encoded, error) {
	var buf bytes.Buffer
	out := Encoded{ContentType: "image/png", Ext: ".png", Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
	var err error
	if img.Opaque() {
		out.ContentType, out.Ext = "image/jpeg", ".jpg"
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		return Encoded{}, fmt.Errorf("media: encode: %w", err)
	}
	out.Body = buf.Bytes()
	return out, nil
}
