package imaging

import (
	"bytes"
	"encoding/binary"
)

// complete reports whether data has the structure of a whole image of its
// format: the chunks, blocks or markers that carry pixel data, up to where a
// decoder would stop. It reads no pixels and allocates nothing, so it can
// be asked before trusting what a header declares.
func complete(format string, data []byte) bool {
	switch format {
	case PNG:
		return completePNG(data)
	case GIF:
		return completeGIF(data)
	case JPEG:
		// Entropy-coded data starts at a start-of-scan marker.
		return bytes.Contains(data, []byte{0xff, 0xda})
	case WebP:
		// RIFF size: everything after the first 8 bytes.
		return len(data) >= 20 && int64(binary.LittleEndian.Uint32(data[4:8]))+8 <= int64(len(data))
	}
	return false
}

// completePNG walks the chunks: at least one IDAT, then IEND, each chunk
// whole.
func completePNG(data []byte) bool {
	const sig = 8
	idat := false
	for off := sig; off+12 <= len(data); {
		n := int64(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		end := int64(off) + 12 + n
		if end > int64(len(data)) {
			return false
		}
		switch typ {
		case "IDAT":
			idat = true
		case "IEND":
			return idat
		}
		off = int(end)
	}
	return false
}

// completeGIF walks the blocks up to the end of the first image (what
// gif.Decode reads): extensions, then an image descriptor with its table
// and data sub-blocks.
func completeGIF(data []byte) bool {
	off := 13 // header and logical screen descriptor
	if len(data) < off {
		return false
	}
	if flags := data[10]; flags&0x80 != 0 {
		off += 3 << (flags&7 + 1)
	}
	// subBlocks skips a run of sub-blocks ended by a zero-length one.
	subBlocks := func(off int) int {
		for off < len(data) {
			n := int(data[off])
			off++
			if n == 0 {
				return off
			}
			off += n
		}
		return -1
	}
	for off < len(data) {
		switch data[off] {
		case 0x21: // extension: label, then sub-blocks
			if off = subBlocks(off + 2); off < 0 {
				return false
			}
		case 0x2c: // image descriptor
			if off+10 > len(data) {
				return false
			}
			flags := data[off+9]
			off += 10
			if flags&0x80 != 0 {
				off += 3 << (flags&7 + 1)
			}
			// LZW minimum code size, then the data.
			return off < len(data) && subBlocks(off+1) > 0
		default: // the trailer, or not a block at all
			return false
		}
	}
	return false
}

// jpegCoeffBytes is what image/jpeg allocates, beyond the decoded frame, to
// decode a progressive JPEG: every component's DCT coefficients for the whole
// image, kept between scans (a block of 64 int32s per 8×8 pixels, so 4 bytes
// a pixel for each full-resolution component, less for subsampled chroma).
// A baseline JPEG, or data whose frame header cannot be found, costs 0 here;
// the header parse has already accepted the file by then.
func jpegCoeffBytes(data []byte) int64 {
	const blockBytes = 64 * 4
	off := 2 // SOI
	for off+4 <= len(data) {
		if data[off] != 0xff {
			return 0
		}
		marker := data[off+1]
		switch {
		case marker == 0xff: // fill byte
			off++
			continue
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd7: // no length
			off += 2
			continue
		case marker == 0xda, marker == 0xd9: // start of scan, end of image
			return 0
		}
		n := int(binary.BigEndian.Uint16(data[off+2:]))
		seg := data[off+4:]
		if n < 2 || len(seg) < n-2 {
			return 0
		}
		seg = seg[:n-2]
		switch marker {
		case 0xc0, 0xc1:
			return 0
		case 0xc2:
			// precision, height, width, component count, then 3 bytes a
			// component: id, sampling factors (h<<4|v), quantisation table.
			if len(seg) < 6 {
				return 0
			}
			h, w := int64(binary.BigEndian.Uint16(seg[1:])), int64(binary.BigEndian.Uint16(seg[3:]))
			nComp := int(seg[5])
			if nComp == 0 || len(seg) < 6+3*nComp {
				return 0
			}
			sampling := func(i int) (int64, int64) {
				if nComp == 1 { // image/jpeg ignores a grey image's factors
					return 1, 1
				}
				f := seg[6+3*i+1]
				return int64(f >> 4), int64(f & 0x0f)
			}
			// As image/jpeg: MCUs sized by the first component's factors.
			h0, v0 := sampling(0)
			if h0 == 0 || v0 == 0 {
				return 0
			}
			mxx := (w + 8*h0 - 1) / (8 * h0)
			myy := (h + 8*v0 - 1) / (8 * v0)
			var total int64
			for i := range nComp {
				hi, vi := sampling(i)
				total += mxx * myy * hi * vi * blockBytes
			}
			return total
		}
		off += 2 + n
	}
	return 0
}
