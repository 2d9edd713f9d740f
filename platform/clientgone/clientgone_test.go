package clientgone

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

func pair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// A client that closes its end cancels the context; one that is still
// there (even with unread bytes waiting) does not, and nothing is read.
func TestWatch(t *testing.T) {
	server, client := pair(t)
	ctx, stop := Watch(context.Background(), server)
	defer stop()
	if _, err := client.Write([]byte("next request")); err != nil {
		t.Fatal(err)
	}
	// Several looks at a live connection with pending data change nothing.
	peek := peeker(server)
	for range 3 {
		if peek() {
			t.Fatal("a live client seen as gone")
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("cancelled while the client is there: %v", context.Cause(ctx))
	}
	buf := make([]byte, 12)
	if _, err := server.Read(buf); err != nil || string(buf) != "next request" {
		t.Fatalf("the pending bytes were consumed: %q, %v", buf, err)
	}
	client.Close()
	select {
	case <-ctx.Done():
		if !errors.Is(context.Cause(ctx), ErrGone) {
			t.Fatalf("cause %v", context.Cause(ctx))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a closed connection was not noticed")
	}
}

// Stop ends the watch; a connection that is not a socket is not watched.
func TestWatchStopAndNoSocket(t *testing.T) {
	server, _ := pair(t)
	ctx, stop := Watch(context.Background(), server)
	stop()
	if ctx.Err() == nil {
		t.Fatal("stop left the context live")
	}
	if errors.Is(context.Cause(ctx), ErrGone) {
		t.Fatal("stop reported the client gone")
	}
	// A pipe cannot be peeked at: Watch hands back the parent itself (a
	// watched context would be a new one), whatever happens to the pipe.
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	type key struct{}
	parent := context.WithValue(context.Background(), key{}, "parent")
	ctx, stop = Watch(parent, a)
	defer stop()
	if ctx != parent {
		t.Fatal("a pipe is not a socket, yet Watch watches it")
	}
}
