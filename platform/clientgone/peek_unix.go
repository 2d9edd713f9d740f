//go:build unix

package clientgone

import (
	"errors"
	"net"
	"syscall"
)

// peeker returns a function reporting whether the peer closed conn: a
// non-blocking MSG_PEEK that finds the end of the stream (or a reset).
// Pending data means the client is there; it is left unread.
func peeker(conn net.Conn) func() bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return func() bool {
		gone := false
		err := raw.Control(func(fd uintptr) {
			var b [1]byte
			n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch {
			case err == nil:
				gone = n == 0
			case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
				gone = true
			}
		})
		// A connection the server already closed is not watched further.
		return err == nil && gone
	}
}
