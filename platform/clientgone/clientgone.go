// Package clientgone notices a client that went away while its request is
// still being worked on: HTTP/1 servers (fasthttp among them) only find out
// when they write the answer, so a server would go on decoding an image
// nobody waits for. Watch peeks at the connection now and then (without
// reading anything a later request would need) and cancels a context when
// the client has closed it.
package clientgone

import (
	"context"
	"net"
	"time"
)

// Every is how often Watch looks at the connection.
const Every = 100 * time.Millisecond

// Watch returns a context derived from ctx that is cancelled when the
// client at the other end of conn closes the connection or resets it, and
// a stop function to call when the request is done. A connection it cannot
// look at (not a socket: an in-memory test connection, a platform without
// peeking) is not watched.
func Watch(ctx context.Context, conn net.Conn) (context.Context, func()) {
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok { // TLS
		conn = nc.NetConn()
	}
	peek := peeker(conn)
	if peek == nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(Every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if peek() {
					cancel(ErrGone)
					return
				}
			}
		}
	}()
	return ctx, func() {
		close(done)
		cancel(nil)
	}
}

// ErrGone is the cause of a context Watch cancelled.
var ErrGone = errGone{}

type errGone struct{}

func (errGone) Error() string { return "clientgone: the client closed the connection" }
