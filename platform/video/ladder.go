package video

import "fmt"

// Rendition is one HLS variant. Height is the short side of the picture, so a
// portrait video gets the same ladder as a landscape one (a 1080×1920 phone
// clip is "1080p", scaled to 1080 wide).
type Rendition struct {
	Name      string // directory name and HLS variant name, e.g. "720p"
	Height    int    // short side in pixels, even
	VideoKbps int
	AudioKbps int
}

// standardLadder is the usual 16:9 ladder at H.264 bitrates that keep screen
// recordings and talking heads sharp at veryfast.
var standardLadder = []Rendition{
	{Name: "360p", Height: 360, VideoKbps: 800, AudioKbps: 96},
	{Name: "480p", Height: 480, VideoKbps: 1400, AudioKbps: 128},
	{Name: "720p", Height: 720, VideoKbps: 2800, AudioKbps: 128},
	{Name: "1080p", Height: 1080, VideoKbps: 5000, AudioKbps: 128},
}

// Ladder picks the renditions suited to the source, lowest first: every
// standard rung whose height is at most the source's short side (never
// upscaling, which would cost bandwidth and add no detail). A source below
// 360p gets a single rendition at its own size, rounded down to even (H.264
// with 4:2:0 chroma needs even dimensions).
func Ladder(p *Probe) []Rendition {
	if p == nil {
		return nil
	}
	short := min(p.Width, p.Height)
	var out []Rendition
	for _, r := range standardLadder {
		if r.Height <= short {
			out = append(out, r)
		}
	}
	if len(out) > 0 || short < 2 {
		return out
	}
	h := short &^ 1
	// Bitrate falls with the pixel count, with a floor below which H.264
	// turns into blocks.
	kbps := max(150, 800*h*h/(360*360))
	return []Rendition{{Name: fmt.Sprintf("%dp", h), Height: h, VideoKbps: kbps, AudioKbps: 96}}
}
