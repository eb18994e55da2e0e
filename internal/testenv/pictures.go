package testenv

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"testing"
)

// Pictures for tests of uploads: a phone photo full of metadata, and the
// files an upload must refuse. Each is made here, so that a test says what
// it sends.

// MetadataMarkers are what the metadata of PhotoWithMetadata carries,
// which no stored picture may contain.
func MetadataMarkers() []string {
	return []string{
		"Exif\x00\x00",                 // the EXIF APP1 header
		"GPS 40.6782 N 73.9442 W",      // a GPS position, also as text
		"http://ns.adobe.com/xap/1.0/", // the XMP APP1 header
		"<x:xmpmeta",                   // XMP itself
		"ICC_PROFILE",                  // an ICC profile (APP2)
		"Taken at Prospect Park",       // a JPEG comment
	}
}

// PhotoWithMetadata is a w×h JPEG as a phone writes it: an EXIF APP1
// segment whose IFD0 holds an Orientation and a GPS IFD with latitude and
// longitude (and a description naming the place), an XMP APP1 segment, an
// ICC profile in APP2 and a comment. orientation is the EXIF Orientation
// (1: upright as stored).
func PhotoWithMetadata(t testing.TB, w, h, orientation int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			// Red grows to the right, green downwards: a test can tell
			// which way the stored picture was turned.
			img.Set(x, y, color.RGBA{uint8(255 * x / max(1, w-1)), uint8(255 * y / max(1, h-1)), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()
	var segs []byte
	segs = append(segs, segment(0xE1, append([]byte("Exif\x00\x00"), exifWithGPS(orientation)...))...)
	segs = append(segs, segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"+
		"<exif:GPSLatitude>40,40.692N</exif:GPSLatitude></x:xmpmeta>"))...)
	segs = append(segs, segment(0xE2, []byte("ICC_PROFILE\x00\x01\x01fake profile"))...)
	segs = append(segs, segment(0xFE, []byte("Taken at Prospect Park"))...)
	out := append(append(append([]byte{}, plain[:2]...), segs...), plain[2:]...)
	if _, _, err := image.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("testenv: the photo with metadata does not decode: %v", err)
	}
	return out
}

// segment is a JPEG marker segment.
func segment(marker byte, payload []byte) []byte {
	n := len(payload) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, payload...)
}

// exifWithGPS is a big-endian TIFF structure: IFD0 with ImageDescription,
// Orientation and a GPSInfo pointer, then the GPS IFD.
func exifWithGPS(orientation int) []byte {
	be := binary.BigEndian
	desc := []byte("GPS 40.6782 N 73.9442 W\x00")
	const ifd0 = 8
	const ifd0Entries = 3
	gpsIFD := ifd0 + 2 + 12*ifd0Entries + 4
	const gpsEntries = 4
	data := gpsIFD + 2 + 12*gpsEntries + 4 // where values that do not fit an entry go
	latAt, lonAt, descAt := data, data+24, data+48
	var b bytes.Buffer
	b.WriteString("MM\x00\x2a")
	binary.Write(&b, be, uint32(ifd0))
	entry := func(tag, typ uint16, count, value uint32) {
		binary.Write(&b, be, tag)
		binary.Write(&b, be, typ)
		binary.Write(&b, be, count)
		binary.Write(&b, be, value)
	}
	binary.Write(&b, be, uint16(ifd0Entries))
	entry(0x010E, 2, uint32(len(desc)), uint32(descAt)) // ImageDescription
	entry(0x0112, 3, 1, uint32(orientation)<<16)        // Orientation: a SHORT, left-justified
	entry(0x8825, 4, 1, uint32(gpsIFD))                 // GPSInfo
	binary.Write(&b, be, uint32(0))
	binary.Write(&b, be, uint16(gpsEntries))
	entry(0x0001, 2, 2, uint32('N')<<24) // GPSLatitudeRef
	entry(0x0002, 5, 3, uint32(latAt))   // GPSLatitude
	entry(0x0003, 2, 2, uint32('W')<<24) // GPSLongitudeRef
	entry(0x0004, 5, 3, uint32(lonAt))   // GPSLongitude
	binary.Write(&b, be, uint32(0))
	for _, r := range []uint32{40, 1, 40, 1, 4152, 100, 73, 1, 56, 1, 3912, 100} { // 40°40'41.52", 73°56'39.12"
		binary.Write(&b, be, r)
	}
	b.Write(desc)
	return b.Bytes()
}

// JPEGMarkers lists the markers of a JPEG's segments before its pixels
// (0xE1 is APP1, where EXIF and XMP live; 0xE2 APP2; 0xFE a comment).
func JPEGMarkers(data []byte) []byte {
	var out []byte
	for i := 2; i+4 <= len(data) && data[i] == 0xFF; {
		m := data[i+1]
		out = append(out, m)
		if m == 0xDA {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
	return out
}

// NoMetadata fails the test when a stored picture still carries any of
// MetadataMarkers or, as a JPEG, an APP1, APP2 or comment segment.
func NoMetadata(t testing.TB, what string, data []byte) {
	t.Helper()
	for _, m := range MetadataMarkers() {
		if bytes.Contains(data, []byte(m)) {
			t.Errorf("%s still carries %q", what, m)
		}
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		for _, m := range JPEGMarkers(data) {
			if m == 0xE1 || m == 0xE2 || m == 0xFE {
				t.Errorf("%s has a JPEG segment 0xFF%02X (APP1: EXIF or XMP; APP2: ICC; FE: comment)", what, m)
			}
		}
	}
}

// PNGBomb is a PNG of a few dozen bytes whose header declares w×h pixels:
// decoding it would take w·h·4 bytes of memory (a decompression bomb).
func PNGBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	chunk("IHDR", append(ihdr, 8, 6, 0, 0, 0)) // 8-bit RGBA
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 4096)) // the start of a sea of zeros
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// Polyglot starts as a JPEG (SOI and a JFIF APP0 segment) and goes on
// with an HTML page: its name and first bytes say picture, the rest is not.
func Polyglot() []byte {
	head := append([]byte{0xFF, 0xD8}, segment(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))...)
	return append(head, []byte("<html><body><script>alert(document.cookie)</script></body></html>")...)
}

// ScriptAsPicture is an HTML page with a script, for uploading as "photo.jpg".
func ScriptAsPicture() []byte {
	return []byte("<!doctype html><html><body><script>fetch('/api/v1/accounts/verify_credentials')</script></body></html>")
}

// AnimatedGIF is a w×h GIF of two frames: red, then blue.
func AnimatedGIF(t testing.TB, w, h int) []byte {
	t.Helper()
	palette := color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}}
	anim := &gif.GIF{}
	for i := range 2 {
		frame := image.NewPaletted(image.Rect(0, 0, w, h), palette)
		for p := range frame.Pix {
			frame.Pix[p] = uint8(i)
		}
		anim.Image = append(anim.Image, frame)
		anim.Delay = append(anim.Delay, 50)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TinyWebP is a 1×1 lossless WebP (the one browsers' feature tests use).
func TinyWebP(t testing.TB) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
