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
